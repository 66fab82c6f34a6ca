#!/usr/bin/python3
# Peer of `cwola --hunt` (issue 13, item 7): the reference code's CWoLa-hunting procedure
# (REFERENCE.md section 3.2) written in numpy, scipy and PyTorch, run on the same event table
# with the same settings, so that the numbers and the run time can be set side by side.
#   /usr/bin/python3 test/study/cwola_hunt_peer.py EVENTS.csv OUT.csv [--range LO,HI] [--bins N]
#       [--folds K] [--epochs E] [--patience P] [--batch B] [--hidden 64,64,64] [--seed S]
#       [--efficiencies LIST] [--threads T] [--centres LIST]
# One network per (k, l) pair (jetml's --trainings 1), so there is no choice among trainings.
# The procedure: log-spaced mjj bins; SR of 3 bins with 2 sideband bins each side at every
# centre; events split into K folds within each bin (numpy default_rng(seed), so the folds are
# not jetml's); for each test fold k and validation fold l != k one network (dense ReLU layers,
# sigmoid output, weighted BCE with the weights 0.5 N/N_SR, 0.25 N/N_low, 0.25 N/N_high, Adam
# 1e-3, features standardised on the training rows, early stopping on the validation loss
# with `patience`, the best epoch kept); fold k's events scored by the mean of its K-1 models;
# per fold the cut keeping a fraction eps of its events; the 3-parameter dijet function fitted
# to the densities of every bin outside the SR with sigma = sqrt(N+1) (curve_fit,
# absolute_sigma); the SR prediction's error from the covariance; Z from the profile
# likelihood with a Gaussian-constrained background. Prints the table and the time per part.
import argparse, sys, time
import numpy as np
import torch
from scipy.optimize import curve_fit
from scipy.stats import norm

ap = argparse.ArgumentParser()
ap.add_argument("events"); ap.add_argument("out")
ap.add_argument("--range", default="2900,7000"); ap.add_argument("--bins", type=int, default=15)
ap.add_argument("--folds", type=int, default=5); ap.add_argument("--epochs", type=int, default=20)
ap.add_argument("--patience", type=int, default=5); ap.add_argument("--batch", type=int, default=512)
ap.add_argument("--hidden", default="64,64,64"); ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--efficiencies", default="1,0.1,0.05,0.02,0.01,0.005,0.002")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--features", default="mj1,dmj,tau21_1,tau21_2")
ap.add_argument("--centres", default="", help="signal-region centre bins (default: all)")
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)
t0 = time.time()
d = np.genfromtxt(a.events, delimiter=",", names=True)
feats = a.features.split(",")
X = np.stack([d[f] for f in feats], 1).astype(np.float32)
mjj, truth = d["mjj"], d["label"] if "label" in d.dtype.names else np.zeros(len(d))
lo, hi = map(float, a.range.split(","))
edges = np.logspace(np.log10(lo), np.log10(hi), a.bins + 1)
b = np.clip(np.searchsorted(edges, mjj, side="right") - 1, 0, a.bins)  # a.bins = outside
b[(mjj < lo) | (mjj > hi)] = a.bins
b[mjj == hi] = a.bins - 1
rng = np.random.default_rng(a.seed)
fold = np.empty(len(mjj), int)
for s in range(a.bins + 1):  # stratified: each bin dealt round-robin after a shuffle
    idx = np.flatnonzero(b == s)
    fold[rng.permutation(idx)] = np.arange(len(idx)) % a.folds
effs = [float(e) for e in a.efficiencies.split(",")]
hidden = [int(h) for h in a.hidden.split(",")]
t_load = time.time() - t0

def net():
    layers, n = [], X.shape[1]
    for h in hidden: layers += [torch.nn.Linear(n, h), torch.nn.ReLU()]; n = h
    return torch.nn.Sequential(*layers, torch.nn.Linear(n, 1))

def train(xtr, ytr, wtr, xva, yva, wva):
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-12
    xtr, xva = torch.tensor((xtr - mu) / sd), torch.tensor((xva - mu) / sd)
    ytr, wtr, yva, wva = map(torch.tensor, (ytr, wtr, yva, wva))
    m = net(); opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    lossf = torch.nn.BCEWithLogitsLoss(reduction="none")
    best, best_state, bad = np.inf, None, 0
    for ep in range(a.epochs):
        m.train()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), a.batch):
            j = perm[i:i + a.batch]
            opt.zero_grad()
            l = (lossf(m(xtr[j]).squeeze(1), ytr[j]) * wtr[j]).sum() / wtr[j].sum()
            l.backward(); opt.step()
        m.eval()
        with torch.no_grad():
            vl = float((lossf(m(xva).squeeze(1), yva) * wva).sum() / wva.sum())
        if vl < best: best, bad, best_state = vl, 0, {k: v.clone() for k, v in m.state_dict().items()}
        else:
            bad += 1
            if bad >= a.patience: break
    m.load_state_dict(best_state)
    return lambda x: torch.sigmoid(m(torch.tensor((x - mu) / sd)).squeeze(1)).detach().numpy()

