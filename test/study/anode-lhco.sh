#!/usr/bin/env bash
# anode-lhco.sh - ANODE, CATHODE, the idealized detector and a supervised classifier on the
# lhco-dev Pythia sample (LHCO features: mj1, dmj, tau21_1, tau21_2, conditioned on mjj; signal
# region 3.3-3.7 TeV), at several signal injections, plus a background-only check of the flow's
# samples. Not part of make check. Usage:
#   test/study/anode-lhco.sh BINDIR WORKDIR [INJECTIONS]     (default injections: 300 450 600)
# Settings (reduced from the published 15 x 128 flows, 100 epochs, 10-member ensembles, because
# the machine has 2 shared cores) come from the environment:
#   BLOCKS HIDDEN EPOCHS ENSEMBLE LR CLF_EPOCHS CLF_ENSEMBLE FOLDS THREADS
#   SHARED_BKG=1: the sideband density of the background-only run (the data half's sidebands
#   without injected signal) serves every injection instead of a fit per injection; that leaves
#   out the injected signal's tail in the sidebands (about 20 % of it), a small optimistic bias.
# The data: the 80 000 background events are split at random into a "data" half (the search's
# events, with the injected signal) and a "reference" half (true background for the idealized
# detector and the supervised classifier); signal_extra is split into 5 000 events for the
# supervised training and 5 000 for the evaluation. Every method scores the signal-region data
# events out of fold (the background efficiency) and the evaluation signal (the signal efficiency).
# Max SIC = max eps_S / sqrt(eps_B) over the cuts that keep >= 20 background events.
set -euo pipefail
B=$(realpath "$1"); W=$2; INJ=${3:-300 450 600}
BLOCKS=${BLOCKS:-6} HIDDEN=${HIDDEN:-64} EPOCHS=${EPOCHS:-20} ENSEMBLE=${ENSEMBLE:-5} LR=${LR:-5e-4}
CLF_EPOCHS=${CLF_EPOCHS:-30} CLF_ENSEMBLE=${CLF_ENSEMBLE:-5} FOLDS=${FOLDS:-5} THREADS=${THREADS:-2}
PY=/usr/bin/python3
here=$(cd "$(dirname "$0")/../.." && pwd)
data=/work/shared/data/lhco-dev
mkdir -p "$W" && cd "$W"
export PATH="$B:$PATH"
F=mj1,dmj,tau21_1,tau21_2
X="--features $F --cond-col mjj --sr 3300,3700 --truth-col label --threads $THREADS"
FLOW="--blocks $BLOCKS --hidden $HIDDEN --epochs $EPOCHS --ensemble $ENSEMBLE --lr $LR"
CLF="--clf-epochs $CLF_EPOCHS --clf-ensemble $CLF_ENSEMBLE --folds $FOLDS"
log() { echo "anode-lhco: $(date +%T) $*" >&2; }

#-- features and splits --------------------------------------------------------------------------
if [ ! -f ref.csv ]; then
    sh "$here/share/jetml/scripts/lhco-features.sh" "$data/events.csv.gz" > all.csv
    sh "$here/share/jetml/scripts/lhco-features.sh" "$data/signal_extra.csv.gz" > sigx.csv
    $PY - <<'PY'
import numpy as np, pandas as pd
a = pd.read_csv("all.csv"); x = pd.read_csv("sigx.csv")
r = np.random.default_rng(14)
b = a[a.label == 0].sample(frac=1, random_state=1).reset_index(drop=True)
s = pd.concat([a[a.label == 1], x]).sample(frac=1, random_state=2).reset_index(drop=True)
b.iloc[:40000].to_csv("bkg_data.csv", index=False)
b.iloc[40000:].to_csv("ref.csv", index=False)
s.iloc[:5000].to_csv("sig_train.csv", index=False)
s.iloc[5000:10000].to_csv("sig_eval.csv", index=False)
s.iloc[10000:].to_csv("sig_inject.csv", index=False)   # 1000 events to inject from
PY
fi
inject() {  # N -> data_N.csv: the data half of the background + N signal events
    $PY - "$1" <<'PY'
import sys, pandas as pd
n = int(sys.argv[1])
d = pd.concat([pd.read_csv("bkg_data.csv"), pd.read_csv("sig_inject.csv").iloc[:n]]).sample(frac=1, random_state=n)
d.to_csv("data_%d.csv" % n, index=False)
sr = d[(d.mjj >= 3300) & (d.mjj < 3700)]
print("injection %d: signal-region S = %d, B = %d, S/B = %.2f%%, S/sqrt(B) = %.2f"
      % (n, sr.label.sum(), (sr.label == 0).sum(), 100 * sr.label.sum() / (sr.label == 0).sum(),
         sr.label.sum() / (sr.label == 0).sum() ** 0.5), file=sys.stderr)
PY
}
sic() {  # DATA_TABLE EXTRA_TABLE SCORE_COLUMN -> max SIC
    $PY - "$@" <<'PY'
import sys, numpy as np, pandas as pd
d = pd.read_csv(sys.argv[1]); e = pd.read_csv(sys.argv[2]); c = sys.argv[3]
b = np.sort(d[d.truth == 0][c].to_numpy())[::-1]; s = e[c].to_numpy()
b = b[np.isfinite(b)]
best = 0
for k in range(20, len(b)):
    cut = b[k - 1]
    es = np.mean(s >= cut); eb = k / len(b)
    best = max(best, es / np.sqrt(eb))
print("%.3f" % best)
PY
}

#-- the reference-background and supervised classifiers (the same for every injection) -----------
if [ ! -f sup.npz ]; then
    log "supervised classifier: evaluation signal vs reference background in the signal region"
    $PY -c "
