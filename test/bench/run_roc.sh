#!/bin/sh
# roc benchmarks: jetml auc()/compute_roc() against scikit-learn roc_auc_score/roc_curve on the
# same synthetic data (1e6 and 1e7 scores, with and without weights), run side by side.
# Prints: name,n,threads,seconds,rate,unit,ratio_to_peer (ratio = sklearn time / jetml time)
set -eu
build=$1
here=$(cd "$(dirname "$0")" && pwd)
/usr/bin/python3 "$here/roc_compare.py" "$build" --csv --repeats 3
