#!/usr/bin/python3
# Copied from the shared peer scripts (/work/shared/bench/torch_ref.py) so that the benchmark
# does not read outside the project; architectures must stay equal to jetml's presets.
"""Reference trainer in PyTorch (Debian's python3-torch, CPU) for side-by-side comparisons with jetml.

Trains one of the named architectures on NPY inputs and prints, per epoch, the training rate
(samples/s, forward+backward+Adam step) and the validation loss; at the end the test AUC and
1/eps_B at eps_S = 0.3 and 0.5, and optionally the test scores as NPY.

  /usr/bin/python3 torch_ref.py --arch wtag --x images.npy --y labels.npy \
      [--test-x ... --test-y ...] [--epochs 20] [--batch 128] [--threads 2] [--seed 1] [--scores out.npy]

With --val-x/--val-y as well (jetml's addition), the three sets are used exactly as given, so
that jetml and PyTorch train, stop and test on the same jets.
Without --test-x, the input is split 60/20/20 (train/val/test) with a fixed permutation from --seed.
Architectures (the same names as jetml's presets are meant to match):
  wtag     25x25x1: conv32 11x11 same, ReLU, maxpool2; conv32 3x3 same, ReLU, maxpool2; conv32 3x3 same,
           ReLU, maxpool2; dense64 ReLU; dropout 0.5; dense1
  deeptop  40x40x1: conv8 4x4 same x2 (ReLU), maxpool2, conv8 4x4 same x2 (ReLU), dense64, 256, 256 (ReLU), dense1
  dnn      flattened input: 3 x dense300 ReLU, dense1
  small    features: 3 x dense64 ReLU, dense1
Inputs are used as given (no standardisation) except for dnn/small, where features are standardised
with the training-set mean and std.
"""
import argparse
import time

import numpy as np
import torch
import torch.nn as nn


def arch(name, in_shape):
    if name == "wtag":
        return nn.Sequential(
            nn.Conv2d(in_shape[0], 32, 11, padding=5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.LazyLinear(64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 1))
    if name == "deeptop":
        return nn.Sequential(
            nn.Conv2d(in_shape[0], 8, 4, padding="same"), nn.ReLU(),
            nn.Conv2d(8, 8, 4, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 8, 4, padding="same"), nn.ReLU(),
            nn.Conv2d(8, 8, 4, padding="same"), nn.ReLU(),
            nn.Flatten(), nn.LazyLinear(64), nn.ReLU(), nn.Linear(64, 256), nn.ReLU(),
            nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 1))
    width, depth = {"dnn": (300, 3), "small": (64, 3)}[name]
    layers, d = [nn.Flatten()], int(np.prod(in_shape))
    for _ in range(depth):
        layers += [nn.Linear(d, width), nn.ReLU()]
        d = width
    return nn.Sequential(*layers, nn.Linear(d, 1))


