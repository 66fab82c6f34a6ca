#!/bin/sh
# Boosted decision trees: jetml (bench_bdt) against XGBoost 1.7 hist and scikit-learn's
# HistGradientBoostingClassifier, side by side on the same data (1e5, 1e6, 4e6 rows x 20
# features, 100 trees of depth 6, 2 threads). Needs python3-xgboost and python3-sklearn.
# Prints: name,n,threads,seconds,rate,unit,ratio_to_peer (ratio = peer time / jetml time)
set -eu
build=$1
here=$(cd "$(dirname "$0")" && pwd)
MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 /usr/bin/python3 "$here/bdt_compare.py" "$build" --csv
