#!/bin/sh
# Substructure benchmarks: time per jet of tau_1..tau_4 (each axes choice), C2/D2, soft drop and
# trimming on the 500-jet wtag-dev slice (anti-kt R=1 W/QCD jets, 250-300 GeV, ~60 constituents);
# and the whole subjet tool (all features) in jets/s on 1 and 2 threads: wall-clock rate, and
# (when GNU time is installed) the rate per CPU-second, which shows the threading overhead even
# when a shared machine does not give the process a second core.
# Prints: name,n,threads,seconds,rate,unit,ratio_to_peer
set -eu
build=$1
here=$(cd "$(dirname "$0")" && pwd)
data="$here/../data/wtag/constituents500.npy"
"$build/bench/bench_substructure" "$data" 5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in 1 2 3 4 5 6 7 8 9 10; do cat "$data"; done > /dev/null
"$build/bin/jetgen" -q -n 20000 -p w,qcd -o "$tmp/jets.npy"
cat "$tmp/jets.npy" > /dev/null
for th in 1 2; do
    t0=$(date +%s.%N)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%U %S' -o "$tmp/cpu" "$build/bin/subjet" -q --threads $th "$tmp/jets.npy" -o /dev/null
    else
        "$build/bin/subjet" -q --threads $th "$tmp/jets.npy" -o /dev/null
    fi
    t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc -l)
    printf 'subjet_all_features_jetgen,20000,%s,%.3f,%.0f,jets/s,\n' "$th" "$t" "$(echo "20000 / $t" | bc -l)"
    if [ -s "$tmp/cpu" ]; then
        c=$(awk '{print $1 + $2}' "$tmp/cpu")
        printf 'subjet_all_features_jetgen_cpu,20000,%s,%.3f,%.0f,jets/cpu-s,\n' "$th" "$c" "$(echo "20000 / $c" | bc -l)"
    fi
done
