#!/bin/sh
# I/O benchmarks: NPY streamed through a pipe by jetml vs cat; jetgen jets/s.
# Prints: name,n,threads,seconds,rate,unit,ratio_to_peer
set -eu
build=$1
bin=$build/bin bench=$build/bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
best() {  # best of 3 wall-clock seconds of a shell command
    b=
    for i in 1 2 3; do
        t0=$(now); sh -c "$1"; t1=$(now)
        t=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
    done
    echo "$b"
}
# a 960 MB float32 NPY in the page cache
n=40000
"$bin/jetgen" -q -n $n -M 1500 -p qcd -o "$tmp/big.npy"
bytes=$(stat -c %s "$tmp/big.npy")
cat "$tmp/big.npy" > /dev/null
# the same pipeline shape for both: cat FILE | X | cat, with X = cat or a jetml NPY reader+writer
t_cat=$(best "cat $tmp/big.npy | cat | cat > /dev/null")
t_jml=$(best "cat $tmp/big.npy | $bench/bench_npy 16 | cat > /dev/null")
gb() { echo "$bytes / $1 / 1000000000" | bc -l; }
printf 'npy_pipe_cat,%s,1,%.3f,%.2f,GB/s,1\n' "$bytes" "$t_cat" "$(gb "$t_cat")"
printf 'npy_pipe_jetml,%s,1,%.3f,%.2f,GB/s,%.2f\n' "$bytes" "$t_jml" "$(gb "$t_jml")" "$(echo "$t_cat / $t_jml" | bc -l)"
# jetgen throughput
for th in 1 2; do
    t=$(best "$bin/jetgen -q -n 100000 -p w,qcd --threads $th > /dev/null")
    printf 'jetgen_w_qcd,100000,%s,%.3f,%.0f,jets/s,\n' "$th" "$t" "$(echo "100000 / $t" | bc -l)"
done
