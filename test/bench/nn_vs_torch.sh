#!/bin/bash
# Side-by-side training/inference rates of jetml (bench_nn) and PyTorch 1.13
# (/work/shared/bench/torch_ref.py) for the four architectures of issue 6, same machine,
# same moment, batch 128, 2 threads, float32, random inputs.
#   test/bench/nn_vs_torch.sh BUILD_DIR [threads=2] [rounds=1]
# PyTorch runs "at its best" (STYLE.md): OpenMP OpenBLAS and the malloc settings; jetml runs
# with default malloc. Both see the same OPENBLAS_CORETYPE (printed).
# Needs: apt-get install python3-torch libopenblas0-openmp.
set -euo pipefail
build=${1:?usage: nn_vs_torch.sh BUILD_DIR [threads] [rounds]}
threads=${2:-2}
rounds=${3:-1}
ref=${TORCH_REF:-/work/shared/bench/torch_ref.py}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$tmp" <<'PY'
import sys, numpy as np
d = sys.argv[1]; r = np.random.default_rng(1)
np.save(f"{d}/w.npy", r.random((16000, 1, 25, 25), dtype=np.float32))
np.save(f"{d}/t.npy", r.random((16000, 1, 40, 40), dtype=np.float32))
np.save(f"{d}/y.npy", (r.random(16000) < 0.5).astype(np.float32))
np.save(f"{d}/f.npy", r.random((200000, 4), dtype=np.float32))
np.save(f"{d}/yf.npy", (r.random(200000) < 0.5).astype(np.float32))
PY
echo "# OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} threads=$threads batch=128 $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "arch,peer,train_samples_per_s,infer_samples_per_s"
for round in $(seq "$rounds"); do
  for arch in wtag deeptop dnn small; do
    case $arch in
      wtag|dnn) x=w.npy; y=y.npy ;;
      deeptop) x=t.npy; y=y.npy ;;
      small) x=f.npy; y=yf.npy ;;
    esac
    out=$(LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp MALLOC_MMAP_MAX_=0 \
          MALLOC_TRIM_THRESHOLD_=17179869184 /usr/bin/python3 "$ref" --arch $arch --x "$tmp/$x" \
          --y "$tmp/$y" --epochs 2 --batch 128 --threads "$threads" 2>&1)
    # the second epoch's rate (the first includes warm-up)
    tr=$(echo "$out" | awk '/^epoch/ {r=$4} END {print r}')
    inf=$(echo "$out" | awk '/infer_samples_per_s/ {print $NF}')
    echo "$arch,torch,$tr,$inf"
    "$build/bench/bench_nn" "$threads" 3 128 $arch | awk -F, -v a=$arch '$1=="model" {print a ",jetml," $6 "," $7}'
  done
done
