#!/bin/sh
# Quality study of issue 6: the W-tagging CNN of 1511.05190 trained by jetml and by PyTorch on
# the same jets, the same split and the same hyper-parameters, against the physicist's cuts and
# the Fisher discriminant.  Not part of `make check` (it trains on 36000 images several times).
#
#   sh test/study/wtag-vs-pytorch.sh BUILD_DIR WTAG_DEV_DIR OUTDIR [SEEDS] [THREADS]
#
# WTAG_DEV_DIR holds constituents.npy (or .npy.gz), NPY (N, M, 4) rows (pT, eta, phi, m), and
# labels.npy; optionally features.csv.gz with FastJet/fjcontrib's mass, tau1_op and tau2_op (as in
# the Pythia sample wtag-dev of the README). Without it, subjet computes the mass and tau21 (the
# same definition: one-pass kt axes, beta 1, R0 1). Toy jets: jetgen -n 60000 -p w,qcd
# --labels-out DIR/labels.npy -o DIR/constituents.npy.
# SEEDS (default "1 2 3") are the training seeds of both frameworks; THREADS (default 1) the
# threads of each run.  The jets are split 60/20/20 (train/validation/test) by a fixed numpy
# permutation (seed 1); both frameworks train with Adam (lr 1e-3), batch 128, at most 20 epochs,
# early stopping with patience 5 on the validation loss, keep the best model, and are scored on
# the same 12000 test jets.  Needs Debian's python3-numpy, python3-pandas and python3-torch.
set -eu
build=$(cd "$1" && pwd)
data=$(cd "$2" && pwd)
out=$3
seeds=${4:-1 2 3}
threads=${5:-1}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
bin=$build/bin
mkdir -p "$out"
cd "$out"
say() { echo "== $*" >&2; }
. "$here/side-by-side.sh"

say "jetimg: deoliveira images of the jets of $data (and subjet's features without features.csv.gz)"
feat=1; [ -f "$data/features.csv.gz" ] || [ -f features.csv ] || feat=0
if [ ! -f images.npy ] || [ $feat = 0 ]; then
    const=$data/constituents.npy
    [ -f "$const" ] || { gunzip -c "$data/constituents.npy.gz" > const.npy; const=const.npy; }
    [ -f images.npy ] || "$bin/jetimg" -q --preset deoliveira "$const" -o images.npy
    [ $feat = 1 ] || "$bin/subjet" -q "$const" --features kin,tau -o features.csv
    rm -f const.npy
fi
say "split 60/20/20 with numpy's default_rng(1) permutation"
$py - "$data" <<'PY'
import os, sys, numpy as np, pandas as pd
x = np.load("images.npy"); y = np.load(sys.argv[1] + "/labels.npy").astype(np.int32)
if os.path.exists(sys.argv[1] + "/features.csv.gz"):
    f = pd.read_csv(sys.argv[1] + "/features.csv.gz"); f["tau21"] = f.tau2_op / f.tau1_op
else:  # subjet's table
    f = pd.read_csv("features.csv")
p = np.random.default_rng(1).permutation(len(x)); n = len(x)
parts = {"train": p[: int(0.6 * n)], "val": p[int(0.6 * n): int(0.8 * n)], "test": p[int(0.8 * n):]}
for k, i in parts.items():
    np.save(f"{k}-x.npy", x[i]); np.save(f"{k}-y.npy", y[i])
# the physicist's baselines on the test jets (scores, larger = more W-like): tau21 (one-pass kt
# axes), -|m - 80.4 GeV|, and the cut of 1511.05190 (65 < m < 95 GeV, then tau21) as one score:
# jets outside the window score lowest, so its curve ends at the window's signal efficiency
t = f.iloc[parts["test"]]
tau21 = t.tau21.to_numpy()
win = ((t.mass > 65) & (t.mass < 95)).to_numpy()
np.save("tau21.npy", -tau21)
np.save("mass_window.npy", -np.abs(t.mass.to_numpy() - 80.4))
np.save("tau21_mass_cut.npy", np.where(win, -tau21, -10.0))
PY

say "train: Fisher discriminant on the training images, shrinkage chosen on the validation set"
"$bin/train" -q train-x.npy -l train-y.npy --val val-x.npy --val-labels val-y.npy --arch fisher \
    --shrinkage 0.001,0.01,0.03,0.1,0.3 -o fisher.npz 2> fisher.log
"$bin/predict" -q -m fisher.npz test-x.npy -o fisher.npy
runs=""
for s in $seeds; do
    say "train: jetml and PyTorch W-tag CNNs side by side, seed $s, $threads thread(s) each"
    side_by_side wtag "$s" "$threads"
    runs="$runs cnn_jetml_$s=jetml-$s.npy cnn_torch_$s=torch-$s.npy"
    ens="${ens:-} cnn_jetml=jetml-$s.npy cnn_torch=torch-$s.npy"
done
base="tau21=tau21.npy mass_window=mass_window.npy tau21_mass_cut=tau21_mass_cut.npy fisher=fisher.npy"
say "roc: every run on the test jets (20% of the jets)"
# shellcheck disable=SC2086
"$bin/roc" -l test-y.npy $base $runs --format csv -o runs.csv
# shellcheck disable=SC2086
"$bin/roc" -l test-y.npy $base $runs > runs.txt
say "roc: the CNNs as ensembles over the seeds (mean +- standard deviation)"
# shellcheck disable=SC2086
"$bin/roc" -l test-y.npy $base $ens --plot wtag --title "W tagging, wtag-dev test jets" --format csv -o summary.csv
# shellcheck disable=SC2086
"$bin/roc" -l test-y.npy $base $ens | tee summary.txt