def auc_and_rejection(scores, labels):
    order = np.argsort(-scores, kind="mergesort")
    s, y = scores[order], labels[order]
    distinct = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tps = np.cumsum(y)[distinct]
    fps = (distinct + 1) - tps
    tpr = np.r_[0, tps / tps[-1]]
    fpr = np.r_[0, fps / fps[-1]]
    auc = np.trapz(tpr, fpr)
    rej = {e: 1.0 / max(np.interp(e, tpr, fpr), 1e-12) for e in (0.3, 0.5)}
    return auc, rej


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True, choices=["wtag", "deeptop", "dnn", "small"])
    ap.add_argument("--x", required=True)
    ap.add_argument("--y", required=True)
    ap.add_argument("--test-x")
    ap.add_argument("--test-y")
    ap.add_argument("--val-x")
    ap.add_argument("--val-y")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--patience", type=int, default=5)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scores")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)

    x = np.load(a.x).astype(np.float32)
    y = np.load(a.y).astype(np.float32).reshape(-1)
    if x.ndim == 3 and a.arch in ("wtag", "deeptop"):
        x = x[:, None]
    if a.test_x:
        xt, yt = np.load(a.test_x).astype(np.float32), np.load(a.test_y).astype(np.float32).reshape(-1)
        if xt.ndim == 3 and a.arch in ("wtag", "deeptop"):
            xt = xt[:, None]
        if a.val_x:
            xv, yv = np.load(a.val_x).astype(np.float32), np.load(a.val_y).astype(np.float32).reshape(-1)
            if xv.ndim == 3 and a.arch in ("wtag", "deeptop"):
                xv = xv[:, None]
        else:
            p = rng.permutation(len(x)); nv = len(x) // 5
            xv, yv, x, y = x[p[:nv]], y[p[:nv]], x[p[nv:]], y[p[nv:]]
    else:
        p = rng.permutation(len(x)); n = len(x)
        tr, va, te = p[: int(0.6 * n)], p[int(0.6 * n): int(0.8 * n)], p[int(0.8 * n):]
        xv, yv, xt, yt = x[va], y[va], x[te], y[te]
        x, y = x[tr], y[tr]
    if a.arch in ("dnn", "small"):
        mu, sd = x.reshape(len(x), -1).mean(0), x.reshape(len(x), -1).std(0) + 1e-6
        f = lambda z: ((z.reshape(len(z), -1) - mu) / sd).astype(np.float32)
        x, xv, xt = f(x), f(xv), f(xt)

    model = arch(a.arch, x.shape[1:])
    model(torch.from_numpy(x[:2]))  # materialise lazy layers
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    lossf = nn.BCEWithLogitsLoss()
    X, Y = torch.from_numpy(x), torch.from_numpy(y)
    best, best_state, bad = float("inf"), None, 0
    print(f"arch={a.arch} train={len(x)} val={len(xv)} test={len(xt)} threads={a.threads} batch={a.batch}")
    for ep in range(a.epochs):
        model.train()
        perm = torch.randperm(len(X))
        t0 = time.perf_counter()
        for i in range(0, len(X), a.batch):
            idx = perm[i: i + a.batch]
            opt.zero_grad(set_to_none=True)
            loss = lossf(model(X[idx]).squeeze(1), Y[idx])
            loss.backward()
            opt.step()
        rate = len(X) / (time.perf_counter() - t0)
        model.eval()
        with torch.no_grad():
            vl = lossf(model(torch.from_numpy(xv)).squeeze(1), torch.from_numpy(yv)).item()
        print(f"epoch {ep + 1} train_samples_per_s {rate:.0f} val_loss {vl:.5f}", flush=True)
        if vl < best - 1e-6:
            best, bad = vl, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            bad += 1
            if bad >= a.patience:
                break
    model.load_state_dict(best_state)
    model.eval()
    XT = torch.from_numpy(xt)

    def infer_rate(bs):
        # the test split in calls of bs samples, repeated for at least a second after a warm-up
        with torch.no_grad():
            model(XT[:bs])
            n, t0 = 0, time.perf_counter()
            while n == 0 or time.perf_counter() - t0 < 1.0:
                for i in range(0, len(XT), bs):
                    model(XT[i: i + bs])
                n += len(XT)
            return n / (time.perf_counter() - t0)

    with torch.no_grad():
        s = torch.sigmoid(model(XT).squeeze(1)).numpy()
    irate = infer_rate(len(XT))
    irate_b = infer_rate(a.batch)
    auc, rej = auc_and_rejection(s.astype(np.float64), yt)
    print(f"test_auc {auc:.5f} rejection_at_0.3 {rej[0.3]:.1f} rejection_at_0.5 {rej[0.5]:.1f} infer_samples_per_s {irate:.0f}")
    print(f"infer_samples_per_s_batch {a.batch} {irate_b:.0f}")
    if a.scores:
        np.save(a.scores, s)


if __name__ == "__main__":
    main()
