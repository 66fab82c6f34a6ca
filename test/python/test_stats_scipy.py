#!/usr/bin/python3
"""jetml/stats against scipy (Debian python3-scipy, test-only), through the test program
build/test-bin/stats_probe (JETML_TEST_BIN):
  - dijet fits (3 and 4 parameters) of Poisson-fluctuated falling spectra: parameters and
    covariance equal scipy.optimize.curve_fit(absolute_sigma=True) to 1e-6 relative;
  - the SR background prediction and its uncertainty J C J^T, recomputed from scipy's fit;
  - q0 and Z of the Gaussian-constrained counting experiment against a numeric profile with
    scipy.optimize (an independent code path: bounded 1-D minimisation, no closed form), the
    on/off model against Cowan's closed form, and p0 against scipy.stats.norm.sf.

Tolerances. curve_fit runs MINPACK's lmder with the analytic Jacobian and ftol = xtol = 1e-15,
so both sides stop at the same minimum to far better than 1e-6; the covariance is (J^T W J)^-1
at that minimum on both sides. The numeric profile is minimised to xatol 1e-12 in theta, so q0
agrees to ~1e-9 relative; 1e-7 is asked."""
import os, subprocess, sys
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks
from checks import check
from scipy.optimize import curve_fit, minimize_scalar
from scipy.stats import norm

PROBE = os.path.join(os.environ.get("JETML_TEST_BIN", os.path.join(os.path.dirname(__file__), "../../build/test-bin")),
                     "stats_probe")
SQRT_S = 13000.0
REL = 1e-6


def probe(text):
    p = subprocess.run([PROBE], input=text, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"stats_probe: exit {p.returncode}: {p.stderr}")
    out = {}
    for line in p.stdout.splitlines():
        k, _, v = line.partition(" ")
        out[k] = v
    return out


def nums(s):
    return np.array([float(t) for t in s.split()])


def dijet(m, *p):
    x = m / SQRT_S
    lx = np.log(x)
    e = p[1] * np.log1p(-x) - p[2] * lx
    if len(p) == 4:
        e = e - p[3] * lx * lx
    return p[0] * np.exp(e)


def dijet_jac(m, *p):
    x = m / SQRT_S
    lx = np.log(x)
    f = dijet(m, *p)
    cols = [f / p[0], f * np.log1p(-x), -f * lx]
    if len(p) == 4:
        cols.append(-f * lx * lx)
    return np.stack(cols, axis=1)


def rel_close(a, b, tol=REL):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= tol * np.abs(b)))


