"""Checks an exported reader of whole numbers against nnclass itself.

Usage: export_ctc_check.py READER.onnx READER.npz STRIPS.idx PROBS.f32

- onnx.checker.check_model (full check) accepts the ONNX file, its IR
  version is <= 8 and its opset <= 17, and its output is (N, T, 11);
- the .npz arrays, run through the NumPy forward pass of export_check.py,
  give nnclass's per-step probabilities (PROBS.f32, strips x steps x 11)
  within 2e-4 (float32 LSTMs against float64: a few 1e-7 here).
Prints one line of figures; exits 1 on the first failed check.
"""
import sys

import numpy as np
import onnx

from export_check import fail, table_forward

TOL = 2e-4


def main():
    onnx_path, npz_path, strips_path, probs_path = sys.argv[1:5]
    model = onnx.load(onnx_path)
    onnx.checker.check_model(model, full_check=True)
    if model.ir_version > 8:
        fail(f"{onnx_path}: IR version {model.ir_version} > 8")
    for op in model.opset_import:
        if op.domain in ("", "ai.onnx") and op.version > 17:
            fail(f"{onnx_path}: opset {op.version} > 17")
    out = model.graph.output[0]
    dims = [d.dim_value for d in out.type.tensor_type.shape.dim]
    if out.name != "probabilities" or len(dims) != 3 or dims[2] != 11:
        fail(f"{onnx_path}: output {out.name} {dims}, expected probabilities (N, T, 11)")

    with open(strips_path, "rb") as f:
        raw = f.read()
    n, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    x = np.frombuffer(raw, dtype=np.uint8, offset=16, count=n * rows * cols)
    x = x.reshape(n, rows * cols).astype(np.float32) / np.float32(255)
    want = np.fromfile(probs_path, dtype="<f4").astype(np.float64)
    got = table_forward(np.load(npz_path), x, rows, cols)
    if got.size != want.size or (dims[1] and got.shape[1] != dims[1]):
        fail(f"{npz_path}: {got.shape} probabilities, nnclass gave {want.size} values")
    dp = np.abs(got.reshape(-1) - want).max()
    print(f"{onnx_path.rsplit('/', 1)[-1]}: onnx.checker ok, output {dims}; "
          f"npz max |dp| {dp:.2e} over {n} strips")
    if not dp <= TOL:
        fail(f"npz probabilities differ by {dp:.3g} > {TOL}")


if __name__ == "__main__":
    main()
