"""Generates tests/SwarmMerge.Tests/Fixtures/tokenizers/ : small Hugging Face tokenizer folders and the
ids a Hugging Face tokenizer gives for them.

Usage:  /usr/bin/python3 tools/make_tokenizer_fixtures.py      (needs the `sentencepiece` package)

Every vocabulary has at most 512 entries, special tokens included (the engine's model fixtures use
vocab_size 512). Expected ids come from independent sources:
  * SentencePiece models (tokenizer.model / spiece.model): the sentencepiece library itself;
    a special token inside the text splits it and each piece is encoded on its own (HF behaviour).
  * tokenizer.json files: hf_tokenizer_reference.py, a plain Python implementation of the HF
    pipeline. Where a tokenizer.json mirrors a SentencePiece model, both are computed and must agree
    (except where HF itself differs from SentencePiece, noted per case).
  * legacy files (vocab.json+merges.txt, vocab.txt): the same ids as the tokenizer.json they were
    converted from (HF converts the legacy files into exactly that tokenizer.json).

Cases written (the folder is deleted and rebuilt):
  gpt2_bpe, gpt2_bpe_legacy        byte-level BPE trained here; GPT-2 conventions (no specials added)
  roberta_bpe, roberta_bpe_legacy  byte-level BPE, RobertaProcessing, <mask> with lstrip
  bert_wordpiece, bert_wordpiece_legacy   uncased WordPiece, [CLS] a [SEP] b [SEP]
  llama_sp                         SentencePiece BPE with byte fallback (tokenizer.model), Llama 2 config
  llama_sp_json                    the same model as HF's LlamaConverter writes it (tokenizer.json, BPE)
  t5_unigram                       SentencePiece unigram with a custom normalization rule (spiece.model)
  t5_unigram_json                  the same model as HF's T5Converter writes it (tokenizer.json, Unigram)
"""

from __future__ import annotations

import base64
import collections
import io
import json
import os
import shutil
import sys
import tempfile

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import hf_tokenizer_reference as ref  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", "tests", "SwarmMerge.Tests", "Fixtures", "tokenizers"))
VOCAB_LIMIT = 512

CORPUS = """\
The quick brown fox jumps over the lazy dog. The dog sleeps in the sun, and the fox runs into the woods.
Model merging combines the weights of several fine-tuned models into one model without training.
A swarm of particles searches for good merging coefficients; each particle is scored on a small task set.
Hello world! Hello again, world. How's it going? I'm fine, thanks; you're very kind. We've seen it all.
They'll be here at 10:30 on 2024-06-01. The price was 12,345 dollars, or 3.14 times more than before.
Numbers like 0 1 2 3 4 5 6 7 8 9 10 42 100 2024 12345 appear in the text, as do words like token and tokenizer.
The café served a naïve coffee; her résumé mentioned Ångström units and the Zürich office.
Line breaks separate sentences.
Tabs	and spaces   appear   too.
A language model predicts the next token. An encoder reads the whole sentence; a decoder writes the answer.
Questions: what is the capital of France? Paris. What is two plus two? Four. Is the sky blue? Yes.
The movie was great and the acting was wonderful. The plot was boring and the ending was terrible.
Positive, negative, neutral: the sentiment of a review is a label. Premise and hypothesis form a pair.
""" * 3

# Test strings shared by all cases; {S} is replaced by a special token of the case.
COMMON_STRINGS = [
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    "Hello, world! How's it going? I'm fine; you're great.",
    "Numbers: 12345 and 3.14159, plus 2024-06-01.",
    "multiple   spaces    between words",
    " leading space",
    "line one\nline two\n\n  indented",
    "café naïve résumé Ångström",
    "日本語のテキスト",
    "emoji 🙂 and 👍🏽",
    "MiXeD CaSe WoRdS",
    "tab\tseparated\tvalues",
    "a",
    "",
    "Hello {S} world",
    "{S}start and end{S}",
]
TRAILING = ["trailing space ", "ends with newline\n"]
PAIRS = [("Hello world", "How are you?"), ("The premise.", "A hypothesis 12345")]


def write_json(path: str, obj) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")


