#!/usr/bin/python3
"""The numpy peer of jetimg's benchmark: the energyflow and macaluso-shih presets vectorised
over all jets at once (the fastest plain-numpy form; EnergyFlow's own pixelate loops over jets
in Python and is slower). Same input and output files as jetimg.
Usage: jetimg_numpy.py PRESET IN.npy OUT.npy"""
import sys
import numpy as np

def wrap(d):
    d = np.where(d > np.pi, d - 2 * np.pi, d)
    return np.where(d <= -np.pi, d + 2 * np.pi, d)

def prep(a):
    pt, eta, phi = (a[..., k].astype(np.float64) for k in range(3))
    h = np.argmax(pt, axis=1)
    ph = np.take_along_axis(phi, h[:, None], 1)
    return pt, eta, ph + wrap(phi - ph), ph

def energyflow(a, npix=33, width=0.8):
    # pixelate is called with (pT, y, phi): the rapidity of the massive constituents (as jetimg's
    # preset, since issue 12); massless ones (and the zero padding) have y = eta
    pt, eta, phi, _ = prep(a)
    m = a[..., 3].astype(np.float64)
    pz = pt * np.sinh(eta)
    e = np.sqrt(pt * pt + m * m + pz * pz)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(m != 0, 0.5 * np.log((e + pz) / (e - pz)), eta)
    n = len(pt); pw = width / npix
    w = pt.sum(1)
    ya = (pt * y).sum(1) / w; pa = (pt * phi).sum(1) / w
    ci = np.ceil(ya / pw - 0.5) - npix // 2
    cj = np.ceil(pa / pw - 0.5) - npix // 2
    iy = (np.ceil(y / pw - 0.5) - ci[:, None]).astype(np.int64)
    ip = (np.ceil(phi / pw - 0.5) - cj[:, None]).astype(np.int64)
    k = (pt > 0) & (iy >= 0) & (iy < npix) & (ip >= 0) & (ip < npix)
    img = np.zeros((n, npix * npix))
    jet = np.broadcast_to(np.arange(n)[:, None], pt.shape)
    np.add.at(img, (jet[k], ip[k] * npix + iy[k]), pt[k])
    s = img.sum(1, keepdims=True)
    img = np.divide(img, s, out=np.zeros_like(img), where=s > 0)
    return img.reshape(n, 1, npix, npix).astype(np.float32)

def macaluso_shih(a, npoints=38, DR=1.6):
    pt, eta, phi, ph = prep(a)
    n = len(pt); npx = npoints - 1
    ptj = pt.sum(1, keepdims=True)
    ec = (pt * eta).sum(1, keepdims=True) / ptj
    pc = (pt * (phi - ph)).sum(1, keepdims=True) / ptj + ph
    x, y = eta - ec, wrap(phi - pc)
    M11, M20, M02 = (pt * x * y).sum(1), (pt * x * x).sum(1), (pt * y * y).sum(1)
    th = (0.5 * np.arctan2(2 * M11, M20 - M02))[:, None]
    xr = x * np.cos(th) + y * np.sin(th)
    yr = -x * np.sin(th) + y * np.cos(th)
    edges = np.linspace(-DR, DR, npoints)
    ie, ip = np.searchsorted(edges, xr), np.searchsorted(edges, yr)
    k = (pt > 0) & (ie != 0) & (ip != 0) & (ie < npoints) & (ip < npoints)
    img = np.zeros((n, npx * npx))
    jet = np.broadcast_to(np.arange(n)[:, None], pt.shape)
    np.add.at(img, (jet[k], (ie[k] - 1) * npx + ip[k] - 1), (pt / ptj)[k])
    img = img.reshape(n, npx, npx)
    half = npx // 2
    f = img[:, :, :half].sum((1, 2)) > img[:, :, -half:].sum((1, 2))
    img[f] = img[f][:, :, ::-1]
    f = img[:, -half:, :].sum((1, 2)) > img[:, :half, :].sum((1, 2))
    img[f] = img[f][:, ::-1, :]
    return img[:, None].astype(np.float32)

if __name__ == "__main__":
    preset, src, dst = sys.argv[1:4]
    a = np.load(src)
    out = []
    for i in range(0, len(a), 8192):   # chunks bound numpy's temporaries
        out.append({"energyflow": energyflow, "macaluso-shih": macaluso_shih}[preset](a[i:i + 8192]))
    np.save(dst, np.concatenate(out))
