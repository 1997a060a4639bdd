#!/usr/bin/env python3
"""Draws test images for the CLI tests of image input (images.sh, pack.sh).

  draw_digits.py MNIST_DIR OUT [N]

OUT/digit<k>.{png,jpg,pgm,ppm}: the first MNIST test image of digit k as
dark ink on light, unevenly lit paper, five times larger and off-centre;
OUT/rgba3.png (transparent paper), mnist4.png and paper4.png (28x28, white
on black and black on white), blank.png, grey.jpg (no ink) and big.png
(1100x1000). With N, also OUT/set/<label>/<i>.png for the first N test
images, and OUT/set-labels.txt with their labels in file order.
Needs numpy and Pillow (Debian: python3-numpy, python3-pil).
"""
import gzip, os, sys
import numpy as np
from PIL import Image
data, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
pix = np.frombuffer(gzip.open(f"{data}/t10k-images-idx3-ubyte.gz").read()[16:], np.uint8)
lab = np.frombuffer(gzip.open(f"{data}/t10k-labels-idx1-ubyte.gz").read()[8:], np.uint8)
first = [int(np.argmax(lab == k)) for k in range(10)]
def paper(i, w=200, h=180, dx=30, dy=10):
    digit = Image.fromarray(pix[i * 784:(i + 1) * 784].reshape(28, 28)).resize((140, 140), Image.BILINEAR)
    ink = np.asarray(digit, np.float64) / 255.0
    page = np.tile(np.linspace(235, 190, w), (h, 1))       # light from the left
    y0, x0 = (h - 140) // 2 + dy, (w - 140) // 2 + dx
    region = page[y0:y0 + 140, x0:x0 + 140]
    page[y0:y0 + 140, x0:x0 + 140] = region * (1 - ink) + 30 * ink
    return Image.fromarray(np.clip(page, 0, 255).astype(np.uint8))
for k, i in enumerate(first):
    p = paper(i)
    p.save(f"{out}/digit{k}.png")
    p.convert("RGB").save(f"{out}/digit{k}.jpg", quality=85)
    p.save(f"{out}/digit{k}.pgm")
    p.convert("RGB").save(f"{out}/digit{k}.ppm")
# A drawing program's export: black ink, transparent paper.
a = np.asarray(paper(first[3]), np.uint8)
rgba = np.zeros(a.shape + (4,), np.uint8)
rgba[..., 3] = 255 - a
Image.fromarray(rgba, "RGBA").save(f"{out}/rgba3.png")
# MNIST-style already (white on black, 28x28) and the same drawn black on white.
Image.fromarray(pix[first[4] * 784:(first[4] + 1) * 784].reshape(28, 28)).save(f"{out}/mnist4.png")
Image.fromarray(255 - pix[first[4] * 784:(first[4] + 1) * 784].reshape(28, 28)).save(f"{out}/paper4.png")
# No ink: white, uniform grey (as JPEG), and a large photo for the pixel cap.
Image.new("L", (120, 90), 255).save(f"{out}/blank.png")
Image.new("RGB", (64, 64), (128, 128, 128)).save(f"{out}/grey.jpg")
Image.new("L", (1100, 1000), 255).save(f"{out}/big.png")
open(f"{out}/labels.txt", "w").write(" ".join(str(k) for k in range(10)) + "\n")
print(first[4], file=open(f"{out}/index4.txt", "w"))
if len(sys.argv) > 3:
    n = int(sys.argv[3])
    for i in range(n):
        d = f"{out}/set/{lab[i]}"
        os.makedirs(d, exist_ok=True)
        paper(i, dx=(i * 7) % 41 - 20, dy=(i * 5) % 21 - 10).save(f"{d}/{i:05d}.png")
