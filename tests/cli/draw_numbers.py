#!/usr/bin/env python3
"""Draws test images of whole numbers for the CLI tests of `nnclass read`.

  draw_numbers.py MNIST_DIR OUT

Numbers are MNIST test digits side by side (cropped to their ink, a few
pixels apart). Writes, for each number k of NUMBERS:
  OUT/num<k>.png   dark ink on light, unevenly lit paper, three times larger
  OUT/num<k>.jpg, OUT/num<k>.pgm   the same in JPEG and PGM
  OUT/inv<k>.png   light ink on dark, at MNIST's size
and OUT/numbers.txt (one number a line, in k order), OUT/strips.idx (the
numbers as 32x128 strips, bright on dark), OUT/wide.idx (the numbers as
28x140 IDX images), OUT/blank.png (no ink), OUT/long.png (a row of 400
digits, too wide for a strip).
Needs numpy and Pillow (Debian: python3-numpy, python3-pil).
"""
import gzip
import os
import struct
import sys

import numpy as np
from PIL import Image

NUMBERS = ["307", "42", "9165", "8", "2024", "71", "536", "90", "1234", "56",
           "789", "60", "3", "4815", "162", "97", "2500", "38", "714", "69"]

data, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
pix = np.frombuffer(gzip.open(f"{data}/t10k-images-idx3-ubyte.gz").read()[16:], np.uint8)
lab = np.frombuffer(gzip.open(f"{data}/t10k-labels-idx1-ubyte.gz").read()[8:], np.uint8)
by_digit = [np.flatnonzero(lab == d) for d in range(10)]


def digit(d, j):
    """The j-th test image of digit d, cropped to its ink columns."""
    img = pix[by_digit[d][j] * 784:(by_digit[d][j] + 1) * 784].reshape(28, 28)
    cols = np.flatnonzero(img.max(axis=0) > 40)
    return img[:, cols[0]:cols[-1] + 1]


def compose(number, j, gap=4):
    """The number's digits side by side, bright on dark, 28 rows."""
    parts = []
    for i, ch in enumerate(number):
        parts.append(digit(int(ch), j + i))
        parts.append(np.zeros((28, gap), np.uint8))
    body = np.hstack(parts[:-1])
    return np.pad(body, ((0, 0), (6, 6)))


def paper(ink, scale=3):
    """Bright-on-dark ink as dark ink on light paper, lit from the left."""
    h, w = ink.shape
    big = Image.fromarray(ink).resize((w * scale, h * scale), Image.BILINEAR)
    a = np.asarray(big, np.float64) / 255.0
    page = np.tile(np.linspace(235, 195, w * scale), (h * scale, 1))
    page = page * (1 - a) + 30 * a
    return Image.fromarray(np.clip(page, 0, 255).astype(np.uint8))


def strip(ink):
    """The ink as a 32x128 strip: its height 24 pixels, centred."""
    rows = np.flatnonzero(ink.max(axis=1) > 0)
    cols = np.flatnonzero(ink.max(axis=0) > 0)
    box = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = box.shape
    nw = min(124, max(1, round(w * 24 / h)))
    small = np.asarray(Image.fromarray(box).resize((nw, 24), Image.BILINEAR))
    s = np.zeros((32, 128), np.uint8)
    x0 = (128 - nw) // 2
    s[4:28, x0:x0 + nw] = small
    return s


def write_idx(path, images):
    n, h, w = len(images), images[0].shape[0], images[0].shape[1]
    with open(path, "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, h, w))
        for im in images:
            f.write(im.astype(np.uint8).tobytes())


strips, wide = [], []
for k, number in enumerate(NUMBERS):
    ink = compose(number, 3 * k)
    p = paper(ink)
    p.save(f"{out}/num{k}.png")
    p.convert("RGB").save(f"{out}/num{k}.jpg", quality=90)
    p.save(f"{out}/num{k}.pgm")
    Image.fromarray(ink).save(f"{out}/inv{k}.png")
    strips.append(strip(ink))
    w = np.zeros((28, 140), np.uint8)
    w[:, :min(140, ink.shape[1])] = ink[:, :140]
    wide.append(w)
with open(f"{out}/numbers.txt", "w") as f:
    f.write("".join(n + "\n" for n in NUMBERS))
write_idx(f"{out}/strips.idx", strips)
write_idx(f"{out}/wide.idx", wide)
Image.fromarray(np.full((60, 200), 228, np.uint8)).save(f"{out}/blank.png")
row = np.hstack([digit(i % 10, i // 10) for i in range(400)])
Image.fromarray(255 - row).save(f"{out}/long.png")
