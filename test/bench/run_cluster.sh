#!/bin/sh
# Clustering benchmark: jetml vs FastJet 3.4 (Best strategy), anti-kt R=0.4 and 1.0 on random
# events of 50-5000 particles, side by side in one process (bench_cluster.cpp): one thread each
# (CPU time), then jetml on 2 OpenMP threads across events against FastJet on one (wall time).
# Prints: name,n,R,threads,jetml_us_per_event,fastjet_us_per_event,ratio (ratio = fastjet/jetml)
set -eu
build=$1
if [ ! -x "$build/bench/bench_cluster" ]; then
    echo "# bench_cluster not built (needs fastjet-config / libfastjet-dev)" >&2
    exit 0
fi
"$build/bench/bench_cluster" 5 antikt
"$build/bench/bench_cluster" 3 antikt 2 | tail -n +2
