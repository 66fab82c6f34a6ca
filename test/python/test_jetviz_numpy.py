#!/usr/bin/python3
"""jetviz's views against numpy/scikit-learn computations on small random images:
the Fisher weights image against sklearn's LinearDiscriminantAnalysis coef_, the weighted
pixel-score Pearson map (all jets and one class) against numpy, the first-layer filters against
the model file's own weight array, the per-filter convolved differences (after the ReLU and
--linear) against a numpy cross-correlation, and the extreme jets against numpy's argsort.
Every SVG is rendered to PNG with rsvg-convert (librsvg2-bin, installed by install-deps.sh) and
the PNG is checked to have the SVG's stated pixel size and more than one colour.
Exit 77 (ctest: skipped) only if rsvg-convert is missing."""
import os, re, shutil, struct, subprocess, sys, tempfile, zlib
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks
from checks import check
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.metrics import roc_auc_score

BIN = os.environ["JETML_BIN"]
RSVG = shutil.which("rsvg-convert")


def run(args, ok=True):
    r = subprocess.run([os.path.join(BIN, args[0])] + args[1:], capture_output=True, text=True)
    if ok and r.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({r.returncode}): {r.stderr}")
    return r


def close(a, b, rtol=1e-9, atol=1e-12):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)


def png_ok(svg, png):
    """rsvg-convert svg -> png; the PNG's size equals the SVG's width/height; not one colour."""
    text = open(svg).read()
    m = re.search(r'<svg[^>]* width="(\d+)" height="(\d+)"', text)
    subprocess.run([RSVG, svg, "-o", png], check=True, capture_output=True)
    b = open(png, "rb").read()
    w, h = struct.unpack(">II", b[16:24])
    # IDAT chunks, inflated: a uniform picture has (after the filter bytes) one value only
    idat, i = b"", 8
    while i < len(b):
        n, kind = struct.unpack(">I4s", b[i:i + 8])
        if kind == b"IDAT":
            idat += b[i + 8:i + 8 + n]
        i += 12 + n
    raw = np.frombuffer(zlib.decompress(idat), np.uint8)
    return m is not None and (w, h) == (int(m.group(1)), int(m.group(2))) and len(np.unique(raw)) > 8, (w, h, m and m.groups())


def xcorr_same(x, w, b):
    """numpy 'same' cross-correlation: x (N, C, H, W), w (F, C, k, k) -> (N, F, H, W), PyTorch's padding."""
    n, c, hh, ww = x.shape
    f, _, k, _ = w.shape
    pad = (k - 1) // 2
    xp = np.zeros((n, c, hh + k - 1, ww + k - 1))
    xp[:, :, pad:pad + hh, pad:pad + ww] = x
    out = np.zeros((n, f, hh, ww))
    for a in range(k):
        for bb in range(k):
            out += np.einsum("nchw,fc->nfhw", xp[:, :, a:a + hh, bb:bb + ww], w[:, :, a, bb])
    return out + b[None, :, None, None]


if RSVG is None:
    print("SKIP: rsvg-convert (Debian package librsvg2-bin, see share/jetml/scripts/install-deps.sh) is not installed")
    sys.exit(77)

rng = np.random.default_rng(7)
N, C, H, W = 240, 2, 7, 7
y = (rng.random(N) < 0.45).astype(np.float32)
x = rng.gamma(0.6, 1.0, size=(N, C, H, W)) * (rng.random((N, C, H, W)) < 0.6)
x[y == 1, 0, 3, 3] += 1.5   # signal: a hotter centre and a second prong
x[y == 1, 1, 5, 3] += 0.8
x[:, 0, 0, 0] = 0.0         # a pixel that never varies: NaN correlation
x = x.astype(np.float32)
s = (x[:, 0, 3, 3] + 0.5 * x[:, 1, 5, 3] + rng.normal(0, 0.3, N)).astype(np.float32)
s[10] = s[11]               # a tie for the extremes
wt = rng.integers(0, 4, size=N).astype(np.float32)  # integer weights, some 0
geo = ["--width", "1.4"]

