#!/usr/bin/env python3
"""Draws material for `read --reject`: strips that are not numbers, and
numbers written with other pens. Seeded; nothing is downloaded.

  read-ood.py [--seed S] [--count N] [--data DIR] [--fashion DIR] OUT

Writes to OUT raw IDX files of N strips of 32x128 (bright ink on dark, as
`read` takes an IDX of strips), each strip 1 to 8 items side by side, as
numbers are composed (each item cropped to its ink columns, gaps of 0 to 6
pixels, the row scaled to an ink height of 24 and centred):

  letters.idx    printed letters and symbols (scripts/ood.py's, digit
                 look-alikes left out), one font and size per strip
  scribbles.idx  random pen strokes (scripts/ood.py's)
  fashion.idx    Fashion-MNIST test items (clothes, shoes, bags)
  noise.idx      28x28 noise of scripts/ood.py's kinds, whole
  blank.idx      strips without ink: black, or a uniform grey within 15
                 levels

and OUT/pens/NNNNN.png with OUT/pens-numbers.txt: numbers of 1 to 8 of the
held-out MNIST training digits (index % 12 == 11, as `pack --numbers --split
val`), each number's digits redrawn along their skeletons with one pen (a
hairline to a marker, tests/realistic/render.py's "pens" style), dark on
light paper with a little blur and noise, for `read` to make into strips;
and writers.idx with writers-numbers.txt: numbers of the same held-out
digits, each redrawn as another writer's (scripts/ood.py's writers: boxed
to a coarse grid, pen changed, slanted), composed into strips as above.
Needs Python 3 with numpy and Pillow (Debian: python3-numpy, python3-pil).
"""
import argparse
import gzip
import os
import struct
import sys

import numpy as np
from PIL import Image, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "realistic"))
import ood  # noqa: E402  (letters, scribbles, noise)
import render  # noqa: E402  (skeleton, restroke)

STRIP_H, STRIP_W, INK_H, MARGIN = 32, 128, 24, 2


def read_idx(path):
    raw = (gzip.open if path.endswith(".gz") else open)(path, "rb").read()
    nd = raw[3]
    dims = struct.unpack(">" + "I" * nd, raw[4:4 + 4 * nd])
    return np.frombuffer(raw[4 + 4 * nd:], np.uint8).reshape(dims)


def write_idx(path, images):
    a = np.ascontiguousarray(images, np.uint8)
    with open(path, "wb") as f:
        f.write(struct.pack(">I", 0x800 + a.ndim) + struct.pack(">" + "I" * a.ndim, *a.shape))
        f.write(a.tobytes())


def to_item(img):
    """A picture (any polarity, any size) as 28x28 bright ink on dark."""
    a = np.asarray(img, np.uint8)
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    if border.mean() > 127:
        a = 255 - a
    return np.asarray(Image.fromarray(a).resize((28, 28), Image.BOX))


def ink_columns(item, whole):
    """The item's columns with ink (all of them for whole items: noise)."""
    if whole:
        return item
    cols = np.nonzero(item.max(axis=0) > 40)[0]
    return item[:, cols.min():cols.max() + 1] if len(cols) else item[:, 12:16]


def strip_of(items, rng, whole=False):
    """Items side by side as one 32x128 strip, as numbers are composed."""
    parts = []
    for it in items:
        if parts:
            parts.append(np.zeros((28, int(rng.integers(0, 7))), np.uint8))
        parts.append(ink_columns(it, whole))
    row = np.concatenate(parts, axis=1)
    rows = np.nonzero(row.max(axis=1) > 40)[0]
    if len(rows) and not whole:
        row = row[rows.min():rows.max() + 1]
    h, w = row.shape
    s = INK_H / h
    if w * s > STRIP_W - 2 * MARGIN:
        s = (STRIP_W - 2 * MARGIN) / w
    ow, oh = max(1, int(round(w * s))), max(1, int(round(h * s)))
    out = np.zeros((STRIP_H, STRIP_W), np.uint8)
    scaled = np.asarray(Image.fromarray(row).resize((ow, oh), Image.BOX))
    y, x = (STRIP_H - oh) // 2, (STRIP_W - ow) // 2
    out[y:y + oh, x:x + ow] = scaled
    return out


