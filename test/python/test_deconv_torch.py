#!/usr/bin/python3
"""jetml's transposed convolution (layer deconv) against PyTorch 1.13: forward values and the
gradients dL/dx, dL/dW, dL/db of L = sum(y * dy), from the cases the unit-test binary writes
(test case "nn decoder layers: fixture for the PyTorch ConvTranspose2d check", enabled by
JETML_DECONV_FIXTURE_DIR). jetml's deconv(filters, k, stride, same|valid) is the adjoint of its
conv with the same geometry: torch's full transposed convolution (padding 0) cropped by the
conv's padding (pad_top = floor((k - stride) / 2) for 'same', 0 for 'valid'). Where that crop
is one torch.nn.ConvTranspose2d can express (padding p, output_padding < stride), the module
itself is checked too. Tolerance: float32 sums of <= 32*25 products of O(1) values in another
order, |error| <~ 1e-5; 1e-4 absolute + 1e-4 relative leaves room and still fails any
indexing error (O(1))."""
import os, subprocess, sys, tempfile
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks
from checks import check

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print("torch not available (Debian's python3-torch)")
    print("0 passed, 1 failed")
    sys.exit(1)

UNIT = checks.unit_binary()


def close(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    err = np.abs(a - b).max()
    return a.shape == b.shape and err <= 1e-4 + 1e-4 * np.abs(b).max(), f"max |diff| {err:.3g}, shapes {a.shape} {b.shape}"


def geometry(n_in, k, s, same):
    """Output size and top padding of jetml's deconv along one axis."""
    if same:
        out = n_in * s
        full = (n_in - 1) * s + k
        return out, (full - out) // 2 if full > out else 0
    return (n_in - 1) * s + k, 0


with tempfile.TemporaryDirectory() as d:
    subprocess.run([UNIT, "--test-case=*fixture for the PyTorch ConvTranspose2d check*", "--no-version=1"],
                   check=True, env=dict(os.environ, JETML_DECONV_FIXTURE_DIR=d), stdout=subprocess.DEVNULL)
    c = 0
    while os.path.exists(f"{d}/case{c}.spec"):
        spec = open(f"{d}/case{c}.spec").read().strip()
        L = {k: np.load(f"{d}/case{c}.{k}.npy") for k in ("x", "y", "dy", "dx", "w", "b", "dw", "db")}
        filters, k, s, pad = spec[len("deconv("):-1].split(",")
        k, s, same = int(k), int(s), pad == "same"
        n, ih, iw, cin = L["x"].shape
        oh, pt = geometry(ih, k, s, same)
        ow, pl = geometry(iw, k, s, same)
        # torch layouts: x (N, C, H, W); ConvTranspose2d weight (in_channels, out_channels, k, k)
        x = torch.tensor(L["x"].transpose(0, 3, 1, 2).copy(), dtype=torch.float64, requires_grad=True)
        W = torch.tensor(L["w"].transpose(0, 3, 1, 2).copy(), dtype=torch.float64, requires_grad=True)
        b = torch.tensor(L["b"], dtype=torch.float64, requires_grad=True)
        dy = torch.tensor(L["dy"].transpose(0, 3, 1, 2).copy(), dtype=torch.float64)
        full = F.conv_transpose2d(x, W, None, stride=s)
        fh, fw = full.shape[2], full.shape[3]
        # crop (negative pad) by the conv's padding; rows past the full output only get the bias
        y = F.pad(full, (-pl, ow - (fw - pl), -pt, oh - (fh - pt))) + b.view(1, -1, 1, 1)
        (y * dy).sum().backward()
        ok, why = close(y.detach().numpy().transpose(0, 2, 3, 1), L["y"])
        check(f"{spec} on {cin}x{ih}x{iw}: forward", ok, why)
        ok, why = close(x.grad.numpy().transpose(0, 2, 3, 1), L["dx"])
        check(f"{spec}: dL/dx", ok, why)
        ok, why = close(W.grad.numpy().transpose(0, 2, 3, 1), L["dw"])
        check(f"{spec}: dL/dW", ok, why)
        ok, why = close(b.grad.numpy(), L["db"])
        check(f"{spec}: dL/db", ok, why)
        # the same through torch.nn.ConvTranspose2d where its (padding, output_padding) express the crop
        bottom, right = fh - pt - oh, fw - pl - ow
        if 0 <= pt - bottom < s and 0 <= pl - right < s and pt == pl and bottom == right:
            m = torch.nn.ConvTranspose2d(cin, int(filters), k, stride=s, padding=pt, output_padding=pt - bottom).double()
            with torch.no_grad():
                m.weight.copy_(W.detach())
                m.bias.copy_(b.detach())
            ok, why = close(m(x.detach()).detach().numpy().transpose(0, 2, 3, 1), L["y"])
            check(f"{spec}: torch.nn.ConvTranspose2d(padding={pt}, output_padding={pt - bottom})", ok, why)
        c += 1
    check("fixture cases found", c >= 9, f"{c} cases")

checks.finish()