with tempfile.TemporaryDirectory() as t:
    p = lambda n: os.path.join(t, n)
    np.save(p("x.npy"), x)
    np.save(p("y.npy"), y)
    np.save(p("s.npy"), s)
    np.save(p("w.npy"), wt)
    with open(p("s.csv"), "w") as f:
        f.write("other,cnn\n" + "".join(f"{i},{v:.9g}\n" for i, v in enumerate(s)))
    svgs = []

    # -- fisher: sklearn's LDA on the flattened (C, H, W) images
    run(["train", p("x.npy"), "-l", p("y.npy"), "--arch", "fisher", "--shrinkage", "0.2", "--val-split", "0",
         "-q", "-o", p("f.npz")])
    run(["jetviz", "fisher", "-m", p("f.npz"), *geo, "-o", p("fw.npy"), "--svg", p("fisher.svg")])
    fw = np.load(p("fw.npy"))
    lda = LinearDiscriminantAnalysis(solver="lsqr", shrinkage=0.2).fit(x.reshape(N, -1).astype(float), y)
    ref = lda.coef_[0].reshape(C, H, W)
    check("fisher: weights image == sklearn LDA coef_ in (C, H, W)", fw.dtype == np.float64 and
          close(fw, ref, rtol=1e-4, atol=1e-5 * np.abs(ref).max()), np.abs(fw - ref).max())
    svgs.append("fisher.svg")

    # -- correlation: weighted Pearson per pixel, all jets and the signal only
    def pearson(xx, ss, ww):
        xx = xx.reshape(len(xx), -1).astype(float)
        ss, ww = ss.astype(float), ww.astype(float)
        mx, ms = np.average(xx, 0, ww), np.average(ss, weights=ww)
        cov = (ww[:, None] * (xx - mx) * (ss - ms)[:, None]).sum(0)
        vx, vs = (ww[:, None] * (xx - mx) ** 2).sum(0), (ww * (ss - ms) ** 2).sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(vx > 0, cov / np.sqrt(vx * vs), np.nan)
        return r.reshape(C, H, W)

    run(["jetviz", "correlation", p("x.npy"), "--scores", p("s.npy"), *geo, "-o", p("c.npy"), "--svg", p("corr.svg")])
    c = np.load(p("c.npy"))
    ref = pearson(x, s, np.ones(N))
    check("correlation: == numpy Pearson per pixel (NaN for the constant pixel)",
          close(c, ref, rtol=1e-9, atol=1e-12) and np.isnan(c[0, 0, 0]), np.nanmax(np.abs(c - ref)))
    run(["jetviz", "correlation", p("x.npy"), "--scores", p("s.csv"), "--score-col", "cnn", "-w", p("w.npy"),
         "-l", p("y.npy"), "--select", "signal", "--batch", "7", "-o", p("cs.npy")])
    cs = np.load(p("cs.npy"))
    sig = y == 1
    ref = pearson(x[sig], s[sig], wt[sig])
    check("correlation: weighted, signal only, CSV scores, batches of 7 == numpy", close(cs, ref, rtol=1e-6, atol=1e-9),
          np.nanmax(np.abs(cs - ref)))
    rep = np.repeat(np.arange(N), wt.astype(int))
    run(["jetviz", "correlation", p("x.npy"), "--scores", p("s.npy"), "-w", p("w.npy"), "-o", p("cw.npy")])
    check("correlation: integer weights == replicated jets", close(np.load(p("cw.npy")), pearson(x[rep], s[rep], np.ones(len(rep))),
                                                                    rtol=1e-9, atol=1e-12))

    # -- filters and convolved: a small CNN trained one epoch
    run(["train", p("x.npy"), "-l", p("y.npy"), "--arch", "conv(3,3,same) relu flatten dense(1)", "--epochs", "1",
         "-q", "-o", p("cnn.npz")])
    z = np.load(p("cnn.npz"))
    wk, bk = z["0.weight"].astype(float), z["0.bias"].astype(float)   # (F, k, k, C), (F,)
    run(["jetviz", "filters", "-m", p("cnn.npz"), *geo, "-o", p("flt.npy"), "--svg", p("filters.svg")])
    flt = np.load(p("flt.npy"))
    wf = wk.transpose(0, 3, 1, 2)
    check("filters: == the model's 0.weight as (F, C, k, k)", close(flt, wf, rtol=0, atol=0), flt.shape)
    svgs.append("filters.svg")
    resp = xcorr_same(x.astype(float), wf, bk)
    for linear in (False, True):
        out = p("cv%d.npy" % linear)
        run(["jetviz", "convolved", p("x.npy"), "-m", p("cnn.npz"), "-l", p("y.npy"), *geo, "-o", out,
             "--svg", p("conv.svg")] + (["--linear"] if linear else []))
        cv = np.load(out)
        r = resp if linear else np.maximum(resp, 0)
        ref = r[y == 1].mean(0) - r[y == 0].mean(0)
        check(f"convolved{' --linear' if linear else ''}: == numpy cross-correlation, signal mean - background mean",
              close(cv, ref, rtol=1e-4, atol=1e-5 * np.abs(ref).max()), np.abs(cv - ref).max())
    svgs.append("conv.svg")

    # -- extremes: the k highest and k lowest, ties to the earlier jet
    k = 3
    run(["jetviz", "extremes", p("x.npy"), "--scores", p("s.npy"), "-k", str(k), *geo, "-o", p("e.npy"),
         "--svg", p("ext.svg")])
    e = np.load(p("e.npy"))
    order_hi = sorted(range(N), key=lambda i: (-float(s[i]), i))[:k]
    order_lo = sorted(range(N), key=lambda i: (float(s[i]), i))[:k]
    check("extremes: (2k, C, H, W) == images of numpy's highest then lowest scores",
          e.shape == (2 * k, C, H, W) and close(e, x[order_hi + order_lo].astype(float), rtol=0, atol=0), e.shape)
    svgs.append("ext.svg")
    np.save(p("s2.npy"), np.full(N, 0.5, np.float32))  # all tied: the first k jets, in order
    run(["jetviz", "extremes", p("x.npy"), "--scores", p("s2.npy"), "-k", "2", "-o", p("e2.npy")])
    check("extremes: ties keep the earlier jets", close(np.load(p("e2.npy")), x[[0, 1, 0, 1]].astype(float), rtol=0, atol=0))

    # -- errors: a per-jet file of another length, a model without a convolution
    np.save(p("short.npy"), s[:-1])
    r = run(["jetviz", "correlation", p("x.npy"), "--scores", p("short.npy"), "-o", p("bad.npy")], ok=False)
    check("correlation: one score short is exit 1, no output", r.returncode == 1 and not os.path.exists(p("bad.npy"))
          and "ran out at row 239" in r.stderr, r.stderr)
    r = run(["jetviz", "filters", "-m", p("f.npz"), "-o", p("bad.npy")], ok=False)
    check("filters: a Fisher model is exit 1 naming the first layer", r.returncode == 1 and "not a convolution" in r.stderr,
          r.stderr)

    # -- restricted phase space: bins of (mass, tau21) and the reweighting test
    mass = np.where(y == 1, rng.normal(80, 12, N), rng.gamma(3, 20, N))
    tau = np.clip(np.where(y == 1, rng.normal(0.35, 0.12, N), rng.normal(0.55, 0.15, N)), 0, 1)
    mass[5] = 300.0  # outside the grid
    with open(p("v.csv"), "w") as f:
        f.write("pt,mass,tau21\n" + "".join(f"1,{a:.17g},{b:.17g}\n" for a, b in zip(mass, tau)))
    me, te = [0, 50, 70, 90, 150], [0, 0.4, 0.6, 1]
    ms_, ts_ = ",".join(map(str, me)), ",".join(map(str, te))
    run(["jetviz", "bins", p("x.npy"), "--scores", p("s.npy"), "-l", p("y.npy"), "-w", p("w.npy"), "--vars", p("v.csv"),
         "--mass-bins", ms_, "--tau21-bins", ts_, *geo, "-o", p("bins.csv"), "--maps-out", p("bins.npy"), "--svg", p("bins.svg")])
    rows = [l.split(",") for l in open(p("bins.csv")).read().split()]
    maps = np.load(p("bins.npy"))
    im_ = np.digitize(mass, me[1:-1]) if False else np.searchsorted(me, mass, side="right") - 1
    it_ = np.searchsorted(te, tau, side="right") - 1
    im_[mass == me[-1]] = len(me) - 2
    it_[tau == te[-1]] = len(te) - 2
    inside = (mass >= me[0]) & (mass <= me[-1]) & (tau >= te[0]) & (tau <= te[-1])
    ok_auc = ok_map = ok_n = True
    for b in range(4 * 3):
        cell = inside & (im_ == b // 3) & (it_ == b % 3)
        r = rows[1 + b]
        ok_n &= int(r[4]) == int((cell & sig).sum()) and int(r[5]) == int((cell & ~sig).sum()) and \
            float(r[6]) == wt[cell & sig].sum() and float(r[7]) == wt[cell & ~sig].sum()
        keep = cell & (wt > 0)
        if (keep & sig).any() and (keep & ~sig).any():
            for col, v in ((8, s), (9, mass), (10, tau)):
                ok_auc &= abs(float(r[col]) - roc_auc_score(y[keep], v[keep], sample_weight=wt[keep])) < 2e-6
        else:
            ok_auc &= r[8] == "nan"
        if (cell & (wt > 0)).sum() >= 2:
            ok_map &= close(maps[b], pearson(x[cell], s[cell], wt[cell]), rtol=1e-6, atol=1e-9)
    check("bins: header and 12 cells, mass outer", rows[0][:4] == ["mass_lo", "mass_hi", "tau21_lo", "tau21_hi"] and
          len(rows) == 13 and maps.shape == (12, C, H, W) and rows[3][:4] == ["0", "50", "0.6", "1"], rows[:2])
    check("bins: counts and weight sums per cell == numpy", ok_n)
    check("bins: AUC of the score, mass and tau21 per cell == sklearn roc_auc_score (weighted)", ok_auc)
    check("bins: correlation map per cell == numpy weighted Pearson", ok_map)
    svgs.append("bins.svg")

    run(["jetviz", "reweight", p("x.npy"), "--scores", p("s.npy"), "-l", p("y.npy"), "-w", p("w.npy"), "--vars", p("v.csv"),
         "--mass-bins", ms_, "--tau21-bins", ts_, *geo, "--weights-out", p("rw.npy"), "-o", p("rw.csv"),
         "--maps-out", p("rw-maps.npy"), "--svg", p("rw.svg")])
    hs = np.histogram2d(mass[sig], tau[sig], bins=[me, te], weights=wt[sig])[0]
    hb = np.histogram2d(mass[~sig], tau[~sig], bins=[me, te], weights=wt[~sig])[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(hb > 0, (hs / hs.sum()) / (hb / hb.sum()), 0.0)
    keep_sig = np.where(hb > 0, 1.0, 0.0)
    w2 = np.zeros(N)
    w2[inside & sig] = (wt * keep_sig[im_.clip(0, 3), it_.clip(0, 2)])[inside & sig]
    w2[inside & ~sig] = (wt * ratio[im_.clip(0, 3), it_.clip(0, 2)])[inside & ~sig]
    rw = np.load(p("rw.npy"))
    check("reweight: --weights-out == numpy's histogram2d ratio (signal/background), 0 outside", close(rw, w2, rtol=1e-12),
          np.abs(rw - w2).max())
    hb2 = np.histogram2d(mass[~sig], tau[~sig], bins=[me, te], weights=w2[~sig])[0]
    hs2 = np.histogram2d(mass[sig], tau[sig], bins=[me, te], weights=w2[sig])[0]
    check("reweight: the reweighted background's (mass, tau21) distribution == the signal's (normalised)",
          close(hb2 / hb2.sum(), hs2 / hs2.sum(), rtol=1e-12, atol=1e-12), hb2)
    t_ = {l.split(",")[0]: l.split(",")[1:] for l in open(p("rw.csv")).read().split()[1:]}
    k0 = inside & (wt > 0)
    k1 = w2 > 0
    ok = True
    for name, v in (("score", s), ("mass", mass), ("tau21", tau)):
        ok &= abs(float(t_[name][0]) - roc_auc_score(y[k0], v[k0], sample_weight=wt[k0])) < 2e-6
        ok &= abs(float(t_[name][1]) - roc_auc_score(y[k1], v[k1], sample_weight=w2[k1])) < 2e-6
    check("reweight: AUCs before and after == sklearn roc_auc_score", ok, t_)
    rm = np.load(p("rw-maps.npy"))
    check("reweight: maps before/after == numpy weighted Pearson", rm.shape == (2, C, H, W) and
          close(rm[0], pearson(x[inside], s[inside], wt[inside]), rtol=1e-6, atol=1e-9) and
          close(rm[1], pearson(x[k1], s[k1], w2[k1]), rtol=1e-6, atol=1e-9))
    svgs.append("rw.svg")
    r = run(["jetviz", "bins", p("x.npy"), "--scores", p("s.npy"), "-l", p("y.npy"), "--vars", p("v.csv"),
             "--mass-bins", "50,40"], ok=False)
    check("bins: decreasing edges are a usage error (exit 2)", r.returncode == 2 and "increasing" in r.stderr, r.stderr)

    # -- every picture renders at its stated size
    for name in svgs + ["corr.svg"]:
        ok, detail = png_ok(p(name), p(name + ".png"))
        check(f"{name}: rsvg-convert renders a PNG of the SVG's size, not blank", ok, detail)

checks.finish()
