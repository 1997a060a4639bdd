# CLI test of the scale-out recipe ("Millions of images" in docs/commands.md):
# shard an IDX file with scripts/idx-shard.sh, classify the shards on several
# processes with GNU parallel --keep-order and with xargs -P, and check that
# the merged output is one process's output: the same lines, labels and
# confidences within close_predictions.py's tolerances. Not byte for byte:
# an image's sums can round differently when it sits elsewhere in a batch
# (a shard's last, short chunk takes other BLAS code), as between CPUs.
. "$(dirname "$0")/lib.bash"
root=$(cd "$(dirname "$0")/../.." && pwd)
images="$DATA/mnist/t10k-images-idx3-ubyte.gz"

"$NNCLASS" predict "$images" >"$TMP/one.tsv"
check "one process: 10000 lines" [ "$(wc -l <"$TMP/one.tsv")" -eq 10000 ]

# --offset numbers the images from N; --line-buffered changes nothing else.
run_nn predict --offset 5000 "$images"
check "--offset shifts every index" \
    [ "$(cut -f1 "$TMP/out" | sed -n '1p;$p' | tr '\n' ' ')" = "5000 14999 " ]
check "--offset keeps labels and confidences" cmp -s <(cut -f2- "$TMP/out") <(cut -f2- "$TMP/one.tsv")
run_nn predict --line-buffered "$images"
check "--line-buffered: the same lines" cmp -s "$TMP/out" "$TMP/one.tsv"
run_nn predict --offset -1 "$images"
expect_error 2 "--offset" "--offset -1"
run_nn predict --offset x "$images"
expect_error 2 "--offset" "--offset x"

# The comparison of merged outputs is not blind: a confident label that
# changes, or a confidence off by more than the tolerance, fails it.
close() { python3 "$(dirname "$0")/close_predictions.py" "$@" 2>/dev/null; }
check "close_predictions: the output against itself" close "$TMP/one.tsv" "$TMP/one.tsv"
awk -F '\t' -v OFS='\t' 'NR == 7 { $2 = ($2 + 1) % 10 } 1' "$TMP/one.tsv" >"$TMP/relabelled.tsv"
check "close_predictions: a changed label fails" not close "$TMP/one.tsv" "$TMP/relabelled.tsv"
awk -F '\t' -v OFS='\t' 'NR == 9 { $3 = sprintf("%.4f", $3 - 0.0003) } 1' "$TMP/one.tsv" >"$TMP/shifted.tsv"
check "close_predictions: a confidence 3e-4 off fails" not close "$TMP/one.tsv" "$TMP/shifted.tsv"
head -n 9999 "$TMP/one.tsv" >"$TMP/short.tsv"
check "close_predictions: a missing line fails" not close "$TMP/one.tsv" "$TMP/short.tsv"

# Shards of 2,600 images: the last one is short, none is a multiple of the
# 1,024-image chunks predict classifies at a time.
"$root/scripts/idx-shard.sh" "$images" 2600 "$TMP/part" >"$TMP/shards"
check "idx-shard: exit 0" [ $? -eq 0 ]
check "idx-shard: four shards with their offsets" \
    [ "$(cut -d' ' -f1 "$TMP/shards" | tr '\n' ' ')" = "0 2600 5200 7800 " ]
check "idx-shard: shard sizes" \
    [ "$(stat -c %s "$TMP/part-000.idx") $(stat -c %s "$TMP/part-003.idx")" = "$((16 + 2600 * 784)) $((16 + 2200 * 784))" ]
check "idx-shard: the shards are the file's bytes" \
    cmp -s <(gzip -dc "$images" | tail -c +17) <(for f in "$TMP"/part-*.idx; do tail -c +17 "$f"; done)
"$root/scripts/idx-shard.sh" "$DATA/mnist/t10k-labels-idx1-ubyte.gz" 10 "$TMP/bad" >/dev/null 2>"$TMP/err"
check "idx-shard: refuses a label file" [ $? -eq 1 ]

if command -v parallel >/dev/null 2>&1; then
    parallel --will-cite --keep-order -j 2 --colsep ' ' "$NNCLASS" predict --offset {1} {2} \
        :::: "$TMP/shards" >"$TMP/parallel.tsv"
    check "parallel --keep-order: exit 0" [ $? -eq 0 ]
    check "parallel --keep-order: the same output as one process" close "$TMP/one.tsv" "$TMP/parallel.tsv"
else
    echo "GNU parallel not installed (apt-get install -y parallel): its recipe is not tested"
fi
xargs -P 2 -L 1 sh -c 'exec "$0" predict --line-buffered --offset "$1" "$2"' "$NNCLASS" \
    <"$TMP/shards" | sort -n >"$TMP/xargs.tsv"
check "xargs -P 2 | sort -n: the same output as one process" close "$TMP/one.tsv" "$TMP/xargs.tsv"
finish
