#!/usr/bin/env node
/* The other side of make bench's tokenizer figures: Hugging Face tokenizers
   (npm @anush008/tokenizers, found through NODE_PATH) loads FILE and encodes
   TEXT RUNS times, one thread, add_special_tokens false: as one string, and
   paragraph by paragraph (encodeBatch). Prints the medians (hf_load_ms, hf_encode_ms,
   hf_paragraphs_ms) and the ids' count and hash (hf_ids, hf_paragraph_ids)
   so that tools/bench.c can check both sides produced the same ids.
     node tools/bench_tokenizers.js FILE TEXT RUNS                          */
'use strict';
const fs = require('fs');
const tk = require(process.env.LD_TOKENIZERS_JS || '@anush008/tokenizers');
const [file, textFile, runsArg] = process.argv.slice(2);
const runs = +runsArg || 5;
const median = v => { v.sort((a, b) => a - b); const n = v.length; return n % 2 ? v[n >> 1] : (v[n / 2 - 1] + v[n / 2]) / 2; };
const now = () => Number(process.hrtime.bigint()) / 1e6;
(async () => {
    const json = fs.readFileSync(file, 'utf8');
    const text = fs.readFileSync(textFile, 'utf8');
    const lt = [];
    let tok;
    for (let i = 0; i < runs; i++) { const t0 = now(); tok = tk.Tokenizer.fromString(json); lt.push(now() - t0); }
    const et = [];
    let ids;
    await tok.encode('warm up', null, { addSpecialTokens: false });
    for (let i = 0; i < runs; i++) {
        const t0 = now();
        const e = await tok.encode(text, null, { addSpecialTokens: false });
        et.push(now() - t0);
        ids = e.getIds();
    }
    const hash = a => { let h = 0; for (const x of a) h = (Math.imul(h, 31) + x) >>> 0; return h; };
    /* paragraph by paragraph (each piece up to and with its "\n\n", as
       tools/bench.c cuts them), in one encodeBatch call: one encode call per
       paragraph costs the binding about a millisecond each, which is not the
       library's time. TOKENIZERS_PARALLELISM=false keeps it on one thread. */
    const paras = text.split(/(?<=\n\n)/);
    const pt = [];
    let pids;
    for (let i = 0; i < runs; i++) {
        const t0 = now();
        const es = await tok.encodeBatch(paras, { addSpecialTokens: false });
        pids = [];
        for (const e of es) for (const x of e.getIds()) pids.push(x);
        pt.push(now() - t0);
    }
    console.log(`hf_load_ms ${median(lt).toFixed(2)}`);
    console.log(`hf_encode_ms ${median(et).toFixed(2)}`);
    console.log(`hf_ids ${ids.length} ${hash(ids)}`);
    console.log(`hf_paragraphs_ms ${median(pt).toFixed(2)}`);
    console.log(`hf_paragraph_ids ${pids.length} ${hash(pids)}`);
})();
