#!/usr/bin/python3
"""jetimg's presets against numpy re-implementations of the references' algorithms, pixel by
pixel, on jetgen jets: EnergyFlow's pixelate, Macaluso-Shih's image_preprocess.py steps,
the de Oliveira / deepjets conventions (kt subjets by a numpy clustering), DeepTop as
documented in man/jetimg.1; plus the cubic-spline pixel rotation against scipy.ndimage."""
import os, subprocess, sys, tempfile
import numpy as np

BIN = os.environ["JETML_BIN"]

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks
from checks import check
checks.verbose = True
from jetimg_ref import *

def compare(name, mine, ref, rtol=1e-5, atol=1e-6):
    # float32 output of double computations: 1e-5 relative covers the float rounding of the
    # pixel values; a constituent landing in another pixel would differ by its whole weight
    bad = [i for i in range(len(ref)) if not np.allclose(mine[i], ref[i], rtol=rtol, atol=atol)]
    check(f"{name}: {len(ref)} images equal to the numpy reference pixel by pixel", not bad,
          f"{len(bad)} differ, first {bad[:5]}")
    return bad

with tempfile.TemporaryDirectory() as d:
    J = os.path.join(d, "j.npy")
    subprocess.run([f"{BIN}/jetgen", "-q", "-n", "400", "-p", "w,qcd,top", "--seed", "21", "-o", J], check=True)
    jets = np.load(J)
    def jetimg(*args, meta=False):
        out = os.path.join(d, "img.npy"); mo = os.path.join(d, "meta.csv")
        cmd = [f"{BIN}/jetimg", "-q", J, "-o", out, *args] + (["--meta-out", mo] if meta else [])
        subprocess.run(cmd, check=True)
        img = np.load(out)
        if meta:
            import csv
            with open(mo) as f: rows = list(csv.DictReader(f))
            return img, rows
        return img

    img = jetimg("--preset", "energyflow")
    check("energyflow: shape (N, 1, 33, 33) float32", img.shape == (400, 1, 33, 33) and img.dtype == np.float32, img.shape)
    s = jets[:, :, 0] > 0
    print(f"energyflow: {(jets[:, :, 3][s] > 0).mean():.0%} of the constituents are massive")
    ref_y = [energyflow(j) for j in jets]
    compare("energyflow (pixelate fed true rapidity)", img[:, 0], ref_y)
    ref_eta = [energyflow(j, rap=False) for j in jets]
    same = sum(np.array_equal(a, b) for a, b in zip(ref_y, ref_eta))
    check("energyflow: the rapidity and pseudorapidity references differ on many jets", same < 0.9 * len(jets), same)
    compare("energyflow --coordinate eta (pixelate fed eta)", jetimg("--preset", "energyflow", "--coordinate", "eta")[:, 0], ref_eta)

    img, meta = jetimg("--preset", "macaluso-shih", meta=True)
    ref = [macaluso_shih(j) for j in jets]
    compare("macaluso-shih", img[:, 0], [r[0] for r in ref])
    flag = np.array([int(r["flags"]) & 16 == 0 for r in meta])
    print(f"macaluso-shih: {int((~flag).sum())} of {len(flag)} jets flagged below 0.95")
    check("macaluso-shih: flag 16 exactly where the reference drops the jet (sum < 0.95)",
          np.array_equal(flag, np.array([r[1] for r in ref])), (flag.sum(), sum(r[1] for r in ref)))

    sub = jets[:150]   # the numpy kt clustering is slow
    np.save(J, sub)
    img = jetimg("--preset", "deoliveira")
    compare("deoliveira", img[:, 0], [deoliveira(j) for j in sub])
    img = jetimg("--preset", "deoliveira", "--flip-on", "constituents")
    compare("deoliveira --flip-on constituents", img[:, 0], [deoliveira(j, flip="constituents") for j in sub])
    img = jetimg("--preset", "deeptop")
    compare("deeptop", img[:, 0], [deeptop(j) for j in sub])

    # interpolated pixel rotation against scipy.ndimage.map_coordinates(order=3, mode='constant')
    try:
        from scipy import ndimage
        base = jetimg("--preset", "deoliveira", "--rotate", "none", "--flip", "none")
        rot, meta = jetimg("--preset", "deoliveira", "--rotate", "pixel-subjet2", "--flip", "none", meta=True)
        worst = 0.0
        for i in range(len(sub)):
            b = -float(meta[i]["angle"])   # rotate the output grid back to sample the input
            n = 25; c = (n - 1) / 2
            ix, iy = np.meshgrid(np.arange(n) - c, np.arange(n) - c, indexing="ij")
            sx = np.cos(b) * ix - np.sin(b) * iy + c
            sy = np.sin(b) * ix + np.cos(b) * iy + c
            r = ndimage.map_coordinates(base[i, 0].astype(np.float64), [sx, sy], order=3, mode="constant", cval=0.0)
            worst = max(worst, np.max(np.abs(r - rot[i, 0])) / max(1e-12, np.max(np.abs(base[i, 0]))))
        # float32 input image vs our double one: ~1e-6 relative to the peak pixel
        print(f"pixel-subjet2: worst relative difference to scipy {worst:.2e}")
        check("pixel-subjet2 equals scipy.ndimage.map_coordinates(order=3, mode='constant')", worst < 1e-5, worst)
    except ImportError:
        print("skip: scipy not installed")

    # layouts
    J2 = os.path.join(d, "j.npy")
    a = jetimg("--preset", "deoliveira", "--channels", "pt,count")
    b = jetimg("--preset", "deoliveira", "--channels", "pt,count", "--channels-last")
    check("--channels-last is the (N, H, W, C) transpose", np.array_equal(np.transpose(a, (0, 2, 3, 1)), b))
    c = jetimg("--preset", "deoliveira", "--channels", "pt,count", "--rows", "phi")
    check("--rows phi is the H/W transpose", np.array_equal(np.transpose(a, (0, 1, 3, 2)), c))
    nconst = (sub[:, :, 0] > 0).sum(1)
    check("count channel counts the in-window constituents", np.all(a[:, 1].sum((1, 2)) <= nconst) and
          np.any(a[:, 1].sum((1, 2)) == nconst))

checks.finish()
