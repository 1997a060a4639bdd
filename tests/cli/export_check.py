"""Checks nnclass's exported models against nnclass itself.

Usage: export_check.py MODEL.onnx MODEL.npz PREDICT.jsonl IMAGES.idx.gz ORT.f32 CLASSES

- onnx.checker.check_model (full check) accepts the ONNX file, its IR version
  is <= 8 and its opset <= 17, and its metadata names the classes;
- ONNX Runtime's probabilities (ORT.f32, from ort_run.js) are within 1e-5 of
  `nnclass predict --probs --format json` (PREDICT.jsonl) on every image, and
  their argmax is nnclass's label on every image;
- the .npz arrays, run through a NumPy forward pass of the layer table it
  records (dense, conv, pool, rnn, gru, lstm, and a reader's cols, step and
  ctc; channels last, as nnclass computes), give the same probabilities
  (within 1e-5) and the same labels.
Prints one line of figures; exits 1 on the first failed check.
"""
import gzip
import json
import sys

import numpy as np
import onnx

TOL = 1e-5

ACTS = {"relu": lambda v: np.maximum(v, 0), "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
        "tanh": np.tanh, "none": lambda v: v, "step": lambda v: v}


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def recurrent_forward(a, name, w, b):
    """A recurrent row ("bilstm64-seq") over a (n, t, f) with nnclass's flat
    weights and biases: per direction W (g*h, f), R (g*h, h); b (g*h) and,
    for gru, b_Rn (h). Gates in ONNX's order: lstm i, o, f, c; gru z, r, n."""
    bi = name.startswith("bi")
    kind = next(k for k in ("lstm", "gru", "rnn") if name[2 * bi:].startswith(k))
    body = name[2 * bi + len(kind):]
    seq = body.endswith("-seq")
    h = int(body[:-4] if seq else body)
    g = {"lstm": 4, "gru": 3, "rnn": 1}[kind]
    n, t, f = a.shape
    dirs = 2 if bi else 1
    per_w, per_b = g * h * (f + h), g * h + (h if kind == "gru" else 0)
    y = np.zeros((n, t, dirs * h))
    for d in range(dirs):
        wd = w[d * per_w:(d + 1) * per_w]
        W, R = wd[:g * h * f].reshape(g * h, f), wd[g * h * f:].reshape(g * h, h)
        bd = b[d * per_b:(d + 1) * per_b]
        hs, cs = np.zeros((n, h)), np.zeros((n, h))
        for s in range(t):
            step = t - 1 - s if d else s
            zx = a[:, step] @ W.T + bd[:g * h]
            zh = hs @ R.T
            if kind == "lstm":
                z = zx + zh
                i, o, fg, c = (z[:, k * h:(k + 1) * h] for k in range(4))
                cs = sigmoid(fg) * cs + sigmoid(i) * np.tanh(c)
                hs = sigmoid(o) * np.tanh(cs)
            elif kind == "gru":
                zz = sigmoid(zx[:, :h] + zh[:, :h])
                r = sigmoid(zx[:, h:2 * h] + zh[:, h:2 * h])
                nn = np.tanh(zx[:, 2 * h:] + r * (zh[:, 2 * h:] + bd[g * h:]))
                hs = (1 - zz) * nn + zz * hs
            else:
                hs = np.tanh(zx + zh)
            y[:, step, d * h:(d + 1) * h] = hs
    if seq:
        return y
    last = y[:, t - 1, :h]
    return np.concatenate([last, y[:, 0, h:]], axis=1) if bi else last


