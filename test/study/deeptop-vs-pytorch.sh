#!/bin/sh
# Issue 12.3: the DeepTop CNN (Kasieczka et al. 1701.08784, jetml's preset 'deeptop') trained by
# jetml and by PyTorch on the same top-vs-QCD jets, the same split and hyper-parameters, compared
# epoch by epoch (training and validation loss) and on the test jets.  Not part of `make check`.
#
#   sh test/study/deeptop-vs-pytorch.sh BUILD_DIR TOP_DEV_DIR OUTDIR [SEEDS] [THREADS]
#
# TOP_DEV_DIR holds constituents.npy (or .npy.gz), NPY (N, M, 4) rows (pT, eta, phi, m), and
# labels.npy (1 = top), as the Pythia sample top-dev (see the README); toy jets work too:
# jetgen -n 20000 -p top,qcd --labels-out DIR/labels.npy -o DIR/constituents.npy.
# SEEDS (default "1 2 3 4 5") are the training seeds of both frameworks; THREADS (default 1) the
# threads of each of the two runs that go side by side.  The jets are split 60/20/20 by numpy's
# default_rng(1) permutation.  Writes epochs.txt (the per-epoch losses of both frameworks, mean
# over the seeds), summary.txt (test AUC and rejections, mean +- standard deviation over seeds).
# Needs Debian's python3-numpy and python3-torch.
set -eu
build=$(cd "$1" && pwd)
data=$(cd "$2" && pwd)
out=$3
seeds=${4:-1 2 3 4 5}
threads=${5:-1}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
bin=$build/bin
mkdir -p "$out"
cd "$out"
say() { echo "== $*" >&2; }
. "$here/side-by-side.sh"

if [ ! -f images.npy ]; then
    say "jetimg: deeptop images (40x40) of the jets of $data"
    const=$data/constituents.npy
    [ -f "$const" ] || { gunzip -c "$data/constituents.npy.gz" > const.npy; const=const.npy; }
    "$bin/jetimg" -q --preset deeptop "$const" -o images.npy
    rm -f const.npy
fi
say "split 60/20/20 with numpy's default_rng(1) permutation"
$py - "$data" <<'PY'
import sys, numpy as np
x = np.load("images.npy"); y = np.load(sys.argv[1] + "/labels.npy").astype(np.int32)
p = np.random.default_rng(1).permutation(len(x)); n = len(x)
parts = {"train": p[: int(0.6 * n)], "val": p[int(0.6 * n): int(0.8 * n)], "test": p[int(0.8 * n):]}
for k, i in parts.items():
    np.save(f"{k}-x.npy", x[i]); np.save(f"{k}-y.npy", y[i])
PY
ens=""
for s in $seeds; do
    say "train: jetml and PyTorch DeepTop CNNs side by side, seed $s, $threads thread(s) each"
    side_by_side deeptop "$s" "$threads"
    ens="$ens cnn_jetml=jetml-$s.npy cnn_torch=torch-$s.npy"
done
say "epoch by epoch: validation loss of both frameworks (mean over seeds; '-' after an early stop)"
$py - $seeds > epochs.txt <<'PY'
import re, sys, numpy as np
def losses(path, pat):
    return [float(m.group(1)) for m in (re.search(pat, l) for l in open(path)) if m]
seeds = sys.argv[1:]
j = [losses(f"jetml-{s}.log", r"epoch \d+/\d+ .*val_loss ([0-9.]+)") for s in seeds]
t = [losses(f"torch-{s}.log", r"^epoch \d+ .*val_loss ([0-9.]+)") for s in seeds]
print("epoch  " + "  ".join(f"jetml_{s:<3} torch_{s:<3}" for s in seeds) + "   mean_jetml mean_torch")
for e in range(max(map(len, j + t))):
    row, mj, mt = [], [], []
    for a, b in zip(j, t):
        row += [f"{a[e]:.5f}" if e < len(a) else "   -   ", f"{b[e]:.5f}" if e < len(b) else "   -   "]
        if e < len(a): mj.append(a[e])
        if e < len(b): mt.append(b[e])
    print(f"{e + 1:5d}  " + "  ".join(f"{r:<9}" for r in row) +
          f"   {np.mean(mj) if mj else float('nan'):.5f}    {np.mean(mt) if mt else float('nan'):.5f}")
PY
cat epochs.txt
say "roc: test AUC and rejection, mean +- standard deviation over the seeds"
# shellcheck disable=SC2086
"$bin/roc" -l test-y.npy $ens | tee summary.txt
