#!/bin/sh
# The ldllm command: every subcommand end to end on examples/data, the
# error paths (one line on stderr, exit 2 for usage, 1 for failures), and
# resume through the command line reproducing the losses of a straight run.
# Usage: test_cli.sh SCRATCH_DIR   (ldllm is taken from SCRATCH_DIR/../ldllm)
s=${1:-build/tmp}/cli
L=$(dirname "${1:-build/tmp}")/ldllm
D=examples/data
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "OK   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
# expect CODE WORD CMD...: exit status CODE, one stderr line containing WORD
expect() {
    code=$1; word=$2; shift 2
    "$@" >/dev/null 2>"$s/err"; rc=$?
    n=$(wc -l < "$s/err")
    if [ "$rc" -eq "$code" ] && [ "$n" -eq 1 ] && grep -q -- "$word" "$s/err"; then ok "exit $rc: $(cat "$s/err")"
    else bad "expected exit $code with '$word', got $rc: $(cat "$s/err")"; fi
}
rm -rf "$s"; mkdir -p "$s"

expect 2 "unknown command" $L bogus
expect 2 "unknown option '--bogus'" $L sft --bogus 1
expect 2 "wants a number" $L sft --lr abc
expect 2 "required" $L sft --model x
expect 2 "comma-separated list of sigmoid|" $L pref --model x --data y --out z --loss nope
expect 1 "does not divide" $L init --out "$s/bad" --heads 3
expect 1 "cannot open nope/config.json" $L sft --model nope --data $D/sft.jsonl --out "$s/o"
for c in init sft pref logprobs generate dynamics losses; do check "ldllm $c --help exits 0" "$L $c --help >/dev/null"; done

check "init" "$L init --out $s/m0 --layers 1 --channels 32 --heads 2 --context 48 >/dev/null"
head -n 2 $D/sft.jsonl > "$s/broken.jsonl"
echo '{"prompt": "x", "completion": 5}' >> "$s/broken.jsonl"
tail -n 3 $D/sft.jsonl >> "$s/broken.jsonl"
expect 1 "line 3: field \"completion\" is not a string" $L sft --model "$s/m0" --data "$s/broken.jsonl" --out "$s/o"
check "--skip-bad trains on the good lines and says it skipped one" \
      "$L sft --model $s/m0 --data $s/broken.jsonl --out $s/skip --max-steps 2 --batch 2 --skip-bad 2>&1 | grep -q 'skipped 1 malformed line (line 3: field'"

check "sft: 6 steps, checkpoint every 3" \
      "$L sft --model $s/m0 --data $D/sft.jsonl --out $s/sft --max-steps 6 --batch 4 --lr 3e-3 --save-every 3 --warmup 2 --sched cosine >/dev/null"
