"""A small, independent Python reference of the Hugging Face `tokenizers` pipeline for the
tokenizer.json configurations SwarmMerge supports (written from the HF algorithms, not from the C#).

Pipeline (HF order): added-token split -> normalizer -> pre-tokenizer -> model -> post-processor;
decoding: ids -> tokens (skipping special added tokens on request) -> decoder.

Supported here: normalizers Sequence, NFC/NFD/NFKC/NFKD, Lowercase, Prepend, Replace (String or
Regex " {2,}"), BertNormalizer, Precompiled given as an explicit rule table (see `precompiled_rules`);
pre-tokenizers Sequence, ByteLevel, Split (String/Regex pattern, Isolated), Metaspace,
BertPreTokenizer; models BPE (byte_fallback, fuse_unk, ignore_merges), WordPiece, Unigram;
post-processors TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel; decoders ByteLevel,
WordPiece, Metaspace, Sequence of Replace/ByteFallback/Fuse/Strip.
"""

from __future__ import annotations

import re
import unicodedata

# ---------------------------------------------------------------------------------------------
# Byte-level helpers (GPT-2)
# ---------------------------------------------------------------------------------------------


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_ENCODER = bytes_to_unicode()
BYTE_DECODER = {c: b for b, c in BYTE_ENCODER.items()}


def is_letter(c: str) -> bool:
    return unicodedata.category(c).startswith("L")


def is_number(c: str) -> bool:
    return unicodedata.category(c).startswith("N")


def is_space(c: str) -> bool:
    return c.isspace()


GPT2_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"


