#!/bin/sh
# Calibration study of issue 13: the CWoLa bump hunt (cwola --hunt) on the lhco-dev Pythia
# sample (80 000 QCD dijet events, 1 000 W'(3.5 TeV) -> X(500) Y(100) events; the four LHCO
# features of share/jetml/scripts/lhco-features.sh).  Not part of `make check`: each hunt trains
# (centres x folds x (folds-1) x trainings) classifiers.
#
#   sh test/study/cwola-hunt-lhco.sh BUILD_DIR LHCO_DEV_DIR OUTDIR [WHAT]
#
# WHAT (default "inclusive inject null"):
#   inclusive  the fit alone: a hunt at efficiency 1 with the closed-form Fisher classifier
#              (its cuts are not used), on all background, so the table gives the inclusive
#              fit's chi2/ndf and each background-only signal region's Z in seconds
#   inject     injection scan: all background + N of the 1 000 signal events (numpy
#              default_rng(N) choice) for N in $INJECT
#   null       background-only resamplings: for r = 1..$RESAMPLES, a random half of the
#              background (default_rng(1000 + r), without replacement: a duplicated event
#              could be trained on in one fold and tested in another) with --seed r
# Settings (environment; defaults are the reduced ones the README reports, the reference
# code's are FOLDS=5 TRAININGS=20 EPOCHS=2000 with patience 250):
#   RANGE=2900,7000 BINS=15 DIJET=3 FOLDS=5 TRAININGS=1 EPOCHS=20 PATIENCE=5 BATCH=512
#   ARCH="dense(64) relu dense(64) relu dense(64) relu dense(1)" THREADS=2
# Only events with mjj in RANGE are kept (the reference code's events are those of its bins,
# so that an efficiency is a fraction of the events in the bins).
#   EFFS=1,0.1,0.05,0.02,0.01,0.005,0.002 INJECT="0 100 250 500 1000" RESAMPLES=20 START=1
#   (START: the first resampling, so that a second run can take the later ones)
# At the end summary.txt has, per injection, the inclusive and the largest Z of the signal
# region holding 3.3-3.7 TeV and where the largest Z of all regions is; per resampling, the
# largest Z over all regions and efficiencies; and the eps = 1 chi2/ndf of every fit.
# Every hunt keeps its trained scores in TABLE.state (--state, --resume): delete a table and run
# again to redo its selections and fits with the trained networks reused (REFIT=1 does this for
# every table).  Needs Debian's python3-numpy.  Runs under nice -n 5.
set -eu
build=$(cd "$1" && pwd)
data=$(cd "$2" && pwd)
out=$3
what=${4:-inclusive inject null}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
bin=$build/bin
: "${RANGE:=2900,7000}" "${BINS:=15}" "${DIJET:=3}" "${FOLDS:=5}" "${TRAININGS:=1}" "${EPOCHS:=20}"
: "${PATIENCE:=5}" "${BATCH:=512}" "${ARCH:=dense(64) relu dense(64) relu dense(64) relu dense(1)}"
: "${THREADS:=2}" "${EFFS:=1,0.1,0.05,0.02,0.01,0.005,0.002}" "${INJECT:=0 100 250 500 1000}" "${RESAMPLES:=20}"
export RANGE
mkdir -p "$out"
cd "$out"
say() { echo "== $(date -u +%H:%M:%S) $*" >&2; }

[ -f lhco.csv ] || sh "$here/../../share/jetml/scripts/lhco-features.sh" "$data/events.csv.gz" > lhco.csv

# subset.py OUT N_SIGNAL BKG_FRACTION SEED: rows of lhco.csv (header kept, input order kept)
# with mjj in $RANGE
cat > subset.py <<'PY'
import os, sys, numpy as np
out, nsig, frac, seed = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
lines = open("lhco.csv").read().splitlines()
head, rows = lines[0], lines[1:]
lab = np.array([int(float(r.rsplit(",", 1)[1])) for r in rows])
rng = np.random.default_rng(seed)
sig, bkg = np.flatnonzero(lab == 1), np.flatnonzero(lab == 0)
keep_s = rng.choice(sig, size=nsig, replace=False) if nsig else np.array([], int)
keep_b = bkg if frac >= 1 else rng.choice(bkg, size=int(round(frac * len(bkg))), replace=False)
keep = np.sort(np.concatenate([keep_s, keep_b]))
lo, hi = map(float, os.environ["RANGE"].split(","))
keep = [i for i in keep if lo <= float(rows[i].split(",", 1)[0]) <= hi]
open(out, "w").write(head + "\n" + "".join(rows[i] + "\n" for i in keep))
PY