def strips(rng, n, make, whole=False):
    """n strips of 1 to 8 items each; make(rng, k) gives k items."""
    return np.stack([strip_of(make(rng, int(rng.integers(1, 9))), rng, whole)
                     for _ in range(n)])


def letters(rng, k):
    # one font and size per strip: a printed word
    sub = np.random.default_rng(int(rng.integers(1 << 31)))
    return [to_item(a) for a in ood.letters(sub, k)]


def blank(rng, n):
    out = np.zeros((n, STRIP_H, STRIP_W), np.uint8)
    for i in range(n):
        if i % 2:
            lo = int(rng.integers(0, 240))
            out[i] = rng.integers(lo, lo + 16, (STRIP_H, STRIP_W))
    return out


def pen_number(rng, digits, labels):
    """One number of held-out digits with one pen, as a page."""
    k = int(rng.integers(1, 9))
    pick = rng.integers(0, len(digits), k)
    size = 112
    pen = size * np.exp(rng.uniform(np.log(0.02), np.log(0.3)))
    parts = []
    for j in pick:
        d = np.asarray(render.restroke(render.skeleton(digits[j]), size, pen))
        if parts:
            parts.append(np.zeros((size, int(rng.integers(4, 28))), np.uint8))
        parts.append(ink_columns(d, False))
    ink = np.concatenate(parts, axis=1).astype(np.float64) / 255.0
    ink = np.pad(ink, ((40, 40), (60, 60)))
    paper, tone = rng.uniform(200, 250), rng.uniform(10, 90)
    page = paper - (paper - tone) * ink + rng.normal(0, rng.uniform(1, 6), ink.shape)
    img = Image.fromarray(np.clip(page, 0, 255).astype(np.uint8))
    img = img.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.3, 1.5))))
    return img, "".join(str(labels[j]) for j in pick)


def writer_number(rng, digits, labels):
    """One number of held-out digits, each as another writer's, as a strip."""
    pick = rng.integers(0, len(digits), int(rng.integers(1, 9)))
    items = [to_item(w) for w in ood.writers(rng, digits[pick])]
    return strip_of(items, rng), "".join(str(labels[j]) for j in pick)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=1000, help="strips per material")
    ap.add_argument("--data", default=os.path.join(HERE, "..", "data"))
    ap.add_argument("--fashion", default="/usr/share/datasets/fashion-mnist")
    a = ap.parse_args()
    os.makedirs(os.path.join(a.out, "pens"), exist_ok=True)
    # Each material has its own generator, so that one can be redrawn alone.
    rng = {m: np.random.default_rng([a.seed, k]) for k, m in enumerate(
        ("letters", "scribbles", "fashion", "noise", "blank", "pens", "writers"))}
    fashion = read_idx(os.path.join(a.fashion, "t10k-images-idx3-ubyte.gz"))
    write_idx(os.path.join(a.out, "letters.idx"), strips(rng["letters"], a.count, letters))
    write_idx(os.path.join(a.out, "scribbles.idx"), strips(
        rng["scribbles"], a.count, lambda r, k: [to_item(s) for s in ood.scribbles(r, k)]))
    write_idx(os.path.join(a.out, "fashion.idx"), strips(
        rng["fashion"], a.count, lambda r, k: list(fashion[r.integers(0, len(fashion), k)])))
    write_idx(os.path.join(a.out, "noise.idx"), strips(
        rng["noise"], a.count, lambda r, k: list(ood.noise(r, 7)[r.integers(0, 7, k)]), True))
    write_idx(os.path.join(a.out, "blank.idx"), blank(rng["blank"], a.count))
    images = read_idx(os.path.join(a.data, "mnist", "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(a.data, "mnist", "train-labels-idx1-ubyte.gz"))
    held = np.arange(11, len(images), 12)
    with open(os.path.join(a.out, "pens-numbers.txt"), "w") as f:
        for i in range(a.count):
            img, number = pen_number(rng["pens"], images[held], labels[held])
            img.save(os.path.join(a.out, "pens", f"{i:05d}.png"))
            f.write(number + "\n")
    made = [writer_number(rng["writers"], images[held], labels[held]) for _ in range(a.count)]
    write_idx(os.path.join(a.out, "writers.idx"), np.stack([m[0] for m in made]))
    with open(os.path.join(a.out, "writers-numbers.txt"), "w") as f:
        f.writelines(m[1] + "\n" for m in made)


if __name__ == "__main__":
    main()
