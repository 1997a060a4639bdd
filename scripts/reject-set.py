#!/usr/bin/env python3
"""Builds the training set of a reject model (data/models/mnist-reject.nnc):
MNIST training digits and digits of other writers with their labels 0-9,
and images that are not digits with label 10.

  reject-set.py --mnist DIR --fashion DIR [--digits IMAGES:LABELS]...
                [--others IMAGES]... OUT_PREFIX

OUT_PREFIX-images.idx, OUT_PREFIX-labels.idx (raw IDX): MNIST training
digits 0..49,999, each --digits file with its labels, each --others file
with label 10, and the first 20,000 Fashion-MNIST training images with
label 10. OUT_PREFIX-calib-images.idx: MNIST training digits
50,000..54,999, never trained on, on which `nnclass train --calibrate` sets
the threshold. Files may be gzipped. With --val-out DIR, also DIR/digits.idx
(MNIST training digits 55,000..59,999) and DIR/fashion.idx (the first 3,000
Fashion-MNIST test images), for scripts/reject-measure.py.
Needs Python 3 with numpy (Debian: python3-numpy).
"""
import argparse
import gzip
import struct
import sys

import numpy as np


def idx(path):
    raw = (gzip.open if path.endswith(".gz") else open)(path, "rb").read()
    nd = struct.unpack(">I", raw[:4])[0] & 0xFF
    dims = struct.unpack(">" + "I" * nd, raw[4:4 + 4 * nd])
    return np.frombuffer(raw[4 + 4 * nd:], np.uint8).reshape(dims)


def write(path, a):
    a = np.ascontiguousarray(a, np.uint8)
    with open(path, "wb") as f:
        f.write(struct.pack(">I", 0x800 + a.ndim) + struct.pack(">" + "I" * a.ndim, *a.shape))
        f.write(a.tobytes())


ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--mnist", required=True)
ap.add_argument("--fashion", required=True)
ap.add_argument("--digits", action="append", default=[])
ap.add_argument("--others", action="append", default=[])
ap.add_argument("--val-out", default=None)
a = ap.parse_args()
pix = idx(f"{a.mnist}/train-images-idx3-ubyte.gz")
lab = idx(f"{a.mnist}/train-labels-idx1-ubyte.gz")
images, labels = [pix[:50000]], [lab[:50000]]
for pair in a.digits:
    im, lb = pair.split(":")
    images.append(idx(im))
    labels.append(idx(lb))
others = [idx(f) for f in a.others] + [idx(f"{a.fashion}/train-images-idx3-ubyte.gz")[:20000]]
for o in others:
    images.append(o)
    labels.append(np.full(len(o), 10, np.uint8))
write(a.out + "-images.idx", np.concatenate(images))
write(a.out + "-labels.idx", np.concatenate(labels))
write(a.out + "-calib-images.idx", pix[50000:55000])
if a.val_out:
    write(f"{a.val_out}/digits.idx", pix[55000:60000])
    write(f"{a.val_out}/fashion.idx", idx(f"{a.fashion}/t10k-images-idx3-ubyte.gz")[:3000])
print(f"{sum(len(l) for l in labels)} images, {sum(len(o) for o in others)} not digits",
      file=sys.stderr)
