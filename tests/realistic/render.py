#!/usr/bin/env python3
"""Renders MNIST digits the way a person's own digits reach nnclass.

Each digit of an MNIST split is drawn as a photo or a scan of a digit written
on paper: dark ink on light paper (ink and paper tones vary, sometimes a blue
pen or a pencil), scaled 2 to 6 times, pen strokes a little thinner or
thicker, rotated by a few degrees, seen with a slight perspective, placed
off-centre on a larger page, lit unevenly (a gradient and a vignette),
blurred, with sensor noise, and saved in a mix of formats: grey, 16-bit and
RGB PNG, RGBA PNG from a drawing program (transparent paper), JPEG at
qualities 60 to 95 (grey and colour), PGM (P5 8-bit, P5 16-bit and 12-bit,
P2) and PPM (P6, P3).

--style chooses what the pen and the page are like:
  photo   the above (the default)
  thick   the digit's strokes redrawn with a thick pen (0.15 to 0.28 of
          the side of its 28-pixel frame)
  phone   a phone photo: a 1200x1600 colour JPEG of a digit 400 to 1000
          pixels tall written with a thin pen (6 to 18 pixels), on paper with
          a strong light gradient
  ruled   the photo style on ruled notebook paper: light-blue lines every
          40 to 50 pixels across the page (and sometimes a red margin), in
          colour mostly, grey sometimes
  pens    the strokes redrawn with any pen, from a hairline to a marker
  stretch the photo style of a digit written to fill a square box: its
          ink stretched across to 0.75 to 1 of its height (a 1 becomes a
          wide bar or a flag and foot), strokes a little thicker
  slant   the photo style of a digit slanted by 0.25 to 0.6 of its height,
          mostly to the right
Redrawn strokes follow the digit's skeleton (the MNIST strokes thinned to a
line, then drawn again with a round pen of the chosen width).

The output is deterministic for a given seed and digit: digit i of the split
always gets the same random draws, whatever --count and --start are.

Layout of OUT:
  classes/<label>/<split>-<index>.<ext>   one image per digit (the folder-per-
                                          class tree `nnclass pack` reads)
  labels.tsv                              file, label, kind, source index
  digits-images-idx3-ubyte,
  digits-labels-idx1-ubyte                the same digits as plain IDX

Usage: render.py [--split t10k|train] [--start K] [--count N] [--seed S]
                 [--style photo|thick|phone|ruled|pens|stretch|slant] [--data DIR] OUT
Needs Python 3 with numpy and Pillow (Debian: python3-numpy, python3-pil).
"""

import argparse
import gzip
import os
import struct
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

# The output formats and how often each is drawn.
KINDS = [
    ("png-grey", 0.17),
    ("png-grey16", 0.05),
    ("png-rgb", 0.12),
    ("png-rgba-drawing", 0.04),
    ("jpeg-rgb", 0.20),
    ("jpeg-grey", 0.10),
    ("pgm-p5", 0.10),
    ("pgm-p5-16bit", 0.04),
    ("pgm-p5-12bit", 0.02),
    ("pgm-p2", 0.06),
    ("ppm-p6", 0.07),
    ("ppm-p3", 0.03),
]
JPEG_QUALITIES = [60, 70, 80, 90, 95]
EXTENSIONS = {"png": "png", "jpeg": "jpg", "pgm": "pgm", "ppm": "ppm"}


# ---------------------------------------------------------------- IDX files

def read_idx(path, magic, start, count, item):
    """Items start..start+count-1 of a gzip (or raw) IDX file, as bytes."""
    opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    with opener(path, "rb") as f:
        head = f.read(4)
        if struct.unpack(">I", head)[0] != magic:
            sys.exit(f"render.py: {path}: not an IDX file of the expected kind")
        ndim = magic & 0xFF
        dims = struct.unpack(">" + "I" * ndim, f.read(4 * ndim))
        if start + count > dims[0]:
            sys.exit(f"render.py: {path}: has {dims[0]} items, asked for "
                     f"{start}..{start + count - 1}")
        f.read(start * item)
        data = f.read(count * item)
        if len(data) != count * item:
            sys.exit(f"render.py: {path}: truncated")
        return data


def write_idx(path, magic, dims, payload):
    with open(path, "wb") as f:
        f.write(struct.pack(">I", magic))
        f.write(struct.pack(">" + "I" * len(dims), *dims))
        f.write(payload)


# ---------------------------------------------------------------- geometry