def f3(x, p1, p2, p3):
    x = x / 13000.0
    return p1 * (1 - x) ** p2 * x ** (-p3)

def zprofile(n, bb, s):
    if n <= bb: return 0.0
    s2 = s * s
    l0 = ((bb - s2) + np.sqrt((bb - s2) ** 2 + 4 * n * s2)) / 2
    return float(np.sqrt(max(0.0, 2 * (n * np.log(n / l0) - (n - l0) + (l0 - bb) ** 2 / (2 * s2)))))

rows, t_train, t_fit = [], 0.0, 0.0
w_b, c_b = np.diff(edges), (edges[1:] + edges[:-1]) / 2
for c in ([int(v) for v in a.centres.split(",")] if a.centres else range(3, a.bins - 3)):
    t1 = time.time()
    sr, low, high = (c - 1, c + 2), (c - 3, c - 1), (c + 2, c + 4)
    inwin = (b >= low[0]) & (b < high[1])
    lab = ((b >= sr[0]) & (b < sr[1])).astype(np.float32)
    score = np.zeros(len(mjj))
    for k in range(a.folds):
        acc = np.zeros((fold == k).sum())
        for l in range(a.folds):
            if l == k: continue
            tr = inwin & (fold != k) & (fold != l); va = inwin & (fold == l)
            def weights(mask):
                n = tr.sum(); ns = (lab[tr] == 1).sum()
                nl = ((b[tr] >= low[0]) & (b[tr] < low[1])).sum(); nh = ((b[tr] >= high[0]) & (b[tr] < high[1])).sum()
                bb = b[mask]
                return np.where(lab[mask] == 1, 0.5 * n / ns, np.where(bb < sr[0], 0.25 * n / max(nl, 1), 0.25 * n / max(nh, 1))).astype(np.float32)
            model = train(X[tr], lab[tr], weights(tr), X[va], lab[va], weights(va))
            acc += model(X[fold == k])
        score[fold == k] = acc / (a.folds - 1)
    t_train += time.time() - t1
    t1 = time.time()
    for eps in effs:
        passed = np.zeros(len(mjj), bool)
        for k in range(a.folds):
            m = fold == k
            t = -np.inf if eps >= 1 else np.sort(score[m])[::-1][int(np.floor(eps * m.sum()))]
            passed[m] = score[m] > t
        h = np.bincount(b[passed], minlength=a.bins + 1)[:a.bins].astype(float)
        y, s = h * 100 / w_b, np.sqrt(h + 1) * 100 / w_b
        keep = np.ones(a.bins, bool); keep[sr[0]:sr[1]] = False
        try:
            x0 = c_b[keep] / 13000; A = np.stack([np.ones(keep.sum()), np.log1p(-x0), -np.log(x0)], 1)
            ok = y[keep] > 0
            st = np.linalg.lstsq(A[ok] * (y[keep][ok] / s[keep][ok])[:, None], np.log(y[keep][ok]) * y[keep][ok] / s[keep][ok], rcond=None)[0]
            p, cov = curve_fit(f3, c_b[keep], y[keep], p0=[np.exp(st[0]), st[1], st[2]], sigma=s[keep], absolute_sigma=True, maxfev=20000)
            chi2 = float(np.sum(((y[keep] - f3(c_b[keep], *p)) / s[keep]) ** 2))
            pred_b = f3(c_b[sr[0]:sr[1]], *p) * w_b[sr[0]:sr[1]] / 100
            J = np.stack([(f3(c_b[sr[0]:sr[1]], *(p + np.eye(3)[j] * 1e-6 * abs(p[j]))) * w_b[sr[0]:sr[1]] / 100 - pred_b).sum() / (1e-6 * abs(p[j])) for j in range(3)])
            e, es, ok_fit = pred_b.sum(), float(np.sqrt(J @ cov @ J)), 1
        except Exception:
            e, es, chi2, ok_fit = np.nan, np.nan, np.nan, 0
        n_obs = h[sr[0]:sr[1]].sum()
        z = zprofile(n_obs, e, es) if ok_fit and e > 0 else 0.0
        in_sr = passed & (b >= sr[0]) & (b < sr[1])
        rows.append((c, edges[sr[0]], edges[sr[1]], eps, n_obs, e, es, z, norm.sf(z), chi2, keep.sum() - 3, ok_fit,
                     truth[in_sr].sum(), (1 - truth[in_sr]).sum()))
    t_fit += time.time() - t1
with open(a.out, "w") as o:
    o.write("centre,sr_lo,sr_hi,efficiency,observed,expected,expected_err,z,p0,chi2,ndf,fit_ok,signal,background\n")
    for r in rows: o.write(",".join("%.10g" % v for v in r) + "\n")
print("peer: load %.1f s, training and scoring %.1f s, selections and fits %.1f s, total %.1f s" % (
    t_load, t_train, t_fit, time.time() - t0), file=sys.stderr)