check "metrics.csv: header and 6 rows" "[ \$(wc -l < $s/sft/metrics.csv) -eq 7 ] && head -n 1 $s/sft/metrics.csv | grep -q '^step,epoch,lr,loss,grad_norm'"
check "checkpoint-3 and the final model written" "[ -f $s/sft/checkpoint-3/trainer.safetensors ] && [ -f $s/sft/model.safetensors ] && [ -f $s/sft/config.json ]"
check "resume from checkpoint-3 reproduces steps 4-6 (losses, lr, grad norms)" \
      "$L sft --model $s/m0 --data $D/sft.jsonl --out $s/sft2 --max-steps 6 --batch 4 --lr 3e-3 --warmup 2 --sched cosine --resume $s/sft/checkpoint-3 >/dev/null &&
       [ \"\$(cut -d, -f1-5 $s/sft/metrics.csv | sed -n 5,7p)\" = \"\$(cut -d, -f1-5 $s/sft2/metrics.csv | sed -n 2,4p)\" ]"
check "resumed final model equals the straight run's" "cmp -s $s/sft/model.safetensors $s/sft2/model.safetensors"

# every preference loss by its name (TRL's, and the header's own), then KTO on unpaired rows
for loss in dpo sigmoid hinge ipo exo_pair nca_pair robust bco_pair sppo_hard aot aot_unpaired apo_zero apo_down discopop \
            sigmoid_norm sft cdpo ipo_sum dpop simpo orpo; do
    check "pref --loss $loss: 2 steps" "$L pref --model $s/sft --data $D/pref.jsonl --out $s/p_$loss --loss $loss --max-steps 2 --batch 2 --eps 0.1 >/dev/null && [ \$(wc -l < $s/p_$loss/metrics.csv) -eq 3 ]"
done
check "pref --loss kto on unpaired rows (prompt, completion, label): 2 steps" \
      "$L pref --model $s/sft --data $D/kto.jsonl --out $s/p_kto --loss kto --max-steps 2 --batch 4 >/dev/null && [ \$(wc -l < $s/p_kto/metrics.csv) -eq 3 ]"
check "pref header has TRL's metric names" "head -n 1 $s/p_dpo/metrics.csv | grep -q 'rewards/chosen,rewards/rejected,rewards/margins,rewards/accuracies,logps/chosen,logps/rejected,logits/chosen,logits/rejected,entropy,mean_token_accuracy,num_tokens'"
# the first logged step's loss is the loss at the starting model (the reference): known values at r = 0
first() { sed -n 2p "$s/$1/metrics.csv" | cut -d, -f4; }
check "first logged loss at the starting model: sigmoid log 2, hinge 1, ipo and ipo_sum 1/(2β)² = 25, sppo_hard 50, kto 1/2" \
      "[ \$(first p_sigmoid) = 0.69314718 ] && [ \$(first p_hinge) = 1 ] && [ \$(first p_ipo) = 25 ] && [ \$(first p_ipo_sum) = 25 ] && [ \$(first p_sppo_hard) = 50 ] && [ \$(first p_kto) = 0.5 ]"
check "pref: a list of losses with weights, LD-DPO, WPO and an f-divergence" \
      "$L pref --model $s/sft --data $D/pref.jsonl --out $s/p_list --loss sigmoid,sft --loss-weights 1,0.5 --ld-alpha 0.5 --wpo --f-divergence js_divergence --max-steps 2 --batch 2 | grep -q 'loss sigmoid×1+sft×0.5, .*f-divergence js_divergence, LD-DPO α 0.5, WPO'"
expect 2 "gives 1 weights for 2 losses" $L pref --model "$s/sft" --data $D/pref.jsonl --out "$s/o" --loss sigmoid,sft --loss-weights 1
expect 2 "comma-separated list of" $L pref --model "$s/sft" --data $D/pref.jsonl --out "$s/o" --loss sigmoid,nope
expect 2 "must be one of reverse_kl" $L pref --model "$s/sft" --data $D/pref.jsonl --out "$s/o" --f-divergence nope
expect 1 "reads the raw log-ratios" $L pref --model "$s/sft" --data $D/pref.jsonl --out "$s/o" --loss nca_pair --f-divergence forward_kl
expect 1 "missing field \"completion\"" $L pref --model "$s/sft" --data $D/pref.jsonl --out "$s/o" --loss kto
# which losses squeeze: one row per loss, and the README's table is this output
$L losses > "$s/losses.md" 2>"$s/err"
check "ldllm losses: a row for each of the 21 losses" "[ \$(grep -c '^| \`' $s/losses.md) -eq 21 ]"
check "ldllm losses: sigmoid always pushes y⁻ down, sft never touches it" \
      "grep -q '^| \`sigmoid\` (β 0.1) | -0.0599 |.*| always |' $s/losses.md && grep -q '^| \`sft\` .* no gradient |' $s/losses.md"
sed -n '/^<!-- ldllm losses -->$/,/^<!-- \/ldllm losses -->$/p' README.md | sed '1d;$d' > "$s/readme_losses.md"
check "the README's loss table is the output of ldllm losses" "[ -s $s/readme_losses.md ] && cmp -s $s/losses.md $s/readme_losses.md"
check "pref with a reference model directory" "$L pref --model $s/sft --ref $s/m0 --data $D/pref.jsonl --out $s/p_ref --max-steps 2 --batch 2 >/dev/null"

check "sft --probes: scored at steps 0, 3, 6" \
      "$L sft --model $s/m0 --data $D/sft.jsonl --out $s/probed --max-steps 6 --batch 4 --probes $D/pref.jsonl --probe-every 3 >/dev/null &&
       [ \"\$(tail -n +2 $s/probed/probes_mean.csv | cut -d, -f1 | sort -un | tr '\\n' ' ')\" = '0 3 6 ' ]"
check "probes_mean.csv: chosen, rejected, argmax, greedy" \
      "for t in chosen rejected argmax greedy; do grep -q \"^6,\$t,\" $s/probed/probes_mean.csv || exit 1; done"
check "probes.csv: one row per (step, type, example)" "[ \$(grep -c '^3,chosen,' $s/probed/probes.csv) -eq \$(wc -l < $D/pref.jsonl) ]"
head -n 3 $D/pref.jsonl > "$s/upd.jsonl"
check "dynamics --csv: one row per observed response" \
      "$L dynamics --model $s/sft --update $s/upd.jsonl --observe $D/pref.jsonl --lr 1e-4 --loss dpo --csv > $s/dyn.csv &&
       head -n 1 $s/dyn.csv | grep -qx 'example,predicted,measured' && [ \$(wc -l < $s/dyn.csv) -eq \$((2 * \$(wc -l < $D/pref.jsonl) + 1)) ]"
check "dynamics: predicted within 10% of measured at η = 1e-4 (float build)" \
      "awk -F, 'NR > 1 { d = \$3 - \$2; if (d < 0) d = -d; a = \$2; if (a < 0) a = -a; if (d > 0.1 * a + 1e-5) bad = 1 } END { exit bad }' $s/dyn.csv"
check "dynamics table with an SFT step (update file with chosen only)" \
      "$L dynamics --model $s/sft --update $s/upd.jsonl --observe $s/upd.jsonl --lr 1e-3 | grep -q 'top tokens gaining probability'"
check "dynamics --loss sigmoid reports the step's residual coefficients and the loss's row of ldllm losses" \
      "$L dynamics --model $s/sft --update $s/upd.jsonl --observe $s/upd.jsonl --lr 1e-3 --loss sigmoid > $s/dyn_sig.txt &&
       grep -q '^3 *0 *rejected *-' $s/dyn_sig.txt && grep -q '^| \`sigmoid\` (β 0.1) | ' $s/dyn_sig.txt"
head -n 4 $D/kto.jsonl > "$s/upd_kto.jsonl"
check "dynamics --loss kto on unpaired rows: desirable, undesirable and KL rows" \
      "$L dynamics --model $s/sft --update $s/upd_kto.jsonl --observe $s/upd.jsonl --lr 1e-3 --loss kto --undesirable-weight 1.33 > $s/dyn_kto.txt &&
       grep -q ' desirable ' $s/dyn_kto.txt && grep -q ' undesirable ' $s/dyn_kto.txt && grep -q 'KL (none)' $s/dyn_kto.txt"
check "dynamics leaves the model directory unchanged" "cmp -s $s/sft/model.safetensors $s/sft2/model.safetensors"
expect 2 "required" $L dynamics --model "$s/sft"

$L logprobs --model "$s/sft" --data $D/pref.jsonl > "$s/lp.csv" 2>"$s/err"
check "logprobs: one row per (example, response field)" "[ \$(wc -l < $s/lp.csv) -eq \$((2 * \$(wc -l < $D/pref.jsonl) + 1)) ]"
check "logprobs: per-token values sum to the sequence log-prob" \
      "awk -F, 'NR > 1 { n = split(\$6, a, \" \"); t = 0; for (i = 1; i <= n; i++) t += a[i]; if (n != \$4 || (t - \$5) > 1e-3 || (\$5 - t) > 1e-3) bad = 1 } END { exit bad }' $s/lp.csv"
check "generate --greedy continues the prompt" "$L generate --model $s/sft --prompt 'Q: What does the cow say? A:' --greedy | grep -q '^Q: What does the cow say? A:'"
check "generate: same seed, same samples" "[ \"\$($L generate --model $s/sft --prompt Q: --n 3 --seed 5 --top-k 10)\" = \"\$($L generate --model $s/sft --prompt Q: --n 3 --seed 5 --top-k 10)\" ]"
expect 1 "room for" $L generate --model "$s/sft" --prompt "$(head -c 100 /dev/zero | tr '\0' 'x')"

# --- data as users have it --------------------------------------------------
# Anthropic-HH transcripts (no prompt field) score and train as the same rows with an explicit prompt
H='\\n\\nHuman:'; A='\\n\\nAssistant:'
for q in "What does the cow say?|moo|oink" "What does the dog say?|woof|hoot" "What colour is the sky?|blue|green" "Name a fruit.|apple|stone"; do
    Q=${q%%|*}; r=${q#*|}; C=${r%%|*}; R=${r#*|}
    echo "{\"chosen\": \"$H $Q$A It is $C.\", \"rejected\": \"$H $Q$A It is $R.\"}" >> "$s/hh.jsonl"
    echo "{\"prompt\": \"$H $Q$A\", \"chosen\": \" It is $C.\", \"rejected\": \" It is $R.\"}" >> "$s/hh_explicit.jsonl"
done
check "logprobs: HH transcripts score as with an explicit prompt" \
      "$L logprobs --model $s/m0 --data $s/hh.jsonl > $s/hh.csv && $L logprobs --model $s/m0 --data $s/hh_explicit.jsonl > $s/hhx.csv && cmp -s $s/hh.csv $s/hhx.csv && [ \$(wc -l < $s/hh.csv) -eq 9 ]"
check "pref: HH transcripts train as with an explicit prompt (same metrics)" \
      "$L pref --model $s/m0 --data $s/hh.jsonl --out $s/phh --max-steps 2 --batch 2 --no-shuffle >/dev/null &&
       $L pref --model $s/m0 --data $s/hh_explicit.jsonl --out $s/phx --max-steps 2 --batch 2 --no-shuffle >/dev/null &&
       [ \"\$(cut -d, -f1-12 $s/phh/metrics.csv)\" = \"\$(cut -d, -f1-12 $s/phx/metrics.csv)\" ]"
check "sft on HH transcripts trains on chosen" "$L sft --model $s/m0 --data $s/hh.jsonl --out $s/shh --max-steps 1 --batch 2 | grep -q '^sft: 4 examples'"
head -n 1 "$s/hh.jsonl" > "$s/hh_bad.jsonl"
echo "{\"chosen\": \"$H Hi$A Yes.\", \"rejected\": \"$H Bye$A No.\"}" >> "$s/hh_bad.jsonl"
expect 1 "line 2: \"rejected\" does not begin with the prompt" $L pref --model "$s/m0" --data "$s/hh_bad.jsonl" --out "$s/o"
check "--skip-bad in logprobs too: one line says what was skipped" \
      "$L logprobs --model $s/m0 --data $s/hh_bad.jsonl --skip-bad 2>&1 >/dev/null | grep -q 'hh_bad.jsonl: skipped 1 malformed line (line 2'"
# empty responses: a probe is left out, a pair is skipped, both counted by field
printf '%s\n' '{"prompt": "Q:", "chosen": " a", "rejected": "", "irr_hum": "x"}' '{"prompt": "Q:", "chosen": " b", "rejected": " c", "irr_hum": ""}' > "$s/empty.jsonl"
$L logprobs --model $s/m0 --data $s/empty.jsonl > "$s/empty.csv" 2> "$s/err"
check "logprobs: empty probes left out and counted" "[ \$(wc -l < $s/empty.csv) -eq 5 ] && [ \$(wc -l < $s/err) -eq 1 ] && grep -q 'left out 1 empty \"rejected\" (line 1); left out 1 empty \"irr_hum\" (line 2)' $s/err"
check "pref: a pair with an empty response is skipped and counted" \
      "$L pref --model $s/m0 --data $s/empty.jsonl --out $s/pe --max-steps 1 --batch 1 2>&1 | grep -q 'skipped 1 example with an empty \"rejected\" (line 1)'"
# TRL's conversational rows: --template, or the model's tokenizer_config.json
printf '%s\n' '{"prompt": [{"role": "user", "content": "What does the cow say?"}], "completion": [{"role": "assistant", "content": "Moo."}]}' \
               '{"prompt": [{"role": "user", "content": "And the dog?"}], "completion": [{"role": "assistant", "content": "Woof."}]}' > "$s/conv.jsonl"
expect 1 "no chat template" $L sft --model "$s/m0" --data "$s/conv.jsonl" --out "$s/o"
check "sft --template chatml on conversational rows" "$L sft --model $s/m0 --data $s/conv.jsonl --out $s/sc --max-steps 1 --batch 2 --template chatml >/dev/null"
expect 2 "no chat template named" $L sft --model "$s/m0" --data "$s/conv.jsonl" --out "$s/o" --template vicuna
$L init --out "$s/m_smol" --layers 1 --channels 32 --heads 2 --context 256 >/dev/null
cp tests/data/tokenizer_config_smollm2.json "$s/m_smol/tokenizer_config.json"
check "the model's tokenizer_config.json (SmolLM2's template) is used, with its system message" \
      "$L logprobs --model $s/m_smol --data $s/conv.jsonl --truncation trl_keep_start > $s/conv.csv && [ \$(wc -l < $s/conv.csv) -eq 3 ] &&
       $L logprobs --model $s/m_smol --data $s/conv.jsonl --template smollm2 --truncation trl_keep_start | cmp -s - $s/conv.csv &&
       ! $L logprobs --model $s/m_smol --data $s/conv.jsonl --template chatml --truncation trl_keep_start | cmp -s - $s/conv.csv"
expect 1 "its prompt fills all 40 positions" $L logprobs --model "$s/m_smol" --data "$s/conv.jsonl" --truncation trl_keep_start --max-length 40
cp -r "$s/m0" "$s/m_other" && echo '{"chat_template": "{{ messages }}"}' > "$s/m_other/tokenizer_config.json"
expect 1 "none of the built-in ones" $L logprobs --model "$s/m_other" --data "$s/conv.jsonl"
expect 2 "must be one of" $L logprobs --model "$s/m0" --data "$s/hh.jsonl" --truncation sideways
check "--max-length: sequences of at most N tokens" "$L logprobs --model $s/m0 --data $s/hh.jsonl --max-length 20 | awk -F, 'NR > 1 && \$4 > 19 { bad = 1 } END { exit bad }'"
# the paper's own probe files, as they are
P=../shared/fixtures/paper
if [ -f "$P/formal_prob_train.jsonl" ]; then
    $L logprobs --model "$s/m0" --data "$P/formal_prob_train.jsonl" > "$s/paper.csv" 2> "$s/err"
    check "logprobs on formal_prob_train.jsonl: 500 × 13 − 21 rows" "[ \$(wc -l < $s/paper.csv) -eq \$((500 * 13 - 21 + 1)) ]"
    check "... and one line on stderr: 21 empty chosen_initial" "[ \$(wc -l < $s/err) -eq 1 ] && grep -q 'left out 21 empty \"chosen_initial\" (first: line 7)' $s/err"
    head -n 40 "$P/formal_prob_train.jsonl" > "$s/paper40.jsonl"   # scratch only, never committed
    check "sft --probes with the paper's file: every probe type scored" \
          "$L sft --model $s/m0 --data $D/sft.jsonl --out $s/pp --max-steps 1 --batch 4 --probes $s/paper40.jsonl 2>$s/err >/dev/null &&
           [ \$(tail -n +2 $s/pp/probes_mean.csv | cut -d, -f2 | sort -u | wc -l) -eq 15 ] && grep -q 'left out 2 empty \"chosen_initial\"' $s/err"
    check "pref on the paper's file (its prompt, chosen, rejected)" "$L pref --model $s/m0 --data $s/paper40.jsonl --out $s/pp2 --max-steps 1 --batch 2 >/dev/null"
else
    echo "paper probe files: skipped: ../shared/fixtures is absent"
fi

# tokenize / detokenize with the small tokenizer of tests/data (expected ids:
# Hugging Face tokenizers', from tests/data/tok_ref.json)
T=tests/data/tok_small.json
for c in tokenize detokenize; do check "ldllm $c --help exits 0" "$L $c --help >/dev/null"; done
printf '{"text": "Hello world"}\n\n{"id": 3, "text": "a<sep>b"}\n{"text": "<|endoftext|>"}\n' > "$s/text.jsonl"
check "tokenize: one {\"ids\"} line per line, the library's ids (a blank line skipped)" \
      "$L tokenize --tokenizer $T --data $s/text.jsonl > $s/ids.jsonl &&
       [ \"\$(cat $s/ids.jsonl)\" = '{\"ids\":[27,67,96,103,103,106,27,600,315,95]}
{\"ids\":[255,596,27,93]}
{\"ids\":[594]}' ]"
check "tokenize --special-as-text reads <sep> and <|endoftext|> as text" \
      "[ \"\$($L tokenize --tokenizer $T --data $s/text.jsonl --special-as-text | sed -n 2,3p)\" = '{\"ids\":[255,55,110,96,107,57,93]}
{\"ids\":[27,336,403,460]}' ]"
check "detokenize: the text back, as the library decodes it" \
      "[ \"\$($L detokenize --tokenizer $T --data $s/ids.jsonl)\" = '{\"text\":\" Hello wor ld\"}
{\"text\":\" a<sep> b\"}
{\"text\":\"<|endoftext|>\"}' ]"
check "detokenize --skip-special leaves <|endoftext|> out" \
      "[ \"\$($L detokenize --tokenizer $T --data $s/ids.jsonl --skip-special | tail -n 1)\" = '{\"text\":\"\"}' ]"
printf '{"ids": [27, 601]}\n' > "$s/badid.jsonl"
expect 1 "line 1: id 601 at position 1 is outside the vocabulary" $L detokenize --tokenizer $T --data "$s/badid.jsonl"
expect 1 "line 1: no field \"body\"" $L tokenize --tokenizer $T --data "$s/text.jsonl" --field body
expect 2 "required" $L tokenize --data "$s/text.jsonl"
expect 1 "holds no tokenizer.json" $L tokenize --tokenizer tests --data "$s/text.jsonl"
printf '{"model": {"type": "WordPiece", "vocab": {}}}' > "$s/wp.json"
expect 1 "model type \"WordPiece\" is not supported" $L tokenize --tokenizer "$s/wp.json" --data "$s/text.jsonl"
printf '{"text": "\377"}\n' > "$s/bad8.jsonl"
expect 1 "line 1: invalid UTF-8" $L tokenize --tokenizer $T --data "$s/bad8.jsonl"
G=../shared/fixtures/tiny-gpt2
if [ -d "$G" ]; then
    printf '{"text": "hello \360\237\221\213 world \360\237\214\215"}\n' > "$s/g.jsonl"
    check "tokenize with GPT-2's directory: hello 👋 world 🌍 → the library's ids" \
          "[ \"\$($L tokenize --tokenizer $G --data $s/g.jsonl)\" = '{\"ids\":[31373,50169,233,995,12520,234,235]}' ]"
    printf '{"ids": [12520]}\n' > "$s/half.jsonl"
    check "detokenize half an emoji: one U+FFFD, as the library writes it" \
          "[ \"\$($L detokenize --tokenizer $G --data $s/half.jsonl)\" = '{\"text\":\" \\ufffd\"}' ]"
else
    echo "tokenize with GPT-2: skipped: $G is absent"
fi

# every family through the command line: init, sft, pref, dynamics, logprobs --ids, generate
for a in gpt_neox llama qwen2; do
    kv="--kv-heads 2"; [ $a = gpt_neox ] && kv=""
    check "$a: init, sft, pref (dpo), dynamics, logprobs, generate" \
          "$L init --arch $a --out $s/f_$a --layers 1 --channels 32 --heads 4 $kv --context 48 >/dev/null &&
           $L sft --model $s/f_$a --data $D/sft.jsonl --out $s/fs_$a --max-steps 2 --batch 2 >/dev/null &&
           $L pref --model $s/fs_$a --data $D/pref.jsonl --out $s/fp_$a --max-steps 2 --batch 2 >/dev/null &&
           $L dynamics --model $s/fs_$a --update $s/upd.jsonl --observe $D/pref.jsonl --lr 1e-4 --loss dpo --csv > $s/fd_$a.csv &&
           [ \$(wc -l < $s/fd_$a.csv) -gt 1 ] &&
           $L logprobs --model $s/fp_$a --data $D/pref.jsonl --ids > $s/fl_$a.csv &&
           $L generate --model $s/fp_$a --prompt 'Q:' --greedy --max-new 8 >/dev/null"
done
check "llama: pref resumed from checkpoint-2 reproduces steps 3-4 and the final model" \
      "$L pref --model $s/fs_llama --data $D/pref.jsonl --out $s/fr1 --max-steps 4 --batch 2 --save-every 2 >/dev/null &&
       $L pref --model $s/fs_llama --data $D/pref.jsonl --out $s/fr2 --max-steps 4 --batch 2 --resume $s/fr1/checkpoint-2 >/dev/null &&
       [ \"\$(cut -d, -f1-5 $s/fr1/metrics.csv | sed -n 4,5p)\" = \"\$(cut -d, -f1-5 $s/fr2/metrics.csv | sed -n 2,3p)\" ] &&
       cmp -s $s/fr1/model.safetensors $s/fr2/model.safetensors"
expect 1 "gpt_neox model has one key-value head per head" $L init --arch gpt_neox --out "$s/bad_nx" --heads 4 --kv-heads 2
check "logprobs --ids: token_ids hold all of χ and response_start is where the scored tokens begin" \
      "awk -F, 'NR == 1 { ok = (\$7 == \"token_ids\" && \$8 == \"response_start\") } NR > 1 { n = split(\$7, ids, \" \"); if (n - \$8 != \$4) ok = 0 } END { exit !ok }' $s/fl_llama.csv"
# a model with a real tokenizer: ldllm init --tokenizer, then every command reads text through it
check "init --tokenizer $T --pad-vocab 64: V 640, bos and eos <|endoftext|> (594), the file beside the model" \
      "$L init --out $s/mt --tokenizer $T --pad-vocab 64 --layers 1 --channels 32 --heads 2 --context 64 > $s/mt.txt &&
       grep -q ', V 640, ' $s/mt.txt && grep -q \"bos 594 '<|endoftext|>', eos 594 '<|endoftext|>'\" $s/mt.txt &&
       cmp -s $T $s/mt/tokenizer.json && grep -q '\"vocab_size\": 640' $s/mt/config.json && grep -q '\"eos_token_id\": 594' $s/mt/config.json"
check "init --tokenizer without --pad-vocab: V is the tokenizer's 601" \
      "$L init --out $s/mt2 --tokenizer $T --layers 1 --channels 32 --heads 2 | grep -q ', V 601, '"
check "init --tokenizer --bos none --eos '<sep>': no bos, eos 596" \
      "$L init --out $s/mt3 --tokenizer $T --layers 1 --channels 32 --heads 2 --bos none --eos '<sep>' >/dev/null &&
       grep -q '\"bos_token_id\": null' $s/mt3/config.json && grep -q '\"eos_token_id\": 596' $s/mt3/config.json"
expect 1 "the tokenizer has 601 ids, more than the model's vocab_size 300" $L init --out "$s/o" --tokenizer $T --vocab 300
expect 2 "the tokenizer has no token 'nope'" $L init --out "$s/o" --tokenizer $T --eos nope
expect 2 "name tokens of a --tokenizer" $L init --out "$s/o" --bos x
check "tokenize with the model directory gives the file's ids" "[ \"\$($L tokenize --tokenizer $s/mt --data $s/text.jsonl)\" = \"\$(cat $s/ids.jsonl)\" ]"
# the tokens logprobs scores: the tokenizer's ids of prompt + response past the prompt's, and the eos
printf '%s\n' '{"prompt": "Q: What does the cow say? A:", "completion": " It says moo."}' > "$s/one.jsonl"
printf '%s\n' '{"text": "Q: What does the cow say? A:"}' '{"text": "Q: What does the cow say? A: It says moo."}' > "$s/one_text.jsonl"
scored() { $L tokenize --tokenizer "$1" --data "$s/one_text.jsonl" | awk -F, 'NR == 1 { a = NF } NR == 2 { print NF - a + 1 }'; }
check "logprobs on the tokenizer's model scores its tokens: $(scored $T) (the response's ids + eos), not 14 bytes (13 + eos)" \
      "[ \"\$($L logprobs --model $s/mt --data $s/one.jsonl | sed -n 2p | cut -d, -f4)\" = \"\$(scored $T)\" ]"
check "sft on the tokenizer's model: trains, and writes the tokenizer beside the model" \
      "$L sft --model $s/mt --data $D/sft.jsonl --out $s/mt_sft --max-steps 4 --batch 4 > $s/mt_sft.txt && grep -q 'the tokenizer)' $s/mt_sft.txt &&
       [ \$(wc -l < $s/mt_sft/metrics.csv) -eq 5 ] && cmp -s $T $s/mt_sft/tokenizer.json"
check "pref, logprobs, generate and dynamics on it" \
      "$L pref --model $s/mt_sft --data $D/pref.jsonl --out $s/mt_dpo --max-steps 2 --batch 2 >/dev/null &&
       $L logprobs --model $s/mt_dpo --data $D/pref.jsonl > $s/mt_lp.csv && [ \$(wc -l < $s/mt_lp.csv) -eq \$((2 * \$(wc -l < $D/pref.jsonl) + 1)) ] &&
       $L generate --model $s/mt_dpo --prompt 'Q: What does the cow say? A:' --greedy --max-new 8 | grep -q '^Q: What does the cow say? A:' &&
       $L dynamics --model $s/mt_sft --update $s/upd.jsonl --observe $s/upd.jsonl --lr 1e-3 | grep -q 'top tokens gaining probability'"
mkdir -p "$s/mt_bare" && cp "$s/mt/config.json" "$s/mt/model.safetensors" "$s/mt_bare/"
expect 1 "mt_bare: no tokenizer, and vocab_size 640 is not the byte-level one (256 or 257): text needs the model's tokenizer.json (or GPT-2's vocab.json + merges.txt)" \
       $L logprobs --model "$s/mt_bare" --data "$s/one.jsonl"
expect 1 "mt_bare: no tokenizer" $L sft --model "$s/mt_bare" --data $D/sft.jsonl --out "$s/o"
expect 1 "mt_bare: no tokenizer" $L generate --model "$s/mt_bare" --prompt hi
expect 1 "mt_bare: no tokenizer" $L dynamics --model "$s/mt_bare" --update "$s/upd.jsonl" --observe "$s/upd.jsonl"
mkdir -p "$s/m0_tok" && cp "$s/m0/config.json" "$s/m0/model.safetensors" $T "$s/m0_tok/" && mv "$s/m0_tok/tok_small.json" "$s/m0_tok/tokenizer.json"
expect 1 "m0_tok: the tokenizer has 601 ids, more than the model's vocab_size 257" $L logprobs --model "$s/m0_tok" --data "$s/one.jsonl"
if [ -d "$G" ]; then
    printf '%s\n' '{"prompt": "Hello, my dog", "completion": " is cute."}' > "$s/one.jsonl"
    printf '%s\n' '{"text": "Hello, my dog"}' '{"text": "Hello, my dog is cute."}' > "$s/one_text.jsonl"
    check "logprobs on the real GPT-2 checkpoint scores GPT-2's tokens: $(scored $G) (3 ids + eos), not 10 bytes" \
          "[ \"\$($L logprobs --model $G --data $s/one.jsonl | sed -n 2p | cut -d, -f4)\" = \"\$(scored $G)\" ] && [ \$(scored $G) -eq 4 ]"
    mkdir -p "$s/g_bare" && cp "$G/config.json" "$G/model.safetensors" "$s/g_bare/"
    expect 1 "g_bare: no tokenizer, and vocab_size 50257 is not the byte-level one (256 or 257): text needs the model's tokenizer.json (or GPT-2's vocab.json + merges.txt)" \
           $L logprobs --model "$s/g_bare" --data "$s/one.jsonl"
    check "sft on the GPT-2 checkpoint: its tokenizer and tokenizer_config.json go with it" \
          "$L sft --model $G --data $D/sft.jsonl --out $s/g_sft --max-steps 2 --batch 2 --max-length 64 >/dev/null &&
           cmp -s $G/tokenizer.json $s/g_sft/tokenizer.json && cmp -s $G/tokenizer_config.json $s/g_sft/tokenizer_config.json &&
           [ \"\$($L logprobs --model $s/g_sft --data $s/one.jsonl --max-length 64 | sed -n 2p | cut -d, -f4)\" = 4 ]"
    check "init --tokenizer GPT-2's directory --pad-vocab 128: V 50304, bos and eos 50256" \
          "$L init --out $s/g_init --tokenizer $G --pad-vocab 128 --layers 1 --channels 8 --heads 2 --context 32 | grep -q \"(V 50304); bos 50256 '<|endoftext|>', eos 50256\" &&
           cmp -s $G/tokenizer.json $s/g_init/tokenizer.json && [ -f $s/g_init/tokenizer_config.json ]"
else
    echo "GPT-2 checkpoint with its tokenizer: skipped: $G is absent"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
