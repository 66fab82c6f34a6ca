#!/usr/bin/python3
"""jetgen's toy is physical enough: the W mass peaks near 80 GeV, the QCD mass falls, and
tau21 (beta=1, axes from a 2-means fit in (y, phi), a close stand-in for the minimal axes)
is lower for W jets than for QCD jets, as for real jets."""
import os, subprocess, sys, tempfile
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks
from checks import check

BIN = os.environ["JETML_BIN"]

def tau(pt, y, phi, axes):
    d = np.min(np.hypot(y[:, None] - axes[None, :, 0], phi[:, None] - axes[None, :, 1]), axis=1)
    return np.sum(pt * d)

def tau21(pt, y, phi):
    w = pt / pt.sum()
    c = np.array([[np.sum(w * y), np.sum(w * phi)]])
    t1 = tau(pt, y, phi, c)
    best = np.inf
    # 2-means started from the two hardest particles, a few Lloyd iterations
    ax = np.array([[y[0], phi[0]], [y[1], phi[1]]])
    for _ in range(10):
        d = np.hypot(y[:, None] - ax[None, :, 0], phi[:, None] - ax[None, :, 1])
        k = np.argmin(d, axis=1)
        for j in range(2):
            s = k == j
            if s.any():
                ax[j] = [np.sum(pt[s] * y[s]) / pt[s].sum(), np.sum(pt[s] * phi[s]) / pt[s].sum()]
        best = min(best, tau(pt, y, phi, ax))
    return best / t1

with tempfile.TemporaryDirectory() as d:
    f, l = os.path.join(d, "j.npy"), os.path.join(d, "l.npy")
    subprocess.run([f"{BIN}/jetgen", "-n", "1000", "-p", "w,qcd", "--seed", "11", "-o", f, "--labels-out", l], check=True)
    a, lab = np.load(f).astype(np.float64), np.load(l)
    pt, eta, phi, m = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    pz = pt * np.sinh(eta); E = np.sqrt(pt**2 + pz**2 + m**2) * (pt > 0)
    px, py = pt * np.cos(phi), pt * np.sin(phi)
    M = np.sqrt(np.maximum(E.sum(1)**2 - px.sum(1)**2 - py.sum(1)**2 - pz.sum(1)**2, 0))
    mw, mq = M[lab == 1], M[lab == 0]
    hist, edges = np.histogram(mw, bins=np.arange(0, 200, 10))
    peak = edges[np.argmax(hist)]
    check("W mass peak near 80 GeV", 70 <= peak <= 90, peak)
    hq, _ = np.histogram(mq, bins=np.arange(0, 200, 20))
    check("QCD mass falls above its peak", bool(np.all(np.diff(hq[np.argmax(hq):]) <= 5)), hq)
    t21 = []
    for i in range(len(a)):
        s = pt[i] > 0
        y = np.arcsinh(pz[i][s] / np.sqrt(pt[i][s]**2 + m[i][s]**2))
        ph = phi[i][s]; ph = np.angle(np.exp(1j * (ph - ph[0]))) + ph[0]   # unwrap around the hardest
        t21.append(tau21(pt[i][s], y, ph))
    t21 = np.array(t21)
    mw21, mq21 = np.median(t21[lab == 1]), np.median(t21[lab == 0])
    print(f"median tau21: W {mw21:.3f}, QCD {mq21:.3f}; W mass peak bin {peak} GeV")
    check("tau21 lower for W than QCD", mw21 + 0.1 < mq21, (mw21, mq21))
    # AUC of the mass-window + tau21 ordering: tau21 alone separates better than chance
    from itertools import product
    s, b = t21[lab == 1], t21[lab == 0]
    auc = np.mean(s[:, None] < b[None, :])
    check("tau21 AUC > 0.7", auc > 0.7, auc)
checks.finish()
