// Reference tokenizations for SwarmMerge's RealTokenizerTests, from transformers.js (an independent
// implementation of Hugging Face tokenizers) on the real tokenizer files of an @lenml/tokenizer-* package.
//
//   node tokenize.mjs <package> <texts.jsonl> [out.jsonl]
//
// <package> is a package folder name under node_modules/@lenml (for example tokenizer-llama3); each line
// of <texts.jsonl> is one JSON string. Each output line is, for the text on the same line:
//   {"ids": [...], "plain": [...], "decoded": "...", "decodedPlain": "..."}
// ids/plain: encode with add_special_tokens true/false; decoded/decodedPlain: decode of those ids with
// skip_special_tokens false (and the tokenizer's own clean_up_tokenization_spaces).
import { AutoTokenizer, env } from '@huggingface/transformers';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [pkg, input, output] = process.argv.slice(2);
if (!pkg || !input) {
    console.error('usage: node tokenize.mjs <package> <texts.jsonl> [out.jsonl]');
    process.exit(2);
}

// Local files only: the tokenizer comes from the installed package, never from a hub.
const here = path.dirname(fileURLToPath(import.meta.url));
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = path.join(here, 'node_modules', '@lenml') + path.sep;
const tokenizer = await AutoTokenizer.from_pretrained(`${pkg}/models`);

// transformers.js refuses to decode an empty list; Hugging Face returns "".
const decode = (ids) => (ids.length === 0 ? '' : tokenizer.decode(ids, { skip_special_tokens: false }));

const lines = readFileSync(input, 'utf8').split('\n').filter((line) => line.length > 0);
const results = lines.map((line) => {
    const text = JSON.parse(line);
    const ids = tokenizer.encode(text, { add_special_tokens: true });
    const plain = tokenizer.encode(text, { add_special_tokens: false });
    return JSON.stringify({ ids, plain, decoded: decode(ids), decodedPlain: decode(plain) });
});
const text = results.join('\n') + '\n';
if (output) writeFileSync(output, text);
else process.stdout.write(text);
