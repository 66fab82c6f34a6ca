#!/usr/bin/env bash
# Interrupts a tool while it writes OUT and checks that nothing is left behind.
# Usage: interrupt.sh SIG OUT [FEED BYTES] -- COMMAND...
#   SIG    INT, TERM or HUP
#   OUT    the output file COMMAND writes (in the current directory)
#   FEED   optional: COMMAND reads standard input from a FIFO that gets the first BYTES of FEED
#          and is then held open, so the tool is mid-run, waiting for more, when the signal
#          comes (no timing luck needed); without FEED the tool must simply run long enough
# Waits until OUT.tmp-* exists (and, without FEED, holds data; at most 20 s), sends SIG, and checks: the tool died by SIG (a
# shell sees status 128 + signal number), stderr is one line "TOOL: interrupted by SIGxxx;
# removed partial output OUT", and neither OUT nor any *.tmp-* file is left. Exit 0 if all
# holds, 77 (skip) if the tool finished before it could be interrupted, 1 otherwise.
set -u
# job control: without it a background job of a non-interactive shell ignores SIGINT
set -m
sig=$1 out=$2
shift 2
feed="" bytes=0
if [ "$1" != "--" ]; then feed=$1 bytes=$2; shift 2; fi
[ "$1" = "--" ] || { echo "interrupt.sh: expected -- before the command" >&2; exit 1; }
shift
tool=$(basename "$1")
fail() { echo "interrupt.sh: $tool, SIG$sig: $*" >&2; [ -f err ] && sed 's/^/    /' err >&2; exit 1; }
rm -f err

if [ -n "$feed" ]; then
    rm -f in.fifo && mkfifo in.fifo
    "$@" < in.fifo 2>err &
    pid=$!
    exec 3>in.fifo                      # held open: the tool never sees the end of its input
    head -c "$bytes" "$feed" >&3
else
    "$@" 2>err &
    pid=$!
fi

# wait for the temporary output: non-empty (mid-write) when the tool runs freely; with a feed
# it exists, and the tool gets a moment to work on what it got
ready() {
    local f
    for f in "$out".tmp-*; do
        [ -e "$f" ] || return 1
        [ -n "$feed" ] || [ -s "$f" ] || return 1
    done
}
for _ in $(seq 400); do
    ready && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
done
if ! ready; then
    [ -n "$feed" ] && exec 3>&-
    if kill -0 $pid 2>/dev/null; then
        kill -KILL $pid; { wait $pid; } 2>/dev/null
        fail "no $out.tmp-* with data after 20 s"
    fi
    wait $pid
    status=$?
    [ $status = 0 ] || fail "exit status $status before $out.tmp-* appeared"
    echo "interrupt.sh: skip: $tool finished before $out.tmp-* appeared; give it a larger job" >&2
    exit 77
fi
[ -n "$feed" ] && sleep 0.3
kill -"$sig" $pid
{ wait $pid; } 2>/dev/null    # (without the shell's "Terminated" job notice)
status=$?
[ -n "$feed" ] && exec 3>&-
rm -f in.fifo

num=$(kill -l "$sig")
[ "$status" = $((128 + num)) ] || fail "exit status $status, expected $((128 + num))"
[ "$(wc -l < err)" = 1 ] || fail "stderr has $(wc -l < err) lines, expected 1"
grep -Eq "^$tool: interrupted by SIG$sig; removed partial output $out\$" err ||
    fail "stderr is not '$tool: interrupted by SIG$sig; removed partial output $out'"
[ ! -e "$out" ] || fail "$out was left behind"
! compgen -G "*.tmp-*" >/dev/null || fail "temporary file left behind: $(echo *.tmp-*)"
rm -f err
exit 0