def added_token(content: str, tid: int, special: bool = True, lstrip: bool = False, normalized: bool = False) -> dict:
    return {"id": tid, "content": content, "single_word": False, "lstrip": lstrip, "rstrip": False,
            "normalized": normalized, "special": special}


def added_tokens_decoder(tokens: list[dict]) -> dict:
    return {str(t["id"]): {k: t[k] for k in ("content", "lstrip", "normalized", "rstrip", "single_word", "special")}
            for t in tokens}


def strings_for(special: str, trailing: bool = True) -> list[str]:
    return [s.replace("{S}", special) for s in COMMON_STRINGS] + (TRAILING if trailing else [])


# ---------------------------------------------------------------------------------------------
# Byte-level BPE (GPT-2 / RoBERTa)
# ---------------------------------------------------------------------------------------------


def train_byte_level_bpe(n_merges: int) -> tuple[list[str], list[tuple[str, str]]]:
    """Plain BPE training on GPT-2 pre-tokenized, byte-mapped words: the most frequent adjacent pair
    is merged (ties: lexicographically smallest pair). Returns (base symbols, merges)."""
    words = collections.Counter()
    for piece in ref.gpt2_split(CORPUS):
        words[tuple(ref.BYTE_ENCODER[b] for b in piece.encode("utf-8"))] += 1
    merges: list[tuple[str, str]] = []
    for _ in range(n_merges):
        pairs = collections.Counter()
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        new_words = collections.Counter()
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new_words[tuple(out)] += c
        words = new_words
    base = [ref.BYTE_ENCODER[b] for b in range(256)]
    return base, merges


def byte_level_vocab(prefix_specials: list[str], suffix_specials: list[str]) -> tuple[dict[str, int], list[str]]:
    n_merges = VOCAB_LIMIT - 256 - len(prefix_specials) - len(suffix_specials)
    base, merges = train_byte_level_bpe(n_merges)
    vocab: dict[str, int] = {}
    for t in prefix_specials + base + [a + b for a, b in merges]:
        vocab.setdefault(t, len(vocab))
    for t in suffix_specials:
        vocab[t] = len(vocab)
    assert len(vocab) <= VOCAB_LIMIT, len(vocab)
    return vocab, [f"{a} {b}" for a, b in merges]


def byte_level_json(vocab, merges, added, post_processor) -> dict:
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": post_processor,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": merges},
    }


def write_legacy_bpe(folder: str, vocab: dict[str, int], merges: list[str]) -> None:
    write_json(os.path.join(folder, "vocab.json"), vocab)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(merges) + "\n")


def make_gpt2() -> None:
    eot = "<|endoftext|>"
    vocab, merges = byte_level_vocab([], [eot])
    added = [added_token(eot, vocab[eot])]
    tj = byte_level_json(vocab, merges, added,
                         {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True})
    config = {"add_bos_token": False, "add_prefix_space": False, "added_tokens_decoder": added_tokens_decoder(added),
              "bos_token": eot, "clean_up_tokenization_spaces": False, "eos_token": eot, "errors": "replace",
              "model_max_length": 1024, "pad_token": None, "tokenizer_class": "GPT2Tokenizer", "unk_token": eot}
    stm = {"bos_token": eot, "eos_token": eot, "unk_token": eot}
    r = ref.Reference(tj)
    expected = json_expected("gpt2_bpe", r, strings_for(eot), cleanup=False, pairs=PAIRS,
                             special={"bos": vocab[eot], "eos": vocab[eot], "unk": vocab[eot], "pad": None,
                                      "cls": None, "sep": None}, vocab_size=len(vocab))
    for case, legacy in (("gpt2_bpe", False), ("gpt2_bpe_legacy", True)):
        folder = new_case(case)
        if legacy:
            write_legacy_bpe(folder, vocab, merges)
        else:
            write_json(os.path.join(folder, "tokenizer.json"), tj)
        write_json(os.path.join(folder, "tokenizer_config.json"), config)
        write_json(os.path.join(folder, "special_tokens_map.json"), stm)
        write_json(os.path.join(folder, "expected.json"), dict(expected, case=case))


