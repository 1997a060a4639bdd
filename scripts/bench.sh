#!/usr/bin/env bash
# Benchmarks nnclass and prints one table, side by side with its references:
#   - PyTorch (CPU, one thread) training the same 784-16-10 network with the
#     same recipe (scripts/bench_torch.py);
#   - zlib inflating the same .gz files (bench/probe_inflate.c), the floor for
#     eval;
#   - one core of OpenBLAS at the training shapes (bench/probe_sgemm.c), the
#     floor for an epoch;
#   - image files: decode + preprocess of a 1-megapixel photo in memory
#     (bench/probe_image.c), and predict over 1,000 PNG files of 200x200;
#   - the default recipe on a busy machine: with one CPU-bound process beside
#     it, the default thread count against --threads 1.
# Every nnclass workload is a whole process, run --runs times; the table shows
# medians. Peak RSS comes from one extra run under /usr/bin/time -v, which is
# also the warm-up. The table goes to stdout, progress to stderr.
# Timings never decide the exit status: it is 0 unless something failed to run.
#
# Usage: scripts/bench.sh [--runs N] [--quick] [--no-torch] [--mlp]
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME and awk with a '.' decimal point

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build-bench"
data="$root/data/mnist"
py=/usr/bin/python3 # Debian's interpreter: python3-torch lives there, not in a pyenv

usage() {
    cat <<'EOF'
usage: scripts/bench.sh [--runs N] [--quick] [--no-torch] [--mlp]
  --runs N     runs of every nnclass workload (default 5; PyTorch N clamped to 3..5)
  --quick      one run of everything, no PyTorch
  --no-torch   skip the PyTorch reference
  --mlp        only the MLP training rows (textbook, default, default under load)
Prints the table on stdout and progress on stderr.
EOF
}

runs=5
runs_given=0
quick=0
with_torch=1
mlp_only=0
while [ $# -gt 0 ]; do
    case $1 in
    --runs) [ $# -ge 2 ] || { usage >&2; exit 2; }; runs=$2; runs_given=1; shift 2 ;;
    --runs=*) runs=${1#--runs=}; runs_given=1; shift ;;
    --quick) quick=1; with_torch=0; shift ;;
    --no-torch) with_torch=0; shift ;;
    --mlp) mlp_only=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench.sh: $1: unknown option" >&2; usage >&2; exit 2 ;;
    esac
done
if [ "$quick" -eq 1 ] && [ "$runs_given" -eq 0 ]; then runs=1; fi
case $runs in '' | *[!0-9]* | 0) echo "bench.sh: --runs: expected a positive integer, got '$runs'" >&2; exit 2 ;; esac

log() { echo "bench: $*" >&2; }

