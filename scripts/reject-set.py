#!/usr/bin/env python3
"""Builds the training set of the reject model (data/models/mnist-reject.nnc)
from MNIST training digits and the material of scripts/ood.py.

  reject-set.py MNIST_DIR FASHION_DIR OOD_DIR OUT_PREFIX

OUT_PREFIX-images.idx, OUT_PREFIX-labels.idx (raw IDX): MNIST training
digits 0..49,999 and OOD_DIR/writers.idx with their labels 0-9; with label
10 ("not a digit"): OOD_DIR's letters, scribbles, noise, inverted and
cropped images and the first 20,000 Fashion-MNIST training images. Also
OUT_PREFIX-calib-images.idx: MNIST training digits 50,000..54,999, never
trained on, on which `nnclass train --calibrate` sets the threshold.
Needs Python 3 with numpy (Debian: python3-numpy).
"""
import gzip
import struct
import sys

import numpy as np


def idx(path):
    raw = (gzip.open if path.endswith(".gz") else open)(path, "rb").read()
    magic = struct.unpack(">I", raw[:4])[0]
    nd = magic & 0xFF
    dims = struct.unpack(">" + "I" * nd, raw[4:4 + 4 * nd])
    return np.frombuffer(raw[4 + 4 * nd:], np.uint8).reshape(dims)


def write(path, a):
    a = np.ascontiguousarray(a, np.uint8)
    with open(path, "wb") as f:
        f.write(struct.pack(">I", 0x800 + a.ndim) + struct.pack(">" + "I" * a.ndim, *a.shape))
        f.write(a.tobytes())


mnist, fashion, ood, out = sys.argv[1:5]
pix = idx(f"{mnist}/train-images-idx3-ubyte.gz")
lab = idx(f"{mnist}/train-labels-idx1-ubyte.gz")
images = [pix[:50000], idx(f"{ood}/writers.idx")]
labels = [lab[:50000], idx(f"{ood}/writers-labels.idx")]
others = [idx(f"{ood}/{m}.idx") for m in ("letters", "scribbles", "noise", "inverted", "cropped")]
others.append(idx(f"{fashion}/train-images-idx3-ubyte.gz")[:20000])
for o in others:
    images.append(o)
    labels.append(np.full(len(o), 10, np.uint8))
write(out + "-images.idx", np.concatenate(images))
write(out + "-labels.idx", np.concatenate(labels))
write(out + "-calib-images.idx", pix[50000:55000])
print(f"{sum(len(l) for l in labels)} images, {sum(len(o) for o in others)} not digits",
      file=sys.stderr)
