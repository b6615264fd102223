#!/bin/sh
# The main job in its quick setting (a tiny model, a few steps): the pipeline
# runs end to end and its outputs have the right shape; two runs with the same
# seed write identical files. The findings themselves are not checked here
# (the tiny setting is too small for them); make demo shows them.
# Usage: test_demo.sh SCRATCH_DIR   (demo and test_svg are taken from SCRATCH_DIR/..)
s=${1:-build/tmp}
B=$(dirname "$s")
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "OK   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
rm -rf "$s/demo1" "$s/demo2"
start=$(date +%s)
check "demo --quick runs (exit 0)" "$B/demo --quick --seed 3 --out $s/demo1 > $s/demo1.log 2>&1"
end=$(date +%s)
echo "     quick demo: $((end - start)) s"
d=$s/demo1
for f in probes.csv winrate.csv greedy.csv decomposition.csv influence.csv toy.csv samples.csv report.md \
         claims.csv answers.csv regime.csv probe_words.csv reads.csv pairs.csv pairs_summary.csv terms.csv decomposition_obs.csv decomposition_summary.csv influence_total.csv \
         fig_main.svg fig_sft.svg fig_dpo.svg fig_extend.svg toy_squeeze.svg influence.svg influence_by_attribute.svg \
         data/pretrain.txt data/sft.jsonl data/pref.jsonl data/probes.jsonl data/heldout.jsonl data/pref_onpolicy.jsonl \
         base/model.safetensors sft/config.json; do
    check "wrote $f" "[ -s $d/$f ]"
done
check "probes.csv: header phase,step,type,mean_logprob" "head -n 1 $d/probes.csv | grep -qx 'phase,step,type,mean_logprob'"
check "probes.csv: all five phases" "for p in sft dpo onpolicy_dpo extend_sft extend_dpo; do grep -q \"^\$p,\" $d/probes.csv || exit 1; done"
check "probes.csv: the 11 probe types, argmax and greedy" \
      "[ \$(tail -n +2 $d/probes.csv | cut -d, -f3 | sort -u | wc -l) -eq 13 ]"
check "probes.csv: every value a finite negative log-prob" \
      "tail -n +2 $d/probes.csv | awk -F, '{ if (\$4 != \$4 + 0 || \$4 > 0 || \$4 < -1e6) bad = 1 } END { exit bad }'"
check "winrate.csv: rates in [0, 1] for every phase" \
      "head -n 1 $d/winrate.csv | grep -qx 'phase,step,winrate' && tail -n +2 $d/winrate.csv | awk -F, '{ if (\$3 < 0 || \$3 > 1) bad = 1 } END { exit bad || NR < 5 }'"
check "decomposition.csv: predicted and measured for every probe type" \
      "[ \$(tail -n +2 $d/decomposition.csv | wc -l) -ge 11 ]"
check "decomposition_obs.csv: a finite prediction and measurement per probe response, all five phases" \
      "head -n 1 $d/decomposition_obs.csv | grep -qx 'phase,step,type,example,logp,predicted,measured,predicted_trapezoid' &&
       for p in sft dpo onpolicy_dpo extend_sft extend_dpo; do grep -q \"^\$p,\" $d/decomposition_obs.csv || exit 1; done &&
       tail -n +2 $d/decomposition_obs.csv | awk -F, '{ if (\$6 != \$6 + 0 || \$7 != \$7 + 0 || \$8 != \$8 + 0) bad = 1 } END { exit bad }'"
check "decomposition_summary.csv: the report's ratios (first order, trapezoid) are those of decomposition_obs.csv" \
      "awk -F, 'NR == FNR { if (FNR > 1) { sp[\$1] += (\$6 < 0 ? -\$6 : \$6); sm[\$1] += (\$7 < 0 ? -\$7 : \$7); sq[\$1] += (\$8 < 0 ? -\$8 : \$8) } next }
                FNR > 1 { r = sm[\$1] / sp[\$1]; x = r - \$3; if (x < 0) x = -x; if (x > 1e-4 * r) bad = 1;
                          r = sm[\$1] / sq[\$1]; x = r - \$6; if (x < 0) x = -x; if (x > 1e-4 * r) bad = 1; n++ }
                END { exit bad || n != 5 }' $d/decomposition_obs.csv $d/decomposition_summary.csv"
check "regime.csv: base, sft and dpo rows; per-token log π(y*) ≥ log π(y⁺) (y* is the argmax along y⁺)" \
      "[ \"\$(tail -n +2 $d/regime.csv | cut -d, -f1 | tr '\n' ' ')\" = 'base sft dpo ' ] &&
       tail -n +2 $d/regime.csv | awk -F, '{ if (\$5 < \$4 - 1e-9 || \$6 < 0 || \$6 > 1) bad = 1 } END { exit bad }'"
