#!/usr/bin/env python3
"""Measures `read --reject` with two candidate novelty scores, on the
material of scripts/read-ood.py and `pack --numbers`, as the table of
docs/reject.md.

  read-reject-measure.py [--nnclass BIN] [--model M] [--accept P] DIR

DIR holds read-ood.py's files (letters.idx, scribbles.idx, fashion.idx,
noise.idx, blank.idx, pens/*.png with pens-numbers.txt) and these, from
`nnclass pack --numbers --split val`:
  val1-images-idx3-ubyte.gz  2,000 validation numbers (--seed 1): the
                             threshold of each score is set on them, to
                             accept the share P (default 0.995)
  val2-images-idx3-ubyte.gz  2,000 others (--seed 2), with val2-numbers.txt
  png/*.png                  pages of 1,000 others (--seed 3 --png png), with
                             val3-numbers.txt

The scores, from `read --format json` (decoded with the default beam of 4):
  reading    1 - the probability of the reading (what the reader stores)
  min-digit  1 - the smallest probability of a digit of the reading (1 for
             a reading without digits)
Both are 1 for a strip without ink. For each material: the share accepted
by each score at its threshold, the area under the ROC curve against
val2 (the chance that a material's strip scores above a number's), and for
numbers the share read exactly, of all and of those accepted, and how many
of the wrong readings each score rejects.
Needs Python 3 (no other module).
"""
import argparse
import glob
import json
import math
import os
import subprocess

REJECT = ["letters", "scribbles", "fashion", "noise", "blank"]


def read_json(nnclass, model, files):
    """One JSON record per image of files, in order."""
    cmd = [nnclass, "read", "-q", "--format", "json", "--reject-threshold", "1"]
    cmd += ["--model", model] if model else []
    out = subprocess.run(cmd + files, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"nnclass read failed: {out.stderr.strip()}")
    return [json.loads(line) for line in out.stdout.splitlines()]


def scores(rec):
    """(reading, min-digit) novelty of one record."""
    if rec["novelty"] >= 1:
        return 1.0, 1.0
    probs = [d["prob"] for d in rec["digits"]]
    return rec["novelty"], 1.0 - min(probs) if probs else 1.0


def threshold(values, share):
    """The smallest value with at least share of values at or below it."""
    v = sorted(values)
    k = min(len(v), max(1, math.ceil(share * len(v) - 1e-6 * len(v))))
    return v[k - 1]


def auroc(neg, pos):
    """P(a pos score > a neg score), ties counting half."""
    pairs = sorted([(s, 0) for s in neg] + [(s, 1) for s in pos])
    rank, above, i = 0.0, 0.0, 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        n_neg = sum(1 for p in pairs[i:j] if p[1] == 0)
        n_pos = (j - i) - n_neg
        above += n_pos * (rank + n_neg / 2.0)
        rank += n_neg
        i = j
    return above / (len(neg) * len(pos))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--nnclass", default="nnclass")
    ap.add_argument("--model", help="the reader (default: read's)")
    ap.add_argument("--accept", type=float, default=0.995)
    a = ap.parse_args()
    d = a.dir
    sets = {"val1": [os.path.join(d, "val1-images-idx3-ubyte.gz")],
            "val2": [os.path.join(d, "val2-images-idx3-ubyte.gz")],
            "pages": sorted(glob.glob(os.path.join(d, "png", "*.png"))),
            "pens": sorted(glob.glob(os.path.join(d, "pens", "*.png")))}
    sets.update({m: [os.path.join(d, m + ".idx")] for m in REJECT})
    truth = {"val2": "val2-numbers.txt", "pages": "val3-numbers.txt", "pens": "pens-numbers.txt"}
    recs = {k: read_json(a.nnclass, a.model, f) for k, f in sets.items()}
    sc = {k: [scores(r) for r in v] for k, v in recs.items()}
    th = [threshold([s[i] for s in sc["val1"]], a.accept) for i in (0, 1)]
    print(f"thresholds at {a.accept:.3f} of {len(sc['val1'])} val1 numbers: "
          f"reading {th[0]:.6f}, min-digit {th[1]:.6f}")
    print("material\tcount\taccepted reading\taccepted min-digit\tAUROC reading"
          "\tAUROC min-digit\texact all\texact accepted (reading)\texact accepted (min-digit)"
          "\twrong rejected (reading)\twrong rejected (min-digit)")
    for k, v in sc.items():
        acc = [sum(s[i] <= th[i] and s[i] < 1 for s in v) / len(v) for i in (0, 1)]
        row = [k, str(len(v)), f"{100 * acc[0]:.2f} %", f"{100 * acc[1]:.2f} %"]
        if k in ("val1", "val2"):
            row += ["", ""]
        else:
            row += [f"{auroc([s[i] for s in sc['val2']], [s[i] for s in v]):.4f}"
                    for i in (0, 1)]
        if k in truth:
            want = open(os.path.join(d, truth[k])).read().split()
            right = [r["number"] == w for r, w in zip(recs[k], want)]
            row.append(f"{100 * sum(right) / len(right):.2f} %")
            for i in (0, 1):
                kept = [ok for ok, s in zip(right, v) if s[i] <= th[i] and s[i] < 1]
                row.append(f"{100 * sum(kept) / max(1, len(kept)):.2f} %")
            for i in (0, 1):
                wrong = [s[i] <= th[i] and s[i] < 1 for ok, s in zip(right, v) if not ok]
                row.append(f"{len(wrong) - sum(wrong)}/{len(wrong)}")
        print("\t".join(row))
    empty = {k: sum(1 for r in recs[k] if r["digits"] == [] and r["confidence"] > 0)
             for k in sc}
    print("readings of no digit (inked strips):", ", ".join(f"{k} {n}" for k, n in empty.items()))


if __name__ == "__main__":
    main()
