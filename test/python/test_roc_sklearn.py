#!/usr/bin/python3
"""roc against scikit-learn itself (Debian python3-sklearn, test-only): the ROC points
(thresholds, fpr, tpr, with and without drop_intermediate), roc_auc_score (also weighted
and with max_fpr), accuracy_score, and the working-point numbers computed with numpy from
scikit-learn's own curve, on random data with heavy ties, zero, integer, float and negative
weights. Runs the built `roc` tool (JETML_BIN) and reads its CSV outputs.

Tolerance: 1e-12 absolute. The curve points are computed in scikit-learn's summation order
and print round-trip, so they agree exactly; the AUC differs only by the order of the
trapezoid sum (numpy's pairwise sum versus jetml's exact count-unit sum), a few ulps."""
import csv
import io
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks
import sklearn
from sklearn.metrics import accuracy_score, roc_auc_score, roc_curve

BIN = os.environ.get("JETML_BIN", os.path.join(os.path.dirname(__file__), "../../build/bin"))
ROC = os.path.join(BIN, "roc")
TOL = 1e-12
SKLEARN_INF_THRESHOLD = tuple(int(x) for x in sklearn.__version__.split(".")[:2]) >= (1, 3)


def check(cond, what):  # this file's argument order
    checks.check(what, cond)


def run(args, code=0):
    p = subprocess.run([ROC] + args, capture_output=True, text=True)
    if p.returncode != code:
        raise RuntimeError(f"roc {' '.join(args)}: exit {p.returncode}, stderr: {p.stderr}")
    return p


def read_csv(path_or_text, text=False):
    f = io.StringIO(path_or_text) if text else open(path_or_text)
    rows = list(csv.DictReader(f))
    return rows


def curve_of(path, name=None):
    rows = [r for r in read_csv(path) if name is None or r["name"] == name]
    return (np.array([float(r["threshold"]) for r in rows]), np.array([float(r["eff_b"]) for r in rows]),
            np.array([float(r["eff_s"]) for r in rows]))


def close(a, b, tol=TOL):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and bool(np.all((np.abs(a - b) <= tol) | ((a == b))))


# --- the stated rules, written again from scikit-learn's full curve (an independent code path)
def eff_b_at_eff_s(fpr, tpr, x):
    best = math.inf
    for i in range(len(tpr)):
        if tpr[i] >= x:
            best = min(best, fpr[i])
        if i + 1 < len(tpr) and (tpr[i] - x) * (tpr[i + 1] - x) < 0:
            best = min(best, fpr[i] + (x - tpr[i]) * (fpr[i + 1] - fpr[i]) / (tpr[i + 1] - tpr[i]))
    return best


def eff_s_at_eff_b(fpr, tpr, y):
    best = -math.inf
    for i in range(len(fpr)):
        if fpr[i] <= y:
            best = max(best, tpr[i])
        if i + 1 < len(fpr) and (fpr[i] - y) * (fpr[i + 1] - y) < 0:
            best = max(best, tpr[i] + (y - fpr[i]) * (tpr[i + 1] - tpr[i]) / (fpr[i + 1] - fpr[i]))
    return best


