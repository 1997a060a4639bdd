#!/usr/bin/env python3
"""Checks of nnclass's SVG pictures (python3 standard library only).

  svgcheck.py png FILE.png                  decodes the PNG (proves it is whole)
  svgcheck.py heatmap FILE.svg FILE.png     the cells' colours in the rendering
                                            follow the heatmap's scale
"""
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

SVG = "{http://www.w3.org/2000/svg}"


def read_png(path):
    """Returns (width, height, rows of (r, g, b, a) tuples) of an 8-bit
    RGB or RGBA non-interlaced PNG, as rsvg-convert writes them."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
        assert zlib.crc32(kind + body) == crc, "bad CRC in chunk %r" % kind
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
        if kind == b"IEND":
            break
    w, h, depth, ctype, _, _, interlace = header
    assert depth == 8 and ctype in (2, 6) and interlace == 0, header
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
            else:
                assert f == 0, "bad filter %d" % f
        rows.append([tuple(line[x * bpp:x * bpp + 3]) + ((line[x * bpp + 3],) if bpp == 4 else (255,))
                     for x in range(w)])
        prev = line
    return w, h, rows


def luminance(rgb):
    def lin(c):
        c /= 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = rgb[:3]
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def heatmap(svg_path, png_path):
    root = ET.parse(svg_path).getroot()
    vb = [float(v) for v in root.get("viewBox").split()]
    w, h, px = read_png(png_path)
    sx, sy = w / vb[2], h / vb[3]
    cells = {}
    for r in root.iter(SVG + "rect"):
        rid = r.get("id") or ""
        if rid.startswith("cell-"):
            i, j = map(int, rid.split("-")[1:])
            cells[i, j] = r
    texts = {}
    n = int(len(cells) ** 0.5 + 0.5)
    assert n * n == len(cells) and n >= 2, len(cells)
    # The count written in each cell (the <text> right after its <rect>).
    counts = {}
    group = next(g for g in root.iter(SVG + "g") if g.get("id") == "cells")
    kids = list(group)
    for k, el in enumerate(kids):
        rid = el.get("id") or ""
        if rid.startswith("cell-"):
            i, j = map(int, rid.split("-")[1:])
            counts[i, j] = int(kids[k + 1].text)
    colour = {}
    for (i, j), r in cells.items():
        x, y = float(r.get("x")), float(r.get("y"))
        # a corner of the cell, away from its number
        colour[i, j] = px[int((y + 4) * sy)][int((x + 4) * sx)]
    rows = [sum(counts[i, j] for j in range(n)) for i in range(n)]
    white = lambda c: min(c[:3]) >= 250
    for (i, j), c in colour.items():
        if counts[i, j] == 0:
            assert white(c), "empty cell %d,%d is not white: %r" % (i, j, c)
        else:
            assert not white(c) and luminance(c) < 0.95, \
                "cell %d,%d with %d images is not visibly coloured: %r" % (i, j, counts[i, j], c)
    # Brighter means a larger share of the row (viridis is monotonic in
    # lightness), and every diagonal cell outshines every error cell.
    share = {k: counts[k] / rows[k[0]] for k in counts if counts[k] > 0}
    keys = sorted(share, key=lambda k: share[k])
    for a, b in zip(keys, keys[1:]):
        if share[b] > share[a] * 1.05:
            assert luminance(colour[b]) >= luminance(colour[a]) - 0.01, \
                "cell %r (share %.4f) is darker than %r (share %.4f)" % (b, share[b], a, share[a])
    diag = [luminance(colour[k, k]) for k in range(n)]
    off = [luminance(colour[k]) for k in share if k[0] != k[1]]
    assert off, "no errors to compare with"
    assert min(diag) > max(off) + 0.1, (min(diag), max(off))
    print("heatmap: %d cells, diagonal luminance >= %.3f, errors <= %.3f, %d empty cells white"
          % (n * n, min(diag), max(off), sum(1 for k in counts if counts[k] == 0)))


def gallery(svg_path, png_path, idx_path):
    """Every tile shows its image: the rendering's grey at each pixel's
    centre is the image's value in the gallery's 16 levels of ink."""
    root = ET.parse(svg_path).getroot()
    vb = [float(v) for v in root.get("viewBox").split()]
    w, h, px = read_png(png_path)
    sx, sy = w / vb[2], h / vb[3]
    raw = open(idx_path, "rb").read()
    assert raw[:4] == b"\x00\x00\x08\x03"
    count, rows, cols = struct.unpack(">III", raw[4:16])
    tiles = [g for g in root.iter(SVG + "g") if (g.get("id") or "").startswith("tile-")]
    for g in tiles:
        frame = g.find(SVG + "rect")
        x0, y0 = float(frame.get("x")) + 1, float(frame.get("y")) + 1
        scale = (float(frame.get("width")) - 2) / cols
        index = int([t.text for t in g.iter(SVG + "text") if t.text.startswith("image ")][0][6:])
        img = raw[16 + index * rows * cols:16 + (index + 1) * rows * cols]
        worst = 0
        for r in range(rows):
            for c in range(cols):
                want = 255 - ((img[r * cols + c] >> 4) * 255 + 7) // 15
                got = px[int((y0 + (r + 0.5) * scale) * sy)][int((x0 + (c + 0.5) * scale) * sx)]
                worst = max(worst, abs(got[0] - want))
        assert worst <= 12, "tile %s (image %d) differs from the image by %d levels" % (
            g.get("id"), index, worst)
    print("gallery: %d tiles match their images" % len(tiles))
    return len(tiles)


if __name__ == "__main__":
    if sys.argv[1] == "png":
        read_png(sys.argv[2])
    elif sys.argv[1] == "heatmap":
        heatmap(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "gallery":
        gallery(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("unknown check " + sys.argv[1])