def cov_close(a, b, tol=REL):
    """Entries equal to tol relative; off-diagonals relative to sqrt(C_ii C_jj) when they are
    much smaller than that scale (a relative test of a near-zero correlation is meaningless)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape:
        return False
    d = np.sqrt(np.outer(np.diag(b), np.diag(b)))
    return bool(np.all(np.abs(a - b) <= tol * np.maximum(np.abs(b), 1e-3 * d)))


def spectrum(rng, edges, truth, n_total):
    """Poisson counts of a dijet-shaped spectrum with n_total expected events."""
    fine = [np.linspace(edges[i], edges[i + 1], 201) for i in range(len(edges) - 1)]
    mu = np.array([np.trapz(dijet(f, *truth), f) for f in fine])
    mu *= n_total / mu.sum()
    return rng.poisson(mu).astype(float)


def fit_case(name, form, edges, counts, start_truth=None):
    """Fits densities (counts*100/width, sigma sqrt(N+1)*100/width) at the bin centres."""
    c = 0.5 * (edges[1:] + edges[:-1])
    w = np.diff(edges)
    y = counts * 100 / w
    s = np.sqrt(counts + 1) * 100 / w
    req = f"fit {form} {SQRT_S!r} {len(c)}\n" + "".join(f"{a!r} {b!r} {d!r}\n" for a, b, d in zip(c, y, s))
    out = probe(req)
    check(f"{name}: jetml converged", out["converged"] == "1", out.get("reason", ""))
    start = nums(out["start"])
    popt, pcov = curve_fit(dijet, c, y, p0=start, sigma=s, absolute_sigma=True, jac=dijet_jac,
                           ftol=1e-15, xtol=1e-15, gtol=0.0, maxfev=100000)
    par, cov = nums(out["par"]), nums(out["cov"]).reshape(len(popt), len(popt))
    check(f"{name}: parameters equal curve_fit's to 1e-6", rel_close(par, popt), f"{par} vs {popt}")
    check(f"{name}: covariance equals curve_fit's (absolute_sigma) to 1e-6", cov_close(cov, pcov),
          f"\n{cov}\nvs\n{pcov}")
    chi2 = float(np.sum(((y - dijet(c, *popt)) / s) ** 2))
    check(f"{name}: chi2", abs(float(out["chi2"]) - chi2) <= 1e-9 * chi2, f"{out['chi2']} vs {chi2}")
    check(f"{name}: ndf", int(float(out["ndf"])) == len(c) - len(popt))
    return popt, pcov


rng = np.random.default_rng(13)
ref_edges = np.round(np.logspace(np.log10(2001), np.log10(4350), 16))  # the reference code's bins

# 1-3: the 3-parameter function on falling spectra of different sizes and shapes
for k, (truth, n) in enumerate([((1.0, 8.0, 5.0), 5e5), ((1.0, 12.0, 4.0), 2e4), ((1.0, 3.0, 7.0), 3e6)]):
    fit_case(f"3-par spectrum {k}", 3, ref_edges, spectrum(rng, ref_edges, truth, n))
# 4-5: the 4-parameter function, generated with a log-x curvature term, on wider ranges
for k, (truth, n, lo, hi) in enumerate([((1.0, 9.0, 4.0, 0.3), 1e6, 1500, 6000), ((1.0, 5.0, 6.0, -0.2), 2e5, 2000, 5000)]):
    e = np.logspace(np.log10(lo), np.log10(hi), 21)
    fit_case(f"4-par spectrum {k}", 4, e, spectrum(rng, e, truth, n))

# SR prediction: fit without the SR bins, sum f(centre) * width / 100 over the SR, J C J^T
counts = spectrum(rng, ref_edges, (1.0, 8.0, 5.0), 5e5)
counts[6:9] += [40, 90, 40]
for first, sb_only in ((6, 0), (3, 1), (8, 0)):
    out = probe(f"predict 3 {SQRT_S!r} 15 {first} 3 2 {sb_only} centre\n" + " ".join(map(repr, ref_edges)) + "\n" +
                " ".join(map(repr, counts)) + "\n")
    name = f"prediction SR {first}-{first + 2}" + (" (sidebands only)" if sb_only else "")
    check(f"{name}: ok", out["ok"] == "1", out.get("why", ""))
    keep = [b for b in range(15) if not first <= b < first + 3 and (not sb_only or first - 2 <= b < first + 5)]
    c = 0.5 * (ref_edges[1:] + ref_edges[:-1])
    w = np.diff(ref_edges)
    y, s = counts * 100 / w, np.sqrt(counts + 1) * 100 / w
    popt, pcov = curve_fit(dijet, c[keep], y[keep], p0=nums(out["par"]) * (1 + 1e-3), sigma=s[keep],
                           absolute_sigma=True, jac=dijet_jac, ftol=1e-15, xtol=1e-15, gtol=0.0, maxfev=100000)
    sr = np.arange(first, first + 3)
    b = float(np.sum(dijet(c[sr], *popt) * w[sr] / 100))
    J = np.sum(dijet_jac(c[sr], *popt) * (w[sr] / 100)[:, None], axis=0)
    sb = float(np.sqrt(J @ pcov @ J))
    check(f"{name}: expected count", rel_close(float(out["expected"]), b), f"{out['expected']} vs {b}")
    check(f"{name}: its uncertainty", rel_close(float(out["sigma"]), sb), f"{out['sigma']} vs {sb}")
    check(f"{name}: observed count", float(out["observed"]) == counts[sr].sum())


# Significance
def nll_gauss(theta, n, b, s, mu):
    lam = b + theta + mu
    return -(n * np.log(lam) - lam) + 0.5 * theta ** 2 / s ** 2


def q0_numeric(n, b, s):
    """Profile both hypotheses numerically: mu = 0 over theta; mu >= 0 over (mu, theta) by
    profiling mu for each theta (its optimum is n - b - theta when that is >= 0)."""
    if n <= b:
        return 0.0
    lo = -b + 1e-9 * b
    r0 = minimize_scalar(nll_gauss, bounds=(lo, 20 * s + n), args=(n, b, s, 0.0), method="bounded",
                         options={"xatol": 1e-12 * max(1.0, s)})
    best = nll_gauss(0.0, n, b, s, n - b)  # mu = n - b, theta = 0 is the free maximum
    return 2 * (r0.fun - best)


for n, b, s in [(130, 100, 10), (1200, 1000, 5), (1200, 1000, 80), (25, 10, 4), (12.5, 3.2, 2.0), (5000, 4800, 300),
                (90, 100, 10), (100, 100, 0), (3, 0.5, 0.4)]:
    out = probe(f"z {n!r} {b!r} {s!r}\n")
    g, o = nums(out["gauss"]), nums(out["onoff"])
    if s > 0:
        q = q0_numeric(n, b, s)
        check(f"z({n}, {b}, {s}): q0 equals a numeric scipy profile", abs(g[0] - q) <= 1e-7 * max(q, 1e-12) + 1e-10,
              f"{g[0]} vs {q}")
    else:
        q = 2 * (n * np.log(n / b) - (n - b)) if n > b else 0.0
        check(f"z({n}, {b}, 0): q0 is Poisson's", abs(g[0] - q) <= 1e-12 * max(q, 1), f"{g[0]} vs {q}")
    check(f"z({n}, {b}, {s}): p0 = norm.sf(Z)", abs(g[2] - norm.sf(g[1])) <= 1e-13 * norm.sf(g[1]), f"{g[2]}")
    if n > b and s > 0:
        # Cowan's formula (on/off model), computed here with numpy
        cow = np.sqrt(2 * (n * np.log(n * (b + s * s) / (b * b + n * s * s)) -
                           b * b / (s * s) * np.log1p(s * s * (n - b) / (b * (b + s * s)))))
        check(f"z({n}, {b}, {s}): on/off profile equals Cowan's formula", abs(o[1] - cow) <= 1e-9 * cow, f"{o[1]} vs {cow}")
    if n <= b:
        check(f"z({n}, {b}, {s}): a deficit gives Z = 0, p0 = 0.5", g[1] == 0 and g[2] == 0.5 and o[1] == 0)

checks.finish("stats_scipy: ")
