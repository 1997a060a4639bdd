#!/usr/bin/env python3
"""Draws material for `predict --reject`: images that are not digits, and
digits as other writers make them. Seeded; nothing is downloaded.

  ood.py [--seed S] [--count N] [--data DIR] [--nnclass BIN] OUT

Writes raw IDX image files to OUT (labels are not needed: each file is one
kind of material). Files named big-*.idx hold 64x64 pictures; with
--nnclass, each goes through the image preprocessing as a user's image file
would (`nnclass predict --preprocess mnist --save-input`) into the 28x28
file of the same name without the prefix (an image in which the
preprocessing finds no ink is left out and counted). The other files hold
28x28 images used as they are, as IDX input is.

  big-letters    printed letters and symbols from the DejaVu fonts (every
                 style), rotated a little, black on white or white on black.
                 Left out because they pass for digits: O o Q D (0),
                 I l i j J | ! / \\ ( ) [ ] (1), Z z (2), A (4), S s (5),
                 G b (6), T (7), B (8), g q (9), and marks too small to
                 be a shape: . , ' ` - _ : ;
  big-scribbles  random pen strokes: one to three strokes of a pen whose
                 direction turns smoothly at random, some with loops and
                 zigzags, pen widths 2 to 9 pixels
  big-writers    MNIST training digits as other writers' digits: shrunk
                 to an 8x8, 12x12, 16x16 or 32x32 grid (filling the box or
                 keeping the aspect), often binarised, strokes thickened,
                 slanted, then enlarged to 64x64, mostly blocky (as small
                 scanned digits are)
  noise          uniform, gaussian, salt-and-pepper noise, faint noise
                 with a little ink, blank and uniform grey images
  inverted       MNIST training digits, dark on light, as IDX is not inverted
  cropped        MNIST training digits with a half or more cut away

--first-digit K, --digits N choose the MNIST training digits used (default:
the last 10,000, which the shipped reject model does not train on).
Needs Python 3 with numpy and Pillow (Debian: python3-numpy, python3-pil).
"""

import argparse
import glob
import gzip
import os
import re
import struct
import subprocess
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

SIDE = 64
FONT_DIR = "/usr/share/fonts/truetype/dejavu"
LOOKALIKES = set("OoQDIlijJ|!/\\()[]ZzASsGbTBgq.,'`-_:;")
PRINTABLE = [chr(c) for c in range(33, 127) if chr(c) not in LOOKALIKES and not chr(c).isdigit()]