import pandas as pd
s = pd.read_csv('sig_train.csv'); r = pd.read_csv('ref.csv')
t = pd.concat([s, r]); t = t[(t.mjj >= 3300) & (t.mjj < 3700)].sample(frac=1, random_state=5)
t.to_csv('sup_train.csv', index=False)"
    nice -n 5 train sup_train.csv --features $F --label-col label --arch "dense(64) relu dense(64) relu dense(64) relu dense(1)" \
        --epochs $CLF_EPOCHS --patience 5 --class-weight balanced --threads $THREADS -q -o sup.npz
fi

#-- background only: the flow's samples against the true signal-region background ---------------
if [ ! -f bkgonly.txt ]; then
    log "background only: the sideband flow of the data half, sampled at the signal-region masses"
    [ -f bkgonly.npz ] || nice -n 5 anode --mode fit bkg_data.csv $X $FLOW -q -o bkgonly.npz
    $PY -c "
import pandas as pd
r = pd.read_csv('ref.csv'); r = r[(r.mjj >= 3300) & (r.mjj < 3700)]
r[['mjj']].to_csv('sr_mjj.csv', index=False); r.to_csv('ref_sr.csv', index=False)"
    nice -n 5 anode --mode sample sr_mjj.csv --cond-col mjj --bkg-model bkgonly.npz --per-row 1 -q -o bkgonly_samples.csv
    nice -n 5 cwola --m1 bkgonly_samples.csv --m2 ref_sr.csv --features $F --arch "dense(64) relu dense(64) relu dense(64) relu dense(1)" \
        --epochs $CLF_EPOCHS --patience 5 --threads $THREADS -q --format csv -o bkgonly_clf.npz > bkgonly_clf.csv
    $PY - <<'PY' | tee bkgonly.txt
import pandas as pd, scipy.stats as st
s = pd.read_csv("bkgonly_samples.csv"); r = pd.read_csv("ref_sr.csv")
for c in ["mj1", "dmj", "tau21_1", "tau21_2"]:
    k = st.ks_2samp(s[c], r[c])
    print("KS %-8s D = %.4f  p = %.3g" % (c, k.statistic, k.pvalue))
a = dict(l.strip().split(",") for l in open("bkgonly_clf.csv") if "," in l)
print("classifier samples vs true background: validation AUC %s" % a["auc_m1_m2"])
PY
fi

#-- each injection -------------------------------------------------------------------------------
echo "injection,sb_percent,anode,cathode,idealized,supervised,anode_ratio,cathode_ratio" > sic.csv
for n in $INJ; do
    inject "$n" 2>> injections.txt
    D=data_$n.csv
    log "injection $n: ANODE"
    if [ "${SHARED_BKG:-0}" = 1 ]; then BK="--bkg-model bkgonly.npz" bk=bkgonly.npz; else BK="--bkg-out bkg_$n.npz" bk=bkg_$n.npz; fi
    [ -f anode_$n.csv ] || nice -n 5 anode --mode anode $D $X $FLOW $BK --extra sig_eval.csv --extra-out anode_x_$n.csv \
        --checkpoint ck_anode_$n -q -o anode_$n.csv
    log "injection $n: CATHODE"
    [ -f cathode_$n.csv ] || nice -n 5 anode --mode cathode $D $X --bkg-model $bk $CLF --extra sig_eval.csv \
        --extra-out cathode_x_$n.csv --checkpoint ck_cathode_$n -q -o cathode_$n.csv
    log "injection $n: idealized"
    [ -f ideal_$n.csv ] || nice -n 5 anode --mode cathode $D $X --bkg-samples ref.csv $CLF --extra sig_eval.csv \
        --extra-out ideal_x_$n.csv -q -o ideal_$n.csv
    # the supervised classifier scores the same data and evaluation events
    $PY - "$n" <<'PY'
import sys, pandas as pd
n = sys.argv[1]
d = pd.read_csv("data_%s.csv" % n); d = d[(d.mjj >= 3300) & (d.mjj < 3700)].rename(columns={"label": "truth"})
d.to_csv("sup_in_%s.csv" % n, index=False)
e = pd.read_csv("sig_eval.csv"); e = e[(e.mjj >= 3300) & (e.mjj < 3700)]
e.to_csv("sup_x_in.csv", index=False)
PY
    predict -m sup.npz sup_in_$n.csv --features $F --column score -o sup_s_$n.csv
    predict -m sup.npz sup_x_in.csv --features $F --column score -o sup_xs.csv
    $PY - "$n" <<'PY'
import sys, pandas as pd
n = sys.argv[1]
d = pd.read_csv("sup_in_%s.csv" % n); d["score"] = pd.read_csv("sup_s_%s.csv" % n)["score"]
d.to_csv("sup_%s.csv" % n, index=False)
e = pd.read_csv("sup_x_in.csv"); e["score"] = pd.read_csv("sup_xs.csv")["score"]; e.to_csv("sup_x.csv", index=False)
PY
    a=$(sic anode_$n.csv anode_x_$n.csv log_r); c=$(sic cathode_$n.csv cathode_x_$n.csv score)
    i=$(sic ideal_$n.csv ideal_x_$n.csv score); s=$(sic sup_$n.csv sup_x.csv score)
    sb=$(tail -1 injections.txt | sed 's/.*S\/B = \([0-9.]*\)%.*/\1/')
    echo "$n,$sb,$a,$c,$i,$s,$(echo "$a / $i" | bc -l | cut -c1-5),$(echo "$c / $i" | bc -l | cut -c1-5)" | tee -a sic.csv
done
cat injections.txt bkgonly.txt sic.csv
