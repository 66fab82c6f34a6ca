#!/usr/bin/python3
"""jetml model files (NPZ) open in numpy: np.load lists the documented entries, meta.json is
valid JSON describing them, and a numpy re-implementation of the network from the stored
weights (conv weights (F, k, k, C_in), dense weights (out, in) with `in` in (H, W, C) order,
'same' padding with the odd pixel after) reproduces jetml's predictions.

The model and data come from the unit-test binary (test case "nn model: fixture for the numpy
interoperability check", enabled by JETML_NN_FIXTURE_DIR)."""
import json, os, subprocess, sys, tempfile, zipfile
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks
from checks import check

BIN = os.environ["JETML_BIN"]
UNIT = os.path.join(BIN, "..", "test", "jetml_unit")


def conv_same_or_valid(x, w, b, stride, same):
    """x (N, H, W, C), w (F, k, k, C) -> (N, OH, OW, F), zero padding like TF/PyTorch 'same'."""
    n, h, wd, c = x.shape
    f, k, _, _ = w.shape
    if same:
        oh, ow = -(-h // stride), -(-wd // stride)
        th, tw = max((oh - 1) * stride + k - h, 0), max((ow - 1) * stride + k - wd, 0)
        x = np.pad(x, ((0, 0), (th // 2, th - th // 2), (tw // 2, tw - tw // 2), (0, 0)))
    else:
        oh, ow = (h - k) // stride + 1, (wd - k) // stride + 1
    out = np.zeros((n, oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + k, j * stride:j * stride + k, :]
            out[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return out + b


def maxpool(x, k):
    n, h, w, c = x.shape
    oh, ow = h // k, w // k
    return x[:, :oh * k, :ow * k, :].reshape(n, oh, k, ow, k, c).max(axis=(2, 4))


if not os.path.exists(UNIT):
    print(f"jetml_unit not found at {UNIT}")
    print("0 passed, 1 failed")
    sys.exit(1)

with tempfile.TemporaryDirectory() as d:
    env = dict(os.environ, JETML_NN_FIXTURE_DIR=d)
    subprocess.run([UNIT, "--test-case=*fixture for the numpy*", "--no-version=1"], check=True,
                   capture_output=True, env=env)
    path = os.path.join(d, "model.npz")
    # stored (uncompressed) zip entries
    with zipfile.ZipFile(path) as zf:
        check("zip entries stored", all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist()))
        check("zip CRCs", zf.testzip() is None)
    z = np.load(path)
    meta = json.loads(bytes(z["meta.json"]).decode("utf-8"))
    check("format", meta["format"] == "jetml-model", meta.get("format"))
    check("format_version", meta["format_version"] == 1, meta.get("format_version"))
    check("kind", meta["kind"] == "sequential", meta.get("kind"))
    check("kind follows format_version", list(meta)[:4] == ["format", "format_version", "kind", "jetml_version"],
          list(meta)[:4])
    for key in ("jetml_version", "arch", "input_shape", "input_layout", "outputs", "loss", "seed",
                "step", "epoch", "data_shape", "preprocessing", "params", "extra"):
        check(f"meta has {key}", key in meta)
    check("input_shape", meta["input_shape"] == [2, 6, 5], meta["input_shape"])
    check("input_layout", meta["input_layout"] == "NCHW")
    check("seed", meta["seed"] == 9)
    check("epoch", meta["epoch"] == 3)
    check("data_shape", meta["data_shape"] == [7, 2, 6, 5])
    check("extra", meta["extra"] == {"purpose": "numpy check"}, meta["extra"])
    check("arch canonical", meta["arch"] == "conv(3,3,1,same) relu maxpool(2,2) conv(2,2,1,valid) "
          "flatten dense(4) tanh dense(1)", meta["arch"])
    names = [p["entry"] for p in meta["params"]]
    check("param entries", names == ["0.weight", "0.bias", "3.weight", "3.bias", "5.weight", "5.bias",
                                     "7.weight", "7.bias"], names)
    for p in meta["params"]:
        a = z[p["entry"]]
        check(f"{p['entry']} dtype", a.dtype == np.float32, a.dtype)
        check(f"{p['entry']} shape", list(a.shape) == p["shape"], (a.shape, p["shape"]))
    check("conv weight (F, k, k, C)", z["0.weight"].shape == (3, 3, 3, 2), z["0.weight"].shape)
    check("preprocessing entries", meta["preprocessing"] == {"mean": "prep.mean", "std": "prep.std"})
    check("prep shape", z["prep.mean"].shape == (2, 6, 5) and z["prep.std"].shape == (2, 6, 5))
    check("files listed by np.load", set(z.files) >= set(names) | {"meta.json", "prep.mean", "prep.std"},
          z.files)

    # numpy forward pass from the stored weights reproduces jetml's predictions
    x = np.load(os.path.join(d, "x.npy")).astype(np.float64)
    zj = np.load(os.path.join(d, "z.npy"))
    h = np.transpose(x, (0, 2, 3, 1))  # (N, C, H, W) -> (N, H, W, C)
    h = np.maximum(conv_same_or_valid(h, z["0.weight"], z["0.bias"], 1, True), 0)
    h = maxpool(h, 2)
    h = conv_same_or_valid(h, z["3.weight"], z["3.bias"], 1, False)
    h = h.reshape(len(h), -1)  # (H, W, C) order
    h = np.tanh(h @ z["5.weight"].T + z["5.bias"])
    out = h @ z["7.weight"].T + z["7.bias"]
    # float32 network vs float64 numpy: agreement to ~1e-5 relative
    check("numpy forward == jetml predict", np.allclose(out, zj, rtol=1e-4, atol=1e-5),
          np.abs(out - zj).max())

checks.finish()
