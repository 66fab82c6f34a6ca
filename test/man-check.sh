#!/usr/bin/env bash
# Every long option in each tool's --help must appear in man/<tool>.1, and groff must
# format every page without warnings. Usage: man-check.sh BINDIR MANDIR
set -u
bin=$1 man=$2
status=0 checked=0
for exe in "$bin"/*; do
    [ -x "$exe" ] || continue
    tool=$(basename "$exe")
    page="$man/$tool.1"
    if [ ! -f "$page" ]; then echo "man-check: $tool has no man page $page"; status=1; continue; fi
    opts=$("$exe" --help | grep -oE -- '--[a-zA-Z][a-zA-Z0-9_-]*[a-zA-Z0-9]' | sort -u)
    for o in $opts; do
        # in roff a dash is written \- ; accept either spelling
        if ! grep -qF -- "$o" "$page" && ! grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" "$page"; then
            echo "man-check: $tool: option $o is in --help but not in $page"; status=1
        fi
        checked=$((checked + 1))
    done
done
for page in "$man"/*.[15]; do
    w=$(groff -man -ww -z "$page" 2>&1)
    if [ -n "$w" ]; then echo "man-check: groff warnings in $page:"; echo "$w"; status=1; fi
done
echo "man-check: $checked options checked"
if [ $status -eq 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $status
