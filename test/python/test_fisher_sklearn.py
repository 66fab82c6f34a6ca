#!/usr/bin/python3
"""jetml's regularised Fisher discriminant (train --arch fisher) against scikit-learn's
LinearDiscriminantAnalysis(solver="lsqr", shrinkage=a): the same pooled covariance, shrinkage
convention and class priors, so predict --logit must equal sklearn's decision_function.
Also checks per-event weights against sklearn on replicated rows (integer weights)."""
import os, subprocess, sys, tempfile
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks
from checks import check
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

BIN = os.environ["JETML_BIN"]


def run(args):
    subprocess.run([os.path.join(BIN, args[0])] + args[1:], check=True, capture_output=True)


rng = np.random.default_rng(3)
d = 12
A = rng.normal(size=(d, d)) * 0.4 + np.eye(d)
# unequal classes with correlated features (and one constant feature, as empty image pixels)
xs = rng.normal(size=(700, d)) @ A + 0.5
xb = rng.normal(size=(1100, d)) @ A
xs[:, 3] = 0.0
xb[:, 3] = 0.0
x = np.vstack([xs, xb]).astype(np.float32)
y = np.r_[np.ones(len(xs)), np.zeros(len(xb))].astype(np.float32)
xt = (rng.normal(size=(500, d)) @ A + 0.25).astype(np.float32)
xt[:, 3] = 0.0

with tempfile.TemporaryDirectory() as t:
    p = lambda n: os.path.join(t, n)
    np.save(p("x.npy"), x)
    np.save(p("y.npy"), y)
    np.save(p("xt.npy"), xt)
    for a in (0.05, 0.3, 1.0):
        run(["train", p("x.npy"), "-l", p("y.npy"), "--arch", "fisher", "--shrinkage", str(a),
             "--standardize", "off", "--val-split", "0", "-o", p("f.npz"), "-q"])
        run(["predict", "-m", p("f.npz"), p("xt.npy"), "--logit", "-o", p("s.npy")])
        ours = np.load(p("s.npy")).astype(np.float64)
        lda = LinearDiscriminantAnalysis(solver="lsqr", shrinkage=a).fit(x.astype(np.float64), y)
        ref = lda.decision_function(xt.astype(np.float64))
        # float32 model weights and inputs: agreement to ~1e-5 relative of the score scale
        scale = np.abs(ref).max()
        err = np.abs(ours - ref).max() / scale
        check(f"shrinkage {a}: predict --logit == sklearn decision_function", err < 1e-4, err)
        w = np.load(p("f.npz"))["0.weight"].reshape(-1)
        check(f"shrinkage {a}: weights == sklearn coef_", np.allclose(w, lda.coef_[0], rtol=1e-4,
              atol=1e-5 * np.abs(lda.coef_).max()), np.abs(w - lda.coef_[0]).max())
    # integer event weights == replicated events
    wts = rng.integers(1, 4, size=len(x)).astype(np.float32)
    np.save(p("w.npy"), wts)
    run(["train", p("x.npy"), "-l", p("y.npy"), "-w", p("w.npy"), "--arch", "fisher", "--shrinkage", "0.2",
         "--standardize", "off", "--val-split", "0", "-o", p("fw.npz"), "-q"])
    run(["predict", "-m", p("fw.npz"), p("xt.npy"), "--logit", "-o", p("sw.npy")])
    rep = np.repeat(np.arange(len(x)), wts.astype(int))
    lda = LinearDiscriminantAnalysis(solver="lsqr", shrinkage=0.2).fit(x[rep].astype(np.float64), y[rep])
    ref = lda.decision_function(xt.astype(np.float64))
    ours = np.load(p("sw.npy")).astype(np.float64)
    err = np.abs(ours - ref).max() / np.abs(ref).max()
    check("weights == replicated events (sklearn)", err < 1e-4, err)

checks.finish()
