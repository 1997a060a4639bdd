#!/usr/bin/env bash
# Runs every check: a Release build and its tests (and a check that the
# committed default model is reproduced bit for bit), then an
# AddressSanitizer + UndefinedBehaviorSanitizer build and the same tests
# (which include replaying every fuzz corpus), a ThreadSanitizer build of the
# unit tests of the threaded modules (training, the image stream's
# read-ahead, parallel inflate), then valgrind memcheck on a small
# train/eval/predict run when valgrind is present.
# Usage: scripts/test.sh            (from anywhere)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/setup.sh
nnclass_setup python3-numpy python3-pil  # tests/realistic: the image renders
nnclass_setup man-db bash-completion parallel  # man -l, the completion, the shard recipe
# the exported models' checks: the ONNX checker, NumPy, ONNX Runtime (npm)
nnclass_setup python3-onnx python3-numpy
nnclass_setup dataset-fashion-mnist  # --dataset fashion without data/fashion/
command -v node >/dev/null 2>&1 || nnclass_setup nodejs
command -v npm >/dev/null 2>&1 || nnclass_setup npm
nnclass_setup_ort "$root/build-ort" || echo "nnclass: npm could not install onnxruntime-node" >&2

jobs=$(nproc 2>/dev/null || echo 2)

echo "== Release build and tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs" -LE valgrind

echo "== The committed default model is what scripts/demo.sh's command trains, bit for bit"
repro=$(mktemp -d)
build/nnclass train --dataset mnist --quiet -o "$repro/mnist.nnc" >/dev/null
if ! cmp "$repro/mnist.nnc" data/models/mnist.nnc; then
    rm -rf "$repro"
    echo "data/models/mnist.nnc differs from a fresh 'nnclass train --dataset mnist'" >&2
    exit 1
fi
rm -rf "$repro"

echo "== Sanitizer build (address, undefined) and tests"
cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DNNCLASS_SANITIZE=ON >/dev/null
cmake --build build-sanitize -j "$jobs"
# OpenBLAS keeps per-thread buffers for the process lifetime; they are not leaks.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-sanitize --output-on-failure -j "$jobs" -LE valgrind

echo "== ThreadSanitizer build and the threaded modules' tests"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNNCLASS_SANITIZE_THREAD=ON \
    -DNNCLASS_STATIC_BLAS=OFF >/dev/null
cmake --build build-tsan -j "$jobs" --target test_train test_idx test_net_layers
TSAN_OPTIONS=halt_on_error=1 \
    ctest --test-dir build-tsan --output-on-failure -j "$jobs" -R '^test_(train|idx|net_layers)$'

if command -v valgrind >/dev/null 2>&1; then
    echo "== valgrind memcheck"
    ctest --test-dir build --output-on-failure -L valgrind
else
    echo "== valgrind not installed: memcheck skipped (apt-get install -y valgrind)"
fi
echo "== all checks passed"
