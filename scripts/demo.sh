#!/usr/bin/env bash
# The main job: install what is missing, build nnclass (Release), train the
# default 784-16-10 network on the bundled MNIST training set, then evaluate
# it on the 10,000 test images (accuracy, confusion matrix, per-class metrics).
# Usage: scripts/demo.sh            (from anywhere)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/setup.sh
nnclass_setup

echo "== Building nnclass (Release)" >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target nnclass >/dev/null

model=build/mnist.nnc
echo "== Training the default network on data/mnist (60,000 images)" >&2
echo "   build/nnclass train --dataset mnist -o $model" >&2
build/nnclass train --dataset mnist -o "$model"

echo "== Evaluating it on the 10,000 test images" >&2
echo "   build/nnclass eval --model $model --dataset mnist" >&2
build/nnclass eval --model "$model" --dataset mnist
