# CLI tests of inputs that arrive slowly or end oddly: predict answers the
# images a slow producer has sent before it sends more, and bytes after the
# last gzip member are refused like trailing bytes in a raw file.
. "$(dirname "$0")/lib.bash"

make_subset t10k 20 "$TMP/t"
make_subset train 300 "$TMP/s"
"$NNCLASS" train --images "$TMP/s-images.idx" --labels "$TMP/s-labels.idx" --epochs 1 \
    --quiet -o "$TMP/m.nnc" >/dev/null || fail "training the test model"

# --- A producer that sends 3 images, then waits (up to 30 s) until predict
# has printed their 3 lines before it sends the rest. predict's stdout is a
# file here, not a terminal: the lines must be flushed because the input
# stalled, not because a buffer filled.
mkfifo "$TMP/fifo"
{
    head -c $((16 + 3 * 784)) "$TMP/t-images.idx"
    for _ in $(seq 300); do
        [ "$(wc -l <"$TMP/live.out" 2>/dev/null || echo 0)" -ge 3 ] && break
        sleep 0.1
    done
    [ "$(wc -l <"$TMP/live.out")" -ge 3 ] && : >"$TMP/answered-early"
    tail -c +$((16 + 3 * 784 + 1)) "$TMP/t-images.idx"
} >"$TMP/fifo" &
producer=$!
"$NNCLASS" predict --model "$TMP/m.nnc" "$TMP/fifo" >"$TMP/live.out" 2>"$TMP/live.err"
check "slow producer: exit 0" [ $? -eq 0 ]
wait "$producer"
check "slow producer: the first 3 answers came before the rest was sent" \
    [ -e "$TMP/answered-early" ]
check "slow producer: 20 lines in order" \
    [ "$(cut -f1 "$TMP/live.out" | tr '\n' ' ')" = "$(seq 0 19 | tr '\n' ' ')" ]
"$NNCLASS" predict --model "$TMP/m.nnc" "$TMP/t-images.idx" >"$TMP/file.out"
check "slow producer: the same answers as from the file" cmp -s "$TMP/live.out" "$TMP/file.out"

# --- Bytes after the last gzip member: refused, naming the offset, as a raw
# file's trailing bytes are; another gzip member is fine.
gz_size=$(wc -c <"$TMP/t-images.idx.gz")
{ cat "$TMP/t-images.idx.gz"; head -c 512 /dev/zero; } >"$TMP/padded.idx.gz"
{ cat "$TMP/t-images.idx.gz"; printf 'garbage'; } >"$TMP/garbage.idx.gz"
for f in padded garbage; do
    run_nn predict --model "$TMP/m.nnc" "$TMP/$f.idx.gz"
    check "predict $f gzip: exit 1" [ "$status" -eq 1 ]
    check "predict $f gzip: one error naming the offset" \
        [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "$f.idx.gz: .*offset $gz_size" "$TMP/err"
    run_nn eval --model "$TMP/m.nnc" --images "$TMP/$f.idx.gz" --labels "$TMP/t-labels.idx"
    expect_error 1 "offset $gz_size" "eval $f gzip"
    run_nn train --images "$TMP/$f.idx.gz" --labels "$TMP/t-labels.idx" -o "$TMP/never.nnc"
    expect_error 1 "offset $gz_size" "train $f gzip"
done
# The shipped files are BGZF (many members): padding after them is refused too.
lab_size=$(wc -c <"$DATA/mnist/t10k-labels-idx1-ubyte.gz")
{ cat "$DATA/mnist/t10k-labels-idx1-ubyte.gz"; head -c 100 /dev/zero; } >"$TMP/bgzf-pad.gz"
run_nn eval --model "$TMP/m.nnc" --data-dir "$DATA" \
    --images "$DATA/mnist/t10k-images-idx3-ubyte.gz" --labels "$TMP/bgzf-pad.gz"
expect_error 1 "offset $lab_size" "eval: padding after a BGZF label file"
{ gzip -dc "$TMP/t-images.idx.gz" | head -c 1000 | gzip -c
  gzip -dc "$TMP/t-images.idx.gz" | tail -c +1001 | gzip -c; } >"$TMP/two-members.idx.gz"
run_nn predict --model "$TMP/m.nnc" "$TMP/two-members.idx.gz"
expect_status 0 "two gzip members"
check "two members: the same answers" cmp -s "$TMP/out" "$TMP/file.out"

finish
