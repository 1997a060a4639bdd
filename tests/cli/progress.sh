# CLI tests of the progress bars: under a pseudo-terminal (script -qc) train
# draws images/s, the running loss and the time left, and eval and predict
# draw one on large inputs; never in a pipe or a file, never with --quiet.
. "$(dirname "$0")/lib.bash"

if ! command -v script >/dev/null 2>&1; then
    echo "script (util-linux) is missing: cannot make a terminal" >&2
    exit 1
fi

# on_tty COMMAND...: runs it with stdin/stdout/stderr on a pseudo-terminal;
# what the terminal showed goes to $TMP/tty.
on_tty() {
    local cmd
    cmd=$(printf '%q ' "$@")
    script -qec "$cmd" /dev/null </dev/null >"$TMP/tty" 2>&1
    status=$?
}

make_subset train 3000 "$TMP/t"
TRAIN=(train --images "$TMP/t-images.idx.gz" --labels "$TMP/t-labels.idx.gz" --epochs 2
       --batch 16 -o "$TMP/m.nnc")

# train: the bar has the rate, the running loss and the time left.
on_tty "$NNCLASS" "${TRAIN[@]}"
check "train on a terminal succeeds" [ "$status" -eq 0 ]
check "train bar: images/s" grep -q 'img/s' "$TMP/tty"
check "train bar: running loss" grep -Eq '\] +[0-9]+%.*loss [0-9]+\.[0-9]{4}' "$TMP/tty"
check "train bar: time left" grep -Eq '[0-9]+:[0-9]{2} left' "$TMP/tty"
check "train bar is redrawn in place" grep -q $'\r' "$TMP/tty"
check "train still prints the epoch lines" grep -q 'epoch   2/2' "$TMP/tty"
on_tty "$NNCLASS" "${TRAIN[@]}" --quiet
check "train --quiet: no bar" not grep -q 'img/s' "$TMP/tty"
run_nn "${TRAIN[@]}"
check "train in a pipe: no bar" not grep -q 'img/s' "$TMP/err"
check "train in a pipe: no carriage return" not grep -q $'\r' "$TMP/err"

# eval: a bar on the 10,000 test images, none on 500.
if [ -f "$DATA/models/mnist.nnc" ]; then
    on_tty bash -c "\"\$0\" eval --data-dir \"\$1\" >/dev/null" "$NNCLASS" "$DATA"
    check "eval on a terminal succeeds" [ "$status" -eq 0 ]
    check "eval bar on a large input" grep -Eq 'eval \[=+\] 100%.*img/s' "$TMP/tty"
    on_tty bash -c "\"\$0\" eval --quiet --data-dir \"\$1\" >/dev/null" "$NNCLASS" "$DATA"
    check "eval --quiet: no bar" not grep -q 'eval \[' "$TMP/tty"
    run_nn eval --data-dir "$DATA"
    check "eval in a pipe: no bar" not grep -q 'eval \[' "$TMP/err"
    check "eval in a pipe: nothing on stderr" [ ! -s "$TMP/err" ]
    check "eval -q is accepted" "$NNCLASS" eval -q --data-dir "$DATA" >/dev/null

    # predict: a bar while the results go to a file, none when they go to
    # the same terminal, none with --quiet.
    IMG="$DATA/mnist/t10k-images-idx3-ubyte.gz"
    on_tty bash -c "\"\$0\" predict --data-dir \"\$1\" \"\$2\" >\"\$3\"" "$NNCLASS" "$DATA" "$IMG" "$TMP/p.tsv"
    check "predict on a terminal succeeds" [ "$status" -eq 0 ]
    check "predict bar while writing a file" grep -Eq 'predict \[=+\] 100%' "$TMP/tty"
    check "predict output complete" [ "$(wc -l <"$TMP/p.tsv")" -eq 10000 ]
    on_tty bash -c "\"\$0\" predict -q --data-dir \"\$1\" \"\$2\" >\"\$3\"" "$NNCLASS" "$DATA" "$IMG" "$TMP/p.tsv"
    check "predict --quiet: no bar" not grep -q 'predict \[' "$TMP/tty"
    on_tty "$NNCLASS" predict --data-dir "$DATA" "$IMG"
    check "predict to the terminal: no bar among the lines" not grep -q 'predict \[' "$TMP/tty"
fi
make_subset t10k 500 "$TMP/s"
on_tty bash -c "\"\$0\" eval --model \"\$1\" --images \"\$2\" --labels \"\$3\" >/dev/null" \
    "$NNCLASS" "$TMP/m.nnc" "$TMP/s-images.idx.gz" "$TMP/s-labels.idx.gz"
check "eval on a terminal, small input" [ "$status" -eq 0 ]
check "eval: no bar on a small input" not grep -q 'eval \[' "$TMP/tty"

finish