def make_roberta() -> None:
    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    vocab, merges = byte_level_vocab(specials, ["<mask>"])
    added = [added_token(t, vocab[t]) for t in specials] + [added_token("<mask>", vocab["<mask>"], lstrip=True)]
    tj = byte_level_json(vocab, merges, added,
                         {"type": "RobertaProcessing", "sep": ["</s>", vocab["</s>"]], "cls": ["<s>", vocab["<s>"]],
                          "trim_offsets": True, "add_prefix_space": False})
    config = {"add_prefix_space": False, "added_tokens_decoder": added_tokens_decoder(added), "bos_token": "<s>",
              "clean_up_tokenization_spaces": False, "cls_token": "<s>", "eos_token": "</s>", "errors": "replace",
              "mask_token": "<mask>", "model_max_length": 512, "pad_token": "<pad>", "sep_token": "</s>",
              "tokenizer_class": "RobertaTokenizer", "trim_offsets": True, "unk_token": "<unk>"}
    stm = {"bos_token": "<s>", "cls_token": "<s>", "eos_token": "</s>",
           "mask_token": {"content": "<mask>", "lstrip": True, "normalized": False, "rstrip": False, "single_word": False},
           "pad_token": "<pad>", "sep_token": "</s>", "unk_token": "<unk>"}
    r = ref.Reference(tj)
    strings = strings_for("</s>") + ["Fill the <mask> here", "<mask>"]
    expected = json_expected("roberta_bpe", r, strings, cleanup=False, pairs=PAIRS,
                             special={"bos": 0, "eos": 2, "unk": 3, "pad": 1, "cls": 0, "sep": 2}, vocab_size=len(vocab))
    for case, legacy in (("roberta_bpe", False), ("roberta_bpe_legacy", True)):
        folder = new_case(case)
        if legacy:
            write_legacy_bpe(folder, vocab, merges)
        else:
            write_json(os.path.join(folder, "tokenizer.json"), tj)
        write_json(os.path.join(folder, "tokenizer_config.json"), config)
        write_json(os.path.join(folder, "special_tokens_map.json"), stm)
        write_json(os.path.join(folder, "expected.json"), dict(expected, case=case))


# ---------------------------------------------------------------------------------------------
# WordPiece (BERT uncased)
# ---------------------------------------------------------------------------------------------


def train_wordpiece(specials: list[str]) -> list[str]:
    """A simple WordPiece vocabulary: specials, every character (and its ## form), then the most
    frequent whole words and ## suffixes until 512 entries."""
    words = collections.Counter(ref.bert_pre_tokenize(ref.bert_normalize(CORPUS, {})))
    vocab = list(specials)
    chars = sorted({c for w in words for c in w})
    vocab += chars + sorted({"##" + c for w in words for c in w[1:]})
    candidates = collections.Counter()
    for w, c in words.items():
        if len(w) > 1:
            candidates[w] += c * len(w)
        for k in range(2, min(5, len(w))):
            candidates["##" + w[-k:]] += c * k
    for tok, _ in sorted(candidates.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(vocab) >= VOCAB_LIMIT:
            break
        if tok not in vocab:
            vocab.append(tok)
    return vocab


def make_bert() -> None:
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokens = train_wordpiece(specials)
    vocab = {t: i for i, t in enumerate(tokens)}
    added = [added_token(t, vocab[t]) for t in specials]
    tj = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", vocab["[SEP]"]], "cls": ["[CLS]", vocab["[CLS]"]]},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }
    config = {"added_tokens_decoder": added_tokens_decoder(added), "clean_up_tokenization_spaces": True,
              "cls_token": "[CLS]", "do_basic_tokenize": True, "do_lower_case": True, "mask_token": "[MASK]",
              "model_max_length": 512, "never_split": None, "pad_token": "[PAD]", "sep_token": "[SEP]",
              "strip_accents": None, "tokenize_chinese_chars": True, "tokenizer_class": "BertTokenizer",
              "unk_token": "[UNK]"}
    stm = {"cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]", "sep_token": "[SEP]", "unk_token": "[UNK]"}
    r = ref.Reference(tj)
    strings = strings_for("[SEP]") + ["UPPER lower [MASK] Mixed", "don't stop", "a" * 120, "unaffable xyzzy"]
    expected = json_expected("bert_wordpiece", r, strings, cleanup=True, pairs=PAIRS,
                             special={"bos": None, "eos": None, "unk": 1, "pad": 0, "cls": 2, "sep": 3},
                             vocab_size=len(vocab))
    for case, legacy in (("bert_wordpiece", False), ("bert_wordpiece_legacy", True)):
        folder = new_case(case)
        with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(tokens) + "\n")
        if not legacy:
            write_json(os.path.join(folder, "tokenizer.json"), tj)
        write_json(os.path.join(folder, "tokenizer_config.json"), config)
        write_json(os.path.join(folder, "special_tokens_map.json"), stm)
        write_json(os.path.join(folder, "expected.json"), dict(expected, case=case))


