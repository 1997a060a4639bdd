"""Checks nnclass's exported models against nnclass itself.

Usage: export_check.py MODEL.onnx MODEL.npz PREDICT.jsonl IMAGES.idx.gz ORT.f32 CLASSES

- onnx.checker.check_model (full check) accepts the ONNX file, its IR version
  is <= 8 and its opset <= 17, and its metadata names the classes;
- ONNX Runtime's probabilities (ORT.f32, from ort_run.js) are within 1e-5 of
  `nnclass predict --probs --format json` (PREDICT.jsonl) on every image, and
  their argmax is nnclass's label on every image;
- the .npz arrays, run through a NumPy forward pass, give the same
  probabilities (within 1e-5) and the same labels.
Prints one line of figures; exits 1 on the first failed check.
"""
import gzip
import json
import sys

import numpy as np
import onnx

TOL = 1e-5


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
    a = x.astype(np.float64)
    layer = 1
    while f"W{layer}" in z.files:
        a = a @ z[f"W{layer}"].astype(np.float64).T + z[f"b{layer}"].astype(np.float64)
        if f"W{layer + 1}" in z.files:
            a = {"relu": lambda v: np.maximum(v, 0), "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
                 "tanh": np.tanh}[act](a)
        layer += 1
    a = np.exp(a - a.max(axis=1, keepdims=True))
    npz_probs = a / a.sum(axis=1, keepdims=True)
    npz_dp = np.abs(npz_probs - probs).max()
    npz_agree = int((npz_probs.argmax(axis=1) == labels).sum())
    if "class_names" in z.files and list(z["class_names"]) != names:
        fail(f"{npz_path}: class_names differ from the ONNX metadata")

    print(f"{onnx_path.rsplit('/', 1)[-1]}: {act}, {layer - 1} layer(s); "
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
