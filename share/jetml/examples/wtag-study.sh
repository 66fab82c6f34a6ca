#!/bin/sh
# jetml W-tagging study on the shipped Pythia 8 sample (share/jetml/data/wtag-*):
#   boosted W -> qq jets against QCD jets, anti-kt R=1.0, 250 < pT < 300 GeV, 13 TeV.
#   sh wtag-study.sh [BINDIR] [OUTDIR] [CNN_EPOCHS] [THREADS]
# THREADS (default 2 on every machine): train's models depend on the thread count, so the
# README's numbers are for 2 threads.
# jets -> substructure (subjet) -> images (jetimg) -> Fisher, DNN on (tau21, mass), CNN (train)
# -> scores on the test jets (predict) -> one comparison table and plots (roc) -> what the Fisher
# discriminant and the CNN look at, and what the CNN knows beyond mass and tau21 (jetviz).
set -eu
bin=${1:-}
out=${2:-demo-output}
epochs=${3:-6}
threads=${4:-2}
here=$(cd "$(dirname "$0")" && pwd)
data=${JETML_DATA:-$here/../data}
[ -f "$data/wtag-train.npy.gz" ] || data=$(cd "$here/../../share/jetml/data" 2>/dev/null && pwd)
if [ -n "$bin" ]; then PATH="$(cd "$bin" && pwd):$PATH"; export PATH; fi
mkdir -p "$out"
say() { echo "== $*" >&2; }

say "jets: 6000 training and 2000 test jets (Pythia 8 W' -> WZ and QCD), $data"
gunzip -c "$data/wtag-train.npy.gz" > "$out/train.npy"
gunzip -c "$data/wtag-test.npy.gz" > "$out/test.npy"
cp "$data/wtag-train-labels.npy" "$out/train-labels.npy"
cp "$data/wtag-test-labels.npy" "$out/test-labels.npy"

for s in train test; do
    say "subjet: kinematics and N-subjettiness (one-pass kt axes, beta=1, R0=1) of the $s jets"
    subjet -q "$out/$s.npy" --features kin,tau -o "$out/$s-features.csv"
    say "jetimg: 25x25 images with the de Oliveira et al. preprocessing of the $s jets"
    jetimg -q --preset deoliveira "$out/$s.npy" -o "$out/$s-images.npy"
done
jetimg -q --plot "$out/train-images.npy" --preset deoliveira -o "$out/average-image.svg"

say "train: Fisher discriminant on the images (the 'Fisher jet'), shrinkage chosen on 20% held out"
train -q "$out/train-images.npy" -l "$out/train-labels.npy" --arch fisher --shrinkage 0.001,0.01,0.1 \
    --threads "$threads" -o "$out/fisher.npz"
say "train: dense net 2-64-64-64-1 on (tau21, mass)"
train -q "$out/train-features.csv" --features tau21,mass -l "$out/train-labels.npy" --arch small \
    --epochs 30 --patience 5 --threads "$threads" -o "$out/dnn.npz"
say "train: W-tagging CNN (1511.05190) on the images, $epochs epochs, $threads threads"
train "$out/train-images.npy" -l "$out/train-labels.npy" --arch wtag \
    --epochs "$epochs" --patience 3 --threads "$threads" -o "$out/cnn.npz"

say "predict: scores of the test jets"
predict -q -m "$out/fisher.npz" "$out/test-images.npy" -o "$out/fisher.csv" --column fisher
predict -q -m "$out/dnn.npz" "$out/test-features.csv" -o "$out/dnn.csv" --column dnn_tau21_mass
predict -q -m "$out/cnn.npz" "$out/test-images.npy" -o "$out/cnn.csv" --column cnn
# the physicist's baselines: lower tau21 and a mass near the W are more signal-like
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print "tau21,mass_window"; next }
         { m = $(c["mass"]) - 80.4; if (m < 0) m = -m; printf "%.9g,%.9g\n", -$(c["tau21"]), -m }' \
    "$out/test-features.csv" > "$out/baselines.csv"
od -An -v -t d4 -j 128 "$out/test-labels.npy" | tr -s ' ' '\n' | grep -v '^$' | sed '1i label' > "$out/labels.csv"
paste -d, "$out/labels.csv" "$out/baselines.csv" "$out/fisher.csv" "$out/dnn.csv" "$out/cnn.csv" > "$out/scores.csv"

say "roc: comparison on the 2000 test jets (plots: $out/wtag-*.svg)"
roc "$out/scores.csv" --label-col label --score-col mass_window --score-col tau21 --score-col fisher \
    --score-col dnn_tau21_mass --score-col cnn --plot "$out/wtag" --title "W tagging" --curve "$out/roc-curves.csv"

say "jetviz: the Fisher-jet weights and the CNN's pixel-score correlation ($out/fisher-jet.svg, $out/cnn-correlation.svg)"
jetviz -q fisher -m "$out/fisher.npz" --preset deoliveira -o "$out/fisher-jet.npy" --svg "$out/fisher-jet.svg"
jetviz -q correlation "$out/test-images.npy" --scores "$out/cnn.csv" --score-col cnn --preset deoliveira \
    -o "$out/cnn-correlation.npy" --svg "$out/cnn-correlation.svg"
jetviz -q filters -m "$out/cnn.npz" --preset deoliveira -o "$out/cnn-filters.npy" --svg "$out/cnn-filters.svg"
say "jetviz: the CNN in bins of mass and tau21 ($out/cnn-bins.svg) and with the background reweighted to the signal's"
jetviz -q bins "$out/test-images.npy" --scores "$out/cnn.csv" --score-col cnn -l "$out/test-labels.npy" \
    --vars "$out/test-features.csv" --mass-bins 65,80,95 --tau21-bins 0,0.35,0.45,0.55,1 --preset deoliveira \
    -o "$out/cnn-bins.csv" --svg "$out/cnn-bins.svg"
jetviz -q reweight "$out/test-images.npy" --scores "$out/cnn.csv" --score-col cnn -l "$out/test-labels.npy" \
    --vars "$out/test-features.csv" --mass-bins 0,50,65,80,95,110,400 --tau21-bins 0,0.3,0.4,0.5,0.6,0.7,1 \
    --preset deoliveira \
    --weights-out "$out/reweight-weights.npy" -o "$out/cnn-reweight.csv" --svg "$out/cnn-reweight.svg"
echo
echo "CNN within bins of mass [GeV] and tau21 (65 < m < 95 GeV):"
awk -F, 'NR == 1 { printf "%-14s %-12s %8s %8s %9s %9s %9s\n", "mass", "tau21", "signal", "backgr.", "AUC", "AUC_mass", "AUC_tau21"; next }
         { printf "%-14s %-12s %8d %8d %9.4f %9.4f %9.4f\n", $1 "-" $2, $3 "-" $4, $5, $6, $9, $10, $11 }' "$out/cnn-bins.csv"
echo
echo "background reweighted to the signal's (mass, tau21) on a 6 x 6 grid:"
awk -F, 'NR == 1 { printf "%-10s %9s %15s\n", "variable", "AUC", "AUC_reweighted"; next } { printf "%-10s %9.4f %15.4f\n", $1, $2, $3 }' \
    "$out/cnn-reweight.csv"
