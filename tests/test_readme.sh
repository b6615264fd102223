#!/bin/sh
# The code the documentation shows must compile and work: the README's usage
# example, its tokenizer example and the quick start at the top of ld_llm.h, extracted verbatim,
# compiled with -Wall -Wextra -Werror, run, and their loss must fall.
# Usage: test_readme.sh SCRATCH_DIR
s=${1:-build/tmp}
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "OK   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
CC=${CC:-cc}
# the README's first C block
awk '/^```c$/ { on = 1; next } /^```$/ { if (on) exit } on' README.md > "$s/readme_usage.c"
if $CC -std=c99 -O2 -Wall -Wextra -Werror -I. "$s/readme_usage.c" -o "$s/readme_usage" -lm 2> "$s/readme_usage.err"; then
    ok "README usage example compiles"
    "$s/readme_usage" > "$s/readme_usage.out"
    first=$(head -n 1 "$s/readme_usage.out" | sed 's/.*loss //'); last=$(tail -n 1 "$s/readme_usage.out" | sed 's/.*loss //')
    if awk "BEGIN { exit !($last < $first - 1) }"; then ok "README usage example trains: loss $first -> $last"
    else bad "README usage example: loss $first -> $last does not fall"; fi
else bad "README usage example does not compile: $(head -n 3 "$s/readme_usage.err")"; fi
# the header's quick start, wrapped in main
{ echo '#define LD_LLM_IMPLEMENTATION'; echo '#include "ld_llm.h"'; echo '#include <stdio.h>'; echo 'int main(void) {'
  sed -n '/^   QUICK START/,/^   TABLE OF CONTENTS/p' ld_llm.h | sed '1,2d;$d'
  echo 'return 0; }'; } > "$s/quickstart.c"
if $CC -std=c99 -O2 -Wall -Wextra -Werror -I. "$s/quickstart.c" -o "$s/quickstart" -lm 2> "$s/quickstart.err"; then
    ok "ld_llm.h quick start compiles"
    "$s/quickstart" > "$s/quickstart.out"
    first=$(head -n 1 "$s/quickstart.out" | sed 's/.*loss //'); last=$(tail -n 1 "$s/quickstart.out" | sed 's/.*loss //')
    if awk "BEGIN { exit !($last < $first - 1) }"; then ok "quick start trains: loss $first -> $last"
    else bad "quick start: loss $first -> $last does not fall"; fi
else bad "ld_llm.h quick start does not compile: $(head -n 3 "$s/quickstart.err")"; fi
# the Tokenizers section's example: it compiles, runs, and prints what the README says
awk '/^## Tokenizers/ { sec = 1 } sec && /^```c$/ { on = 1; next } on && /^```$/ { exit } on' README.md > "$s/readme_tok.c"
awk '/^## Tokenizers/ { sec = 1 } sec && /^It prints$/ { p = 1; next } p && /^    / { sub(/^    /, ""); print; next } p && NF { exit }' README.md > "$s/readme_tok.want"
if $CC -std=c99 -O2 -Wall -Wextra -Werror -I. "$s/readme_tok.c" -o "$s/readme_tok" -lm 2> "$s/readme_tok.err"; then
    ok "README tokenizer example compiles"
    "$s/readme_tok" | sed 's/ *$//' > "$s/readme_tok.out"
    if [ -s "$s/readme_tok.want" ] && cmp -s "$s/readme_tok.out" "$s/readme_tok.want"; then ok "README tokenizer example prints what the README shows"
    else bad "README tokenizer example prints: $(head -n 3 "$s/readme_tok.out")"; fi
else bad "README tokenizer example does not compile: $(head -n 3 "$s/readme_tok.err")"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
