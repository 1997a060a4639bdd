#!/usr/bin/env python3
"""Measures a judge of `predict --reject`: the share of each material it
accepts or rejects, as one row of the table in docs/reject.md.

  reject-measure.py [--nnclass BIN] [--name NAME] [--calib F.idx] JUDGE VALDIR

JUDGE is a model file. When it stores a calibration, its own threshold
decides; otherwise its novelty is 1 - its largest probability and the
threshold is the one that accepts 99.5 % of --calib (held-out MNIST
training digits). VALDIR holds the material of scripts/ood.py (drawn with
another seed than the training material) and these files, when present:
digits.idx (held-out MNIST training digits), fashion.idx (Fashion-MNIST
test images), r-thick-images-idx3-ubyte.gz and r-pens-images-idx3-ubyte.gz
(tests/realistic/render.py --style thick / pens, packed).
Needs Python 3 with numpy (Debian: python3-numpy).
"""
import argparse
import csv
import io
import json
import math
import os
import subprocess

import numpy as np

ACCEPT = [("MNIST held out", "digits.idx"), ("writers (ood.py)", "writers.idx"),
          ("thick pens", "r-thick-images-idx3-ubyte.gz"),
          ("any pens", "r-pens-images-idx3-ubyte.gz")]
REJECT = [("Fashion", "fashion.idx"), ("letters", "letters.idx"),
          ("scribbles", "scribbles.idx"), ("noise", "noise.idx"),
          ("inverted", "inverted.idx"), ("cropped", "cropped.idx")]


def novelty(nn, judge, path):
    r = subprocess.run([nn, "predict", "-q", "--model", "mnist", "--reject-model", judge,
                        "--reject-threshold", "1", "--format", "csv", path],
                       capture_output=True, text=True, check=True)
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    return np.array([float(row["novelty"]) for row in rows])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("judge")
    ap.add_argument("valdir")
    ap.add_argument("--nnclass", default="build/nnclass")
    ap.add_argument("--name", default=None)
    ap.add_argument("--calib", default=None)
    a = ap.parse_args()
    info = json.loads(subprocess.run([a.nnclass, "info", "--format", "json", a.judge],
                                     capture_output=True, text=True, check=True).stdout)
    cal = info.get("reject_calibration")
    if cal is not None:
        threshold = cal["threshold"]
    else:
        s = np.sort(novelty(a.nnclass, a.judge, a.calib))
        threshold = float(s[math.ceil(0.995 * len(s)) - 1])
    cells = []
    for _, f in ACCEPT + REJECT:
        path = os.path.join(a.valdir, f)
        if not os.path.exists(path):
            cells.append("-")
            continue
        s = novelty(a.nnclass, a.judge, path)
        rejected = (s > threshold) | (s >= 1.0)
        share = rejected.mean() if (_, f) in REJECT else 1.0 - rejected.mean()
        cells.append(f"{100 * share:.1f}")
    print("| " + " | ".join([a.name or os.path.basename(a.judge), f"{threshold:.4f}"] + cells)
          + " |")


if __name__ == "__main__":
    main()
