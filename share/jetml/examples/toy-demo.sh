#!/bin/sh
# jetml toy demo: a small W-tagging pipeline on toy jets (jetgen).
#   sh toy-demo.sh [BINDIR] [OUTDIR]
# 1. jetgen makes 10000 toy jets, half W -> qq, half QCD, with labels;
# 2. subjet computes the jet kinematics of each (streamed through a pipe);
# 3. a summary compares the jet mass of W and QCD jets.
set -eu
bin=${1:-}
out=${2:-demo-output}
if [ -n "$bin" ]; then PATH="$(cd "$bin" && pwd):$PATH"; export PATH; fi
mkdir -p "$out"
echo "== jetml demo: toy W vs QCD jets, outputs in $out/" >&2

echo "== jetgen -n 10000 -p w,qcd --labels-out $out/labels.npy | subjet -o $out/features.csv" >&2
jetgen -n 10000 -p w,qcd --seed 1 --labels-out "$out/labels.npy" -o "$out/jets.npy"
subjet "$out/jets.npy" -o "$out/features.csv"
# the same features straight through a pipe, without the intermediate file
jetgen -n 10000 -p w,qcd --seed 1 -q | subjet - | cmp -s - "$out/features.csv" \
    && echo "== pipe and file give identical features" >&2

# labels NPY -> one number per line (int32, little-endian, after the 128-byte header)
od -An -v -t d4 -j 128 "$out/labels.npy" | tr -s ' ' '\n' | grep -v '^$' > "$out/labels.txt"

echo
echo "toy W-tagging summary (jet mass; W window 65-105 GeV)"
awk -F, 'NR == FNR { lab[FNR] = $1; next }
    FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    {
        l = lab[FNR - 1]; m = $(col["mass"]); n[l]++; sm[l] += m; sn[l] += $(col["nconst"])
        if (m > 65 && m < 105) win[l]++
    }
    END {
        printf "%-6s %7s %12s %14s %14s\n", "class", "jets", "mean mass", "mean nconst", "in W window"
        split("1 0", order, " "); name[1] = "W"; name[0] = "QCD"
        for (k = 1; k <= 2; k++) { l = order[k]
            printf "%-6s %7d %10.1f GeV %14.1f %13.1f%%\n", name[l], n[l], sm[l] / n[l], sn[l] / n[l], 100 * win[l] / n[l] }
        printf "\nA mass window 65-105 GeV keeps %.1f%% of W jets and %.1f%% of QCD jets (rejection 1/eB = %.1f).\n",
            100 * win[1] / n[1], 100 * win[0] / n[0], n[0] / win[0]
    }' "$out/labels.txt" "$out/features.csv"
