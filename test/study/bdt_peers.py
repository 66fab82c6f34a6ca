#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Peers of the bdt study (bdt-vs-sklearn.sh): the wtag-dev split as wtag-vs-pytorch.sh makes it,
# scikit-learn's HistGradientBoostingClassifier and XGBoost 1.7 (tree_method "hist") with the
# settings jetml's train --arch bdt uses, and the test AUC of all three.
#   bdt_peers.py prepare DATA_DIR OUT_DIR          writes {train,val,test}{,-4}.csv and *-y.npy
#   bdt_peers.py compare OUT_DIR TREES DEPTH LR BINS LAMBDA THREADS   prints one AUC line each
import os
import sys
import time

import numpy as np
import pandas as pd

FOUR = ["mass", "tau21", "sd_mass", "trim_mass"]


def prepare(data, out):
    f = pd.read_csv(os.path.join(data, "features.csv.gz"))
    y = f.pop("label").to_numpy().astype(np.int32)
    cols = list(f.columns)  # the 19 feature columns
    f["tau21"] = f.tau2_op / f.tau1_op
    n = len(f)
    p = np.random.default_rng(1).permutation(n)  # as wtag-vs-pytorch.sh splits the jets
    parts = {"train": p[: int(0.6 * n)], "val": p[int(0.6 * n): int(0.8 * n)], "test": p[int(0.8 * n):]}
    for k, i in parts.items():
        t = f.iloc[i]
        t[cols].assign(label=y[i]).to_csv(os.path.join(out, f"{k}.csv"), index=False, float_format="%.9g")
        t[FOUR].assign(label=y[i]).to_csv(os.path.join(out, f"{k}-4.csv"), index=False, float_format="%.9g")
        np.save(os.path.join(out, f"{k}-y.npy"), y[i])
    with open(os.path.join(out, "features19.txt"), "w") as fh:
        fh.write(",".join(cols) + "\n")


def compare(out, trees, depth, lr, bins, lam, threads):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    import xgboost as xgb
    for tag in ["19", "4"]:
        suf = "" if tag == "19" else "-4"
        tr = pd.read_csv(os.path.join(out, f"train{suf}.csv"))
        te = pd.read_csv(os.path.join(out, f"test{suf}.csv"))
        ytr, yte = tr.pop("label").to_numpy(), te.pop("label").to_numpy()
        xtr, xte = tr.to_numpy(np.float32), te.to_numpy(np.float32)
        # scikit-learn: depth-limited trees without a leaf cap, no minimum leaf size beyond the
        # hessian, no early stopping (jetml runs with --patience 0 here)
        t0 = time.perf_counter()
        sk = HistGradientBoostingClassifier(max_iter=trees, max_depth=depth, learning_rate=lr, max_bins=bins,
                                            l2_regularization=lam, max_leaf_nodes=None, min_samples_leaf=1,
                                            early_stopping=False, random_state=1)
        sk.fit(xtr, ytr)
        ska = roc_auc_score(yte, sk.predict_proba(xte)[:, 1])
        t1 = time.perf_counter()
        xg = xgb.XGBClassifier(n_estimators=trees, max_depth=depth, learning_rate=lr, max_bin=bins + 1,
                               reg_lambda=lam, min_child_weight=1, tree_method="hist", n_jobs=threads,
                               random_state=1)
        xg.fit(xtr, ytr)
        xga = roc_auc_score(yte, xg.predict_proba(xte)[:, 1])
        t2 = time.perf_counter()
        js = np.load(os.path.join(out, f"jetml{suf}.npy")).reshape(-1)
        ja = roc_auc_score(yte, js)
        print(f"features={tag} jetml_auc={ja:.5f} sklearn_auc={ska:.5f} xgboost_auc={xga:.5f} "
              f"jetml-sklearn={ja - ska:+.5f} jetml-xgboost={ja - xga:+.5f} "
              f"sklearn_s={t1 - t0:.2f} xgboost_s={t2 - t1:.2f}")


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3])
    else:
        a = sys.argv[2:]
        compare(a[0], int(a[1]), int(a[2]), float(a[3]), int(a[4]), float(a[5]), int(a[6]))
