#!/bin/sh
# Runs test programs, sums their closing lines "N passed, M failed", and
# ends with one such line for all of them. A program that crashes, exits
# non-zero or prints no closing line counts as a failure.
#
# Skipping: a program whose whole subject is absent (no GPU, no fixtures)
# prints a line "NAME: skipped: REASON", runs no check (it may print
# "0 passed, 0 failed" or no closing line) and exits 0. It is listed as
# skipped, with its reason, and counted in neither total. A program that
# skips only some of its checks prints the same kind of line for each part
# and still ends with its own closing line.
# Usage: tests/run.sh SCRATCH_DIR PROGRAM...
scratch=$1; shift
total_pass=0; total_fail=0; skipped=0
for t in "$@"; do
    out=$("$t" "$scratch" 2>&1); rc=$?
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    skip=$(printf '%s\n' "$out" | grep -E 'skipped:' | head -n 1)
    if [ "$rc" -eq 0 ] && [ -n "$skip" ] && { [ -z "$line" ] || [ "$line" = "0 passed, 0 failed" ]; }; then
        printf '%-36s skipped: %s\n' "$(basename "$t")" "${skip#*skipped: }"
        skipped=$((skipped + 1)); continue
    fi
    if [ -z "$line" ]; then
        printf '%s\n' "$out" | tail -n 20
        echo "$t: no closing line (exit status $rc)"
        total_fail=$((total_fail + 1)); continue
    fi
    p=${line%% passed*}; f=${line#*, }; f=${f%% failed}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    if [ "$f" -ne 0 ]; then printf '%s\n' "$out" | grep -E '^FAIL' | head -n 20; fi
    printf '%s\n' "$out" | grep -E 'skipped:' | head -n 3
    printf '%-36s %s\n' "$(basename "$t")" "$line"
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
done
[ "$skipped" -gt 0 ] && echo "$skipped program(s) skipped, as said above"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
