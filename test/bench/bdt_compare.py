#!/usr/bin/python3
"""Boosted decision trees: jetml (bench_bdt) against XGBoost 1.7 (tree_method "hist") and
scikit-learn's HistGradientBoostingClassifier, side by side in one run on the same data.
Usage: /usr/bin/python3 test/bench/bdt_compare.py BUILD_DIR [--sizes 100000,1000000,4000000]
       [--features 20] [--trees 100] [--depth 6] [--threads 2] [--csv]
Data: x ~ N(0, 1) (N, D) float32 from numpy default_rng(1); y = 1 when
x0 + 0.5 x1 - 0.5 x2 x3 + 0.3 sin(3 x4) + N(0, 1) > 0. All three: TREES rounds, depth DEPTH,
learning rate 0.1, L2 lambda 1, 255 bins (XGBoost max_bin 256), no early stopping, THREADS
threads; scikit-learn without a leaf cap (max_leaf_nodes None) and min_samples_leaf 1.
Training time includes binning; prediction scores the training rows (XGBoost's
inplace_predict, scikit-learn's predict_proba, jetml's scorer as predict uses it).
Prints per size: seconds of each and the ratios peer / jetml (> 1: jetml faster)."""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def data(n, d):
    r = np.random.default_rng(1)
    x = r.standard_normal((n, d), dtype=np.float32)
    z = x[:, 0] + 0.5 * x[:, 1] - 0.5 * x[:, 2] * x[:, 3] + 0.3 * np.sin(3 * x[:, 4]) + r.standard_normal(n)
    return x, (z > 0).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--sizes", default="100000,1000000,4000000")
    ap.add_argument("--features", type=int, default=20)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--depth", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--csv", action="store_true")
    a = ap.parse_args()
    import xgboost as xgb
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from threadpoolctl import threadpool_limits
    bench = os.path.join(a.build, "bench", "bench_bdt")
    tmp = tempfile.mkdtemp(prefix="bdt-bench-")
    if a.csv:
        print("name,n,threads,seconds,rate,unit,ratio_to_peer")
    for n in map(int, a.sizes.split(",")):
        x, y = data(n, a.features)
        np.save(os.path.join(tmp, "x.npy"), x)
        np.save(os.path.join(tmp, "y.npy"), y)
        out = subprocess.run([bench, os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy"), str(a.trees),
                              str(a.depth), str(a.threads)], capture_output=True, text=True, check=True).stdout
        j = dict(kv.split("=") for kv in out.split())
        jt, jp, ja = float(j["train_s"]), float(j["predict_s"]), float(j["auc_train"])
        t0 = time.perf_counter()
        xg = xgb.XGBClassifier(n_estimators=a.trees, max_depth=a.depth, learning_rate=0.1, max_bin=256,
                               reg_lambda=1, min_child_weight=1, tree_method="hist", n_jobs=a.threads)
        xg.fit(x, y)
        t1 = time.perf_counter()
        xs = xg.get_booster().inplace_predict(x)
        t2 = time.perf_counter()
        xa = roc_auc_score(y, xs)
        with threadpool_limits(limits=a.threads):
            sk = HistGradientBoostingClassifier(max_iter=a.trees, max_depth=a.depth, learning_rate=0.1,
                                                max_bins=255, l2_regularization=1, max_leaf_nodes=None,
                                                min_samples_leaf=1, early_stopping=False)
            t3 = time.perf_counter()
            sk.fit(x, y)
            t4 = time.perf_counter()
            ss = sk.predict_proba(x)[:, 1]
            t5 = time.perf_counter()
        sa = roc_auc_score(y, ss)
        xt, xp, st, sp = t1 - t0, t2 - t1, t4 - t3, t5 - t4
        if a.csv:
            for what, jv, peers in (("train", jt, (("xgboost", xt), ("sklearn", st))),
                                    ("predict", jp, (("xgboost", xp), ("sklearn", sp)))):
                for peer, pv in peers:
                    print(f"bdt_{what}_vs_{peer},{n},{a.threads},{jv:.4f},{n / jv:.0f},rows/s,{pv / jv:.2f}")
        else:
            print(f"n={n} d={a.features} trees={a.trees} depth={a.depth} threads={a.threads}")
            print(f"  train   jetml {jt:8.3f} s  xgboost {xt:8.3f} s  sklearn {st:8.3f} s   "
                  f"xgboost/jetml {xt / jt:5.2f}  sklearn/jetml {st / jt:5.2f}")
            print(f"  predict jetml {jp:8.3f} s  xgboost {xp:8.3f} s  sklearn {sp:8.3f} s   "
                  f"xgboost/jetml {xp / jp:5.2f}  sklearn/jetml {sp / jp:5.2f}")
            print(f"  training AUC jetml {ja:.5f} xgboost {xa:.5f} sklearn {sa:.5f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
