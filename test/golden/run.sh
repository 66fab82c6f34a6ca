#!/usr/bin/env bash
# Golden end-to-end tests through pipes. Usage: run.sh [--regen] TABLE.reg
#
# A table is a bash file of rows; each row is a call:
#   P  EXPECTED  'COMMAND'      exit 0; stdout equals expected/EXPECTED byte for byte
#                               (EXPECTED '-' = only the exit status is checked)
#   S  'COMMAND1' 'COMMAND2'    both exit 0 and print identical bytes (e.g. file vs stdin)
#   F  CODE  'REGEX'  'COMMAND' exits CODE; stderr is one line (plus "Try 'x --help'." for
#                               usage errors) matching the extended REGEX; no temporary or
#                               partial output file is left in the working directory
#   R  'COMMAND'                a shell check that must exit 0 (e.g. a numeric comparison);
#                               exit 77 skips the row with its stderr as the reason
# COMMANDs run under `bash -o pipefail` in a fresh scratch directory with the tools on PATH,
# $data = test/golden/data, $PYTHON = Debian's python3, OMP_NUM_THREADS=1.
# --regen writes expected/EXPECTED.new for P rows that differ, shows the diff, and never
# overwrites an expected file itself.
set -u -o pipefail
regen=0
if [ "${1:-}" = "--regen" ]; then regen=1; shift; fi
table=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
: "${JETML_BIN:?set JETML_BIN to the directory of the built tools}"
export PATH="$JETML_BIN:$PATH" OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 LC_ALL=C
export data="$here/data" expected="$here/expected"
export PYTHON="${PYTHON:-/usr/bin/python3}"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
pass=0 fail=0 skip=0
n=0

report_fail() { fail=$((fail + 1)); printf 'FAIL %s:%s: %s\n' "$(basename "$table")" "$n" "$1"; shift; for l in "$@"; do printf '    %s\n' "$l"; done; }

run_in_scratch() {  # cmd -> sets out, err, code
    local cmd=$1
    ( cd "$scratch" && bash -o pipefail -c "$cmd" >"$scratch/.out" 2>"$scratch/.err" )
    code=$?
}

P() {
    n=$((n + 1))
    local exp=$1 cmd=$2
    run_in_scratch "$cmd"
    if [ $code -ne 0 ]; then report_fail "exit $code, expected 0: $cmd" "$(head -c 400 "$scratch/.err")"; return; fi
    if [ "$exp" != "-" ]; then
        if [ ! -f "$expected/$exp" ] || ! cmp -s "$scratch/.out" "$expected/$exp"; then
            if [ $regen = 1 ]; then
                cp "$scratch/.out" "$expected/$exp.new"
                echo "regen: wrote $expected/$exp.new"; diff "$expected/$exp" "$expected/$exp.new" | head -20
            fi
            report_fail "stdout differs from expected/$exp: $cmd"; return
        fi
    fi
    pass=$((pass + 1))
}

S() {
    n=$((n + 1))
    local a=$1 b=$2
    run_in_scratch "$a"; local ca=$code; cp "$scratch/.out" "$scratch/.out1"
    run_in_scratch "$b"; local cb=$code
    if [ $ca -ne 0 ] || [ $cb -ne 0 ]; then report_fail "exit $ca/$cb, expected 0/0: $a  vs  $b" "$(head -c 400 "$scratch/.err")"; return; fi
    if ! cmp -s "$scratch/.out1" "$scratch/.out"; then report_fail "outputs differ: $a  vs  $b"; return; fi
    if [ ! -s "$scratch/.out" ]; then report_fail "both outputs empty: $a"; return; fi
    pass=$((pass + 1))
}

F() {
    n=$((n + 1))
    local want=$1 re=$2 cmd=$3
    run_in_scratch "$cmd"
    if [ $code -ne "$want" ]; then report_fail "exit $code, expected $want: $cmd" "$(head -c 400 "$scratch/.err")"; return; fi
    local lines; lines=$(grep -vc "^[a-z0-9_-]*: *Try '.* --help'.\$\|^Try '.* --help'.\$" "$scratch/.err")
    if [ "$lines" -ne 1 ]; then report_fail "stderr has $lines message lines, expected 1: $cmd" "$(head -c 400 "$scratch/.err")"; return; fi
    if ! grep -Eq -- "$re" "$scratch/.err"; then report_fail "stderr does not match /$re/: $cmd" "$(cat "$scratch/.err")"; return; fi
    if ls "$scratch" | grep -q '\.tmp-'; then report_fail "temporary output left behind: $cmd" "$(ls "$scratch")"; return; fi
    pass=$((pass + 1))
}

R() {
    n=$((n + 1))
    run_in_scratch "$1"
    if [ $code -eq 77 ]; then skip=$((skip + 1)); printf 'SKIP %s:%s: %s\n' "$(basename "$table")" "$n" "$(tail -1 "$scratch/.err")"; return; fi
    if [ $code -ne 0 ]; then report_fail "check failed (exit $code): $1" "$(head -c 600 "$scratch/.out")" "$(head -c 600 "$scratch/.err")"; return; fi
    pass=$((pass + 1))
}

# shellcheck disable=SC1090
. "$table"
echo "$(basename "$table"): $pass passed, $fail failed$([ $skip = 0 ] || echo ", $skip skipped")"
[ $fail -eq 0 ]
