# CLI tests of commands that agree with each other: train reports the test
# accuracy of the model it wrote (the same as eval's), --log - writes JSON
# Lines to stdout, and options that contradict each other or the data are
# usage errors.
. "$(dirname "$0")/lib.bash"
cd "$TMP" || exit 1

# train on a dataset: the last stderr line is the written model's test accuracy,
# the same figure eval gives for it.
run_nn train --dataset mnist --data-dir "$DATA" --epochs 1 -o "$TMP/one.nnc"
expect_status 0 "train one epoch"
check "train: stdout is the model path" [ "$(cat "$TMP/out")" = "$TMP/one.nnc" ]
line=$(tail -1 "$TMP/err")
check "train: test accuracy line ($line)" \
    grep -Eq "^test accuracy 0\.[0-9]{4} \([0-9]+/10000\) of $TMP/one.nnc on the mnist test split$" <<<"$line"
run_nn eval --model "$TMP/one.nnc" --data-dir "$DATA"
expect_status 0 "eval the trained model"
check "train's test accuracy is eval's" \
    [ "$(grep -o '(.*/10000)' <<<"$line")" = "$(head -1 "$TMP/out" | grep -o '(.*/10000)')" ]
run_nn train --dataset mnist --data-dir "$DATA" --epochs 1 --quiet -o "$TMP/one.nnc"
check "train --quiet: nothing on stderr" [ ! -s "$TMP/err" ]

# training files has no test split: no accuracy line.
make_subset train 500 "$TMP/s"
run_nn train --images "$TMP/s-images.idx.gz" --labels "$TMP/s-labels.idx.gz" --epochs 1 -o "$TMP/s.nnc"
expect_status 0 "train on files"
check "train on files: no test accuracy line" not grep -q "^test accuracy" "$TMP/err"

# --log -: JSON Lines on stdout, the model's path on stderr, no file named '-'.
run_nn train --images "$TMP/s-images.idx.gz" --labels "$TMP/s-labels.idx.gz" --epochs 3 \
    --log - -o "$TMP/s.nnc"
expect_status 0 "train --log -"
check "--log -: three JSON lines on stdout" [ "$(wc -l <"$TMP/out")" -eq 3 ]
check "--log -: each line is a JSON object with its epoch" python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["epoch"] for r in rows] == [1, 2, 3], rows
assert all(isinstance(r["loss"], float) for r in rows), rows' "$TMP/out"
check "--log -: the model path on stderr" grep -qx "$TMP/s.nnc" "$TMP/err"
check "--log -: no file named -" [ ! -e "$TMP/-" ]

# The perceptron: its epoch line and log show its error count, not a loss.
run_nn train --images "$TMP/s-images.idx.gz" --labels "$TMP/s-labels.idx.gz" --epochs 2 \
    --activation step --log "$TMP/p.log" -o "$TMP/p.nnc"
expect_status 0 "train the perceptron"
check "perceptron: epoch lines show errors" \
    [ "$(grep -Ec '^epoch +[12]/2  errors [0-9]+  train 0\.[0-9]{4}' "$TMP/err")" -eq 2 ]
check "perceptron: no loss on the epoch lines" not grep -q "loss" "$TMP/err"
check "perceptron: errors agree with the accuracy in the log" python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    assert r["loss"] is None and r["errors"] == round((1 - r["train_accuracy"]) * 500), r' "$TMP/p.log"
run_nn info "$TMP/p.nnc"
check "perceptron: the recipe has no optimizer" not grep -Eq "^recipe .*(nesterov|momentum|adam|wd=)" "$TMP/out"
for opt in "--optimizer adam" "--momentum 0.5" "--weight-decay 0.001"; do
    # shellcheck disable=SC2086
    run_nn train --activation step --layers 784,10 $opt --epochs 1 -o "$TMP/x.nnc"
    expect_error 2 "${opt%% *}" "perceptron refuses $opt"
done

# Options that contradict each other or the data.
run_nn train --layers 784,16,10 --hidden 16 -o "$TMP/x.nnc"
expect_error 2 "--hidden" "--layers with --hidden"
run_nn train --dataset mnist --data-dir "$DATA" --layers 784,16,16 -o "$TMP/x.nnc"
expect_error 2 "16" "a 16-class output layer for 10-class data"
check "no model written" [ ! -e "$TMP/x.nnc" ]
run_nn train --images "$TMP/s-images.idx.gz" --labels "$TMP/s-labels.idx.gz" --layers 784,9 -o "$TMP/x.nnc"
expect_error 2 "10 classes" "a 9-class output layer for labels up to 9"
finish
