#!/usr/bin/python3
"""Files written by jetml load unchanged in numpy (np.load) and pandas (pd.read_csv);
NPY from a pipe equals NPY from a file; jetgen's CSV and NPY outputs agree."""
import os, subprocess, sys, tempfile
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks
from checks import check
import pandas as pd

BIN = os.environ["JETML_BIN"]

def run(args, **kw):
    return subprocess.run([os.path.join(BIN, args[0])] + args[1:], check=True, capture_output=True, **kw)

with tempfile.TemporaryDirectory() as d:
    npy, lab, csv = (os.path.join(d, f) for f in ("j.npy", "l.npy", "j.csv"))
    run(["jetgen", "-n", "300", "-p", "w,qcd", "--seed", "4", "-M", "64", "-o", npy, "--labels-out", lab])
    run(["jetgen", "-n", "300", "-p", "w,qcd", "--seed", "4", "-o", csv])
    a = np.load(npy)
    check("npy shape", a.shape == (300, 64, 4), a.shape)
    check("npy dtype", a.dtype == np.float32, a.dtype)
    l = np.load(lab)
    check("labels dtype/shape", l.dtype == np.int32 and l.shape == (300,), (l.dtype, l.shape))
    check("labels balanced", (l == 1).sum() == 150, (l == 1).sum())
    pt = a[..., 0]
    check("sorted by pT", bool(np.all(np.diff(pt, axis=1) <= 0)))
    check("zero padding", bool(np.all(a[pt == 0] == 0)))
    check("phi range", bool(np.all((a[..., 2] > -np.pi) & (a[..., 2] <= np.pi))))
    # numpy's header bytes: 64-byte aligned and identical to what numpy writes
    raw = open(npy, "rb").read()
    hlen = 10 + int.from_bytes(raw[8:10], "little")
    check("header aligned", hlen % 64 == 0, hlen)
    import io
    buf = io.BytesIO(); np.save(buf, a)
    check("header identical to numpy", buf.getvalue()[:hlen] == raw[:hlen])
    df = pd.read_csv(csv)
    check("csv columns", list(df.columns) == ["event", "pt", "eta", "phi", "m"], list(df.columns))
    # CSV holds doubles printed round-trip; NPY holds their float32 roundings
    n = (pt > 0).sum(1)
    sub = df[df.event == 5]
    check("csv/npy agree", len(sub) == min(n[5], 64) or n[5] == 64)
    check("csv/npy values", np.array_equal(sub.pt.values[:n[5]].astype(np.float32), pt[5, :n[5]]))
    # the same bytes through a pipe as to a file
    p = subprocess.run(f"{BIN}/jetgen -n 300 -p w,qcd --seed 4 -M 64 | cat", shell=True, check=True, capture_output=True)
    check("pipe == file", p.stdout == raw)
    # and independent of --threads
    t = subprocess.run(f"{BIN}/jetgen -n 300 -p w,qcd --seed 4 -M 64 --threads 2 | cat", shell=True, check=True,
                       capture_output=True)
    check("threads-independent", t.stdout == raw)

checks.finish()
