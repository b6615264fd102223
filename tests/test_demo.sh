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
check "the toy: predicted Δ log π equals the closed form in every class" \
      "tail -n +2 $d/toy.csv | awk -F, '{ x = \$4 - \$6; if (x < 0) x = -x; if (x > 1e-5) bad = 1 } END { exit bad }'"
check "report.md: a table of 13 claims, each with a verdict" \
      "[ \$(grep -cE '^\\| [0-9]+ \\|.*\\| (reproduced|\\*\\*not reproduced\\*\\*) \\|\$' $d/report.md) -eq 13 ]"
check "the figures are well-formed SVG" "$B/test_svg --check $d fig_main.svg fig_sft.svg fig_dpo.svg fig_extend.svg toy_squeeze.svg influence.svg influence_by_attribute.svg > $s/svgcheck.log"
check "--report-only rebuilds the same report from the CSVs" \
      "cp $d/report.md $s/report.before && $B/demo --report-only --quick --out $d > /dev/null && cmp -s $d/report.md $s/report.before"
check "a second run with the same seed writes identical files" \
      "$B/demo --quick --seed 3 --out $s/demo2 > /dev/null 2>&1 &&
       for f in probes.csv winrate.csv greedy.csv decomposition.csv influence.csv toy.csv samples.csv report.md fig_main.svg data/pretrain.txt base/model.safetensors; do
           cmp -s $d/\$f $s/demo2/\$f || { echo \"     differs: \$f\"; exit 1; }; done"
check "a bad argument gives a usage line and exit 2" "$B/demo --bogus > /dev/null 2>&1; [ \$? -eq 2 ]"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
