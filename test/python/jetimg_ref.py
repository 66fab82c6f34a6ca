#!/usr/bin/python3
"""numpy re-implementations of the jet-image references, used by the jetimg tests:
EnergyFlow's pixelate, Macaluso-Shih's image_preprocess.py steps, the de Oliveira / deepjets
conventions (kt subjets by a plain numpy clustering), DeepTop as man/jetimg.1 defines it.
Written from the definitions (REFERENCE.md section 1), not copied."""
import numpy as np

PI = np.pi
def wrap(d):
    d = np.where(d > PI, d - 2 * PI, d)
    return np.where(d <= -PI, d + 2 * PI, d)

def particles(jet):
    s = jet[:, 0] > 0
    pt, eta, phi, m = (jet[s, k].astype(np.float64) for k in range(4))
    h = int(np.argmax(pt))
    f = phi[h] + wrap(phi - phi[h])           # azimuth continuous around the hardest
    return pt, eta, f, m, h

def rapidity(pt, eta, m):
    """True rapidity 1/2 ln((E + pz) / (E - pz)) of (pT, eta, m) from the four-vector."""
    pz = pt * np.sinh(eta)
    e = np.sqrt(pt ** 2 + m ** 2 + pz ** 2)
    return 0.5 * np.log((e + pz) / (e - pz))

# ---------------------------------------------------------------- EnergyFlow pixelate
def energyflow(jet, npix=33, width=0.8, rap=True):
    """pixelate() fed (pT, y, phi) as EnergyFlow's users call it (rap=False: fed eta instead)."""
    pt, eta, phi, m, h = particles(jet)
    y = rapidity(pt, eta, m) if rap else eta
    pw = width / npix
    img = np.zeros((npix, npix))
    if len(pt) == 0: return img
    ya, pa = np.average(y, weights=pt), np.average(phi, weights=pt)
    ci = np.ceil(ya / pw - 0.5) - np.floor(npix / 2)
    cj = np.ceil(pa / pw - 0.5) - np.floor(npix / 2)
    iy = (np.ceil(y / pw - 0.5) - ci).astype(int)
    ip = (np.ceil(phi / pw - 0.5) - cj).astype(int)
    k = (iy >= 0) & (iy < npix) & (ip >= 0) & (ip < npix)
    np.add.at(img, (ip[k], iy[k]), pt[k])        # [phi, y]
    s = img.sum()
    return img / s if s > 0 else img

# ---------------------------------------------------------------- Macaluso-Shih
def macaluso_shih(jet, npoints=38, DR=1.6):
    pt, eta, phi, m, h = particles(jet)
    ptj = pt.sum()
    # centroid: phi relative to the first (hardest) constituent
    ec = np.sum(pt * eta) / ptj
    pc = np.sum(pt * (phi - phi[h])) / ptj + phi[h]
    x, y = eta - ec, wrap(phi - pc)
    M11, M20, M02 = np.sum(pt * x * y), np.sum(pt * x * x), np.sum(pt * y * y)
    den = M20 - M02 + np.sqrt(4 * M11 * M11 + (M20 - M02) ** 2)
    th = np.arctan(2 * M11 / den) if den != 0 else PI / 2
    xr = x * np.cos(th) + y * np.sin(th)
    yr = -x * np.sin(th) + y * np.cos(th)
    w = pt / ptj
    edges = np.linspace(-DR, DR, npoints)
    ie, ip = np.searchsorted(edges, xr), np.searchsorted(edges, yr)
    grid = np.zeros((npoints - 1, npoints - 1))
    k = (ie != 0) & (ip != 0) & (ie < npoints) & (ip < npoints)
    np.add.at(grid, (ie[k] - 1, ip[k] - 1), w[k])
    half = (npoints - 1) // 2
    if grid[:, :half].sum() > grid[:, -half:].sum(): grid = np.fliplr(grid)
    if grid[-half:, :].sum() > grid[:half, :].sum(): grid = np.flipud(grid)
    return grid, grid.sum() >= 0.95

# ---------------------------------------------------------------- kt subjets (numpy, O(n^2) per step)
def kt_subjets(pt, eta, phi, m, R=0.3, fcut=0.05):
    mt = np.sqrt(pt ** 2 + m ** 2)
    P = np.stack([pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta), np.sqrt(mt ** 2 + (pt * np.sinh(eta)) ** 2)], 1)
    jetpt = np.hypot(P[:, 0].sum(), P[:, 1].sum())
    act = list(range(len(P))); P = list(P); final = []
    def yphi(p):
        return 0.5 * np.log((p[3] + p[2]) / (p[3] - p[2])), np.arctan2(p[1], p[0])
    while act:
        Q = np.array([P[i] for i in act])
        kt2 = Q[:, 0] ** 2 + Q[:, 1] ** 2
        y = 0.5 * np.log((Q[:, 3] + Q[:, 2]) / (Q[:, 3] - Q[:, 2]))
        f = np.arctan2(Q[:, 1], Q[:, 0])
        dphi = np.abs(f[:, None] - f[None, :]); dphi = np.where(dphi > PI, 2 * PI - dphi, dphi)
        dr2 = (y[:, None] - y[None, :]) ** 2 + dphi ** 2
        d = np.minimum(kt2[:, None], kt2[None, :]) * dr2 / R ** 2
        np.fill_diagonal(d, np.inf)
        a, b = np.unravel_index(np.argmin(d), d.shape)
        ib = int(np.argmin(kt2))
        if d[a, b] < kt2[ib]:
            i, j = act[a], act[b]
            P.append(P[i] + P[j]); act = [k for k in act if k not in (i, j)] + [len(P) - 1]
        else:
            final.append(P[act[ib]]); act.pop(ib)
    out = []
    for p in final:
        q = np.hypot(p[0], p[1])
        if q > fcut * jetpt: out.append((q, np.arcsinh(p[2] / q), np.arctan2(p[1], p[0])))
    out.sort(key=lambda t: -t[0])
    return out