# ---------------------------------------------------------------------------------------------
# SentencePiece
# ---------------------------------------------------------------------------------------------


def train_sentencepiece(model_type: str, vocab_size: int, **kwargs) -> bytes:
    """Trains in memory (no file paths end up in the model, so the output is reproducible)."""
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(CORPUS.splitlines()), model_writer=model, model_type=model_type,
                                   vocab_size=vocab_size, minloglevel=2, num_threads=1, **kwargs)
    return model.getvalue()


def read_varint(data: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def proto_field(data: bytes, field: int) -> bytes | None:
    """First length-delimited field `field` of a protobuf message (enough to pull out
    normalizer_spec (3) and its precompiled_charsmap (2) without the protobuf package)."""
    i = 0
    while i < len(data):
        key, i = read_varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, i = read_varint(data, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            length, i = read_varint(data, i)
            if number == field:
                return data[i:i + length]
            i += length
        else:
            raise ValueError(f"wire type {wire}")
    return None


def sp_encode(sp, text: str, specials: dict[str, int]) -> list[int]:
    """HF slow-tokenizer behaviour: split on special tokens, encode each piece with SentencePiece."""
    added = [{"content": t, "id": i} for t, i in specials.items()]
    ids: list[int] = []
    for piece, tok in ref.split_added(text, added):
        ids.extend([tok["id"]] if tok else sp.encode(piece))
    return ids


def sp_entries(sp, specials: dict[str, int], strings, template, unk_id: int) -> list[dict]:
    entries = []
    for s in strings:
        plain = sp_encode(sp, s, specials)
        entries.append({"text": s, "ids": template(plain), "ids_no_special": plain,
                        "decoded": None if unk_id in plain or any(i in specials.values() for i in plain) else sp.decode(plain),
                        "decoded_with_special": None})
    return entries


LLAMA_STRINGS_EXTRA = ["Zürich 🙂🙂 ∑"]


def make_llama() -> None:
    model = train_sentencepiece("bpe", VOCAB_LIMIT, byte_fallback=True, normalization_rule_name="identity",
                                remove_extra_whitespaces=False, add_dummy_prefix=True, split_digits=True,
                                unk_id=0, bos_id=1, eos_id=2, pad_id=-1, character_coverage=1.0)
    sp = spm.SentencePieceProcessor(model_proto=model)
    n = sp.get_piece_size()
    assert n <= VOCAB_LIMIT, n
    specials = {"<unk>": 0, "<s>": 1, "</s>": 2}
    strings = strings_for("</s>") + LLAMA_STRINGS_EXTRA
    template = lambda ids: [1] + ids  # noqa: E731  (add_bos_token true, add_eos_token false)
    added = [added_token(t, i) for t, i in specials.items()]
    config = {"add_bos_token": True, "add_eos_token": False, "added_tokens_decoder": added_tokens_decoder(added),
              "bos_token": "<s>", "clean_up_tokenization_spaces": False, "eos_token": "</s>", "legacy": True,
              "model_max_length": 2048, "pad_token": None, "sp_model_kwargs": {}, "tokenizer_class": "LlamaTokenizer",
              "unk_token": "<unk>"}
    stm = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}
    special_ids = {"bos": 1, "eos": 2, "unk": 0, "pad": None, "cls": None, "sep": None}

    folder = new_case("llama_sp")
    with open(os.path.join(folder, "tokenizer.model"), "wb") as f:
        f.write(model)
    write_json(os.path.join(folder, "tokenizer_config.json"), config)
    write_json(os.path.join(folder, "special_tokens_map.json"), stm)
    sp_pairs = [{"a": a, "b": b, "ids": template(sp_encode(sp, a, specials)) + template(sp_encode(sp, b, specials)),
                 "type_ids": [0] * (len(sp_encode(sp, a, specials)) + 1) + [1] * (len(sp_encode(sp, b, specials)) + 1)}
                for a, b in PAIRS]
    write_json(os.path.join(folder, "expected.json"),
               {"case": "llama_sp", "source": "sentencepiece " + spm.__version__, "vocab_size": n,
                "special": special_ids, "encode": sp_entries(sp, specials, strings, template, 0), "pairs": sp_pairs})

    # HF LlamaConverter (legacy): vocab in id order, merges for every pair of pieces whose
    # concatenation is a piece, ordered by the merged piece's score (then by the pair's ids).
    pieces = [sp.id_to_piece(i) for i in range(n)]
    vocab = {p: i for i, p in enumerate(pieces)}
    merges = []
    for merged_id, merged in enumerate(pieces):
        if sp.is_control(merged_id) or sp.is_unknown(merged_id) or sp.is_byte(merged_id):
            continue
        for k in range(1, len(merged)):
            a, b = merged[:k], merged[k:]
            if a in vocab and b in vocab:
                merges.append((-sp.get_score(merged_id), vocab[a], vocab[b], f"{a} {b}"))
    merges = [m[3] for m in sorted(merges)]
    tj = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
        "pre_tokenizer": None,
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                  "vocab": vocab, "merges": merges},
    }
    r = ref.Reference(tj)
    expected = json_expected("llama_sp_json", r, strings, cleanup=False, pairs=PAIRS, special=special_ids, vocab_size=n)
    for entry in expected["encode"]:  # the HF conversion must agree with SentencePiece itself
        assert entry["ids_no_special"] == sp_encode(sp, entry["text"], specials), entry["text"]
    folder = new_case("llama_sp_json")
    write_json(os.path.join(folder, "tokenizer.json"), tj)
    write_json(os.path.join(folder, "tokenizer_config.json"), dict(config, tokenizer_class="LlamaTokenizerFast"))
    write_json(os.path.join(folder, "special_tokens_map.json"), stm)
    write_json(os.path.join(folder, "expected.json"), expected)