common="--features mj1,dmj,tau21_1,tau21_2 --truth-col label --range $RANGE --bins $BINS --dijet $DIJET"
train="--folds $FOLDS --trainings $TRAININGS --arch \"$ARCH\" --epochs $EPOCHS --patience $PATIENCE --batch $BATCH --efficiencies $EFFS --threads $THREADS"
hunt() {  # hunt EVENTS TABLE SEED: one timed hunt
    start=$(date +%s)
    eval nice -n 5 "$bin/cwola" --hunt "$1" $common $train --seed "$3" --format csv -q --plots "${2%.csv}" \
        --state "${2%.csv}.state" --resume -o "$2"
    echo "$2 $(( $(date +%s) - start )) s" >> times.txt
    say "$2: $(( $(date +%s) - start )) s"
}

[ "${REFIT:-0}" = 1 ] && rm -f inject[0-9]*.csv null[0-9]*.csv
for w in $what; do
    case $w in
    inclusive)
        $py subset.py bkg.csv 0 1 0
        say "inclusive fit on all background"
        nice -n 5 "$bin/cwola" --hunt bkg.csv $common --arch fisher --efficiencies 1 --format csv -q \
            --plots inclusive -o inclusive.csv ;;
    inject)
        for n in $INJECT; do
            [ -f "inject$n.csv" ] && continue
            [ -f "events$n.csv" ] || $py subset.py "events$n.csv" "$n" 1 "$n"
            hunt "events$n.csv" "inject$n.csv" 1
        done ;;
    null)
        r=${START:-1}
        while [ $r -le "$RESAMPLES" ]; do
            if [ ! -f "null$r.csv" ]; then
                [ -f "half$r.csv" ] || $py subset.py "half$r.csv" 0 0.5 $((1000 + r))
                hunt "half$r.csv" "null$r.csv" "$r"
            fi
            r=$((r + 1))
        done ;;
    esac
done

# summary.txt from the tables
$py - > summary.txt <<'PY'
import csv, glob, re
def table(p):
    return list(csv.DictReader(open(p)))
def num(r, k): return float(r[k])
def gev(r, k): return "%.0f" % float(r[k])
out = []
if glob.glob("inclusive.csv"):
    t = table("inclusive.csv")
    out.append("inclusive (efficiency 1, all background): chi2/ndf per region " +
               " ".join("%.2f" % (num(r, "chi2") / max(num(r, "ndf"), 1)) for r in t) +
               "; Z " + " ".join("%.2f" % num(r, "z") for r in t))
for p in sorted(glob.glob("inject*.csv"), key=lambda s: int(re.findall(r"\d+", s)[0])):
    t = table(p)
    n = int(re.findall(r"\d+", p)[0])
    # the signal region holding 3.3-3.7 TeV best: the most of [3300, 3700] inside [sr_lo, sr_hi)
    def overlap(r): return max(0.0, min(num(r, "sr_hi"), 3700) - max(num(r, "sr_lo"), 3300))
    best_sr = max(t, key=overlap)
    mine = [r for r in t if r["centre"] == best_sr["centre"]]
    incl = [r for r in mine if num(r, "efficiency") == 1][0]
    top = max(mine, key=lambda r: num(r, "z"))
    glob_top = max(t, key=lambda r: num(r, "z"))
    chi = [num(r, "chi2") / max(num(r, "ndf"), 1) for r in t if num(r, "efficiency") == 1]
    out.append("inject %4d: SR %s-%s inclusive Z %.2f (signal %s), largest Z %.2f at eps %s (signal %s, bkg %s); "
               "largest Z of all regions %.2f in %s-%s at eps %s; eps=1 chi2/ndf %.2f-%.2f; failed fits %d" % (
        n, gev(best_sr, "sr_lo"), gev(best_sr, "sr_hi"), num(incl, "z"), incl["signal"], num(top, "z"), top["efficiency"],
        top["signal"], top["background"], num(glob_top, "z"), gev(glob_top, "sr_lo"), gev(glob_top, "sr_hi"),
        glob_top["efficiency"], min(chi), max(chi), sum(r["fit_ok"] == "0" for r in t)))
nulls = sorted(glob.glob("null*.csv"), key=lambda s: int(re.findall(r"\d+", s)[0]))
if nulls:
    zs = []
    for p in nulls:
        t = table(p)
        top = max(t, key=lambda r: num(r, "z"))
        zs.append(num(top, "z"))
        chi = [num(r, "chi2") / max(num(r, "ndf"), 1) for r in t if num(r, "efficiency") == 1]
        out.append("%s: largest Z %.2f (%s-%s, eps %s); eps=1 chi2/ndf %.2f-%.2f" % (
            p, zs[-1], gev(top, "sr_lo"), gev(top, "sr_hi"), top["efficiency"], min(chi), max(chi)))
    out.append("background-only: %d of %d resamplings with largest Z < 3" % (sum(z < 3 for z in zs), len(zs)))
print("\n".join(out))
PY
cat summary.txt