def write_idx(path, images):
    """images: (n, rows, cols) uint8 -> a raw IDX image file."""
    images = np.asarray(images, np.uint8)
    n, r, c = images.shape
    with open(path, "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, r, c))
        f.write(images.tobytes())


def write_labels(path, labels):
    labels = np.asarray(labels, np.uint8)
    with open(path, "wb") as f:
        f.write(struct.pack(">II", 0x801, len(labels)))
        f.write(labels.tobytes())


def read_mnist(data, start, count):
    """MNIST training digits start..start+count-1 and their labels."""
    with gzip.open(os.path.join(data, "mnist", "train-images-idx3-ubyte.gz"), "rb") as f:
        pix = np.frombuffer(f.read()[16:], np.uint8).reshape(-1, 28, 28)
    with gzip.open(os.path.join(data, "mnist", "train-labels-idx1-ubyte.gz"), "rb") as f:
        lab = np.frombuffer(f.read()[8:], np.uint8)
    return pix[start:start + count], lab[start:start + count]


def letters(rng, n):
    fonts = sorted(glob.glob(os.path.join(FONT_DIR, "*.ttf")))
    out = np.zeros((n, SIDE, SIDE), np.uint8)
    for i in range(n):
        ch = PRINTABLE[rng.integers(len(PRINTABLE))]
        font = ImageFont.truetype(fonts[rng.integers(len(fonts))], int(rng.integers(30, 52)))
        img = Image.new("L", (SIDE * 2, SIDE * 2), 0)
        ImageDraw.Draw(img).text((SIDE // 2, SIDE // 3), ch, fill=255, font=font)
        img = img.rotate(float(rng.uniform(-12, 12)), resample=Image.BILINEAR)
        img = img.resize((SIDE, SIDE), Image.BILINEAR)
        a = np.asarray(img)
        out[i] = 255 - a if rng.random() < 0.5 else a
    return out


def pen_path(rng):
    """Points of one stroke: a pen whose turning rate drifts at random."""
    steps = int(rng.integers(15, 70))
    x, y = rng.uniform(16, 48, 2) * 2
    angle = rng.uniform(0, 2 * np.pi)
    speed = rng.uniform(2.0, 5.0)
    turn, drift = rng.normal(0, 0.15), rng.uniform(0.02, 0.25)
    zigzag = rng.random() < 0.2
    pts = []
    for s in range(steps):
        pts.append((x, y))
        turn = np.clip(turn + rng.normal(0, drift), -0.6, 0.6)
        angle += turn + (np.pi * 0.8 * (1 if s % 2 else -1) if zigzag and s % 6 == 0 else 0)
        x = np.clip(x + speed * np.cos(angle), 4, 2 * SIDE - 4)
        y = np.clip(y + speed * np.sin(angle), 4, 2 * SIDE - 4)
    return pts


def scribbles(rng, n):
    out = np.zeros((n, SIDE, SIDE), np.uint8)
    for i in range(n):
        img = Image.new("L", (SIDE * 2, SIDE * 2), 255)
        d = ImageDraw.Draw(img)
        width = int(rng.integers(4, 18))
        for _ in range(int(rng.integers(1, 4))):
            d.line(pen_path(rng), fill=int(rng.integers(0, 80)), width=width, joint="curve")
        out[i] = np.asarray(img.resize((SIDE, SIDE), Image.BILINEAR))
    return out


def writer(rng, digit):
    """One MNIST digit as another writer's: boxed to a coarse grid, pen changed."""
    img = Image.fromarray(digit)
    k = int(rng.integers(0, 4))
    if k == 1:
        img = img.filter(ImageFilter.MaxFilter(3))
    elif k == 2:
        img = img.filter(ImageFilter.MaxFilter(3)).filter(ImageFilter.MaxFilter(3))
    shear = float(rng.uniform(-0.35, 0.35))
    img = img.transform((28, 28), Image.AFFINE, (1, shear, -14 * shear, 0, 1, 0), Image.BILINEAR)
    a = np.asarray(img)
    ys, xs = np.nonzero(a > 40)
    if len(ys) == 0:
        return None
    box = a[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    grid = int(rng.choice([8, 12, 16, 16, 32]))
    if rng.random() < 0.5:  # stretched to fill the box, as some scanned sets are
        small = Image.fromarray(box).resize((grid, grid), Image.BILINEAR)
    else:
        h, w = box.shape
        s = grid / max(h, w)
        small = Image.new("L", (grid, grid), 0)
        small.paste(Image.fromarray(box).resize((max(1, int(w * s)), max(1, int(h * s))),
                                                Image.BILINEAR),
                    ((grid - max(1, int(w * s))) // 2, (grid - max(1, int(h * s))) // 2))
    a = np.asarray(small).astype(np.float64)
    a = a * (255.0 / max(a.max(), 1.0))
    if rng.random() < 0.5:
        a = np.where(a > rng.uniform(60, 140), 255.0, 0.0)
    elif grid <= 8:  # a few grey levels, as counts of a coarser grid give
        a = np.round(a / 16.0) * 16.0
    pad = int(rng.integers(6, 14))
    up = Image.NEAREST if rng.random() < 0.7 else Image.BILINEAR
    big = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).resize(
        (SIDE - 2 * pad, SIDE - 2 * pad), up)
    page = Image.new("L", (SIDE, SIDE), 0)
    page.paste(big, (pad, pad))
    return 255 - np.asarray(page)


def writers(rng, digits):
    out = []
    for d in digits:
        w = writer(rng, d)
        out.append(w if w is not None else 255 - np.asarray(Image.fromarray(d).resize((SIDE, SIDE))))
    return np.stack(out)


def noise(rng, n):
    out = np.zeros((n, 28, 28), np.uint8)
    for i in range(n):
        k = i % 7
        if k == 0:
            a = rng.uniform(0, 255, (28, 28))
        elif k == 1:
            a = rng.normal(rng.uniform(40, 200), rng.uniform(10, 80), (28, 28))
        elif k == 2:
            a = np.where(rng.random((28, 28)) < rng.uniform(0.02, 0.3), 255, 0)
        elif k == 3:  # faint noise with a little ink
            a = rng.uniform(0, rng.uniform(10, 60), (28, 28))
            for _ in range(int(rng.integers(1, 8))):
                y, x = rng.integers(0, 27, 2)
                a[y:y + int(rng.integers(1, 3)), x:x + int(rng.integers(1, 3))] = rng.uniform(120, 255)
        elif k == 4:
            a = np.full((28, 28), rng.uniform(0, 255))
        elif k == 5:
            a = np.zeros((28, 28))
        else:  # smooth blobs
            a = rng.uniform(0, 255, (4, 4))
            a = np.asarray(Image.fromarray(a.astype(np.uint8)).resize((28, 28), Image.BICUBIC), float)
        out[i] = np.clip(a, 0, 255).astype(np.uint8)
    return out


def cropped(rng, digits):
    out = digits.copy()
    for i in range(len(out)):
        cut = int(rng.integers(12, 20))
        side = i % 4
        if side == 0:
            out[i, :cut] = 0
        elif side == 1:
            out[i, 28 - cut:] = 0
        elif side == 2:
            out[i, :, :cut] = 0
        else:
            out[i, :, 28 - cut:] = 0
    return out


def preprocess(nnclass, big, out):
    """big (n, 64, 64) through the image preprocessing into the IDX file out;
    images without ink are dropped. Returns the indices of the images kept."""
    kept, index = [], []
    for first in range(0, len(big), 500):  # blocks: a drop reruns one block only
        part = out + ".block"
        got = preprocess_block(nnclass, big[first:first + 500], part)
        kept.append(np.fromfile(part, np.uint8)[16:].reshape(-1, 28, 28))
        index.extend(first + k for k in got)
        os.remove(part)
    write_idx(out, np.concatenate(kept) if kept else np.zeros((0, 28, 28), np.uint8))
    return index


def preprocess_block(nnclass, big, out):
    tmp_in, kept, index, pos = out + ".in", [], [], 0
    while len(big) > 0:
        write_idx(tmp_in, big)
        r = subprocess.run([nnclass, "predict", "--model", "mnist", "--preprocess", "mnist",
                            "--save-input", out + ".part", tmp_in],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode == 0:
            kept.append(np.fromfile(out + ".part", np.uint8)[16:].reshape(-1, 28, 28))
            index.extend(range(pos, pos + len(big)))
            break
        m = re.search(r"image (\d+): no ink", r.stderr)
        if m is None:
            sys.exit("ood.py: " + r.stderr.strip())
        k = int(m.group(1))
        if k > 0:  # the images before the bad one, preprocessed on their own
            write_idx(tmp_in, big[:k])
            subprocess.run([nnclass, "predict", "--model", "mnist", "--preprocess", "mnist",
                            "--save-input", out + ".part", tmp_in],
                           stdout=subprocess.DEVNULL, check=True)
            kept.append(np.fromfile(out + ".part", np.uint8)[16:].reshape(-1, 28, 28))
            index.extend(range(pos, pos + k))
        big, pos = big[k + 1:], pos + k + 1
    for f in (tmp_in, out + ".part"):
        if os.path.exists(f):
            os.remove(f)
    write_idx(out, np.concatenate(kept) if kept else np.zeros((0, 28, 28), np.uint8))
    return index


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=2000, help="images per material")
    ap.add_argument("--first-digit", type=int, default=50000)
    ap.add_argument("--digits", type=int, default=10000)
    ap.add_argument("--nnclass", help="the nnclass binary, to preprocess the big-* files")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "..", "data"))
    ap.add_argument("--only", help="comma-separated materials to draw (default: all): "
                    "letters, scribbles, writers, noise, inverted, cropped")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    want = set(a.only.split(",")) if a.only else None
    digits, labels = read_mnist(a.data, a.first_digit, a.digits)
    # Each material has its own generator, so that --only gives the same images.
    rngs = {m: np.random.default_rng([a.seed, k]) for k, m in enumerate(
        ("letters", "scribbles", "writers", "noise", "inverted", "cropped"))}
    draw = lambda m: want is None or m in want
    pick = lambda m: digits[rngs[m].integers(0, len(digits), a.count)]
    chosen = rngs["writers"].integers(0, len(digits), a.count)
    big_makers = {"letters": lambda: letters(rngs["letters"], a.count),
                  "scribbles": lambda: scribbles(rngs["scribbles"], a.count),
                  "writers": lambda: writers(rngs["writers"], digits[chosen])}
    for name, make in big_makers.items():
        if not draw(name):
            continue
        big = make()
        write_idx(os.path.join(a.out, "big-" + name + ".idx"), big)
        if a.nnclass:
            kept = preprocess(a.nnclass, big, os.path.join(a.out, name + ".idx"))
            print(f"{name}: {len(kept)} images, {len(big) - len(kept)} without ink left out",
                  file=sys.stderr)
            if name == "writers":
                write_labels(os.path.join(a.out, "writers-labels.idx"), labels[chosen][kept])
    if draw("noise"):
        write_idx(os.path.join(a.out, "noise.idx"), noise(rngs["noise"], a.count))
    if draw("inverted"):
        write_idx(os.path.join(a.out, "inverted.idx"), 255 - pick("inverted"))
    if draw("cropped"):
        write_idx(os.path.join(a.out, "cropped.idx"), cropped(rngs["cropped"], pick("cropped")))

if __name__ == "__main__":
    main()