check "pairs.csv: one row per training pair with finite figures (CHES, LN-CHES, entanglement among them)" \
      "head -n 1 $d/pairs.csv | grep -qx 'pair,question,chosen_logp,rejected_logp,predicted_one_step,measured_dpo,ches,ln_ches,entanglement' &&
       [ \$(tail -n +2 $d/pairs.csv | wc -l) -eq \$(wc -l < $d/data/pref.jsonl) ] &&
       tail -n +2 $d/pairs.csv | awk -F, '{ for (i = 3; i <= 9; i++) if (\$i != \$i + 0) bad = 1 } END { exit bad }'"
check "terms.csv: every phase; ‖A‖_F > 0, ‖G‖² = ‖G⁺‖² + ‖G⁻‖², ‖K·G‖ ≥ 0" \
      "head -n 1 $d/terms.csv | grep -qx 'phase,step,observed,eta,A_frob,G_norm,G_norm_chosen,G_norm_rejected,KG_norm,predicted' &&
       for p in sft dpo onpolicy_dpo extend_sft extend_dpo; do grep -q \"^\$p,\" $d/terms.csv || exit 1; done &&
       tail -n +2 $d/terms.csv | awk -F, '{ x = \$6 * \$6 - \$7 * \$7 - \$8 * \$8; if (x < 0) x = -x;
                                              if (\$5 <= 0 || \$9 < 0 || x > 1e-4 * (\$6 * \$6 + 1e-12)) bad = 1 } END { exit bad }'"
