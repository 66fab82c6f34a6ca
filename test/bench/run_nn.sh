#!/bin/sh
# Neural networks: training and inference samples/s of jetml (bench_nn) and PyTorch 1.13
# (torch_nn_ref.py) side by side, batch 128, float32, random inputs, the four architectures of
# issue 6; then conv2d GFLOP/s against OpenBLAS SGEMM on the same GEMM shape.
#   sh test/bench/run_nn.sh BUILD_DIR            (JETML_NN_THREADS, default 2)
# Prints: name,n,threads,seconds,rate,unit,ratio_to_peer. Inference is compared twice: both in
# calls of 128 samples, and jetml in calls of 8192 against PyTorch's whole 3200-sample test
# split in one call (each repeated for a second after a warm-up).
# PyTorch runs at its best (STYLE.md): OpenMP OpenBLAS and the malloc settings; it is skipped
# when python3-torch is not installed (apt-get install python3-torch libopenblas0-openmp).
set -eu
build=$1
th=${JETML_NN_THREADS:-2}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
have_torch=0
/usr/bin/python3 -c "import torch" 2>/dev/null && have_torch=1
if [ $have_torch = 1 ]; then
    /usr/bin/python3 - "$tmp" <<'PY'
import sys, numpy as np
d = sys.argv[1]; r = np.random.default_rng(1)
np.save(f"{d}/w.npy", r.random((16000, 1, 25, 25), dtype=np.float32))
np.save(f"{d}/t.npy", r.random((16000, 1, 40, 40), dtype=np.float32))
np.save(f"{d}/y.npy", (r.random(16000) < 0.5).astype(np.float32))
np.save(f"{d}/f.npy", r.random((200000, 4), dtype=np.float32))
np.save(f"{d}/yf.npy", (r.random(200000) < 0.5).astype(np.float32))
PY
fi
for arch in wtag deeptop dnn small; do
    "$build/bench/bench_nn" "$th" 3 128 $arch > "$tmp/j.csv"
    jt=$(awk -F, '$1=="model" {print $6}' "$tmp/j.csv")
    ji=$(awk -F, '$1=="model" {print $7}' "$tmp/j.csv")
    jb=$(awk -F, '$1=="model" {print $9}' "$tmp/j.csv")
    if [ $have_torch = 1 ]; then
        case $arch in
            wtag|dnn) x=w.npy; y=y.npy ;;
            deeptop) x=t.npy; y=y.npy ;;
            *) x=f.npy; y=yf.npy ;;
        esac
        LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp MALLOC_MMAP_MAX_=0 \
            MALLOC_TRIM_THRESHOLD_=17179869184 /usr/bin/python3 "$here/torch_nn_ref.py" --arch $arch \
            --x "$tmp/$x" --y "$tmp/$y" --epochs 2 --batch 128 --threads "$th" > "$tmp/t.txt" 2>&1
        # the second epoch's rate (the first includes warm-up); inference over the test split
        tt=$(awk '/^epoch/ {r=$4} END {print r}' "$tmp/t.txt")
        ti=$(awk '/^test_auc/ {print $NF}' "$tmp/t.txt")
        tb=$(awk '/^infer_samples_per_s_batch/ {print $NF}' "$tmp/t.txt")
        printf 'nn_train_%s_torch,128,%s,,%s,samples/s,1\n' $arch "$th" "$tt"
        printf 'nn_train_%s_jetml,128,%s,,%s,samples/s,%.2f\n' $arch "$th" "$jt" "$(echo "$jt / $tt" | bc -l)"
        # inference like for like: both in calls of 128 samples, and both in large calls
        printf 'nn_infer_%s_torch,128,%s,,%s,samples/s,1\n' $arch "$th" "$tb"
        printf 'nn_infer_%s_jetml,128,%s,,%s,samples/s,%.2f\n' $arch "$th" "$ji" "$(echo "$ji / $tb" | bc -l)"
        printf 'nn_infer_%s_torch,all,%s,,%s,samples/s,1\n' $arch "$th" "$ti"
        printf 'nn_infer_%s_jetml,8192,%s,,%s,samples/s,%.2f\n' $arch "$th" "$jb" "$(echo "$jb / $ti" | bc -l)"
    else
        printf 'nn_train_%s_jetml,128,%s,,%s,samples/s,\n' $arch "$th" "$jt"
        printf 'nn_infer_%s_jetml,128,%s,,%s,samples/s,\n' $arch "$th" "$ji"
        printf 'nn_infer_%s_jetml,8192,%s,,%s,samples/s,\n' $arch "$th" "$jb"
    fi
done
"$build/bench/bench_nn" "$th" 3 128 conv | awk -F, -v th="$th" '$1=="conv" {
    printf "nn_conv_%s_fwd,128,%s,,%s,GFLOP/s,%.2f\n", $2, th, $5, $5 / $7
    printf "nn_conv_%s_bwd,128,%s,,%s,GFLOP/s,%.2f\n", $2, th, $6, $6 / $7
    printf "nn_conv_%s_sgemm_same_shape,128,%s,,%s,GFLOP/s,1\n", $2, th, $7 }'