def homography(src, dst):
    """The 8 coefficients of the projective map taking the points dst to src
    (PIL's PERSPECTIVE transform maps output coordinates to input ones)."""
    a = []
    b = []
    for (u, v), (x, y) in zip(src, dst):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        b.append(u)
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b.append(v)
    return np.linalg.solve(np.array(a, float), np.array(b, float))


def gaussian_blur(img, sigma):
    """Separable Gaussian blur of a 2-D float array, edges replicated."""
    if sigma < 0.2:
        return img
    r = int(np.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    p = np.pad(img, r, mode="edge")
    h, w = img.shape
    rows = sum(k[i] * p[:, i:i + w] for i in range(2 * r + 1))
    return sum(k[i] * rows[i:i + h, :] for i in range(2 * r + 1))


def smooth_field(rng, h, w, cells, lo, hi):
    """A random field varying slowly over an h x w page, values in [lo, hi]."""
    coarse = rng.uniform(0, 255, size=(cells, cells)).astype(np.uint8)
    big = Image.fromarray(coarse).resize((w, h), Image.BICUBIC)
    return lo + (hi - lo) * np.asarray(big, float) / 255.0


# ---------------------------------------------------------------- strokes

def skeleton(digit):
    """The digit's strokes thinned to lines one pixel wide (Zhang and Suen's
    thinning), on a 112x112 grid: an array of (x, y) points."""
    big = np.asarray(Image.fromarray(digit).resize((112, 112), Image.BICUBIC)) > 127
    img = np.pad(big.astype(np.uint8), 1)
    while True:
        changed = False
        for step in (0, 1):
            p = [np.roll(np.roll(img, -dy, 0), -dx, 1) for dy, dx in
                 ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))]
            b = sum(p)
            seq = p + [p[0]]
            a = sum((seq[i] == 0) & (seq[i + 1] == 1) for i in range(8))
            if step == 0:
                c1, c2 = p[0] * p[2] * p[4], p[2] * p[4] * p[6]
            else:
                c1, c2 = p[0] * p[2] * p[6], p[0] * p[4] * p[6]
            kill = (img == 1) & (b >= 2) & (b <= 6) & (a == 1) & (c1 == 0) & (c2 == 0)
            if kill.any():
                img[kill] = 0
                changed = True
        if not changed:
            break
    ys, xs = np.nonzero(img[1:-1, 1:-1])
    return np.stack([xs, ys], axis=1)


def restroke(points, size, pen):
    """The skeleton drawn again on a size x size canvas with a round pen pen
    pixels wide (drawn at twice the size, then reduced: smooth edges)."""
    k = 2 * size / 112.0
    im = Image.new("L", (2 * size, 2 * size), 0)
    d = ImageDraw.Draw(im)
    w = max(1, int(round(2 * pen)))
    present = {(int(x), int(y)) for x, y in points}
    for x, y in present:
        cx, cy = (x + 0.5) * k, (y + 0.5) * k
        d.ellipse([cx - w / 2, cy - w / 2, cx + w / 2, cy + w / 2], fill=255)
        for dx, dy in ((1, 0), (1, 1), (0, 1), (-1, 1)):
            if (x + dx, y + dy) in present:
                d.line([cx, cy, cx + dx * k, cy + dy * k], fill=255, width=w)
    return im.resize((size, size), Image.BOX)


# ---------------------------------------------------------------- one digit

def pen_canvas(digit, rng, style, scale):
    """The digit's strokes, size x size, in the style's pen."""
    size = int(round(28 * scale))
    if style in ("thick", "phone", "pens"):
        if style == "thick":
            pen = rng.uniform(0.15, 0.28) * size
        elif style == "phone":
            pen = rng.uniform(6, 18)
        else:
            pen = size * np.exp(rng.uniform(np.log(0.02), np.log(0.3)))
        return restroke(skeleton(digit), size, pen)
    canvas = Image.fromarray(digit).resize((size, size), Image.BICUBIC)
    # Pen thickness: grow or shrink the strokes by up to about a pixel or two.
    radius = int(round(rng.uniform(-0.3, 0.5) * scale / 2))
    if radius > 0:
        canvas = canvas.filter(ImageFilter.MaxFilter(2 * radius + 1))
    elif radius < 0:
        canvas = canvas.filter(ImageFilter.MinFilter(2 * -radius + 1))
    return canvas


