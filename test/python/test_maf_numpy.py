#!/usr/bin/python3
"""jetml's conditional MAF (kind "flow") against a direct numpy implementation of the same
pytorch-flows MAF from the weights in its model file: masks rebuilt from the MADE degrees,
joiner with the condition on the first hidden layer, affine u = (x - m) exp(-a) with the bounded
log-scale a = B tanh(r / B), BatchNormFlow with the stored running statistics, Reverse, standard
normal base. log p(x|c) must agree to 1e-5, and the inverse pass x(z) must map back to z.

The model and data come from the unit-test binary (test case "flow maf: fixture for the numpy
check", enabled by JETML_FLOW_FIXTURE_DIR)."""
import json, os, subprocess, sys, tempfile
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks
from checks import check

UNIT = checks.unit_binary()


def masks(d, h, depth):
    """pytorch-flows get_mask: input degrees i, hidden j % (d-1), output (k % d) - 1."""
    din = np.arange(d)
    dh = np.arange(h) % (d - 1)
    dout = np.arange(2 * d) % d - 1
    ms = [(dh[:, None] >= din[None, :]).astype(float)]
    ms += [(dh[:, None] >= dh[None, :]).astype(float) for _ in range(depth - 1)]
    ms.append((dout[:, None] >= dh[None, :]).astype(float))
    return ms


def forward(P, cfg, x, c):
    """x (n, d), c (n, C) -> z, log-det (float64)."""
    d, depth, B = cfg["dim"], cfg["depth"], float(cfg["scale_bound"])
    ms = masks(d, cfg["hidden"], depth)
    ld = np.zeros(len(x))
    for b in range(cfg["blocks"]):
        h = x
        for l in range(depth + 1):
            W = P[f"made.{b}.{l}.weight"] * ms[l]
            h = h @ W.T + P[f"made.{b}.{l}.bias"]
            if l == 0 and cfg["cond"] > 0:
                h = h + c @ P[f"made.{b}.0.cond_weight"].T
            if l < depth:
                h = np.maximum(h, 0)
        m, r = h[:, :d], h[:, d:]
        a = B * np.tanh(r / B) if B > 0 else r
        u = (x - m) * np.exp(-a)
        ld -= a.sum(1)
        if cfg["batchnorm"]:
            lg, beta = P[f"bn.{b}.log_gamma"], P[f"bn.{b}.beta"]
            mean, var = P[f"bn.{b}.running_mean"], P[f"bn.{b}.running_var"]
            u = np.exp(lg) * (u - mean) / np.sqrt(var) + beta
            ld += (lg - 0.5 * np.log(var)).sum()
        x = u[:, ::-1] if cfg["reverse"] else u
    return x, ld


with tempfile.TemporaryDirectory() as tmp:
    env = dict(os.environ, JETML_FLOW_FIXTURE_DIR=tmp)
    subprocess.run([UNIT, "--test-case=*fixture for the numpy check*", "--no-version=1"], check=True,
                   capture_output=True, env=env)
    z = np.load(os.path.join(tmp, "flow.npz"))
    meta = json.loads(bytes(z["meta.json"]).decode("utf-8"))
    check("kind", meta["kind"] == "flow", meta.get("kind"))
    check("format_version", meta["format_version"] == 2, meta.get("format_version"))
    cfg = meta["config"]
    check("config", (cfg["dim"], cfg["cond"], cfg["blocks"], cfg["hidden"], cfg["depth"]) == (3, 2, 3, 16, 3), cfg)
    P = {p["entry"]: z[p["entry"]].astype(np.float64) for p in meta["params"]}
    for p in meta["params"]:
        check(f"shape of {p['entry']}", list(P[p["entry"]].shape) == p["shape"])
    ms = masks(cfg["dim"], cfg["hidden"], cfg["depth"])
    zero = all(np.all(P[f"made.{b}.{l}.weight"][ms[l] == 0] == 0)
               for b in range(cfg["blocks"]) for l in range(cfg["depth"] + 1))
    check("masked weights are stored as zeros", zero)
    xc = np.load(os.path.join(tmp, "xc.npy")).astype(np.float64)
    lp_jetml = np.load(os.path.join(tmp, "logp.npy"))
    d = cfg["dim"]
    zz, ld = forward(P, cfg, xc[:, :d], xc[:, d:])
    lp = -0.5 * (zz ** 2).sum(1) - 0.5 * d * np.log(2 * np.pi) + ld
    err = np.max(np.abs(lp - lp_jetml) / (1 + np.abs(lp)))
    # float32 passes through 3 blocks of 3 layers of 16 units: ~1e-6 relative
    check("log p(x|c) equals numpy to 1e-5", err < 1e-5, f"max relative deviation {err:.3g}")
    check("log p values are not trivial", np.std(lp) > 0.5, np.std(lp))
    # inverse: jetml's x(z) pushed through the numpy forward gives z back
    zin = np.load(os.path.join(tmp, "z.npy")).astype(np.float64)
    xz = np.load(os.path.join(tmp, "x_of_z.npy")).astype(np.float64)
    zb, _ = forward(P, cfg, xz, xc[:, d:])
    errz = np.max(np.abs(zb - zin))
    check("numpy forward of jetml's inverse gives z back", errz < 1e-4, f"max deviation {errz:.3g}")

checks.finish()