failed=0
fail() { log "FAILED: $*"; failed=1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnclass-bench.XXXXXX")
busy_pid="" # the CPU-bound process of the under-load row, while it runs
trap '[ -z "$busy_pid" ] || kill "$busy_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# --- 1. set-up -------------------------------------------------------------
# shellcheck disable=SC1091 # sourced by path, checked on its own
. "$root/scripts/setup.sh"
nnclass_setup

have_time=1
if [ ! -x /usr/bin/time ]; then
    if [ "$(id -u)" -eq 0 ]; then
        log "installing time (for peak RSS)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >&2 || true
    else
        log "peak RSS needs /usr/bin/time; run: sudo apt-get install -y time"
    fi
    [ -x /usr/bin/time ] || have_time=0
fi

torch_note=""
if [ "$with_torch" -eq 1 ] && ! "$py" -c 'import torch, numpy' 2>/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then
        log "installing PyTorch from Debian (python3-torch python3-numpy)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy >&2 || true
    else
        log "PyTorch is not installed; for the reference row run:"
        log "  sudo apt-get install -y python3-torch python3-numpy"
    fi
    if ! "$py" -c 'import torch, numpy' 2>/dev/null; then
        with_torch=0
        torch_note="not available"
    fi
fi
[ "$with_torch" -eq 1 ] || [ -n "$torch_note" ] || torch_note="skipped"

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')

# --- 2. build ----------------------------------------------------------------
log "building nnclass (Release) in build-bench"
nnclass="$build/nnclass"
if ! { cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DNNCLASS_TESTS=OFF >&2 &&
    cmake --build "$build" -j2 --target nnclass >&2; }; then
    fail "nnclass did not build"
    nnclass=""
fi

log "building the probes"
blas_flags=$(pkg-config --cflags --libs openblas)
probes_ok=1
cc -O2 -o "$tmp/probe_inflate" "$root/bench/probe_inflate.c" -lz >&2 || probes_ok=0
# shellcheck disable=SC2086 # pkg-config output is a list of flags
cc -O2 -o "$tmp/probe_sgemm" "$root/bench/probe_sgemm.c" $blas_flags >&2 || probes_ok=0
[ "$probes_ok" -eq 1 ] || fail "the probes did not build"

# --- helpers -------------------------------------------------------------------
# median of the numbers on stdin (one per line)
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1;
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minimum() { sort -g | head -n 1; }
# calc EXPR: floating-point arithmetic through awk, e.g. calc "$a / $b"
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
# fmt FORMAT NUMBER
fmt() { awk -v f="$1" -v x="$2" 'BEGIN { printf f, x }'; }
# holds "A OP B" -> exit status 0 when the comparison is true
holds() { awk "BEGIN { exit !($1) }"; }
met() { if holds "$1"; then echo yes; else echo NO; fi; }

# run_quiet CMD...: runs CMD with stdout discarded and stderr kept in $tmp/err;
# on failure shows the tail of stderr.
run_quiet() {
    if "$@" >/dev/null 2>"$tmp/err"; then return 0; fi
    log "command failed: $*"
    tail -n 5 "$tmp/err" | sed 's/^/bench:   /' >&2
    return 1
}

# wall CMD...: runs CMD once (stdout discarded), prints its wall time in seconds.
wall() {
    local s e
    s=$EPOCHREALTIME
    run_quiet "$@" || return 1
    e=$EPOCHREALTIME
    calc "$e - $s"
}

# median_wall CMD...: runs CMD --runs times, prints the median wall seconds;
# status 1 as soon as a run fails
median_wall() {
    local i t times=()
    for ((i = 1; i <= runs; i++)); do
        t=$(wall "$@") || return 1
        times+=("$t")
    done
    printf '%s\n' "${times[@]}" | median
}

# peak_rss_kb CMD...: runs CMD once under /usr/bin/time -v, prints peak RSS in kB
# (empty without /usr/bin/time, in which case CMD still runs as a warm-up).
peak_rss_kb() {
    if [ "$have_time" -eq 0 ]; then
        run_quiet "$@" || return 1
        return 0
    fi
    run_quiet /usr/bin/time -v -o "$tmp/rusage" "$@" || return 1
    awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$tmp/rusage"
}
mb() { if [ -n "$1" ]; then fmt "%.1f MB" "$(calc "$1 / 1024")"; else echo "n/a"; fi; }

# accuracy MODEL: test accuracy of MODEL from `nnclass eval --format json`
accuracy() {
    "$nnclass" eval --model "$1" --dataset mnist --format json 2>"$tmp/err" |
        "$py" -c 'import json, sys; print("%.4f" % json.load(sys.stdin)["accuracy"])'
}

# epoch_seconds LOG: median of the per-epoch "seconds" in a --log file (its
# last line, the test record, is no epoch)
epoch_seconds() {
    "$py" -c 'import json, sys
for line in open(sys.argv[1]):
    line = line.strip()
    if line and "epoch" in json.loads(line):
        print(json.loads(line)["seconds"])' "$1" | median
}

rows=()
row() { rows+=("$1|$2|$3|$4|$5|$6"); }

# --- 3a. probes ---------------------------------------------------------------
inflate_t10k="" gflops="" blas_config="" blas_core=""
if [ "$probes_ok" -eq 1 ]; then
    log "probe: zlib inflate of the t10k .gz files"
    if "$tmp/probe_inflate" --reps 9 "$data/t10k-images-idx3-ubyte.gz" \
        "$data/t10k-labels-idx1-ubyte.gz" >"$tmp/inflate.txt"; then
        inflate_t10k=$(awk '/^inflate_total/ { for (i = 1; i <= NF; i++)
            if ($i ~ /^median_s=/) { sub(/median_s=/, "", $i); print $i } }' "$tmp/inflate.txt")
        sed 's/^/bench:   /' "$tmp/inflate.txt" >&2
    else
        fail "probe_inflate"
    fi
    log "probe: one-core OpenBLAS sgemm at the training shapes"
    if OPENBLAS_NUM_THREADS=1 "$tmp/probe_sgemm" >"$tmp/sgemm.txt"; then
        sed 's/^/bench:   /' "$tmp/sgemm.txt" >&2
        gflops=$(sed -n 's/^sgemm_train_b32_gflops=//p' "$tmp/sgemm.txt")
        blas_config=$(sed -n 's/^config=//p' "$tmp/sgemm.txt")
        blas_core=$(sed -n 's/^core=//p' "$tmp/sgemm.txt")
    else
        fail "probe_sgemm"
    fi
fi

# --- 3b. PyTorch, interleaved with nnclass's textbook runs -------------------------
# Alternating the two makes both see the same background load, which matters
# more for their ratio than any single figure.
torch_s="" torch_load="" torch_acc="" torch_infer="" torch_version=""
truns=0 torch_done=0
if [ "$with_torch" -eq 1 ]; then
    # 3 to 5 runs: each takes several seconds and varies little
    truns=$((runs < 3 ? 3 : runs > 5 ? 5 : runs))
    : >"$tmp/torch.txt"
fi
# torch_run: the next PyTorch run, if any are left; a failure stops the rest
torch_run() {
    if [ "$with_torch" -eq 0 ] || [ "$torch_done" -ge "$truns" ]; then return 0; fi
    torch_done=$((torch_done + 1))
    log "PyTorch reference: run $torch_done/$truns"
    if "$py" "$root/scripts/bench_torch.py" --data-dir "$data" 2>"$tmp/err" >>"$tmp/torch.txt"; then
        log "  $(tail -n 1 "$tmp/torch.txt")"
    else
        tail -n 5 "$tmp/err" | sed 's/^/bench:   /' >&2
        fail "PyTorch reference"
        with_torch=0
    fi
}

# --- 3c. nnclass train ----------------------------------------------------------
# train_workload NAME ARGS...: fills tr_s (median wall), tr_rss (kB), tr_acc
# (median accuracy), tr_acc_min, tr_epoch (median s/epoch); the model is
# $tmp/NAME.nnc. When after_run names a function, it runs after every timed run.
after_run=""
train_workload() {
    local name=$1 i t
    shift
    tr_s="" tr_rss="" tr_acc="" tr_acc_min="" tr_epoch=""
    [ -n "$nnclass" ] || return 1
    local cmd=("$nnclass" train "$@" --quiet -o "$tmp/$name.nnc")
    log "train $name: warm-up + peak RSS"
    tr_rss=$(peak_rss_kb "${cmd[@]}") || return 1
    : >"$tmp/$name.times"
    : >"$tmp/$name.acc"
    : >"$tmp/$name.epochs"
    for ((i = 1; i <= runs; i++)); do
        t=$(wall "${cmd[@]}" --log "$tmp/$name.log") || return 1
        echo "$t" >>"$tmp/$name.times"
        epoch_seconds "$tmp/$name.log" >>"$tmp/$name.epochs" || true
        accuracy "$tmp/$name.nnc" >>"$tmp/$name.acc" || { log "eval of $name.nnc failed"; return 1; }
        log "train $name: run $i/$runs $(fmt %.3f "$t") s, accuracy $(tail -n 1 "$tmp/$name.acc")"
        [ -z "$after_run" ] || "$after_run"
    done
    tr_s=$(median <"$tmp/$name.times")
    tr_acc=$(median <"$tmp/$name.acc")
    tr_acc_min=$(minimum <"$tmp/$name.acc")
    tr_epoch=$(median <"$tmp/$name.epochs" 2>/dev/null) || tr_epoch=""
}

tb_s="" tb_rss="" tb_acc="" tb_epoch=""
after_run=torch_run
if train_workload textbook --dataset mnist --layers 784,16,10 --activation sigmoid \
    --optimizer sgd --lr 0.5 --batch 32 --epochs 10 --lr-schedule constant \
    --weight-decay 0 --seed 1; then
    tb_s=$tr_s tb_rss=$tr_rss tb_acc=$tr_acc tb_epoch=$tr_epoch
else
    [ -z "$nnclass" ] || fail "train textbook"
fi
after_run=""
while [ "$with_torch" -eq 1 ] && [ "$torch_done" -lt "$truns" ]; do torch_run; done
# field NAME: median of NAME=value over the PyTorch runs
field() { tr ' ' '\n' <"$tmp/torch.txt" | sed -n "s/^$1=//p" | median; }
if [ "$truns" -gt 0 ] && [ -s "$tmp/torch.txt" ]; then
    torch_s=$(field torch_train_seconds)
    torch_load=$(field load_seconds)
    torch_acc=$(field accuracy)
    torch_infer=$(field infer_images_per_s)
    torch_version=$(tr ' ' '\n' <"$tmp/torch.txt" | sed -n 's/^torch_version=//p' | head -n 1)
fi

df_s="" df_rss="" df_acc="" df_acc_min=""
if train_workload default --dataset mnist; then
    df_s=$tr_s df_rss=$tr_rss df_acc=$tr_acc df_acc_min=$tr_acc_min
else
    [ -z "$nnclass" ] || fail "train default"
fi

# --- 3c''. the default recipe on a busy machine ------------------------------------
# One CPU-bound process (a shell loop, pinned nowhere) runs beside nnclass while
# the default recipe trains with the default thread count and with --threads 1,
# alternately (each first in turn), --runs times each. The default must not be
# the slower.
ld_s="" ld1_s=""
if [ -n "$nnclass" ]; then
    log "train default under load: a busy loop beside it"
    (while :; do :; done) &
    busy_pid=$!
    : >"$tmp/load.times"
    : >"$tmp/load1.times"
    for ((i = 1; i <= runs; i++)); do
        # in turn, each first: neither always meets the load the other left
        if ((i % 2)); then
            t=$(wall "$nnclass" train --dataset mnist --quiet -o "$tmp/load.nnc") || break
            t1=$(wall "$nnclass" train --dataset mnist --quiet --threads 1 -o "$tmp/load1.nnc") || break
        else
            t1=$(wall "$nnclass" train --dataset mnist --quiet --threads 1 -o "$tmp/load1.nnc") || break
            t=$(wall "$nnclass" train --dataset mnist --quiet -o "$tmp/load.nnc") || break
        fi
        echo "$t" >>"$tmp/load.times"
        echo "$t1" >>"$tmp/load1.times"
        log "train default under load: run $i/$runs default $(fmt %.3f "$t") s, --threads 1 $(fmt %.3f "$t1") s"
    done
    kill "$busy_pid" 2>/dev/null || true
    wait "$busy_pid" 2>/dev/null || true
    busy_pid=""
    if [ "$(wc -l <"$tmp/load1.times")" -eq "$runs" ]; then
        ld_s=$(median <"$tmp/load.times") ld1_s=$(median <"$tmp/load1.times")
        cmp -s "$tmp/load.nnc" "$tmp/load1.nnc" || fail "train under load: the default and --threads 1 models differ"
    else
        fail "train default under load"
    fi
fi

# torch_best ARCH OPTIONS...: PyTorch's seconds per epoch of the net ARCH of
# bench_torch.py at 1 and 2 threads; the better in best_epoch and its thread
# count in best_threads. Fails (after saying so) when a run fails.
torch_best() {
    local arch=$1 th e
    shift
    best_epoch="" best_threads=""
    for th in 1 2; do
        log "PyTorch $arch reference: $th thread(s)"
        if ! "$py" "$root/scripts/bench_torch.py" --data-dir "$data" --arch "$arch" "$@" \
            --threads $th 2>"$tmp/err" >"$tmp/torch_$arch$th.txt"; then
            tail -n 5 "$tmp/err" | sed 's/^/bench:   /' >&2
            fail "PyTorch $arch reference"
            return 1
        fi
        e=$(tr ' ' '\n' <"$tmp/torch_$arch$th.txt" | sed -n 's/^epoch_seconds=//p')
        log "  $e s/epoch"
        if [ -z "$best_epoch" ] || holds "$e < $best_epoch"; then
            best_epoch=$e best_threads=$th
        fi
    done
}

# --- 3c'. the default CNN against PyTorch ----------------------------------------
# One run each (a CNN epoch takes seconds, not milliseconds): nnclass's
# `train --arch cnn` for CNN_EPOCHS epochs (its per-epoch seconds from --log,
# its peak RSS from /usr/bin/time), PyTorch the same net, batch and epochs at
# 1 and 2 threads (the best is kept), and the eval of the 10k test images
# with the CNN. GFLOP/s: 6,237,696 FLOP per training image (forward, weight
# and input gradients of every layer, no input gradient for the first) times
# 60,000 over the epoch's seconds; the sgemm probe's cnn_train_part16 is the
# rate one core reaches on the same products, times the threads used.
# nnclass trains without the recipe's distortions for other writers
# (--distort-share 0), which the PyTorch side does not make either.
CNN_EPOCHS=2
CNN_FLOP_PER_IMAGE=6237696
cnn_s="" cnn_epoch="" cnn_rss="" cnn_acc="" cnn_ev_s="" torch_cnn_epoch="" torch_cnn_threads=""
# --mlp: only the MLP training rows above; rest runs the workloads below
rest=$nnclass
[ "$mlp_only" -eq 0 ] || rest=""
if [ -n "$rest" ]; then
    log "train CNN: $CNN_EPOCHS epochs"
    s0=$EPOCHREALTIME
    if cnn_rss=$(peak_rss_kb "$nnclass" train --arch cnn --dataset mnist --epochs $CNN_EPOCHS \
        --distort-share 0 --quiet --log "$tmp/cnn.log" -o "$tmp/cnn.nnc"); then
        cnn_s=$(calc "$EPOCHREALTIME - $s0")
        cnn_epoch=$(epoch_seconds "$tmp/cnn.log") || cnn_epoch=""
        cnn_acc=$(accuracy "$tmp/cnn.nnc") || cnn_acc=""
        cnn_ev_s=$(wall "$nnclass" eval --model "$tmp/cnn.nnc" --dataset mnist) || cnn_ev_s=""
        log "train CNN: $(fmt %.1f "$cnn_s") s, $(fmt %.2f "${cnn_epoch:-0}") s/epoch, eval $cnn_ev_s s"
    else
        fail "train CNN"
    fi
    if [ "$with_torch" -eq 1 ] && torch_best cnn --epochs $CNN_EPOCHS --batch 64 --lr 0.02; then
        torch_cnn_epoch=$best_epoch torch_cnn_threads=$best_threads
    fi
fi

# --- 3c''. the row-by-row LSTM against PyTorch --------------------------------------
# One epoch each: nnclass's `train --arch lstm` (its seconds from --log, its
# peak RSS), PyTorch's nn.LSTM on the same net, batch, optimiser and clipping
# at 1 and 2 threads (the best is kept).
lstm_epoch="" lstm_rss="" torch_lstm_epoch="" torch_lstm_threads=""
if [ -n "$rest" ]; then
    log "train LSTM: 1 epoch"
    if lstm_rss=$(peak_rss_kb "$nnclass" train --arch lstm --dataset mnist --epochs 1 \
        --quiet --log "$tmp/lstm.log" -o "$tmp/lstm.nnc"); then
        lstm_epoch=$(epoch_seconds "$tmp/lstm.log") || lstm_epoch=""
        log "train LSTM: $(fmt %.2f "${lstm_epoch:-0}") s/epoch"
    else
        fail "train LSTM"
    fi
    if [ "$with_torch" -eq 1 ] && torch_best lstm --epochs 1 --batch 64 --lr 0.003 --infer-reps 1; then
        torch_lstm_epoch=$best_epoch torch_lstm_threads=$best_threads
    fi
fi

# --- 3d. nnclass eval (10k test images from .gz) ---------------------------------
ev_s="" ev_rss="" ev_model_note="" ev_cmd=()
if [ -n "$rest" ]; then
    ev_cmd=("$nnclass" eval --dataset mnist)
    if [ ! -f "$root/data/models/mnist.nnc" ]; then
        # no committed default model yet: fall back to the one trained above
        if [ -f "$tmp/default.nnc" ]; then
            ev_cmd+=(--model "$tmp/default.nnc")
            ev_model_note=" (no data/models/mnist.nnc; used the default-recipe model)"
        else
            ev_cmd=()
        fi
    fi
    if [ ${#ev_cmd[@]} -gt 0 ]; then
        log "eval: warm-up + peak RSS"
        if ev_rss=$(peak_rss_kb "${ev_cmd[@]}"); then
            ev_s=$(median_wall "${ev_cmd[@]}") || { fail "eval"; ev_s=""; }
            log "eval: median $ev_s s$ev_model_note"
        else
            fail "eval"
        fi
    else
        fail "eval: no model (data/models/mnist.nnc missing and default training failed)"
    fi
fi

# --- 3e. nnclass predict on ~1M images -------------------------------------------
big_n=1000000
pr_raw_s="" pr_raw_rss="" pr_gz_s="" pr_gz_rss="" big_inflate=""
if [ -n "$rest" ] && [ ${#ev_cmd[@]} -gt 0 ]; then
    log "writing $big_n images (the training images repeated) as raw IDX and .gz"
    if "$py" - "$data/train-images-idx3-ubyte.gz" "$tmp/big.idx" "$big_n" <<'EOF'; then
import gzip, struct, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with gzip.open(src, "rb") as f:
    raw = f.read()
magic, count, rows, cols = struct.unpack(">IIII", raw[:16])
size = rows * cols
payload = raw[16:16 + count * size]
with open(dst, "wb") as out:
    out.write(struct.pack(">IIII", magic, n, rows, cols))
    left = n
    while left > 0:
        take = min(left, count)
        out.write(payload[:take * size])
        left -= take
EOF
        # level 1: half the time of the default level; the row compares
        # against inflating this very file, so the level does not skew it
        gzip -1 -c "$tmp/big.idx" >"$tmp/big.idx.gz" || fail "gzip of the big predict input"
        pr_model=()
        [ -f "$root/data/models/mnist.nnc" ] || pr_model=(--model "$tmp/default.nnc")
        for kind in raw gz; do
            f="$tmp/big.idx"
            [ "$kind" = raw ] || f="$tmp/big.idx.gz"
            log "predict $kind: warm-up + peak RSS"
            if ! rss=$(peak_rss_kb "$nnclass" predict "${pr_model[@]}" "$f"); then
                fail "predict $kind"
                continue
            fi
            # the output must have one line per image
            lines=$("$nnclass" predict "${pr_model[@]}" "$f" 2>/dev/null | wc -l) || true
            [ "$lines" -eq "$big_n" ] || fail "predict $kind printed $lines lines for $big_n images"
            s=$(median_wall "$nnclass" predict "${pr_model[@]}" "$f") || { fail "predict $kind"; s=""; }
            log "predict $kind: median $s s, peak RSS ${rss:-n/a} kB"
            if [ "$kind" = raw ]; then pr_raw_s=$s pr_raw_rss=$rss; else pr_gz_s=$s pr_gz_rss=$rss; fi
        done
        if [ "$probes_ok" -eq 1 ]; then
            big_inflate=$("$tmp/probe_inflate" --reps 3 "$tmp/big.idx.gz" |
                awk '/^inflate_total/ { for (i = 1; i <= NF; i++)
                    if ($i ~ /^median_s=/) { sub(/median_s=/, "", $i); print $i } }')
        fi
    else
        fail "writing the big predict input"
    fi
fi

# --- 3f. image files: decode + preprocess, and predict over 1,000 PNG files ------------
img_jpg_ms="" img_png_ms="" img_jpg_cpu="" img_png_cpu="" img_pred_s="" img_pred_n=1000
if [ -n "$rest" ] && "$py" -c 'import numpy, PIL' 2>/dev/null; then
    log "image input: a 1-megapixel photo (JPEG, PNG) and $img_pred_n PNG files of 200x200"
    if "$py" - "$data" "$tmp/img" "$img_pred_n" <<'EOF'; then
import gzip, os, sys
import numpy as np
from PIL import Image, ImageFilter
data, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out, exist_ok=True)
pix = np.frombuffer(gzip.open(f"{data}/t10k-images-idx3-ubyte.gz").read()[16:], np.uint8)
rng = np.random.default_rng(1)
def page(i, w, h, side):
    digit = Image.fromarray(pix[i * 784:(i + 1) * 784].reshape(28, 28)).resize((side, side), Image.BILINEAR)
    ink = np.asarray(digit, np.float64) / 255.0
    p = np.tile(np.linspace(230, 180, w), (h, 1)) + rng.normal(0, 6, (h, w))
    y0, x0 = (h - side) // 2 + h // 20, (w - side) // 2 - w // 15
    p[y0:y0 + side, x0:x0 + side] = p[y0:y0 + side, x0:x0 + side] * (1 - ink) + 40 * ink
    return Image.fromarray(np.clip(p, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1))
photo = page(0, 1155, 866, 600).convert("RGB")      # 1.0 Mpixel, colour, as a phone gives it
photo.save(f"{out}/photo.jpg", quality=90)
photo.save(f"{out}/photo.png")
os.makedirs(f"{out}/png", exist_ok=True)
for i in range(n):
    page(i, 200, 200, 120).save(f"{out}/png/{i:04d}.png")
EOF
        probe_ok=0
        if cc -O2 -I"$root/include" -o "$tmp/probe_image" "$root/bench/probe_image.c" \
            "$build/libnnclass_core.a" -lpng -ljpeg -ldeflate -lz -lm -lpthread >&2; then
            probe_ok=1
        else
            fail "probe_image did not build"
        fi
        if [ "$probe_ok" -eq 1 ] && "$tmp/probe_image" --reps 21 "$tmp/img/photo.jpg" \
            "$tmp/img/photo.png" >"$tmp/probe_image.txt"; then
            sed 's/^/bench:   /' "$tmp/probe_image.txt" >&2
            img_jpg_ms=$(sed -n '1s/.* median_ms=\([0-9.]*\).*/\1/p' "$tmp/probe_image.txt")
            img_png_ms=$(sed -n '2s/.* median_ms=\([0-9.]*\).*/\1/p' "$tmp/probe_image.txt")
            img_jpg_cpu=$(sed -n '1s/.*cpu_median_ms=\([0-9.]*\).*/\1/p' "$tmp/probe_image.txt")
            img_png_cpu=$(sed -n '2s/.*cpu_median_ms=\([0-9.]*\).*/\1/p' "$tmp/probe_image.txt")
        else
            [ "$probe_ok" -eq 0 ] || fail "probe_image"
        fi
        img_files=("$tmp"/img/png/*.png)
        lines=$("$nnclass" predict "${img_files[@]}" 2>/dev/null | wc -l) || true
        [ "$lines" -eq "$img_pred_n" ] || fail "predict on $img_pred_n PNG files printed $lines lines"
        img_pred_s=$(median_wall "$nnclass" predict "${img_files[@]}") ||
            { fail "predict on PNG files"; img_pred_s=""; }
        log "predict on $img_pred_n PNG files: median ${img_pred_s:-?} s"
    else
        fail "drawing the image-input workloads"
    fi
else
    [ -z "$rest" ] || log "image input skipped: needs python3-numpy and python3-pil"
fi

# --- 3g. nnclass read over 1,000 PNG files of whole numbers ------------------------------
# Numbers of 1 to 8 MNIST test digits side by side, dark on light, each a PNG file:
# the whole process on one core (decode, strip, CNN, BiLSTM, CTC, output).
read_s="" read_n=1000
read_model="$root/data/models/mnist-numbers.nnc"
if [ -n "$rest" ] && [ -f "$read_model" ] && "$py" -c 'import numpy, PIL' 2>/dev/null; then
    log "read: $read_n PNG files of whole numbers"
    if "$py" - "$data" "$tmp/numbers" "$read_n" <<'EOF'; then
import gzip, os, sys
import numpy as np
from PIL import Image
data, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out, exist_ok=True)
pix = np.frombuffer(gzip.open(f"{data}/t10k-images-idx3-ubyte.gz").read()[16:], np.uint8)
rng = np.random.default_rng(2)
for i in range(n):
    parts = []
    for _ in range(rng.integers(1, 9)):
        d = pix[rng.integers(0, 10000) * 784:][:784].reshape(28, 28)
        cols = np.flatnonzero(d.max(axis=0) > 40)
        parts += [d[:, cols[0]:cols[-1] + 1], np.zeros((28, 4), np.uint8)]
    ink = np.pad(np.hstack(parts), ((6, 6), (10, 10)))
    big = Image.fromarray(ink).resize((ink.shape[1] * 2, ink.shape[0] * 2), Image.BILINEAR)
    Image.fromarray(255 - np.asarray(big)).save(f"{out}/{i:04d}.png")
EOF
        one_core=()
        ! command -v taskset >/dev/null 2>&1 || one_core=(taskset -c 0)
        read_files=("$tmp"/numbers/*.png)
        lines=$("${one_core[@]}" "$nnclass" read -q --model "$read_model" "${read_files[@]}" 2>/dev/null | wc -l) || true
        [ "$lines" -eq "$read_n" ] || fail "read on $read_n PNG files printed $lines lines"
        read_s=$(median_wall "${one_core[@]}" "$nnclass" read -q --model "$read_model" "${read_files[@]}") ||
            { fail "read on PNG files"; read_s=""; }
        log "read on $read_n PNG files: median ${read_s:-?} s"
    else
        fail "drawing the read workload"
    fi
elif [ -n "$rest" ]; then
    log "read skipped: needs $read_model, python3-numpy and python3-pil"
# --- 3h. predict --reject against plain predict --------------------------------------
# The same inputs and classifier with and without the judge (the shipped
# mnist-reject): the 10k test images (.gz, the default model mnist) and the
# PNG files of 3f (the default model for images, mnist-cnn).
rj_gz_s="" rj_gz_plain="" rj_png_s=""
if [ -n "$rest" ] && [ -f "$root/data/models/mnist-reject.nnc" ]; then
    t10k="$data/t10k-images-idx3-ubyte.gz"
    lines=$("$nnclass" predict --reject "$t10k" 2>/dev/null | wc -l) || true
    [ "$lines" -eq 10000 ] || fail "predict --reject printed $lines lines for 10000 images"
    rj_gz_plain=$(median_wall "$nnclass" predict "$t10k") || { fail "predict 10k"; rj_gz_plain=""; }
    rj_gz_s=$(median_wall "$nnclass" predict --reject "$t10k") ||
        { fail "predict --reject 10k"; rj_gz_s=""; }
    log "predict 10k .gz: median ${rj_gz_plain:-?} s; with --reject ${rj_gz_s:-?} s"
    if [ -n "$img_pred_s" ]; then
        rj_png_s=$(median_wall "$nnclass" predict --reject "${img_files[@]}") ||
            { fail "predict --reject on PNG files"; rj_png_s=""; }
        log "predict --reject on $img_pred_n PNG files: median ${rj_png_s:-?} s"
    fi
fi

# --- 4. the table ---------------------------------------------------------------------
na="-"
pct() { fmt "%.2f%%" "$(calc "$1 * 100")"; }

# training time
if [ -n "$tb_s" ]; then
    if [ -n "$torch_s" ]; then
        r=$(calc "$torch_s / $tb_s")
        row "train textbook 10 ep" "$(fmt %.2f "$tb_s") s" "torch $(fmt %.2f "$torch_s") s" \
            "$(fmt %.1f "$r")x faster" ">= 10x faster" "$(met "$r >= 10")"
    else
        row "train textbook 10 ep" "$(fmt %.2f "$tb_s") s" "torch ${torch_note:-failed}" "$na" ">= 10x faster" "$na"
    fi
    acc_ref="$na" acc_ratio="$na"
    if [ -n "$torch_acc" ]; then
        acc_ref="torch $(pct "$torch_acc")"
        acc_ratio="$(fmt %+.2f "$(calc "($tb_acc - $torch_acc) * 100")") pt"
    fi
    row "  accuracy textbook" "$(pct "$tb_acc")" "$acc_ref" "$acc_ratio" "$na" "$na"
else
    row "train textbook 10 ep" "failed" "${torch_s:+torch $(fmt %.2f "$torch_s") s}" "$na" ">= 10x faster" "$na"
    row "  accuracy textbook" "failed" "${torch_acc:+torch $(pct "$torch_acc")}" "$na" "$na" "$na"
fi
if [ -n "$gflops" ]; then
    # 784-16-10: 12,704 weights -> 25,408 FLOP forward per image; backprop ~2x that
    limit=$(calc "3 * 25408 * 60000 / ($gflops * 1e9)")
    limit_ref="limit $(fmt %.3f "$limit") s @ $(fmt %.0f "$gflops") GFLOP/s"
    if [ -n "$tb_epoch" ]; then
        row "  s/epoch vs BLAS limit" "$(fmt %.3f "$tb_epoch") s" "$limit_ref" \
            "$(fmt %.1f "$(calc "$tb_epoch / $limit")")x limit" "$na" "$na"
    else
        row "  s/epoch vs BLAS limit" "n/a" "$limit_ref" "$na" "$na" "$na"
    fi
fi
if [ -n "$df_s" ]; then
    row "train default recipe" "$(fmt %.2f "$df_s") s" "$na" "$na" "a few s" "$(met "$df_s <= 5")"
    row "  accuracy default" "$(pct "$df_acc") (min $(pct "$df_acc_min"))" "$na" "$na" ">= 96%" \
        "$(met "$df_acc >= 0.96")"
else
    row "train default recipe" "failed" "$na" "$na" "a few s" "$na"
fi
# under load: the default thread count against one thread, within the noise
if [ -n "$ld_s" ]; then
    r=$(calc "$ld_s / $ld1_s")
    row "  default, 1 CPU busy" "$(fmt %.2f "$ld_s") s" "--threads 1 $(fmt %.2f "$ld1_s") s" \
        "$(fmt %.2f "$r")x" "<= 1.05x" "$(met "$r <= 1.05")"
elif [ -n "$nnclass" ]; then
    row "  default, 1 CPU busy" "failed" "$na" "$na" "<= 1.05x" "$na"
fi
# largest of the non-empty arguments (kB), empty when there is none
max_kb() {
    local m="" k
    for k in "$@"; do
        if [ -n "$k" ] && { [ -z "$m" ] || [ "$k" -gt "$m" ]; }; then m=$k; fi
    done
    echo "$m"
}
# epoch_row NAME SECONDS TORCH_SECONDS TORCH_THREADS: an epoch against
# PyTorch's (empty: not measured), the goal 3x faster.
epoch_row() {
    if [ -n "$3" ]; then
        local r
        r=$(calc "$3 / $2")
        row "train $1 s/epoch" "$(fmt %.2f "$2") s" "torch $(fmt %.2f "$3") s ($4 thr)" \
            "$(fmt %.1f "$r")x faster" ">= 3x faster" "$(met "$r >= 3")"
    else
        row "train $1 s/epoch" "$(fmt %.2f "$2") s" "torch n/a" "$na" ">= 3x faster" "$na"
    fi
}
# the CNN
if [ -n "$cnn_epoch" ]; then
    epoch_row CNN "$cnn_epoch" "$torch_cnn_epoch" "$torch_cnn_threads"
    gf=$(calc "$CNN_FLOP_PER_IMAGE * 60000 / $cnn_epoch / 1e9")
    probe=$(sed -n 's/^cnn_train_part16_gflops=//p' "$tmp/sgemm.txt" 2>/dev/null)
    threads=$(nproc 2>/dev/null || echo 1)
    if [ -n "$probe" ]; then
        row "  CNN GFLOP/s vs sgemm" "$(fmt %.1f "$gf")" "probe $(fmt %.1f "$probe") x $threads thr" \
            "$(fmt %.0f "$(calc "100 * $gf / ($probe * $threads)")")% of it" "$na" "$na"
    fi
    row "  CNN $CNN_EPOCHS ep whole process" "$(fmt %.1f "$cnn_s") s" "$na" "$na" "$na" "$na"
    [ -z "$cnn_acc" ] || row "  accuracy CNN $CNN_EPOCHS ep" "$(pct "$cnn_acc")" "$na" "$na" "$na" "$na"
    [ -z "$cnn_rss" ] || row "  CNN train peak RSS" "$(mb "$cnn_rss")" "$na" "$na" "<= 150 MB" \
        "$(met "$cnn_rss <= 150 * 1024")"
    [ -z "$cnn_ev_s" ] || row "  eval 10k with the CNN" "$(fmt %.2f "$cnn_ev_s") s" "$na" "$na" \
        "<= 1 s" "$(met "$cnn_ev_s <= 1")"
elif [ -n "$rest" ]; then
    row "train CNN s/epoch" "failed" "$na" "$na" ">= 3x faster" "$na"
fi
# the LSTM
if [ -n "$lstm_epoch" ]; then
    epoch_row LSTM "$lstm_epoch" "$torch_lstm_epoch" "$torch_lstm_threads"
    [ -z "$lstm_rss" ] || row "  LSTM train peak RSS" "$(mb "$lstm_rss")" "$na" "$na" "<= 150 MB" \
        "$(met "$lstm_rss <= 150 * 1024")"
elif [ -n "$rest" ]; then
    row "train LSTM s/epoch" "failed" "$na" "$na" ">= 3x faster" "$na"
fi
train_rss=$(max_kb "$tb_rss" "$df_rss")
if [ -n "$train_rss" ]; then
    row "train peak RSS (max)" "$(mb "$train_rss")" "$na" "$na" "<= 100 MB" "$(met "$train_rss <= 100 * 1024")"
fi

# eval
if [ -n "$ev_s" ]; then
    if [ -n "$inflate_t10k" ]; then
        r=$(calc "$ev_s / $inflate_t10k")
        row "eval 10k test (.gz)" "$(fmt %.1f "$(calc "$ev_s * 1000")") ms" \
            "inflate $(fmt %.1f "$(calc "$inflate_t10k * 1000")") ms" \
            "$(fmt %.2f "$r")x inflate" "<= 2.5x" "$(met "$r <= 2.5")"
    else
        row "eval 10k test (.gz)" "$(fmt %.1f "$(calc "$ev_s * 1000")") ms" "$na" "$na" "<= 2.5x" "$na"
    fi
    [ -z "$ev_rss" ] || row "eval peak RSS" "$(mb "$ev_rss")" "$na" "$na" "<= 40 MB" "$(met "$ev_rss <= 40 * 1024")"
elif [ -n "$rest" ]; then
    row "eval 10k test (.gz)" "failed" "$na" "$na" "<= 2.5x" "$na"
fi

# predict
rate() { calc "$big_n / $1"; }
mrate() { fmt "%.3fM img/s" "$(calc "$1 / 1e6")"; }
if [ -n "$pr_raw_s" ]; then
    r=$(rate "$pr_raw_s")
    ref="$na" ratio="$na"
    if [ -n "$torch_infer" ]; then
        ref="torch $(mrate "$torch_infer") (in memory)"
        ratio="$(fmt %.1f "$(calc "$r / $torch_infer")")x"
    fi
    row "predict 1M raw" "$(mrate "$r")" "$ref" "$ratio" ">= 1M img/s" "$(met "$r >= 1e6")"
elif [ -n "$rest" ]; then
    row "predict 1M raw" "failed" "$na" "$na" ">= 1M img/s" "$na"
fi
if [ -n "$pr_gz_s" ]; then
    r=$(rate "$pr_gz_s")
    ref="$na" ratio="$na"
    if [ -n "$big_inflate" ]; then
        ref="inflate $(fmt %.2f "$big_inflate") s"
        ratio="$(fmt %.2f "$(calc "$pr_gz_s / $big_inflate")")x inflate"
    fi
    row "predict 1M .gz" "$(mrate "$r") ($(fmt %.2f "$pr_gz_s") s)" "$ref" "$ratio" "$na" "$na"
fi
pr_rss=$(max_kb "$pr_raw_rss" "$pr_gz_rss")
if [ -n "$pr_rss" ]; then
    row "predict peak RSS (max)" "$(mb "$pr_rss")" "$na" "$na" "<= 16 MB" "$(met "$pr_rss <= 16 * 1024")"
fi
if [ -n "$torch_load" ]; then
    row "load .gz -> floats" "$na" "torch $(fmt %.2f "$torch_load") s" "$na" "$na" "$na"
fi

# image files
if [ -n "$img_jpg_ms" ]; then
    row "decode+prep 1 MP JPEG" "$(fmt %.1f "$img_jpg_ms") ms" "cpu $(fmt %.1f "$img_jpg_cpu") ms" "$na" \
        "<= 20 ms" "$(met "$img_jpg_ms <= 20")"
    row "decode+prep 1 MP PNG" "$(fmt %.1f "$img_png_ms") ms" "cpu $(fmt %.1f "$img_png_cpu") ms" "$na" \
        "<= 20 ms" "$(met "$img_png_ms <= 20")"
fi
if [ -n "$img_pred_s" ]; then
    row "predict 1000 PNG 200x200" "$(fmt %.2f "$img_pred_s") s" "$na" "$na" "<= 2 s" "$(met "$img_pred_s <= 2")"
fi
if [ -n "$read_s" ]; then
    r=$(calc "$read_n / $read_s")
    row "read 1000 PNG numbers" "$(fmt %.0f "$r")/s ($(fmt %.2f "$read_s") s)" "1 core" "$na" \
        ">= 200/s" "$(met "$r >= 200")"
fi

# predict --reject: throughput as a share of plain predict's on the same input
if [ -n "$rj_gz_s" ] && [ -n "$rj_gz_plain" ]; then
    r=$(calc "$rj_gz_plain / $rj_gz_s")
    row "predict --reject 10k .gz" "$(fmt %.0f "$(calc "10000 / $rj_gz_s")") img/s" \
        "plain $(fmt %.0f "$(calc "10000 / $rj_gz_plain")") img/s" "$(pct "$r")" ">= 50%" \
        "$(met "$r >= 0.5")"
fi
if [ -n "$rj_png_s" ] && [ -n "$img_pred_s" ]; then
    r=$(calc "$img_pred_s / $rj_png_s")
    row "predict --reject 1000 PNG" "$(fmt %.2f "$rj_png_s") s" "plain $(fmt %.2f "$img_pred_s") s" \
        "$(pct "$r")" ">= 50%" "$(met "$r >= 0.5")"
fi

# machine
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo "nnclass benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(uname -sr)"
echo "compiler: $(cc --version | head -n 1)"
echo "OpenBLAS: $(pkg-config --modversion openblas 2>/dev/null || echo '?')${blas_config:+, $blas_config}${blas_core:+ (core $blas_core)}"
if [ -n "$torch_version" ]; then
    echo "PyTorch: $torch_version (Debian python3-torch), 1 thread"
else
    echo "PyTorch: ${torch_note:-failed}"
fi
if [ -s "$tmp/sgemm.txt" ]; then
    echo "probe_sgemm (1 thread, GFLOP/s): $(grep -v '^config=\|^core=\|^threads=' "$tmp/sgemm.txt" |
        sed 's/_gflops=/ /' | paste -sd, - | sed 's/,/, /g')"
fi
if [ -n "$inflate_t10k" ]; then
    echo "probe_inflate: t10k images + labels .gz (7.85 MB out) $(fmt %.1f "$(calc "$inflate_t10k * 1000")") ms median"
fi
echo "load average: $load_before before, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') after"
echo "runs: $runs per nnclass workload (median shown), peak RSS from one run under /usr/bin/time -v"
[ "$mlp_only" -eq 0 ] || echo "--mlp: only the MLP training rows"
[ -z "$ev_model_note" ] || echo "note: eval/predict$ev_model_note"
echo
{
    echo "workload|nnclass (median)|reference (median)|ratio|goal|met"
    printf '%s\n' "${rows[@]}"
} | awk -F'|' '
    { n = NR; for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } nf = NF }
    END {
        for (r = 1; r <= n; r++) {
            line = ""
            for (i = 1; i <= nf; i++) line = line sprintf("%-" w[i] "s", c[r, i]) (i < nf ? " | " : "")
            sub(/ +$/, "", line); print line
            if (r == 1) { sep = ""; for (i = 1; i <= nf; i++) { s = sprintf("%" w[i] "s", ""); gsub(/ /, "-", s); sep = sep s (i < nf ? "-+-" : "") } print sep }
        }
    }'

exit "$failed"