def compare_case(tmp, tag, y, s, w, score_dtype=np.float64, max_fpr=0.2):
    lp, sp, wp = (os.path.join(tmp, f"{tag}_{k}.npy") for k in ("labels", "scores", "weights"))
    np.save(lp, y.astype(np.uint8))
    np.save(sp, s.astype(score_dtype))
    s = s.astype(score_dtype).astype(np.float64)
    args = ["-l", lp, f"{tag}={sp}", "--max-fpr", str(max_fpr), "--format", "csv", "-q"]
    if w is not None:
        np.save(wp, w)
        args += ["-w", wp]
    for drop in (True, False):
        cp = os.path.join(tmp, f"{tag}_curve.csv")
        run(args + ["--curve", cp] + ([] if drop else ["--all-points"]))
        thr, fpr, tpr = curve_of(cp)
        f_ref, t_ref, th_ref = roc_curve(y, s, sample_weight=w, drop_intermediate=drop)
        check(len(thr) == len(th_ref), f"{tag} drop={drop}: {len(thr)} points, sklearn {len(th_ref)}")
        if len(thr) != len(th_ref):
            continue
        check(np.isinf(thr[0]), f"{tag}: first threshold is +inf")
        if SKLEARN_INF_THRESHOLD:
            check(np.isinf(th_ref[0]), f"{tag}: sklearn first threshold")
        check(np.array_equal(thr[1:], th_ref[1:]), f"{tag} drop={drop}: thresholds")
        check(close(fpr, f_ref), f"{tag} drop={drop}: fpr max diff {np.max(np.abs(fpr - f_ref))}")
        check(close(tpr, t_ref), f"{tag} drop={drop}: tpr max diff {np.max(np.abs(tpr - t_ref))}")
    summ = read_csv(run(args).stdout, text=True)[0]
    try:
        auc_ref = roc_auc_score(y, s, sample_weight=w)
        p_ref = roc_auc_score(y, s, sample_weight=w, max_fpr=max_fpr)
    except ValueError:
        # negative weights make fpr non-monotonic and sklearn's auc() refuses ("x is neither
        # increasing nor decreasing"); the trapezoid it would have taken is numpy's trapz
        f_ref, t_ref, _ = roc_curve(y, s, sample_weight=w)
        auc_ref, p_ref = np.trapz(t_ref, f_ref), None
    check(abs(float(summ["auc"]) - auc_ref) <= TOL, f"{tag}: auc {summ['auc']} vs sklearn {auc_ref!r}")
    if p_ref is not None:
        check(abs(float(summ[f"pauc_std_{max_fpr:g}"]) - p_ref) <= TOL,
              f"{tag}: McClish pAUC {summ[f'pauc_std_{max_fpr:g}']} vs sklearn {p_ref!r}")
    acc_ref = accuracy_score(y, (s >= 0.5).astype(int), sample_weight=w)
    check(abs(float(summ["accuracy_at_0.5"]) - acc_ref) <= TOL, f"{tag}: accuracy {summ['accuracy_at_0.5']} vs {acc_ref}")
    f_full, t_full, th_full = roc_curve(y, s, sample_weight=w, drop_intermediate=False)
    for x in (0.3, 0.5):
        ref = 1.0 / eff_b_at_eff_s(f_full, t_full, x)
        got = float(summ[f"rej_at_eff_s_{x:g}"])
        check(abs(got - ref) <= TOL * max(1.0, abs(ref)), f"{tag}: 1/eB at eS={x}: {got} vs {ref}")
    for yb in (0.01, 0.1, 0.3):
        ref = eff_s_at_eff_b(f_full, t_full, yb)
        got = float(summ[f"eff_s_at_eff_b_{yb:g}"])
        check(abs(got - ref) <= TOL, f"{tag}: eS at eB={yb}: {got} vs {ref}")
    with np.errstate(divide="ignore", invalid="ignore"):
        sic = np.where(f_full > 0, t_full / np.sqrt(f_full), -np.inf)
    k = int(np.argmax(sic))
    check(abs(float(summ["max_sic"]) - sic[k]) <= TOL, f"{tag}: max SIC {summ['max_sic']} vs {sic[k]}")
    check(float(summ["max_sic_threshold"]) == th_full[k], f"{tag}: max SIC threshold")
    return lp, sp, wp


