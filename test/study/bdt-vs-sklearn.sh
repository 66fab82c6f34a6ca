#!/bin/sh
# Quality study of issue 16, item 5: jetml's boosted decision trees (train --arch bdt) against
# scikit-learn's HistGradientBoostingClassifier and XGBoost 1.7 (tree_method "hist") on the
# wtag-dev jet features, all 19 columns of features.csv.gz and the 4 of mass, tau21, soft-drop
# mass and trimmed mass, split 60/20/20 as wtag-vs-pytorch.sh splits the jets. The same trees,
# depth, bins, learning rate and L2 lambda for all three; no early stopping (the validation
# part is unused), so the models differ only in how each library bins and breaks ties.
# Not part of `make check`.
#
#   sh test/study/bdt-vs-sklearn.sh BUILD_DIR WTAG_DEV_DIR OUTDIR [TREES] [DEPTH] [LR] [THREADS]
#
# Needs Debian's python3-numpy, python3-pandas, python3-sklearn and python3-xgboost.
set -eu
build=$(cd "$1" && pwd)
data=$(cd "$2" && pwd)
out=$3
trees=${4:-200}
depth=${5:-6}
lr=${6:-0.1}
threads=${7:-2}
bins=255
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
mkdir -p "$out"
cd "$out"
$py "$here/bdt_peers.py" prepare "$data" .
f19=$(cat features19.txt)
for suf in "" "-4"; do
    if [ -z "$suf" ]; then feat=$f19; else feat=mass,tau21,sd_mass,trim_mass; fi
    "$build/bin/train" -q "train$suf.csv" --features "$feat" --label-col label --arch bdt --trees "$trees" \
        --depth "$depth" --lr "$lr" --bins $bins --lambda 1 --min-child-weight 1 --patience 0 --val-split 0 \
        --threads "$threads" -o "jetml$suf.npz"
    "$build/bin/predict" -q --threads "$threads" -m "jetml$suf.npz" "test$suf.csv" -o "jetml$suf.npy"
done
$py "$here/bdt_peers.py" compare . "$trees" "$depth" "$lr" $bins 1 "$threads"
