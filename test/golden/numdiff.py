#!/usr/bin/python3
"""numdiff.py EXPECTED.csv ACTUAL.csv [--rtol R] [--atol A] [--exact COL,...]
Compares two numeric CSV files (one header line) value by value: same header, same number of
rows, |actual - expected| <= atol + rtol * |expected| for every value, and equality for the
--exact columns (counts, flags, indices). Prints the first difference; exit 0 if equal, 1 if not.
For golden outputs computed with libm functions, whose last bit may differ between machines."""
import argparse
import csv
import math
import sys

ap = argparse.ArgumentParser()
ap.add_argument("expected")
ap.add_argument("actual")
ap.add_argument("--rtol", type=float, default=1e-12)
ap.add_argument("--atol", type=float, default=1e-12)
ap.add_argument("--exact", default="")
a = ap.parse_args()
exact = set(filter(None, a.exact.split(",")))
with open(a.expected) as f:
    exp = list(csv.reader(f))
with open(a.actual if a.actual != "-" else "/dev/stdin") as f:
    act = list(csv.reader(f))
if not exp or not act or exp[0] != act[0]:
    sys.exit(print(f"numdiff: headers differ: {exp[:1]} vs {act[:1]}") or 1)
if len(exp) != len(act):
    sys.exit(print(f"numdiff: {len(exp) - 1} expected rows, got {len(act) - 1}") or 1)
for r, (re_, ra) in enumerate(zip(exp[1:], act[1:]), start=2):
    if len(re_) != len(ra):
        sys.exit(print(f"numdiff: line {r}: {len(re_)} expected values, got {len(ra)}") or 1)
    for name, e, v in zip(exp[0], re_, ra):
        fe, fv = float(e), float(v)
        ok = fe == fv if name in exact else (math.isnan(fe) and math.isnan(fv)) or abs(fv - fe) <= a.atol + a.rtol * abs(fe)
        if not ok:
            sys.exit(print(f"numdiff: line {r}, column {name}: expected {e}, got {v}") or 1)