# A custom SentencePiece normalization (what a precompiled charsmap encodes), small enough to keep
# the fixture tiny while exercising the charsmap: ligature, full-width letters, ideographic space.
T5_RULES = {"ﬁ": "fi", "Ａ": "A", "Ｂ": "B", "\u3000": " ", "①": "1", "\t": " ", "\n": " ", "\r": " "}
T5_STRINGS_EXTRA = ["ﬁne ＡＢ\u3000① text"]


def make_t5() -> None:
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # the rule file's path is stored in the model: keep it relative and fixed
        try:
            with open("rules.tsv", "w", encoding="utf-8") as f:
                for src, dst in T5_RULES.items():
                    f.write(" ".join(f"{ord(c):X}" for c in src) + "\t" + " ".join(f"{ord(c):X}" for c in dst) + "\n")
            model = train_sentencepiece("unigram", 200, normalization_rule_tsv="rules.tsv", pad_id=0, eos_id=1, unk_id=2,
                                        bos_id=-1, character_coverage=1.0)
        finally:
            os.chdir(cwd)
    sp = spm.SentencePieceProcessor(model_proto=model)
    n = sp.get_piece_size()
    extra = [f"<extra_id_{k}>" for k in range(3)]
    vocab_size = n + len(extra)
    specials = {"<pad>": 0, "</s>": 1, "<unk>": 2}
    added = [added_token(t, i) for t, i in specials.items()] + \
            [added_token(t, vocab_size - 1 - k) for k, t in enumerate(extra)]
    all_specials = {t["content"]: t["id"] for t in added}
    strings = strings_for("</s>", trailing=False) + T5_STRINGS_EXTRA + ["Fill <extra_id_0> and <extra_id_1>"]
    template = lambda ids: ids + [1]  # noqa: E731
    config = {"added_tokens_decoder": added_tokens_decoder(added), "additional_special_tokens": extra,
              "clean_up_tokenization_spaces": True, "eos_token": "</s>", "extra_ids": len(extra),
              "legacy": True, "model_max_length": 512, "pad_token": "<pad>", "sp_model_kwargs": {},
              "tokenizer_class": "T5Tokenizer", "unk_token": "<unk>"}
    stm = {"additional_special_tokens": extra, "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"}
    special_ids = {"bos": None, "eos": 1, "unk": 2, "pad": 0, "cls": None, "sep": None}

    folder = new_case("t5_unigram")
    with open(os.path.join(folder, "spiece.model"), "wb") as f:
        f.write(model)
    write_json(os.path.join(folder, "tokenizer_config.json"), config)
    write_json(os.path.join(folder, "special_tokens_map.json"), stm)
    sp_pairs = []
    for a, b in PAIRS:
        ia, ib = template(sp_encode(sp, a, all_specials)), template(sp_encode(sp, b, all_specials))
        sp_pairs.append({"a": a, "b": b, "ids": ia + ib, "type_ids": [0] * (len(ia) + len(ib))})  # T5: all zeros
    write_json(os.path.join(folder, "expected.json"),
               {"case": "t5_unigram", "source": "sentencepiece " + spm.__version__, "vocab_size": vocab_size,
                "special": special_ids, "encode": sp_entries(sp, all_specials, strings, template, 2), "pairs": sp_pairs})

    # HF T5Converter: Unigram vocab with scores, Precompiled charsmap + collapse of runs of spaces,
    # Metaspace, "$A </s>" / "$A </s> $B </s>".
    normalizer_spec = proto_field(model, 3) or b""
    charsmap = proto_field(normalizer_spec, 2) or b""
    assert charsmap, "the custom rules must produce a precompiled charsmap"
    unigram_vocab = [[sp.id_to_piece(i), sp.get_score(i) if not sp.is_control(i) else 0.0] for i in range(n)]
    unigram_vocab += [[t, 0.0] for t in reversed(extra)]
    tj = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(charsmap).decode("ascii")},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}}},
        "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": 2, "vocab": unigram_vocab, "byte_fallback": False},
    }
    r = ref.Reference(tj, precompiled_rules=T5_RULES)
    json_strings = strings + TRAILING  # HF keeps a trailing "▁"; SentencePiece strips it
    expected = json_expected("t5_unigram_json", r, json_strings, cleanup=True, pairs=PAIRS, special=special_ids,
                             vocab_size=vocab_size)
    for entry in expected["encode"]:
        pieces = ref.split_added(entry["text"], added)
        if entry["text"] in strings and all(p == p.rstrip() for p, tok in pieces if tok is None):
            assert entry["ids_no_special"] == sp_encode(sp, entry["text"], all_specials), entry["text"]
    folder = new_case("t5_unigram_json")
    write_json(os.path.join(folder, "tokenizer.json"), tj)
    write_json(os.path.join(folder, "tokenizer_config.json"), dict(config, tokenizer_class="T5TokenizerFast"))
    write_json(os.path.join(folder, "special_tokens_map.json"), stm)
    write_json(os.path.join(folder, "expected.json"), expected)


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def json_expected(case: str, r: ref.Reference, strings, cleanup: bool, pairs, special, vocab_size) -> dict:
    entries = []
    for s in strings:
        ids = r.encode(s, True)
        plain = r.encode(s, False)
        entries.append({"text": s, "ids": ids, "ids_no_special": plain,
                        "decoded": r.decode(ids, True, cleanup), "decoded_with_special": r.decode(ids, False, cleanup)})
    pair_entries = []
    for a, b in pairs:
        ids, types = r.encode_pair(a, b)
        pair_entries.append({"a": a, "b": b, "ids": ids, "type_ids": types})
    return {"case": case, "source": "tools/hf_tokenizer_reference.py", "vocab_size": vocab_size, "special": special,
            "encode": entries, "pairs": pair_entries}


def new_case(name: str) -> str:
    folder = os.path.join(ROOT, name)
    os.makedirs(folder, exist_ok=True)
    return folder


def main() -> None:
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    make_gpt2()
    make_roberta()
    make_bert()
    make_llama()
    make_t5()
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(ROOT) for f in fs)
    print(f"wrote {ROOT} ({total / 1024:.0f} KiB)")
    assert total < 1024 * 1024


if __name__ == "__main__":
    main()
