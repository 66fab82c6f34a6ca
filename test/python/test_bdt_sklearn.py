#!/usr/bin/python3
"""jetml's boosted decision trees (train --arch bdt) against scikit-learn's
HistGradientBoostingClassifier with the same definitions: prior log-odds start, gradients and
hessians of the log-loss, gain G_L^2/(H_L+l) + G_R^2/(H_R+l) - G^2/(H+l), leaves -G/(H+l) times
the learning rate, depth-limited trees without a leaf cap, no early stopping. On inputs with
fewer distinct values than bins both bin at the midpoints, so the trees are the same and the
probabilities agree to float32 rounding. Also: the model file's arrays, walked by numpy, give
predict's scores."""
import json, os, subprocess, sys, tempfile, zipfile
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks
from checks import check
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

BIN = os.environ["JETML_BIN"]


def run(args):
    subprocess.run([os.path.join(BIN, args[0])] + args[1:], check=True, capture_output=True)


def walk(z, x):
    """Raw scores from the NPY arrays of a bdt model file, plainly."""
    a = {k: z[k] for k in ("tree_start", "feature", "threshold", "left", "right", "default_left", "value")}
    meta = json.loads(bytes(z["meta.json"]))
    out = np.full(len(x), meta["base_score"], dtype=np.float64)
    start = a["tree_start"].astype(np.int64)
    for i, row in enumerate(x):
        for t in range(len(start) - 1):
            k = 0
            while a["feature"][start[t] + k] >= 0:
                j = start[t] + k
                v = row[int(a["feature"][j])]
                go_left = bool(a["default_left"][j]) if np.isnan(v) else v <= a["threshold"][j]
                k = int(a["left"][j] if go_left else a["right"][j])
            out[i] += np.float64(a["value"][start[t] + k])
    return out


rng = np.random.default_rng(5)
n, d = 4000, 5
# values on a grid of 40 levels: fewer distinct values than bins, so the bins are exact
x = np.round(rng.normal(size=(n, d)) * 10) / 10
y = (x[:, 0] + 0.5 * x[:, 1] - 0.4 * x[:, 2] * x[:, 3] + rng.normal(size=n) > 0).astype(np.float32)
x = x.astype(np.float32)
xt = (np.round(rng.normal(size=(1500, d)) * 10) / 10).astype(np.float32)
yt = (xt[:, 0] + 0.5 * xt[:, 1] - 0.4 * xt[:, 2] * xt[:, 3] + rng.normal(size=1500) > 0).astype(np.float32)

with tempfile.TemporaryDirectory() as t:
    p = lambda s: os.path.join(t, s)
    np.save(p("x.npy"), x)
    np.save(p("y.npy"), y)
    np.save(p("xt.npy"), xt)
    trees, depth, lr, lam = 30, 3, 0.2, 1.0
    run(["train", p("x.npy"), "-l", p("y.npy"), "--arch", "bdt", "--trees", str(trees), "--depth", str(depth),
         "--lr", str(lr), "--lambda", str(lam), "--min-child-weight", "0.001", "--patience", "0",
         "--val-split", "0", "-o", p("m.npz"), "-q"])
    run(["predict", "-m", p("m.npz"), p("xt.npy"), "-o", p("s.npy")])
    run(["predict", "-m", p("m.npz"), p("xt.npy"), "--logit", "-o", p("r.npy")])
    s = np.load(p("s.npy")).reshape(-1)
    r = np.load(p("r.npy")).reshape(-1)
    z = np.load(p("m.npz"))
    meta = json.loads(bytes(z["meta.json"]))
    check("kind bdt, format version 2", meta["kind"] == "bdt" and meta["format_version"] == 2, meta)
    check("importance stored per input", len(meta["importance"]["gain"]) == d and len(z["importance_splits"]) == d)
    w = walk(z, xt)
    check("numpy walk of the file's arrays = predict --logit (float32 of the double sum)",
          np.array_equal(w.astype(np.float32), r), np.abs(w - r).max())
    # scikit-learn with the same settings; min_hessian_to_split is its min child weight (1e-3)
    sk = HistGradientBoostingClassifier(max_iter=trees, max_depth=depth, learning_rate=lr, max_bins=255,
                                        l2_regularization=lam, max_leaf_nodes=None, min_samples_leaf=1,
                                        early_stopping=False)
    sk.fit(x, y)
    ps = sk.predict_proba(xt)[:, 1]
    # the same trees: probabilities agree to the float32 gradients' rounding (~1e-6 relative per
    # round, 30 rounds), far below the 1e-2 a single different split would make
    dev = np.abs(ps - s).max()
    check("probabilities = scikit-learn's to 1e-4", dev < 1e-4, f"max |dp| = {dev:.3g}")
    ja, sa = roc_auc_score(yt, s), roc_auc_score(yt, ps)
    check("test AUC = scikit-learn's to 1e-4", abs(ja - sa) < 1e-4, f"{ja:.6f} vs {sa:.6f}")
    # training on 1 or 2 threads: the same model bytes
    run(["train", p("x.npy"), "-l", p("y.npy"), "--arch", "bdt", "--trees", "20", "--subsample", "0.8",
         "--colsample", "0.6", "--threads", "1", "-o", p("a.npz"), "-q"])
    run(["train", p("x.npy"), "-l", p("y.npy"), "--arch", "bdt", "--trees", "20", "--subsample", "0.8",
         "--colsample", "0.6", "--threads", "2", "-o", p("b.npz"), "-q"])
    check("same model bytes on 1 and 2 threads", open(p("a.npz"), "rb").read() == open(p("b.npz"), "rb").read())

checks.finish("bdt vs sklearn: ")
