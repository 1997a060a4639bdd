#!/usr/bin/env bash
# Times `nnclass predict` on the 60,000 MNIST training images (a raw IDX file)
# as one process, and sharded (scripts/idx-shard.sh) over P processes with
# GNU parallel --keep-order and with xargs -P | sort -n: the figures of
# "Millions of images" in docs/commands.md. Prints medians of --runs whole runs, the
# machine and the OpenBLAS core; timings never decide the exit status.
# Usage: scripts/bench-shard.sh [--runs N] [--procs P]
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "$0")/.." && pwd)
runs=5 procs=$(nproc)
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=$2; shift 2 ;;
    --procs) procs=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--procs P]" >&2; exit 2 ;;
    esac
done
. "$root/scripts/setup.sh"
nnclass_setup parallel
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" -j 2 --target nnclass >/dev/null
nn="$root/build/nnclass"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnclass-shard.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

gzip -dc "$root/data/mnist/train-images-idx3-ubyte.gz" >"$tmp/train.idx"
n=$(( $(stat -c %s "$tmp/train.idx") / 784 ))
"$root/scripts/idx-shard.sh" "$tmp/train.idx" $(( (n + procs - 1) / procs )) "$tmp/part" >"$tmp/shards"

# wall CMD...: seconds of one run (output to $tmp/out)
wall() {
    local t0=$EPOCHREALTIME
    "$@" >"$tmp/out"
    awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.4f\n", b - a }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
one() { "$nn" predict "$tmp/train.idx"; }
par() { parallel --will-cite --keep-order -j "$procs" --colsep ' ' "$nn" predict --offset {1} {2} :::: "$tmp/shards"; }
xar() { xargs -P "$procs" -L 1 sh -c 'exec "$0" predict --line-buffered --offset "$1" "$2"' "$nn" <"$tmp/shards" | sort -n; }
shard() { "$root/scripts/idx-shard.sh" "$tmp/train.idx" $(( (n + procs - 1) / procs )) "$tmp/again"; }

one >"$tmp/one.tsv"
for w in one par xar shard; do
    for ((i = 0; i < runs; i++)); do wall "$w"; done | median >"$tmp/$w.s"
    if [ "$w" = par ] || [ "$w" = xar ]; then
        "$w" | cmp -s - "$tmp/one.tsv" || echo "bench-shard: $w output differs from one process's" >&2
    fi
done
printf 'machine: %s, %s CPUs; %s\n' "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
    "$(nproc)" "$("$nn" --version | sed -n 's/^core *//p' | sed 's/^/OpenBLAS core /')"
printf '%d images (%s MB raw IDX), %d shards, median of %d runs\n' "$n" \
    "$(awk -v b="$(stat -c %s "$tmp/train.idx")" 'BEGIN { printf "%.1f", b / 1e6 }')" \
    "$(wc -l <"$tmp/shards")" "$runs"
printf '%-44s %8s %14s\n' "workload" "seconds" "images/s"
row() { printf '%-44s %8.3f %14.0f\n' "$1" "$(cat "$tmp/$2.s")" "$(awk -v n="$n" -v s="$(cat "$tmp/$2.s")" 'BEGIN { print n / s }')"; }
row "one process: nnclass predict" one
row "parallel --keep-order -j $procs (shards)" par
row "xargs -P $procs ... | sort -n (shards)" xar
row "sharding: scripts/idx-shard.sh" shard
