#!/bin/bash
# test/fuzz/run.sh - builds the libFuzzer harnesses with clang (ASan + UBSan) and runs each
# for a given number of seconds. Not part of `make check`; see README.md.
#
#   test/fuzz/run.sh [SECONDS] [BUILD_DIR] [TARGETS...]
#     SECONDS    run time per target (default 300; 0 = build only)
#     BUILD_DIR  a configured CMake build dir (for generated/jetml/version.hpp; default build-fuzz)
#     TARGETS    any of npy csv events model (default all)
# Corpora live in BUILD_DIR/fuzz/corpus/<target> (seeded on the first run), crashes in
# BUILD_DIR/fuzz/artifacts/<target>/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${1:-300}
build=${2:-$root/build-fuzz}
shift $(( $# > 2 ? 2 : $# ))
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(npy csv events model)
CXX=${CXX:-clang++-14}
[ -f "$build/generated/jetml/version.hpp" ] ||
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
build=$(cd "$build" && pwd)  # absolute: the runs below work in $build/fuzz
out=$build/fuzz
mkdir -p "$out/obj"
flags=(-std=c++17 -g -O1 -Wno-pass-failed -fopenmp -I"$root/lib" -I"$build/generated" -I/usr/include/x86_64-linux-gnu/openblas-pthread)
san=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)

# the library, instrumented for coverage (fuzzer-no-link), rebuilt when a source is newer
objs=()
for src in "$root"/lib/jetml/*.cpp "$root"/lib/jetml/*/*.cpp; do
    rel=${src#"$root"/lib/jetml/}
    obj=$out/obj/${rel//\//_}.o
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find "$root/lib/jetml" -name '*.hpp' -newer "$obj" | head -1)" ]; then
        echo "compiling $rel" >&2
        $CXX "${flags[@]}" "${san[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
    fi
    objs+=("$obj")
done
rm -f "$out/libjetml_fuzz.a"
ar rcs "$out/libjetml_fuzz.a" "${objs[@]}"

seed() {  # seed <target> <files...>: copies small files (< 64 KiB) into the corpus once
    local dir=$out/corpus/$1
    shift
    mkdir -p "$dir"
    for f in "$@"; do
        [ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 65536 ] && cp -n "$f" "$dir/seed-$(basename "$f")" || true
    done
}
data=$root/test/golden/data
fix=$root/test/unit/fixtures
fj=/work/shared/data/fastjet-golden
seed npy "$data"/*.npy "$fix"/*.npy
seed csv "$data"/*.csv "$data"/*.npy
seed events "$data"/*.npy "$data"/*.csv "$data"/*.dat "$data"/*.hepmc $fj/*.dat
seed model "$here"/seeds/*.npz "$here"/seeds/*.entries

for t in "${targets[@]}"; do
    echo "linking fuzz_$t" >&2
    $CXX "${flags[@]}" "${san[@]}" -fsanitize=fuzzer "$here/fuzz_$t.cpp" "$out/libjetml_fuzz.a" \
        -lopenblas -L/usr/lib/llvm-14/lib -Wl,-rpath,/usr/lib/llvm-14/lib -o "$out/fuzz_$t"
done
[ "$secs" -gt 0 ] || exit 0
for t in "${targets[@]}"; do
    mkdir -p "$out/artifacts/$t"
    echo "running fuzz_$t for ${secs}s" >&2
    # -jobs=1 runs one worker that logs to fuzz-0.log in the current dir: keep that in $out
    (cd "$out" && OMP_NUM_THREADS=1 "$out/fuzz_$t" -jobs=1 -workers=1 -max_total_time="$secs" -timeout=10 \
        -rss_limit_mb=2048 -malloc_limit_mb=1024 -artifact_prefix="$out/artifacts/$t/" \
        "$out/corpus/$t") 2>&1 | tee "$out/fuzz_$t.log" | grep -E '^#[0-9]+.*(pulse|DONE|NEW.*cov)|ERROR|SUMMARY' | tail -n 20 || true
done