check "answers.csv: the win rates of winrate.csv are the shares of right answers" \
      "awk -F, 'NR == FNR { if (FNR > 1) { k = \$1 \",\" \$2; n[k]++; r[k] += \$4 } next }
                FNR > 1 { k = \$1 \",\" \$2; x = r[k] / n[k] - \$3; if (!n[k] || x > 1e-6 || x < -1e-6) bad = 1; m++ }
                END { exit bad || m < 5 }' $d/answers.csv $d/winrate.csv"
check "claims.csv: 13 claims with a 0/1 verdict, the same as report.md's" \
      "[ \$(tail -n +2 $d/claims.csv | cut -d, -f2 | grep -cx '[01]') -eq 13 ] &&
       [ \$(tail -n +2 $d/claims.csv | cut -d, -f2 | grep -cx 1) -eq \$(grep -cE '^\\| [0-9]+ \\|.*\\| reproduced \\|\$' $d/report.md) ]"
check "--seeds-table writes claims × seeds from each seed's claims.csv" \
      "rm -rf $s/seeds && mkdir -p $s/seeds/seed-1 $s/seeds/seed-2 && cp $d/claims.csv $s/seeds/seed-1/ &&
       sed 's/^1,[01],/1,0,/' $d/claims.csv > $s/seeds/seed-2/claims.csv &&
       $B/demo --seeds-table $s/seeds 1-2 > /dev/null && [ \$(tail -n +2 $s/seeds/seeds_table.csv | wc -l) -eq 13 ] &&
       grep -q '^1,[01],0,' $s/seeds/seeds_table.csv && grep -q '^| 1 |' $s/seeds/seeds_table.md"
check "claims.csv: each claim's deciding figure (key) agrees with its verdict and its measured text; the seeds table shows it" \
      "head -n 1 $d/claims.csv | grep -qx 'claim,reproduced,key,rule,measured' &&
       awk -F, 'FNR > 1 && \$1 != 4 && \$1 != 7 && \$1 != 13 { if ((\$2 == 1 && \$3 + 0 < 0) || (\$2 == 0 && \$3 + 0 > 0)) bad = 1; n++ }
                FNR > 1 && \$1 == 4 { if ((\$2 == 1 && \$3 + 0 > 0) || (\$2 == 0 && \$3 + 0 < 0)) bad = 1; n++ }
                END { exit bad || n != 11 }' $d/claims.csv &&
       k=\$(sed -n 2p $d/claims.csv | cut -d, -f3) && sed -n 2p $d/claims.csv | grep -qF \"over SFT = \$k\" &&
       grep -qF \"| 1 | Δ y⁺ > 0 | \" $s/seeds/seeds_table.md && grep '^| 1 |' $s/seeds/seeds_table.md | grep -qF \"(\$k)\""
check "the toy: predicted Δ log π equals the closed form in every class" \
      "tail -n +2 $d/toy.csv | awk -F, '{ x = \$4 - \$6; if (x < 0) x = -x; if (x > 1e-5) bad = 1 } END { exit bad }'"
check "report.md: a table of 13 claims, each with a verdict" \
      "[ \$(grep -cE '^\\| [0-9]+ \\|.*\\| (reproduced|\\*\\*not reproduced\\*\\*) \\|\$' $d/report.md) -eq 13 ]"
check "the figures are well-formed SVG" "$B/test_svg --check $d fig_main.svg fig_sft.svg fig_dpo.svg fig_extend.svg toy_squeeze.svg influence.svg influence_by_attribute.svg > $s/svgcheck.log"
check "--report-only rebuilds the same report from the CSVs" \
      "cp $d/report.md $s/report.before && $B/demo --report-only --quick --out $d > /dev/null && cmp -s $d/report.md $s/report.before"
check "a second run with the same seed writes identical files" \
      "$B/demo --quick --seed 3 --out $s/demo2 > /dev/null 2>&1 &&
       for f in probes.csv winrate.csv greedy.csv decomposition.csv decomposition_obs.csv regime.csv pairs.csv terms.csv answers.csv claims.csv influence.csv toy.csv samples.csv report.md fig_main.svg data/pretrain.txt base/model.safetensors; do
           cmp -s $d/\$f $s/demo2/\$f || { echo \"     differs: \$f\"; exit 1; }; done"
check "reads.csv: base and sft rows; facts known within [0, facts]; a name's log π no higher than its answer's (log π ≤ 0)" \
      "head -n 1 $d/reads.csv | grep -qx 'model,facts,known,known_by_chance,questions,own_logp,other_logp,name_own_logp,name_other_logp,names_in_chosen,uniform_name_logp' &&
       [ \"\$(tail -n +2 $d/reads.csv | cut -d, -f1 | tr '\n' ' ')\" = 'base sft ' ] &&
       tail -n +2 $d/reads.csv | awk -F, '{ if (NF != 11 || \$3 < 0 || \$3 > \$2 || \$6 > 0 || \$7 > 0 || \$8 < \$6 - 1e-6 || \$9 < \$7 - 1e-6 || \$8 > 0 || \$10 != \$5) bad = 1 } END { exit bad }'"
check "report.md: says whether the model reads the question, from reads.csv" "grep -q '^## Does the model read the question?' $d/report.md"
check "probe_words.csv: first word + rest = the probe's mean log π of probes.csv (base = SFT step 0)" \
      "awk -F, 'NR == FNR { if (FNR > 1 && \$1 == \"sft\" && \$2 == 0) lp[\$3] = \$4; next }
                FNR > 1 && \$1 == \"base\" { x = \$4 + \$5 - lp[\$2]; if (x < 0) x = -x; if (!(\$2 in lp) || x > 1e-4 * (1 - lp[\$2])) bad = 1; n++ }
                END { exit bad || n != 11 }' $d/probes.csv $d/probe_words.csv"
check "probe_words.csv: the rest = its names and values + its other words, and y⁺'s rest names a fact (< 0)" \
      "head -n 1 $d/probe_words.csv | grep -qx 'model,type,examples,first_word,rest,rest_fact,rest_other' &&
       awk -F, 'FNR > 1 { x = \$5 - \$6 - \$7; if (x < 0) x = -x; if (NF != 7 || x > 1e-4 * (1 - \$5)) bad = 1;
                          if (\$2 == \"chosen\" && !(\$6 < 0)) bad = 1; n++ } END { exit bad || n != 22 }' $d/probe_words.csv"
# --words: the world's own BPE tokenizer, every word of the village one token
w=$s/demo_words
rm -rf "$w" "$s/demo_words2"
check "demo --quick --words runs (exit 0)" "$B/demo --quick --words --seed 3 --out $w > $s/demo_words.log 2>&1"
check "--words: the tokenizer's files and the model's vocabulary (> 257 ids, as many as vocab.json's)" \
      "[ -s $w/data/vocab.json ] && [ -s $w/data/merges.txt ] && [ -s $w/base/vocab.json ] &&
       v=\$(grep -o '\"vocab_size\": *[0-9]*' $w/base/config.json | grep -o '[0-9]*\$') && [ \"\$v\" -gt 257 ] &&
       [ \$(grep -o '\": [0-9]*' $w/data/vocab.json | wc -l) -eq \"\$v\" ]"
check "--words: pretrain.txt becomes one token per word (and newline), as the tokenizer was trained to give" \
      "line=\$(grep \"the world's tokenizer\" $s/demo_words.log) && n1=\$(echo \"\$line\" | sed 's/.* is \\([0-9]*\\) words.*/\\1/') &&
       n2=\$(echo \"\$line\" | sed 's/.*newlines, \\([0-9]*\\) tokens.*/\\1/') && [ \"\$n1\" -gt 0 ] && [ \"\$n1\" = \"\$n2\" ]"
check "--words: the report says so, and 13 claims with verdicts" \
      "grep -q 'demo\` --quick (a tiny setting: the findings are not expected to hold) --words' $w/report.md &&
       [ \$(tail -n +2 $w/claims.csv | cut -d, -f2 | grep -cx '[01]') -eq 13 ]"
check "--words: a second run with the same seed writes identical files" \
      "$B/demo --quick --words --seed 3 --out $s/demo_words2 > /dev/null 2>&1 &&
       for f in probes.csv answers.csv claims.csv probe_words.csv data/vocab.json data/merges.txt base/model.safetensors; do
           cmp -s $w/\$f $s/demo_words2/\$f || { echo \"     differs: \$f\"; exit 1; }; done"
check "--echo 1: pretrain.txt gains one line per question per repetition that names the person asked about, and run.csv says so; none without it" \
      "$B/demo --quick --echo 1 --seed 3 --out $s/demo_echo > $s/demo_echo.log 2>&1 &&
       [ \$(grep -c '^Q: Where is ' $d/data/pretrain.txt) -eq 0 ] &&
       [ \$(grep -c '^Q: Where is ' $s/demo_echo/data/pretrain.txt) -eq \$((\$(grep -c . $d/data/pretrain.txt) / 4)) ] &&
       grep '^Q: Where is ' $s/demo_echo/data/pretrain.txt | awk '{ n = \$4; if (index(substr(\$0, index(\$0, \"A:\")), n) == 0) bad = 1 } END { exit bad }' &&
       grep -qx 'echo,1' $s/demo_echo/run.csv && grep -qx 'echo,0' $d/run.csv"
check "--noise 2: pretrain.txt gains two garbled lines per question per repetition (some begin with a lowercase word, as no grammatical line does), and run.csv says so" \
      "$B/demo --quick --noise 2 --seed 3 --out $s/demo_noise > $s/demo_noise.log 2>&1 &&
       [ \$(grep -c '^[a-z]' $d/data/pretrain.txt) -eq 0 ] && [ \$(grep -c '^[a-z]' $s/demo_noise/data/pretrain.txt) -gt 0 ] &&
       [ \$(grep -c . $s/demo_noise/data/pretrain.txt) -eq \$((\$(grep -c . $d/data/pretrain.txt) * 6 / 4)) ] &&
       grep -qx 'noise,2' $s/demo_noise/run.csv && grep -qx 'noise,0' $d/run.csv"
check "--long: every answer of sft.jsonl ends in a long closer, none without it, and run.csv says so" \
      "$B/demo --quick --long --seed 3 --out $s/demo_long > /dev/null 2>&1 &&
       n=\$(grep -c . $s/demo_long/data/sft.jsonl) && [ \$n -gt 0 ] &&
       [ \$(grep -cE '(seen|by now|many years)\\.\"\\}\$' $s/demo_long/data/sft.jsonl) -eq \$n ] &&
       [ \$(grep -cE '(seen|by now|many years)\\.\"\\}\$' $d/data/sft.jsonl) -eq 0 ] &&
       grep -qx 'long,1' $s/demo_long/run.csv && grep -qx 'long,0' $d/run.csv"
check "--reps 4: pretrain.txt holds twice the lines of the quick setting's 2 repetitions, and run.csv says so" \
      "$B/demo --quick --reps 4 --seed 3 --out $s/demo_reps > /dev/null 2>&1 &&
       [ \$(grep -c . $s/demo_reps/data/pretrain.txt) -eq \$((\$(grep -c . $d/data/pretrain.txt) * 2)) ] &&
       grep -qx 'reps,4' $s/demo_reps/run.csv && grep -qx 'reps,2' $d/run.csv"
check "--echo 9: said to be more than the 8 lines allowed, and run with 8" \
      "$B/demo --quick --echo 9 --seed 3 --out $s/demo_echo9 2> $s/demo_echo9.err > /dev/null &&
       grep -q 'at most 8 lines' $s/demo_echo9.err && grep -qx 'echo,8' $s/demo_echo9/run.csv"
check "a bad argument gives a usage line and exit 2" "$B/demo --bogus > /dev/null 2>&1; [ \$? -eq 2 ]"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