def reshape_digit(digit, rng, style):
    """The 28x28 digit as written into a box (stretch) or slanted (slant);
    other styles keep it as it is."""
    if style not in ("stretch", "slant"):
        return digit
    ys, xs = np.nonzero(digit > 30)
    if len(xs) == 0:
        return digit
    ink = Image.fromarray(digit[ys.min():ys.max() + 1, xs.min():xs.max() + 1])
    w, h = ink.size
    if style == "stretch":
        w = max(w, int(round(h * rng.uniform(0.75, 1.0))))
        ink = ink.resize((w, h), Image.BICUBIC).filter(ImageFilter.MaxFilter(3))
    else:
        k = rng.uniform(0.25, 0.6) * (1 if rng.uniform() < 0.8 else -1)
        pad = int(np.ceil(abs(k) * h))
        # x_in = x_out + k * y_out - c: the top leans right for k > 0.
        c = -k * h if k > 0 else 0.0
        ink = ink.transform((w + pad, h), Image.AFFINE, (1, k, c, 0, 1, 0), Image.BICUBIC,
                            fillcolor=0)
        w = w + pad
    f = 20.0 / max(w, h)
    ink = ink.resize((max(1, int(round(w * f))), max(1, int(round(h * f)))), Image.BICUBIC)
    out = Image.new("L", (28, 28), 0)
    out.paste(ink, ((28 - ink.size[0]) // 2, (28 - ink.size[1]) // 2))
    return np.asarray(out)


def ink_mask(digit, rng, style="photo"):
    """The digit as pen strokes on a page: returns (mask in [0,1], scale)."""
    digit = reshape_digit(digit, rng, style)
    if style == "phone":
        scale = rng.uniform(400, 1000) / 28.0
    else:
        scale = rng.uniform(2.0, 6.0)
    size = int(round(28 * scale))
    canvas = pen_canvas(digit, rng, style, scale)

    # Page a little bigger than the digit's 28x28 frame, digit anywhere on it
    # (a phone's page: 1200x1600, either way up).
    if style == "phone":
        pw, ph = (1200, 1600) if rng.uniform() < 0.7 else (1600, 1200)
    else:
        pw = int(round(size * rng.uniform(1.25, 2.2)))
        ph = int(round(size * rng.uniform(1.25, 2.2)))
    cx = rng.uniform(size / 2, pw - size / 2)
    cy = rng.uniform(size / 2, ph - size / 2)

    # Rotation (a few degrees, rarely ten) and a slight perspective.
    angle = np.radians(np.clip(rng.normal(0, 5), -10, 10))
    c, s = np.cos(angle), np.sin(angle)
    corners = [(0, 0), (size, 0), (size, size), (0, size)]
    placed = []
    for u, v in corners:
        du, dv = u - size / 2, v - size / 2
        placed.append((cx + c * du - s * dv + rng.normal(0, 0.03 * size),
                       cy + s * du + c * dv + rng.normal(0, 0.03 * size)))
    coeffs = homography(corners, placed)
    page = canvas.transform((pw, ph), Image.PERSPECTIVE, tuple(coeffs),
                            Image.BICUBIC, fillcolor=0)
    mask = np.asarray(page, float) / 255.0

    # A pen's edges are sharper than MNIST's anti-aliasing; pressure varies.
    k = rng.uniform(1.0, 2.0)
    mask = np.clip((mask - 0.5) * k + 0.5, 0.0, 1.0) * (mask > 0.02)
    mask *= smooth_field(rng, ph, pw, 4, rng.uniform(0.75, 1.0), 1.0)
    return mask, scale, angle


def ruling(rng, h, w, angle):
    """Ruled notebook paper: (lines, margin), two masks in [0, 1] of light-blue
    lines every 40 to 50 pixels, tilted like the page, and a red margin line
    (empty on half of the pages)."""
    y, x = np.mgrid[0:h, 0:w].astype(float)
    c, s = np.cos(angle), np.sin(angle)
    v = -s * x + c * y  # distance across the lines
    gap, width = rng.uniform(40, 50), rng.uniform(1.5, 3.0)
    d = np.abs((v - rng.uniform(0, gap)) % gap - gap / 2) - (gap / 2 - width / 2)
    lines = np.clip(0.5 + d, 0.0, 1.0)
    margin = np.zeros((h, w))
    if rng.uniform() < 0.5:
        u = c * x + s * y
        d = width / 2 + 0.5 - np.abs(u - rng.uniform(0.05, 0.2) * w)
        margin = np.clip(d, 0.0, 1.0)
    return lines, margin


def pen_and_paper(rng, colour):
    """(ink, paper) tones: arrays of 1 (grey) or 3 (RGB) values in 0..255."""
    paper = rng.uniform(185, 250)
    pen = rng.choice(["black", "black", "blue", "pencil"])
    if pen == "pencil":
        ink = np.full(3, rng.uniform(70, 120))
    elif pen == "blue" and colour:
        ink = np.array([rng.uniform(15, 60), rng.uniform(25, 70), rng.uniform(90, 160)])
    else:
        ink = np.full(3, rng.uniform(10, 70))
    tint = np.array([rng.uniform(0, 8), 0, rng.uniform(-15, 0)])
    paper = np.clip(paper + tint, 0, 255)
    if not colour:
        # Grey as a camera or scanner would make it (ITU-R BT.601 luma).
        w = np.array([0.299, 0.587, 0.114])
        return np.array([ink @ w]), np.array([paper @ w])
    return ink, paper


def photo(mask, scale, rng, colour, style="photo", angle=0.0):
    """A photo or scan of the strokes: float array (h, w[, 3]) in 0..255."""
    h, w = mask.shape
    ink, paper = pen_and_paper(rng, colour)
    # A phone's focus is not a scanner's: the blur does not grow with the digit.
    sigma = rng.uniform(0.5, 1.5) if style == "phone" else rng.uniform(0.3, 1.2) * scale / 3
    blurred = gaussian_blur(mask, sigma)
    lines = margin = None
    if style == "ruled":
        lines, margin = ruling(rng, h, w, angle)
        line_rgb = np.array([rng.uniform(140, 190), rng.uniform(185, 215), rng.uniform(225, 250)])
        margin_rgb = np.array([rng.uniform(215, 240), rng.uniform(90, 140), rng.uniform(100, 150)])
        if not colour:
            luma = np.array([0.299, 0.587, 0.114])
            line_rgb, margin_rgb = np.array([line_rgb @ luma]), np.array([margin_rgb @ luma])

    # Uneven light: a linear gradient across the page and a vignette around
    # a point near its centre.
    y, x = np.mgrid[0:h, 0:w].astype(float)
    phi = rng.uniform(0, 2 * np.pi)
    ramp = x / w * np.cos(phi) + y / h * np.sin(phi)
    ramp = (ramp - ramp.min()) / max(ramp.max() - ramp.min(), 1e-9)
    light = 1.0 - rng.uniform(0, 0.4 if style == "phone" else 0.2) * ramp
    lx, ly = w * rng.uniform(0.35, 0.65), h * rng.uniform(0.35, 0.65)
    r2 = ((x - lx) / (w / 2)) ** 2 + ((y - ly) / (h / 2)) ** 2
    light *= 1.0 - rng.uniform(0, 0.15) * np.minimum(r2, 2.0) / 2.0

    chans = []
    noise = rng.uniform(1, 8)
    for i in range(len(ink)):
        sheet = np.full((h, w), paper[i])
        if lines is not None:
            sheet = sheet * (1 - lines) + line_rgb[i] * lines
            sheet = sheet * (1 - margin) + margin_rgb[i] * margin
        v = sheet * (1 - blurred) + ink[i] * blurred
        v = v * light + rng.normal(0, noise, size=(h, w))
        chans.append(np.clip(v, 0, 255))
    return np.stack(chans, axis=-1) if colour else chans[0]


def drawing(mask, scale, rng):
    """A digit drawn in a drawing program: ink colour, alpha = coverage."""
    alpha = gaussian_blur(mask, 0.5 * scale / 3)
    ink = rng.uniform(0, 60, size=3)
    h, w = mask.shape
    rgba = np.zeros((h, w, 4))
    rgba[..., :3] = ink
    rgba[..., 3] = np.clip(alpha * 255, 0, 255)
    return rgba


# ---------------------------------------------------------------- writers

def write_pnm(path, img, magic, maxval):
    """PGM/PPM: magic P2, P3 (ASCII) or P5, P6 (binary); img in 0..255."""
    h, w = img.shape[:2]
    v = np.rint(img * (maxval / 255.0)).astype(np.int64)
    with open(path, "wb") as f:
        f.write(f"{magic}\n# nnclass realistic render\n{w} {h}\n{maxval}\n".encode())
        if magic in ("P2", "P3"):
            per_row = v.reshape(h, -1)
            for row in per_row:
                f.write((" ".join(map(str, row)) + "\n").encode())
        elif maxval < 256:
            f.write(v.astype(np.uint8).tobytes())
        else:
            f.write(v.astype(">u2").tobytes())


def save(path_noext, kind, img):
    """Writes img in the kind's format; returns the file name written."""
    fmt = kind.split("-")[0]
    path = f"{path_noext}.{EXTENSIONS[fmt]}"
    q8 = np.rint(img).astype(np.uint8)
    if kind in ("png-grey", "png-rgb", "png-rgba-drawing"):
        Image.fromarray(q8).save(path, "PNG")
    elif kind == "png-grey16":
        v = np.rint(img * 257.0).astype(np.uint16)
        Image.fromarray(v, mode="I;16").save(path, "PNG")
    elif fmt == "jpeg":
        quality = int(kind.rsplit("-q", 1)[1])
        Image.fromarray(q8).save(path, "JPEG", quality=quality)
    elif kind in ("pgm-p5", "ppm-p6"):
        write_pnm(path, img, "P5" if fmt == "pgm" else "P6", 255)
    elif kind == "pgm-p5-16bit":
        write_pnm(path, img, "P5", 65535)
    elif kind == "pgm-p5-12bit":
        write_pnm(path, img, "P5", 4095)
    elif kind in ("pgm-p2", "ppm-p3"):
        write_pnm(path, img, "P2" if fmt == "pgm" else "P3", 255)
    else:
        raise ValueError(kind)
    return path


def render_one(digit, rng, kind, style="photo"):
    mask, scale, angle = ink_mask(digit, rng, style)
    if kind == "png-rgba-drawing":
        return drawing(mask, scale, rng)
    colour = kind.startswith(("png-rgb", "jpeg-rgb", "ppm-"))
    return photo(mask, scale, rng, colour, style, angle)


def style_kind(rng, style, names, weights):
    """The output format of one render: the style's own, or drawn from KINDS."""
    if style == "phone":
        return "jpeg-rgb-q%d" % rng.choice([80, 90, 95])
    if style == "ruled":
        return str(rng.choice(["jpeg-rgb-q90", "png-rgb", "png-grey"], p=[0.45, 0.3, 0.25]))
    kind = str(rng.choice(names, p=weights))
    if kind.startswith("jpeg"):
        kind += "-q%d" % rng.choice(JPEG_QUALITIES)
    return kind


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="output folder (created)")
    ap.add_argument("--split", choices=["t10k", "train"], default="t10k")
    ap.add_argument("--start", type=int, default=0, help="first digit (default 0)")
    ap.add_argument("--count", type=int, default=1000, help="digits (default 1000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--style", choices=["photo", "thick", "phone", "ruled", "pens", "stretch",
                                        "slant"],
                    default="photo", help="pen and page (default photo)")
    ap.add_argument("--data", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "data"),
        help="data folder holding mnist/ (default: the project's data/)")
    args = ap.parse_args()
    if args.start < 0 or args.count < 1:
        ap.error("--start must be >= 0 and --count >= 1")

    mnist = os.path.join(args.data, "mnist")
    images = read_idx(os.path.join(mnist, f"{args.split}-images-idx3-ubyte.gz"),
                      0x803, args.start, args.count, 784)
    labels = read_idx(os.path.join(mnist, f"{args.split}-labels-idx1-ubyte.gz"),
                      0x801, args.start, args.count, 1)

    os.makedirs(args.out, exist_ok=True)
    names = [k for k, _ in KINDS]
    weights = np.array([p for _, p in KINDS])
    weights /= weights.sum()
    rows = []
    for j in range(args.count):
        index = args.start + j
        label = labels[j]
        digit = np.frombuffer(images, np.uint8, 784, j * 784).reshape(28, 28)
        # One stream per (seed, split, digit): a digit renders the same in any run.
        split_id = 0 if args.split == "t10k" else 1
        rng = np.random.default_rng([args.seed, split_id, index])
        kind = style_kind(rng, args.style, names, weights)
        folder = os.path.join(args.out, "classes", str(label))
        os.makedirs(folder, exist_ok=True)
        img = render_one(digit, rng, kind, args.style)
        path = save(os.path.join(folder, f"{args.split}-{index:05d}"), kind, img)
        rows.append((os.path.relpath(path, args.out), label, kind, index))

    with open(os.path.join(args.out, "labels.tsv"), "w") as f:
        f.write("file\tlabel\tkind\tindex\n")
        for r in rows:
            f.write("%s\t%d\t%s\t%d\n" % r)
    write_idx(os.path.join(args.out, "digits-images-idx3-ubyte"), 0x803,
              (args.count, 28, 28), images)
    write_idx(os.path.join(args.out, "digits-labels-idx1-ubyte"), 0x801,
              (args.count,), labels)


if __name__ == "__main__":
    main()
