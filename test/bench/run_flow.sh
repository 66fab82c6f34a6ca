#!/bin/sh
# The conditional MAF (15 x 128, batch 256, 4 variables + 1 condition): training, sampling and
# log p samples/s of jetml (bench_flow) and of the PyTorch 1.13 peer (torch_maf_ref.py) side by
# side, one after the other in this run, each at 2 threads (JETML_FLOW_THREADS).
#   sh test/bench/run_flow.sh BUILD_DIR [train_batches]
# Prints name,n,threads,seconds,samples_per_s and the ratios jetml / PyTorch. PyTorch runs at its
# best (STYLE.md): OpenMP OpenBLAS when installed, and the malloc settings below.
set -eu
build=$1 batches=${2:-400}
th=${JETML_FLOW_THREADS:-2}
here=$(cd "$(dirname "$0")" && pwd)
ours=$("$build/bench/bench_flow" "$th" "$batches")
echo "$ours"
omp=/usr/lib/x86_64-linux-gnu/openblas-openmp
pre=""
[ -d "$omp" ] && pre="LD_LIBRARY_PATH=$omp"
peer=$(env $pre MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 /usr/bin/python3 "$here/torch_maf_ref.py" "$th" "$batches")
echo "$peer"
printf '%s\n%s\n' "$ours" "$peer" | awk -F, '
  { split($1, a, "_"); kind = (a[1] == "torch") ? a[3] : a[2]; if (a[1] == "torch") t[kind] = $5; else j[kind] = $5 }
  END { for (k in j) if (k in t) printf "ratio_%s,%.2f\n", k, j[k] / t[k] }'
