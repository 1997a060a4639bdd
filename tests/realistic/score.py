#!/usr/bin/env python3
"""Scores nnclass models on realistic renders of MNIST digits.

For each model: the accuracy of `nnclass predict` on the rendered image files
(all in one call), the accuracy of `nnclass eval` on the same digits as IDX,
and the drop in points between the two; with --by-kind, the accuracy on the
renders per output format. With --pack, `nnclass pack` also turns the
folder-per-class renders into IDX files and `nnclass eval` scores them; that
accuracy should equal predict's on the files.

The renders come from --renders DIR (made by render.py) or, without it, are
made in a temporary folder by render.py with --count, --start, --split and
--seed.

Usage:
  score.py [--nnclass BIN] [--model M]... [--renders DIR | --count N ...]
           [--by-kind] [--pack] [--json FILE]
A model is a file, or a bare name such as mnist or mnist-cnn, meaning
<data>/models/NAME.nnc. Only the standard library is needed here; making
renders needs a Python with numpy and Pillow (found automatically).
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def fail(msg):
    sys.exit(f"score.py: {msg}")


def imaging_python():
    """A Python interpreter that has numpy and PIL, for render.py."""
    for cand in [sys.executable, "python3", "/usr/bin/python3"]:
        try:
            r = subprocess.run([cand, "-c", "import numpy, PIL"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            continue
        if r.returncode == 0:
            return cand
    fail("no python3 with numpy and PIL found "
         "(apt-get install python3-numpy python3-pil)")


def resolve_model(name, data):
    if os.path.exists(name) or "/" in name or name.endswith(".nnc"):
        return name
    return os.path.join(data, "models", name + ".nnc")


def read_labels(renders):
    rows = []
    with open(os.path.join(renders, "labels.tsv")) as f:
        header = f.readline().rstrip("\n").split("\t")
        if header[:3] != ["file", "label", "kind"]:
            fail(f"{renders}/labels.tsv: unexpected header {header}")
        for line in f:
            file, label, kind = line.rstrip("\n").split("\t")[:3]
            rows.append((os.path.join(renders, file), label, kind))
    return rows


def format_of(kind):
    """The file format of a kind of render: jpeg-rgb-q80 -> jpeg-rgb."""
    return re.sub(r"-q[0-9]+$", "", kind)


def quality_of(kind):
    """The JPEG quality of a kind of render, as q80; None for other formats."""
    m = re.search(r"-(q[0-9]+)$", kind)
    return m.group(1) if m else None


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return r.returncode, r.stdout, r.stderr


def accuracy_line(text, what):
    m = re.search(r"accuracy\s+([0-9.]+)\s+\((\d+)/(\d+)\)", text)
    if not m:
        fail(f"{what}: no 'accuracy' line in the output of nnclass eval")
    return int(m.group(2)), int(m.group(3))


def eval_idx(nnclass, model, images, labels):
    code, out, err = run([nnclass, "eval", "--model", model,
                          "--images", images, "--labels", labels])
    if code != 0:
        fail(f"nnclass eval on {images} failed: {err.strip()}")
    return accuracy_line(out, images)


def predict_files(nnclass, model, rows):
    """Right answers per kind; files nnclass could not read count as wrong."""
    files = [r[0] for r in rows]
    # -q: the note on unsure answers is not an error.
    code, out, err = run([nnclass, "predict", "-q", "--model", model, "-H"] + files)
    got = {}
    for line in out.splitlines():
        cols = line.split("\t")
        if len(cols) >= 4:
            got[cols[0]] = cols[2]
    right = collections.Counter()
    total = collections.Counter()
    for file, label, kind in rows:
        total[kind] += 1
        right[kind] += got.get(file) == label
    errors = [l for l in err.splitlines() if l.strip()]
    return right, total, errors, code


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nnclass", default=os.path.join(ROOT, "build", "nnclass"),
                    help="the nnclass binary (default build/nnclass)")
    ap.add_argument("--model", action="append",
                    help="model file or bare name (repeatable; default mnist)")
    ap.add_argument("--data", default=os.path.join(ROOT, "data"),
                    help="data folder (default the project's data/)")
    ap.add_argument("--renders", help="renders made by render.py (default: make them)")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--split", default="t10k")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--by-kind", action="store_true",
                    help="accuracy per format and per JPEG quality")
    ap.add_argument("--pack", action="store_true",
                    help="also pack the renders and eval the packed IDX")
    ap.add_argument("--json", help="also write the figures as JSON to this file")
    args = ap.parse_args()
    models = args.model or ["mnist"]

    with tempfile.TemporaryDirectory(prefix="nnclass-score-") as tmp:
        renders = args.renders
        if renders is None:
            renders = os.path.join(tmp, "renders")
            t0 = time.time()
            r = subprocess.run([imaging_python(), os.path.join(HERE, "render.py"),
                                "--data", args.data, "--split", args.split,
                                "--start", str(args.start), "--count", str(args.count),
                                "--seed", str(args.seed), renders])
            if r.returncode != 0:
                fail("render.py failed")
            print(f"rendered {args.count} digits of {args.split} from {args.start}, "
                  f"seed {args.seed}, in {time.time() - t0:.1f} s")
        rows = read_labels(renders)
        idx_images = os.path.join(renders, "digits-images-idx3-ubyte")
        idx_labels = os.path.join(renders, "digits-labels-idx1-ubyte")
        kinds = sorted({r[2] for r in rows})

        prefix = os.path.join(tmp, "packed")
        pack_error = None
        if args.pack:
            code, _, err = run([args.nnclass, "pack", os.path.join(renders, "classes"),
                                "-o", prefix])
            if code != 0:
                pack_error = f"nnclass pack failed: {err.strip()}"
                print(pack_error)

        results = []
        print(f"{'model':<24} {'IDX':<17} {'renders':<17} {'drop':>8}")
        for name in models:
            model = resolve_model(name, args.data)
            if not os.path.exists(model):
                fail(f"{model}: no such model")
            idx_right, idx_total = eval_idx(args.nnclass, model, idx_images, idx_labels)
            right, total, errors, code = predict_files(args.nnclass, model, rows)
            r_right, r_total = sum(right.values()), sum(total.values())
            idx_acc, r_acc = idx_right / idx_total, r_right / r_total
            drop = 100 * (idx_acc - r_acc)
            print(f"{name:<24} {idx_acc:.4f} ({idx_right:>4}/{idx_total}) "
                  f"{r_acc:.4f} ({r_right:>4}/{r_total}) {drop:>5.2f} pt")
            res = {"model": name, "idx_right": idx_right, "idx_total": idx_total,
                   "renders_right": r_right, "renders_total": r_total,
                   "drop_points": round(drop, 4), "predict_exit": code,
                   "predict_errors": errors[:20],
                   "by_kind": {k: [right[k], total[k]] for k in kinds}}
            if errors:
                print(f"  predict reported {len(errors)} error line(s), exit {code}; "
                      f"first: {errors[0]}")
            if args.by_kind:
                for group, of in (("format", format_of), ("JPEG quality", quality_of)):
                    g_right, g_total = collections.Counter(), collections.Counter()
                    for k in kinds:
                        if of(k):
                            g_right[of(k)] += right[k]
                            g_total[of(k)] += total[k]
                    for g in sorted(g_total):
                        print(f"  {group + ' ' + g:<30} {g_right[g] / g_total[g]:.4f} "
                              f"({g_right[g]}/{g_total[g]})")
            if pack_error:
                res["pack_error"] = pack_error
            elif args.pack:
                p_right, p_total = eval_idx(args.nnclass, model,
                                            prefix + "-images-idx3-ubyte.gz",
                                            prefix + "-labels-idx1-ubyte.gz")
                same = "same as predict" if p_right == r_right and p_total == r_total \
                    else "DIFFERS from predict"
                print(f"  pack + eval: {p_right / p_total:.4f} ({p_right}/{p_total}), {same}")
                res.update({"pack_right": p_right, "pack_total": p_total})
            results.append(res)

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"renders": renders if args.renders else None, "count": len(rows),
                       "models": results}, f, indent=1)


if __name__ == "__main__":
    main()
