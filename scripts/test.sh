#!/usr/bin/env bash
# Runs every check: a Release build and its tests, the same tests again with
# OpenBLAS forced to other kernel sets and with nnclass's vector loops built
# for the baseline x86-64 (results must agree within the tests' tolerances,
# and the baseline build bit for bit with the clones), then an
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
# kernels: which OpenBLAS kernels (and CPU) a run uses, as --version says.
kernels() { "$@" build/nnclass --version | awk '$1 == "core" { c = $2 } $1 == "cpu" { $1 = ""; m = $0 }
    END { print c (m ? " on" m : "") }'; }
echo "   OpenBLAS kernels: $(kernels env)"
ctest --test-dir build --output-on-failure -j "$jobs" -LE valgrind

# Results differ in the last bits between CPUs (OpenBLAS picks its kernels
# per CPU), and the tests compare across machines with stated tolerances. To
# prove it on one machine, the Release tests run again with OpenBLAS forced
# to other kernel sets this CPU can run...
in_force=$(kernels env)
for core in Sandybridge Haswell; do
    case $core in
    Sandybridge) grep -qw avx /proc/cpuinfo 2>/dev/null || continue ;;
    Haswell) grep -qw avx2 /proc/cpuinfo 2>/dev/null || continue ;;
    esac
    [ "${in_force%% *}" = "$core" ] && continue
    echo "== Release tests again with OpenBLAS's $core kernels (OPENBLAS_CORETYPE=$core)"
    echo "   OpenBLAS kernels: $(kernels env OPENBLAS_CORETYPE=$core)"
    OPENBLAS_CORETYPE=$core ctest --test-dir build --output-on-failure -j "$jobs" -LE valgrind
done

# ... and with nnclass's own vector loops built for the baseline x86-64 only
# (no AVX2 or AVX-512 clones), which must change no bit on this machine: the
# same model bytes and the same predictions as the Release build.
if [ "$(uname -m)" = x86_64 ]; then
    echo "== Baseline build (no AVX2/AVX-512 clones of the vector loops) and its tests"
    cmake -S . -B build-baseline -DCMAKE_BUILD_TYPE=Release -DNNCLASS_VECTOR_CLONES=OFF >/dev/null
    cmake --build build-baseline -j "$jobs"
    ctest --test-dir build-baseline --output-on-failure -j "$jobs" -LE valgrind
    same=$(mktemp -d)
    for b in build build-baseline; do
        "$b/nnclass" train --dataset mnist --quiet --epochs 2 -o "$same/$b.nnc" >/dev/null
        "$b/nnclass" predict --probs --model data/models/mnist-cnn.nnc \
            data/mnist/t10k-images-idx3-ubyte.gz >"$same/$b.tsv"
    done
    if ! cmp -s "$same/build.nnc" "$same/build-baseline.nnc" ||
        ! cmp -s "$same/build.tsv" "$same/build-baseline.tsv"; then
        rm -rf "$same"
        echo "the baseline build trains or predicts other bits than the vector clones" >&2
        exit 1
    fi
    rm -rf "$same"
    echo "   the vector clones and the baseline: the same model bytes and predictions"
fi

echo "== Sanitizer build (address, undefined) and tests"
cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DNNCLASS_SANITIZE=ON >/dev/null
cmake --build build-sanitize -j "$jobs"
# OpenBLAS keeps per-thread buffers for the process lifetime; they are not leaks.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-sanitize --output-on-failure -j "$jobs" -LE valgrind

echo "== ThreadSanitizer build and the threaded modules' tests"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNNCLASS_SANITIZE_THREAD=ON \
    -DNNCLASS_STATIC_BLAS=OFF >/dev/null
cmake --build build-tsan -j "$jobs" --target test_train test_idx test_net_layers test_recurrent
TSAN_OPTIONS=halt_on_error=1 \
    ctest --test-dir build-tsan --output-on-failure -j "$jobs" -R '^test_(train|idx|net_layers|recurrent)$'

if command -v valgrind >/dev/null 2>&1; then
    echo "== valgrind memcheck"
    ctest --test-dir build --output-on-failure -L valgrind
else
    echo "== valgrind not installed: memcheck skipped (apt-get install -y valgrind)"
fi
echo "== all checks passed"
