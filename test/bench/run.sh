#!/bin/sh
# make bench: runs every test/bench/run_*.sh with the build directory; each prints CSV lines.
set -eu
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
echo "# jetml benchmarks, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
for s in "$here"/run_*.sh; do
    [ -f "$s" ] || continue
    sh "$s" "$build"
done