def deoliveira_coords(jet, flip=True, rotate=True):
    """(pT, x, y) of the constituents after the deoliveira centring, rotation and flip."""
    pt, eta, phi, m, h = particles(jet)
    sj = kt_subjets(pt, eta, phi, m)
    sj = [(q, e, phi[h] + wrap(f - phi[h])) for q, e, f in sj]
    ce, cp = sj[0][1], sj[0][2]
    x, y = eta - ce, wrap(phi - cp)
    fallback = len(sj) < 2
    if rotate:
        if not fallback:
            a = np.arctan2(wrap(sj[1][2] - cp), sj[1][1] - ce)
        else:   # principal axis, pointing to the heavier side
            a = 0.5 * np.arctan2(2 * np.sum(pt * x * y), np.sum(pt * x * x) - np.sum(pt * y * y))
            if np.sum(pt * (x * np.cos(a) + y * np.sin(a))) < 0: a += PI
        b = -PI / 2 - a
        x, y = np.cos(b) * x - np.sin(b) * y, np.sin(b) * x + np.cos(b) * y
    if flip == "constituents" and pt[x < 0].sum() > pt[x > 0].sum(): x = -x
    return pt, x, y

def deoliveira(jet, npix=25, half=1.25, flip=True, rotate=True):
    """flip=True: the pixel image is mirrored in x when its -x rows (the central one left out)
    hold more pT than its +x rows; flip="constituents": the rule before issue 12 (pT at x < 0
    against x > 0 on the constituents)."""
    pt, x, y = deoliveira_coords(jet, flip, rotate)
    edges = np.linspace(-half, half, npix + 1)
    img, _, _ = np.histogram2d(x, y, bins=(edges, edges), weights=pt)
    k = npix // 2
    if flip is True and img[:k].sum() > img[npix - k:].sum(): img = img[::-1]
    return img

# ---------------------------------------------------------------- DeepTop (as man/jetimg.1 defines it)
def hot(x, y, w, edges, k):
    img, _, _ = np.histogram2d(x, y, bins=(edges, edges), weights=w)
    flat = img.ravel()
    idx = [q for q in np.lexsort((np.arange(flat.size), -flat)) if flat[q] > 0][:k]
    c = 0.5 * (edges[:-1] + edges[1:])
    n = len(edges) - 1
    return [(c[q // n], c[q % n]) for q in idx]

def deeptop(jet, npix=40, half=2.0):
    pt, eta, phi, m, h = particles(jet)
    px, py, pz = np.sum(pt * np.cos(phi)), np.sum(pt * np.sin(phi)), np.sum(pt * np.sinh(eta))
    jpt = np.hypot(px, py); je = np.arcsinh(pz / jpt); jp = phi[h] + wrap(np.arctan2(py, px) - phi[h])
    edges = np.linspace(-half, half, npix + 1)
    h1 = hot(eta - je, wrap(phi - jp), pt, edges, 1)[0]
    ce, cp = je + h1[0], jp + h1[1]
    x, y = eta - ce, wrap(phi - cp)
    hh = hot(x, y, pt, edges, 2)
    if len(hh) >= 2:
        a = np.arctan2(hh[1][1] - hh[0][1], hh[1][0] - hh[0][0])
    else:
        a = 0.5 * np.arctan2(2 * np.sum(pt * x * y), np.sum(pt * x * x) - np.sum(pt * y * y))
        if np.sum(pt * (x * np.cos(a) + y * np.sin(a))) < 0: a += PI
    b = PI / 2 - a
    x, y = np.cos(b) * x - np.sin(b) * y, np.sin(b) * x + np.cos(b) * y
    h3 = hot(x, y, pt, edges, 3)
    if len(h3) >= 3:
        if h3[2][0] - h3[0][0] < 0: x = -x
    elif pt[x < 0].sum() > pt[x > 0].sum():
        x = -x
    img, _, _ = np.histogram2d(x, y, bins=(edges, edges), weights=pt)
    s = img.sum()
    return img / s if s > 0 else img

