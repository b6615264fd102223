#!/bin/sh
# The code the documentation shows must compile and work: the README's usage
# example, its tokenizer example and the quick start at the top of ld_llm.h,
# extracted verbatim, compiled with -Wall -Wextra -Werror (the usage example
# and the quick start as C99 and as C++), run; their loss must fall, and the
# tokenizer example must print what the README shows; so must its ldllm
# init --tokenizer and tokenize commands. (C++:
# -Wno-missing-field-initializers, since g++ -Wextra warns about the `= {0}`
# the examples use, which C and C++ both define.)
# Usage: test_readme.sh SCRATCH_DIR
s=${1:-build/tmp}
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "OK   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
CC=${CC:-cc}
CXX=${CXX:-c++}
# compile_run NAME SOURCE LANGUAGE: compile, run, check that the loss falls
compile_run() {
    name=$1; src=$2; lang=$3
    if [ "$lang" = c ]; then set -- $CC -std=c99 -x c; else set -- $CXX -x c++ -Wno-missing-field-initializers; fi
    exe="$s/$(echo "$name" | tr -c "a-zA-Z0-9\n" _)_$lang"
    if "$@" -O2 -Wall -Wextra -Werror -I. "$src" -o "$exe" -lm 2> "$exe.err"; then
        ok "$name compiles as $lang"
        "$exe" > "$exe.out"
        first=$(head -n 1 "$exe.out" | sed 's/.*loss //'); last=$(tail -n 1 "$exe.out" | sed 's/.*loss //')
        if awk "BEGIN { exit !($last < $first - 1) }"; then ok "$name ($lang) trains: loss $first -> $last"
        else bad "$name ($lang): loss $first -> $last does not fall"; fi
    else bad "$name does not compile as $lang: $(head -n 3 "$exe.err")"; fi
}
# the README's first C block
awk '/^```c$/ { on = 1; next } /^```$/ { if (on) exit } on' README.md > "$s/readme_usage.c"
# the header's quick start, wrapped in main
{ echo '#define LD_LLM_IMPLEMENTATION'; echo '#include "ld_llm.h"'; echo '#include <stdio.h>'; echo 'int main(void) {'
  sed -n '/^   QUICK START/,/^   TABLE OF CONTENTS/p' ld_llm.h | sed '1,2d;$d'
  echo 'return 0; }'; } > "$s/quickstart.c"
for lang in c c++; do
    compile_run "README usage example" "$s/readme_usage.c" $lang
    compile_run "ld_llm.h quick start" "$s/quickstart.c" $lang
done
# the Tokenizers section's example: it compiles, runs, and prints what the README says
awk '/^## Tokenizers/ { sec = 1 } sec && /^```c$/ { on = 1; next } on && /^```$/ { exit } on' README.md > "$s/readme_tok.c"
awk '/^## Tokenizers/ { sec = 1 } sec && /^It prints$/ { p = 1; next } p && /^    / { sub(/^    /, ""); print; next } p && NF { exit }' README.md > "$s/readme_tok.want"
if $CC -std=c99 -O2 -Wall -Wextra -Werror -I. "$s/readme_tok.c" -o "$s/readme_tok" -lm 2> "$s/readme_tok.err"; then
    ok "README tokenizer example compiles"
    "$s/readme_tok" | sed 's/ *$//' > "$s/readme_tok.out"
    if [ -s "$s/readme_tok.want" ] && cmp -s "$s/readme_tok.out" "$s/readme_tok.want"; then ok "README tokenizer example prints what the README shows"
    else bad "README tokenizer example prints: $(head -n 3 "$s/readme_tok.out")"; fi
else bad "README tokenizer example does not compile: $(head -n 3 "$s/readme_tok.err")"; fi
# the Model families section's config: a SmolLM2-135M shape, which has
# 134 515 008 parameters (V·C + 30 layers × (q, k, v, o, gate, up, down and
# two norms) + the final norm, tied head: the count Hugging Face reports)
{ echo '#define LD_LLM_IMPLEMENTATION'; echo '#include "ld_llm.h"'; echo '#include <stdio.h>'; echo 'int main(void) {'
  awk '/^## Model families/ { sec = 1 } sec && /^```c$/ { on = 1; next } on && /^```$/ { exit } on' README.md
  echo 'ld_config r = ld_config_resolve(&c);'
  echo 'printf("%d %zu", (int)ld_config_check(&r), ld_param_count(&c)); puts(""); return 0; }'; } > "$s/readme_fam.c"
if $CC -std=c99 -O2 -Wall -Wextra -Werror -I. "$s/readme_fam.c" -o "$s/readme_fam" -lm 2> "$s/readme_fam.err"; then
    out=$("$s/readme_fam")
    if [ "$out" = "0 134515008" ]; then ok "README families example: a valid config of SmolLM2-135M's 134515008 parameters"
    else bad "README families example: check status and parameter count '$out', want '0 134515008'"; fi
else bad "README families example does not compile: $(head -n 3 "$s/readme_fam.err")"; fi
# the README's model with a tokenizer: ldllm init --tokenizer and tokenize print what it shows
L=$(dirname "$s")/ldllm
R="$s/readme_tk"
rm -rf "$R"
for c in "init --out out/tk" "tokenize --tokenizer out/tk"; do
    cmd=$(grep -m1 "^    \$ ./build/ldllm $c" README.md | sed 's/^    \$ .\/build\/ldllm //')
    n=$( [ "$c" = "init --out out/tk" ] && echo 2 || echo 1 )
    want=$(grep -A$n -m1 "^    \$ ./build/ldllm $c" README.md | tail -n $n | sed 's/^    //')
    printf '{"text": "Q: What does the goat say? A: The goat says bleat."}\n' > "$s/readme_t.jsonl"
    got=$(eval "$L $(echo "$cmd" | sed "s#out/tk#$R#g; s#t.jsonl#$s/readme_t.jsonl#")" 2>&1 | sed "s#$R#out/tk#g")
    if [ -n "$cmd" ] && [ "$got" = "$want" ]; then ok "README: ldllm $c ... prints what the README shows"
    else bad "README: ldllm $c: got '$got', the README shows '$want'"; fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