def table_forward(z, x, rows, cols):
    """Probabilities of a layer table ("28x28,conv5x5x16-same,pool2,10") from
    the npz arrays, channels last as nnclass computes them."""
    tokens = str(z["layers"]).split(",")
    default = str(z["activation"])
    a = x.astype(np.float64).reshape(-1, rows, cols, 1)
    last = len(tokens) - 1
    for l, tok in enumerate(tokens[1:], start=1):
        name, _, act = tok.partition(":")
        if name == "cols":  # (n, h, w, c) -> w steps of h*c features, (row, channel) order
            n, h, w_, c = a.shape
            a = a.transpose(0, 2, 1, 3).reshape(n, w_, h * c)
            continue
        if name.startswith("step"):  # the same dense layer at every step, none by default
            a = a @ z[f"W{l}"].astype(np.float64).T + z[f"b{l}"]
            a = ACTS[act or "none"](a)
            continue
        if name == "ctc":  # a softmax per step: (n, t, 11)
            a = np.exp(a - a.max(axis=2, keepdims=True))
            return a / a.sum(axis=2, keepdims=True)
        if name.startswith("conv"):
            k = int(name[4:].split("x")[0])
            same = name.endswith("-same")
            w = z[f"W{l}"].astype(np.float64)          # (C_out, k, k, C_in)
            pad = (k - 1) // 2 if same else 0
            p = np.pad(a, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
            ho, wo = p.shape[1] - k + 1, p.shape[2] - k + 1
            out = np.zeros((a.shape[0], ho, wo, w.shape[0]))
            for ky in range(k):
                for kx in range(k):
                    out += p[:, ky:ky + ho, kx:kx + wo, :] @ w[:, ky, kx, :].T
            a = out + z[f"b{l}"]
            a = ACTS[act or default](a)
        elif any(k in name for k in ("lstm", "gru", "rnn")):
            if a.ndim == 4:  # an image: its rows are the steps
                a = a.reshape(a.shape[0], a.shape[1], -1)
            a = recurrent_forward(a, name, z[f"W{l}"].astype(np.float64),
                                  z[f"b{l}"].astype(np.float64))
        elif name == "pool2":
            n, h, w_, c = a.shape
            a = a.reshape(n, h // 2, 2, w_ // 2, 2, c).max(axis=(2, 4))
            a = ACTS[act or "none"](a)
        else:
            a = a.reshape(a.shape[0], -1) @ z[f"W{l}"].astype(np.float64).T + z[f"b{l}"]
            if l < last:
                a = ACTS[act or default](a)
    a = np.exp(a - a.max(axis=1, keepdims=True))
    return a / a.sum(axis=1, keepdims=True)



def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    onnx_path, npz_path, jsonl_path, images_path, ort_path, classes = sys.argv[1:7]
    n_classes = int(classes)

    model = onnx.load(onnx_path)
    onnx.checker.check_model(model, full_check=True)
    if model.ir_version > 8:
        fail(f"{onnx_path}: IR version {model.ir_version} > 8")
    for op in model.opset_import:
        if op.domain in ("", "ai.onnx") and op.version > 17:
            fail(f"{onnx_path}: opset {op.version} > 17")
    meta = {p.key: p.value for p in model.metadata_props}
    names = json.loads(meta.get("class_names", "[]"))
    if len(names) != n_classes:
        fail(f"{onnx_path}: metadata class_names has {len(names)} names, expected {n_classes}")

    with open(images_path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    n, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    x = np.frombuffer(raw, dtype=np.uint8, offset=16, count=n * rows * cols)
    x = x.reshape(n, rows * cols).astype(np.float32) / np.float32(255)

    labels = np.empty(n, dtype=np.int64)
    probs = np.empty((n, n_classes), dtype=np.float64)
    with open(jsonl_path) as f:
        for i, line in enumerate(f):
            o = json.loads(line)
            labels[i] = names.index(o["label"])
            probs[i] = o["probs"]
        if i + 1 != n:
            fail(f"{jsonl_path}: {i + 1} lines, {n} images")

    ort = np.fromfile(ort_path, dtype="<f4")
    if ort.size != n * n_classes:
        fail(f"{ort_path}: {ort.size} values, expected {n} x {n_classes}")
    ort = ort.reshape(n, n_classes).astype(np.float64)
    ort_dp = np.abs(ort - probs).max()
    ort_agree = int((ort.argmax(axis=1) == labels).sum())

    z = np.load(npz_path)
    act = str(z["activation"])
    layers = str(z["layers"])
    npz_probs = table_forward(z, x, rows, cols)
    npz_dp = np.abs(npz_probs - probs).max()
    npz_agree = int((npz_probs.argmax(axis=1) == labels).sum())
    if "class_names" in z.files and list(z["class_names"]) != names:
        fail(f"{npz_path}: class_names differ from the ONNX metadata")

    print(f"{onnx_path.rsplit('/', 1)[-1]}: {layers} ({act}); "
          f"ONNX Runtime max |dp| {ort_dp:.2e}, argmax agrees on {ort_agree}/{n}; "
          f"npz max |dp| {npz_dp:.2e}, argmax agrees on {npz_agree}/{n}")
    if not ort_dp <= TOL:
        fail(f"ONNX Runtime probabilities differ by {ort_dp:.3g} > {TOL}")
    if ort_agree != n:
        fail(f"ONNX Runtime's argmax differs from nnclass's label on {n - ort_agree} images")
    if not npz_dp <= TOL:
        fail(f"npz probabilities differ by {npz_dp:.3g} > {TOL}")
    if npz_agree != n:
        fail(f"npz's argmax differs from nnclass's label on {n - npz_agree} images")


if __name__ == "__main__":
    main()
