#!/bin/sh
# Makes the cwola fixtures of test/golden/cwola.reg from toy jets (run once; the outputs are
# shipped): W and QCD jets from jetgen, their mass, tau21 and tau32 from subjet, mixed into
#   cwola_m1.csv, cwola_m2.csv   M1 = 900 W + 900 QCD (f1 = 0.5), M2 = 300 W + 1500 QCD (f2 = 1/6)
#   cwola_events.csv             the same 3600 jets as dijet-like events: mjj uniform in [1000, 5000]
#                                for QCD, Gaussian (3000, 100) for W (a bump in the rule's column)
#   cwola_bag{1,2,3}.npy, cwola_bag_truth.npy   bags of 600 jets with W fractions 0.2, 0.5, 0.8
# Usage: make_cwola.sh BINDIR OUTDIR (needs /usr/bin/python3 with numpy and pandas).
set -eu
B=$1 out=$2 tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$B/jetgen" -n 1200 -p w --seed 11 -o "$tmp/w.npy"
"$B/jetgen" -n 2400 -p qcd --seed 12 -o "$tmp/q.npy"
"$B/subjet" --features kin,tau "$tmp/w.npy" -o "$tmp/w.csv"
"$B/subjet" --features kin,tau "$tmp/q.npy" -o "$tmp/q.csv"
cd "$tmp" && /usr/bin/python3 - "$out" <<'PY'
import sys, numpy as np, pandas as pd
out = sys.argv[1]
cols = ["mass", "tau21", "tau32"]
w = pd.read_csv("w.csv")[cols].round(6); q = pd.read_csv("q.csv")[cols].round(6)
w["label"] = 1; q["label"] = 0
r = np.random.default_rng(7)
m1 = pd.concat([w.iloc[:900], q.iloc[:900]]).sample(frac=1, random_state=1)
m2 = pd.concat([w.iloc[900:], q.iloc[900:]]).sample(frac=1, random_state=2)
m1.to_csv(out + "/cwola_m1.csv", index=False)
m2.to_csv(out + "/cwola_m2.csv", index=False)
ev = pd.concat([w, q]).reset_index(drop=True)
ev.insert(0, "mjj", np.where(ev.label == 1, r.normal(3000, 100, len(ev)), r.uniform(1000, 5000, len(ev))).round(3))
ev.sample(frac=1, random_state=3).to_csv(out + "/cwola_events.csv", index=False)
x = pd.concat([w, q]).sample(frac=1, random_state=4)
ws, qs = x[x.label == 1], x[x.label == 0]
truth = []
for k, (nw, nq) in enumerate([(120, 480), (300, 300), (480, 120)]):
    b = pd.concat([ws.iloc[:nw], qs.iloc[:nq]]).sample(frac=1, random_state=5 + k)
    ws, qs = ws.iloc[nw:], qs.iloc[nq:]
    np.save(out + "/cwola_bag%d.npy" % (k + 1), np.ascontiguousarray(b[cols].to_numpy(np.float32)))
    truth.append(b.label.to_numpy(np.int32))
np.save(out + "/cwola_bag_truth.npy", np.concatenate(truth))
PY
