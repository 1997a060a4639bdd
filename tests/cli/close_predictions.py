#!/usr/bin/env python3
"""close_predictions.py EXPECTED ACTUAL [--skip N] [--tol T] [--tie M]

Compares two `nnclass predict` TSV outputs that were made with other float
arithmetic (other OpenBLAS kernels, another CPU, other batch boundaries), so
they cannot be compared byte for byte:

- the same number of lines, and the same first N columns (--skip: the file
  and index columns) on every line;
- every printed probability within T of the other (--tol, default 2e-4: the
  sums differ by about 1e-6 between kernels, and printing with 4 decimals can
  turn that into one unit of the last digit on each side);
- the same label, except where the expected top label's probability is at
  most (1 + M) / 2 (--tie, default 0.02), the only case where the top two
  probabilities can lie within M of each other, so rounding may swap them.

Prints one line per disagreement (at most 10) and exits 1 when there is any.
"""
import argparse
import sys


def rows(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("expected")
    ap.add_argument("actual")
    ap.add_argument("--skip", type=int, default=1)
    ap.add_argument("--tol", type=float, default=2e-4)
    ap.add_argument("--tie", type=float, default=0.02)
    a = ap.parse_args()
    exp, act = rows(a.expected), rows(a.actual)
    bad = []
    if len(exp) != len(act):
        bad.append(f"{len(exp)} lines expected, {len(act)} found")
    for n, (e, g) in enumerate(zip(exp, act), 1):
        if len(e) != len(g) or e[:a.skip] != g[:a.skip]:
            bad.append(f"line {n}: {e[:a.skip + 2]} against {g[:a.skip + 2]}")
            continue
        label_e, label_g = e[a.skip], g[a.skip]
        probs_e = [float(x) for x in e[a.skip + 1:] if "." in x]
        probs_g = [float(x) for x in g[a.skip + 1:] if "." in x]
        if label_e != label_g and probs_e[0] > (1 + a.tie) / 2:
            bad.append(f"line {n}: label {label_e} ({probs_e[0]}) became {label_g}")
        elif label_e == label_g:
            worst = max(abs(x - y) for x, y in zip(probs_e, probs_g))
            if worst > a.tol:
                bad.append(f"line {n}: probabilities {probs_e} against {probs_g}")
    for line in bad[:10]:
        print("close_predictions:", line, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