def main():
    rng = np.random.default_rng(20240601)
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(3):
            n = 4000 + 1000 * rep
            y = (rng.random(n) < 0.4).astype(np.int64)
            # heavy ties: scores on a coarse grid, shifted for signal
            s = np.round(rng.normal(size=n) + 0.7 * y, 1)
            compare_case(tmp, f"ties{rep}", y, s, None)
            w = rng.random(n) * 2.0
            w[rng.random(n) < 0.05] = 0.0  # zero weights are dropped
            compare_case(tmp, f"wties{rep}", y, s, w)
            wi = rng.integers(1, 4, size=n).astype(np.float64)  # exact collinear points with weights
            compare_case(tmp, f"iw{rep}", y, np.round(s), wi)
            wneg = rng.normal(1.0, 0.8, size=n)  # MC@NLO-like negative weights, kept
            compare_case(tmp, f"negw{rep}", y, s, wneg)
            sc = rng.normal(size=n) + y  # continuous float32 scores
            compare_case(tmp, f"f32_{rep}", y, sc, None, score_dtype=np.float32)

        # --- large inputs: the bucket sort's first split (~n/4096 buckets from a sampled score
        # range), its cache-resident radix levels and recursion; scores mix continuous values,
        # ties that span many buckets, one huge tie, -0.0 and +0.0, subnormals and outliers
        # off the sampled positions (they land in the clamped end buckets)
        n = 200_000
        y = (rng.random(n) < 0.45).astype(np.int64)
        kind = rng.integers(0, 6, size=n)
        s = rng.random(n) + 0.3 * y
        s = np.where(kind == 1, np.round(s, 3), s)
        s = np.where(kind == 2, np.where(rng.random(n) < 0.5, -0.0, 0.0), s)
        s = np.where(kind == 3, 0.5, s)
        s = np.where(kind == 4, rng.choice([5e-324, -5e-324, 1e-310, -1e-300], size=n), s)
        odd = rng.choice(np.arange(1, n, 2), size=40, replace=False)
        s[odd] = rng.choice([1e300, -1e300, 7.5, -3.0], size=40)
        compare_case(tmp, "big", y, s, None)
        w = rng.random(n) * 2.0
        w[rng.random(n) < 0.05] = 0.0
        compare_case(tmp, "wbig", y, s, w)
        compare_case(tmp, "negwbig", y, s, rng.normal(1.0, 0.8, size=n))
        compare_case(tmp, "f32big", y, rng.normal(size=n) + y, None, score_dtype=np.float32)
        # a range that overflows a double (hi - lo = inf): one bucket, radix levels only
        s2 = s.copy()
        s2[0], s2[(n // 1024) * 3] = 1.7e308, -1.7e308  # both on positions the range sample reads
        compare_case(tmp, "widebig", y, s2, None)

        # --- the same numbers from a CSV file and from --signal/--background
        n = 3000
        y = (rng.random(n) < 0.5).astype(np.int64)
        s = np.round(rng.normal(size=n) + y, 1)
        w = rng.random(n)
        cpath = os.path.join(tmp, "jets.csv")
        with open(cpath, "w") as f:
            f.write("label,nn,weight\n")
            for a, b, c in zip(y, s, w):
                f.write(f"{a},{b!r},{c!r}\n")
        from_csv = read_csv(run([cpath, "--score-col", "nn", "--weight-col", "weight", "--format", "csv"]).stdout, True)[0]
        check(from_csv["name"] == "nn", "CSV: discriminant named after its column")
        check(abs(float(from_csv["auc"]) - roc_auc_score(y, s, sample_weight=w)) <= TOL, "CSV: weighted auc")
        sig, bkg = os.path.join(tmp, "sig.npy"), os.path.join(tmp, "bkg.npy")
        np.save(sig, s[y == 1])
        np.save(bkg, s[y == 0])
        sb = read_csv(run(["--signal", sig, "--background", bkg, "--format", "csv"]).stdout, True)[0]
        check(abs(float(sb["auc"]) - roc_auc_score(y, s)) <= TOL, "signal/background files: auc")

        # --- ensemble: mean and sample std over runs of sklearn's AUCs
        lp = os.path.join(tmp, "ens_labels.npy")
        np.save(lp, y.astype(np.uint8))
        runs, aucs = [], []
        for k in range(4):
            sk = s + 0.5 * rng.normal(size=n)
            p = os.path.join(tmp, f"run{k}.npy")
            np.save(p, sk)
            runs.append(f"cnn={p}")
            aucs.append(roc_auc_score(y, sk))
        ens = read_csv(run(["-l", lp] + runs + ["--format", "csv"]).stdout, True)[0]
        check(ens["runs"] == "4", "ensemble of 4 runs")
        check(abs(float(ens["auc"]) - np.mean(aucs)) <= TOL, "ensemble mean auc")
        check(abs(float(ens["auc_err"]) - np.std(aucs, ddof=1)) <= TOL, "ensemble std auc (ddof=1)")

        # --- bootstrap: seeded, reproducible, close to the analytic spread
        sp = os.path.join(tmp, "boot.npy")
        np.save(sp, s)
        a = run(["-l", lp, sp, "--bootstrap", "50", "--seed", "3", "--format", "csv"]).stdout
        b = run(["-l", lp, sp, "--bootstrap", "50", "--seed", "3", "--format", "csv"]).stdout
        c = run(["-l", lp, sp, "--bootstrap", "50", "--seed", "4", "--format", "csv"]).stdout
        check(a == b and a != c, "bootstrap depends on --seed only")

        # --- one class present: a clear message and exit 1
        np.save(lp, np.ones(n, dtype=np.uint8))
        p = run(["-l", lp, sp], code=1)
        check("only one class present" in p.stderr and p.stdout == "", "one class: " + p.stderr.strip())

    return checks.summary(f"sklearn {sklearn.__version__}: ")


if __name__ == "__main__":
    sys.exit(main())