def gpt2_split(text: str) -> list[str]:
    """Hand-written matcher for GPT2_PATTERN (Python's `re` has no \\p{L}); returns the matches."""
    out: list[str] = []
    i, n = 0, len(text)

    def run(j: int, pred) -> int:
        while j < n and pred(text[j]):
            j += 1
        return j

    other = lambda c: not (is_space(c) or is_letter(c) or is_number(c))  # noqa: E731
    while i < n:
        contraction = next((c for c in ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d") if text.startswith(c, i)), None)
        if contraction:
            out.append(contraction)
            i += len(contraction)
            continue
        matched = False
        for pred in (is_letter, is_number, other):
            start = i + 1 if text[i] == " " and i + 1 < n and pred(text[i + 1]) else i
            if pred(text[start]):
                end = run(start, pred)
                out.append(text[i:end])
                i = end
                matched = True
                break
        if matched:
            continue
        end = run(i, is_space)  # text[i] is whitespace here
        if end < n and end - i > 1:
            end -= 1  # \s+(?!\S): leave the last space to prefix the next word
        out.append(text[i:end])
        i = end
    return out


# ---------------------------------------------------------------------------------------------
# Added tokens
# ---------------------------------------------------------------------------------------------


def split_added(text: str, added: list[dict]) -> list[tuple[str, dict | None]]:
    """HF AddedVocabulary split: leftmost-longest match of added tokens' content; lstrip/rstrip
    absorb neighbouring whitespace. Returns [(piece, token-or-None)]."""
    out: list[tuple[str, dict | None]] = []
    i, start = 0, 0
    by_len = sorted(added, key=lambda t: -len(t["content"]))
    while i < len(text):
        tok = next((t for t in by_len if t["content"] and text.startswith(t["content"], i)), None)
        if tok is None:
            i += 1
            continue
        left, right = i, i + len(tok["content"])
        if tok.get("lstrip"):
            while left > start and text[left - 1].isspace():
                left -= 1
        if tok.get("rstrip"):
            while right < len(text) and text[right].isspace():
                right += 1
        if left > start:
            out.append((text[start:left], None))
        out.append((text[left:right], tok))
        i = start = right
    if start < len(text):
        out.append((text[start:], None))
    return out


# ---------------------------------------------------------------------------------------------
# Normalizers
# ---------------------------------------------------------------------------------------------


def is_bert_control(c: str) -> bool:
    if c in "\t\n\r":
        return False
    return unicodedata.category(c).startswith("C")


def is_bert_whitespace(c: str) -> bool:
    return c in " \t\n\r" or unicodedata.category(c) == "Zs"


def is_cjk(c: str) -> bool:
    cp = ord(c)
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def bert_normalize(text: str, cfg: dict) -> str:
    if cfg.get("clean_text", True):
        text = "".join(" " if is_bert_whitespace(c) else c for c in text if not (c in "\0\ufffd" or is_bert_control(c)))
    if cfg.get("handle_chinese_chars", True):
        text = "".join(f" {c} " if is_cjk(c) else c for c in text)
    lowercase = cfg.get("lowercase", True)
    strip_accents = cfg.get("strip_accents")
    if strip_accents is None:
        strip_accents = lowercase
    if strip_accents:
        text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    if lowercase:
        text = text.lower()
    return text


def apply_rules(text: str, rules: dict[str, str]) -> str:
    """Longest-match string rewriting (what a SentencePiece precompiled charsmap does)."""
    out, i = [], 0
    longest = max((len(k) for k in rules), default=0)
    while i < len(text):
        for length in range(min(longest, len(text) - i), 0, -1):
            if text[i:i + length] in rules:
                out.append(rules[text[i:i + length]])
                i += length
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def normalize(text: str, cfg: dict | None, precompiled_rules: dict[str, str]) -> str:
    if cfg is None:
        return text
    kind = cfg["type"]
    if kind == "Sequence":
        for sub in cfg["normalizers"]:
            text = normalize(text, sub, precompiled_rules)
        return text
    if kind in ("NFC", "NFD", "NFKC", "NFKD"):
        return unicodedata.normalize(kind, text)
    if kind == "Lowercase":
        return text.lower()
    if kind == "Prepend":
        return cfg["prepend"] + text if text else text
    if kind == "Replace":
        pattern = cfg["pattern"]
        if "String" in pattern:
            return text.replace(pattern["String"], cfg["content"])
        return re.sub(pattern["Regex"], cfg["content"], text)
    if kind == "BertNormalizer":
        return bert_normalize(text, cfg)
    if kind == "Precompiled":
        return apply_rules(text, precompiled_rules)
    raise ValueError(f"reference: unsupported normalizer {kind}")


# ---------------------------------------------------------------------------------------------
# Pre-tokenizers (operate on a list of strings)
# ---------------------------------------------------------------------------------------------


def is_bert_punct(c: str) -> bool:
    cp = ord(c)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def bert_pre_tokenize(text: str) -> list[str]:
    words: list[str] = []
    for chunk in text.split():  # str.split() splits on Unicode whitespace and drops it
        cur = ""
        for c in chunk:
            if is_bert_punct(c):
                if cur:
                    words.append(cur)
                words.append(c)
                cur = ""
            else:
                cur += c
        if cur:
            words.append(cur)
    return words


def metaspace(words: list[str], cfg: dict, is_first: bool) -> list[str]:
    rep = cfg.get("replacement", "▁")
    scheme = cfg.get("prepend_scheme", "always" if cfg.get("add_prefix_space", True) else "never")
    out = []
    for w in words:
        w = w.replace(" ", rep)
        if (scheme == "always" or (scheme == "first" and is_first)) and not w.startswith(rep):
            w = rep + w
        if cfg.get("split", True):
            parts, cur = [], ""
            for c in w:
                if c == rep and cur:
                    parts.append(cur)
                    cur = ""
                cur += c
            if cur:
                parts.append(cur)
            out.extend(parts)
        else:
            out.append(w)
    return out


def pre_tokenize(words: list[str], cfg: dict | None, is_first: bool) -> list[str]:
    if cfg is None:
        return words
    kind = cfg["type"]
    if kind == "Sequence":
        for sub in cfg["pretokenizers"]:
            words = pre_tokenize(words, sub, is_first)
        return words
    if kind == "ByteLevel":
        out = []
        for w in words:
            if cfg.get("add_prefix_space") and not w.startswith(" "):
                w = " " + w
            pieces = gpt2_split(w) if cfg.get("use_regex", True) else [w]
            out.extend("".join(BYTE_ENCODER[b] for b in p.encode("utf-8")) for p in pieces)
        return out
    if kind == "Split":
        pattern = cfg["pattern"]
        if cfg.get("behavior") != "Isolated" or cfg.get("invert"):
            raise ValueError("reference: only Split Isolated")
        if "Regex" in pattern and pattern["Regex"] == GPT2_PATTERN:
            return [p for w in words for p in gpt2_split(w)]
        if "String" in pattern:
            out = []
            for w in words:
                for k, part in enumerate(w.split(pattern["String"])):
                    if k:
                        out.append(pattern["String"])
                    if part:
                        out.append(part)
            return out
        raise ValueError("reference: unsupported Split pattern")
    if kind == "Metaspace":
        return metaspace(words, cfg, is_first)
    if kind == "BertPreTokenizer":
        return [p for w in words for p in bert_pre_tokenize(w)]
    raise ValueError(f"reference: unsupported pre-tokenizer {kind}")


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------


def bpe_merge(symbols: list[str], ranks: dict[tuple[str, str], int]) -> list[str]:
    """HF BPE: repeatedly merge the adjacent pair with the lowest merge rank (leftmost on ties)."""
    symbols = list(symbols)
    while len(symbols) > 1:
        best = None
        for k in range(len(symbols) - 1):
            r = ranks.get((symbols[k], symbols[k + 1]))
            if r is not None and (best is None or r < best[0]):
                best = (r, k)
        if best is None:
            break
        k = best[1]
        symbols[k:k + 2] = [symbols[k] + symbols[k + 1]]
    return symbols


def bpe_model(word: str, m: dict, ranks) -> list[int]:
    vocab = m["vocab"]
    if m.get("ignore_merges") and word in vocab:
        return [vocab[word]]
    symbols: list[str] = []
    unk = m.get("unk_token")
    pending_unk = False
    for c in word:
        if c in vocab:
            symbols.append(c)
            pending_unk = False
            continue
        byte_tokens = [f"<0x{b:02X}>" for b in c.encode("utf-8")]
        if m.get("byte_fallback") and all(t in vocab for t in byte_tokens):
            symbols.extend(byte_tokens)
            pending_unk = False
            continue
        if unk is None:
            continue
        if not (m.get("fuse_unk") and pending_unk):
            symbols.append("\x00UNK")
        pending_unk = True
    # byte tokens and unk never merge (no merges mention them); merge the rest in place
    merged = bpe_merge(symbols, ranks)
    return [vocab[unk] if s == "\x00UNK" else vocab[s] for s in merged]


def wordpiece_model(word: str, m: dict) -> list[int]:
    vocab, prefix, unk = m["vocab"], m.get("continuing_subword_prefix", "##"), m["unk_token"]
    if len(word) > m.get("max_input_chars_per_word", 100):
        return [vocab[unk]]
    ids, start = [], 0
    while start < len(word):
        end, found = len(word), None
        while start < end:
            sub = word[start:end] if start == 0 else prefix + word[start:end]
            if sub in vocab:
                found = vocab[sub]
                break
            end -= 1
        if found is None:
            return [vocab[unk]]
        ids.append(found)
        start = end
    return ids


def unigram_model(word: str, m: dict) -> list[int]:
    """Viterbi over the pieces; an uncovered character becomes unk (score min - 10); runs of
    unk are fused, as HF and SentencePiece both do."""
    pieces = {p: (i, s) for i, (p, s) in enumerate(m["vocab"])}
    unk_id = m["unk_id"]
    unk_score = min(s for _, s in m["vocab"]) - 10.0
    n = len(word)
    best: list[tuple[float, int, int] | None] = [None] * (n + 1)  # (score, start, id)
    best[0] = (0.0, -1, -1)
    max_len = max(len(p) for p, _ in m["vocab"])
    for end in range(1, n + 1):
        cands = []
        for start in range(max(0, end - max_len), end):
            if best[start] is None:
                continue
            piece = word[start:end]
            if piece in pieces and m["vocab"][pieces[piece][0]][0] == piece:
                pid, score = pieces[piece]
                cands.append((best[start][0] + score, start, pid))
        if not cands and best[end - 1] is not None:
            cands.append((best[end - 1][0] + unk_score, end - 1, unk_id))
        if cands:
            best[end] = max(cands, key=lambda t: t[0])
    ids, end = [], n
    while end > 0:
        _, start, pid = best[end]
        ids.append(pid)
        end = start
    ids.reverse()
    fused = []
    for pid in ids:
        if pid == unk_id and fused and fused[-1] == unk_id:
            continue
        fused.append(pid)
    return fused


# ---------------------------------------------------------------------------------------------
# The tokenizer
# ---------------------------------------------------------------------------------------------


class Reference:
    def __init__(self, tokenizer_json: dict, precompiled_rules: dict[str, str] | None = None):
        self.cfg = tokenizer_json
        self.rules = precompiled_rules or {}
        self.added = tokenizer_json.get("added_tokens", [])
        m = tokenizer_json["model"]
        self.model = m
        self.ranks = {}
        if m["type"] == "BPE":
            for r, merge in enumerate(m["merges"]):
                a, b = merge.split(" ") if isinstance(merge, str) else merge
                self.ranks[(a, b)] = r
        self.id_to_token = {}
        if m["type"] == "Unigram":
            self.id_to_token = {i: p for i, (p, _) in enumerate(m["vocab"])}
        else:
            self.id_to_token = {i: t for t, i in m["vocab"].items()}
        for t in self.added:
            self.id_to_token[t["id"]] = t["content"]
        self.special_ids = {t["id"] for t in self.added if t.get("special")}

    def _model(self, word: str) -> list[int]:
        kind = self.model["type"]
        if kind == "BPE":
            return bpe_model(word, self.model, self.ranks)
        if kind == "WordPiece":
            return wordpiece_model(word, self.model)
        return unigram_model(word, self.model)

    def encode_plain(self, text: str) -> list[int]:
        ids: list[int] = []
        first = True
        for piece, tok in split_added(text, self.added):
            if tok is not None:
                ids.append(tok["id"])
            else:
                normalized = normalize(piece, self.cfg.get("normalizer"), self.rules)
                for word in pre_tokenize([normalized] if normalized else [], self.cfg.get("pre_tokenizer"), first):
                    ids.extend(self._model(word))
            first = False
        return ids

    def post_process(self, a: list[int], b: list[int] | None, add_special: bool) -> tuple[list[int], list[int]]:
        pp = self.cfg.get("post_processor")
        kind = pp["type"] if pp else None
        if not add_special or pp is None or kind == "ByteLevel":
            return a + (b or []), [0] * len(a) + [1] * len(b or [])
        if kind == "RobertaProcessing":
            cls, sep = pp["cls"][1], pp["sep"][1]
            ids = [cls] + a + [sep] + ([sep] + b + [sep] if b is not None else [])
            return ids, [0] * len(ids)
        if kind == "BertProcessing":
            cls, sep = pp["cls"][1], pp["sep"][1]
            ids = [cls] + a + [sep]
            types = [0] * len(ids)
            if b is not None:
                ids += b + [sep]
                types += [1] * (len(b) + 1)
            return ids, types
        if kind == "TemplateProcessing":
            ids, types = [], []
            for item in pp["pair" if b is not None else "single"]:
                if "Sequence" in item:
                    seq = a if item["Sequence"]["id"] == "A" else b
                    ids += seq
                    types += [item["Sequence"]["type_id"]] * len(seq)
                else:
                    special = pp["special_tokens"][item["SpecialToken"]["id"]]
                    ids += special["ids"]
                    types += [item["SpecialToken"]["type_id"]] * len(special["ids"])
            return ids, types
        raise ValueError(f"reference: unsupported post-processor {kind}")

    def encode(self, text: str, add_special: bool = True) -> list[int]:
        return self.post_process(self.encode_plain(text), None, add_special)[0]

    def encode_pair(self, a: str, b: str) -> tuple[list[int], list[int]]:
        return self.post_process(self.encode_plain(a), self.encode_plain(b), True)

    def decode(self, ids: list[int], skip_special: bool, cleanup: bool) -> str:
        tokens = [self.id_to_token[i] for i in ids if not (skip_special and i in self.special_ids)]
        text = decode_tokens(tokens, self.cfg.get("decoder"))
        return clean_up_tokenization(text) if cleanup else text


def clean_up_tokenization(text: str) -> str:
    for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
                 (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
        text = text.replace(a, b)
    return text


def decode_chain(tokens: list[str], cfg: dict) -> list[str]:
    kind = cfg["type"]
    if kind == "Sequence":
        for sub in cfg["decoders"]:
            tokens = decode_chain(tokens, sub)
        return tokens
    if kind == "Replace":
        return [t.replace(cfg["pattern"]["String"], cfg["content"]) for t in tokens]
    if kind == "ByteFallback":
        out, pending = [], b""
        for t in tokens:
            m = re.fullmatch(r"<0x([0-9A-F]{2})>", t)
            if m:
                pending += bytes([int(m.group(1), 16)])
                continue
            if pending:
                out.append(pending.decode("utf-8", errors="replace"))
                pending = b""
            out.append(t)
        if pending:
            out.append(pending.decode("utf-8", errors="replace"))
        return out
    if kind == "Fuse":
        return ["".join(tokens)]
    if kind == "Strip":
        out = []
        for t in tokens:
            start = 0
            while start < cfg["start"] and start < len(t) and t[start] == cfg["content"]:
                start += 1
            stop = len(t)
            while len(t) - stop < cfg["stop"] and stop > start and t[stop - 1] == cfg["content"]:
                stop -= 1
            out.append(t[start:stop])
        return out
    if kind == "ByteLevel":
        data = bytes(BYTE_DECODER[c] for t in tokens for c in t)
        return [data.decode("utf-8", errors="replace")]
    if kind == "Metaspace":
        rep = cfg.get("replacement", "▁")
        scheme = cfg.get("prepend_scheme", "always")
        out = []
        for k, t in enumerate(tokens):  # HF drops every replacement character of the first token
            out.append(t.replace(rep, "" if k == 0 and scheme != "never" else " "))
        return out
    if kind == "WordPiece":
        prefix = cfg.get("prefix", "##")
        out = []
        for k, t in enumerate(tokens):
            if k != 0:
                t = t[len(prefix):] if t.startswith(prefix) else " " + t
            if cfg.get("cleanup", True):
                t = clean_up_tokenization(t).replace(" do not", " don't")  # tokenizers' wordpiece cleanup
            out.append(t)
        return out
    raise ValueError(f"reference: unsupported decoder {kind}")


def decode_tokens(tokens: list[str], cfg: dict | None) -> str:
    return "".join(decode_chain(tokens, cfg)) if cfg else "".join(tokens)
