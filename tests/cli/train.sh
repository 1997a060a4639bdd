# CLI tests of `nnclass train`: a model that works, reproducibility, the
# perceptron, logs, atomic output, and refusal of bad flags and data.
. "$(dirname "$0")/lib.bash"

make_subset train 2000 "$TMP/s"
T=(train --images "$TMP/s-images.idx.gz" --labels "$TMP/s-labels.idx.gz" --quiet)

# Same data, options and seed with one thread: byte-identical model files.
run_nn "${T[@]}" --epochs 2 --seed 7 --threads 1 -o "$TMP/a.nnc"
expect_status 0 "train a"
check "stdout names the model" [ "$(cat "$TMP/out")" = "$TMP/a.nnc" ]
check "quiet: stderr empty" [ ! -s "$TMP/err" ]
run_nn "${T[@]}" --epochs 2 --seed 7 --threads 1 -o "$TMP/b.nnc"
check "same seed, same bytes" cmp -s "$TMP/a.nnc" "$TMP/b.nnc"
run_nn "${T[@]}" --epochs 2 --seed 8 --threads 1 -o "$TMP/c.nnc"
check "other seed, other bytes" not cmp -s "$TMP/a.nnc" "$TMP/c.nnc"
# The threads share out fixed blocks of the first layer: any count, same bytes
# (two blocks of 8 neurons here, so 3 threads are capped to 2).
for n in 2 3; do
    run_nn "${T[@]}" --epochs 2 --seed 7 --threads $n -o "$TMP/t$n.nnc"
    expect_status 0 "train --threads $n"
    check "--threads $n, same bytes as one thread" cmp -s "$TMP/a.nnc" "$TMP/t$n.nnc"
done
run_nn "${T[@]}" --epochs 2 --seed 7 -o "$TMP/t.nnc"
check "default threads, same bytes as one thread" cmp -s "$TMP/a.nnc" "$TMP/t.nnc"
# Minibatches too big to scale the next one while waiting (over 2^20 floats).
run_nn "${T[@]}" --epochs 2 --seed 7 --batch 1500 --threads 1 -o "$TMP/big1.nnc"
run_nn "${T[@]}" --epochs 2 --seed 7 --batch 1500 --threads 2 -o "$TMP/big2.nnc"
check "--batch 1500: two threads, same bytes as one" cmp -s "$TMP/big1.nnc" "$TMP/big2.nnc"
run_nn train --help
check "--help: the default thread count" grep -q "of $(getconf _NPROCESSORS_ONLN): threads that share" "$TMP/out"

# Per-epoch lines on stderr without --quiet; --log writes one JSON object per epoch.
run_nn train --images "$TMP/s-images.idx" --labels "$TMP/s-labels.idx" --epochs 3 --val 200 \
    --log "$TMP/log.jsonl" -o "$TMP/v.nnc"
expect_status 0 "train with --val and --log"
check "3 epoch lines" [ "$(grep -c '^epoch' "$TMP/err")" -eq 3 ]
check "stdout: model and val accuracy" grep -Eq "^$TMP/v.nnc	val_accuracy	0\.[0-9]{4}$" "$TMP/out"
check "log: 3 JSON objects" python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["epoch"] for r in rows] == [1, 2, 3]
assert all(0 <= r["val_accuracy"] <= 1 and r["loss"] > 0 for r in rows)' "$TMP/log.jsonl"

# info describes it.
run_nn info "$TMP/v.nnc"
expect_status 0 "info"
check "info architecture" grep -q "^architecture  784-16-10$" "$TMP/out"
check "info neurons" grep -q "^neurons       26 " "$TMP/out"
check "info weights" grep -q "^weights       12,704$" "$TMP/out"
check "info biases" grep -q "^biases        26$" "$TMP/out"

# The perceptron: 784,10 with the step activation learns; a hidden layer is a usage error.
run_nn "${T[@]}" --activation step --layers 784,10 --epochs 3 -o "$TMP/p.nnc"
expect_status 0 "perceptron"
make_subset t10k 1000 "$TMP/t"
run_nn eval --model "$TMP/p.nnc" --images "$TMP/t-images.idx" --labels "$TMP/t-labels.idx" --format json
check "perceptron accuracy > 0.75" python3 -c '
import json, sys; a = json.load(open(sys.argv[1]))["accuracy"]; assert a > 0.75, a' "$TMP/out"
run_nn "${T[@]}" --activation step -o "$TMP/p2.nnc"
expect_status 0 "step alone means 784,10"
run_nn "${T[@]}" --activation step --layers 784,16,10 -o "$TMP/bad.nnc"
expect_error 2 "step" "perceptron with a hidden layer"
check "no model written" [ ! -e "$TMP/bad.nnc" ]

# --layers and --hidden read plain lists with the library's one grammar:
# a bad entry is a usage error that names its token, before any data is read.
run_nn train --quiet --layers 784,0,10 -o "$TMP/bad.nnc"
expect_error 2 "--layers: '0': a dense layer of 0 neurons" "--layers with a 0-neuron layer"
run_nn train --quiet --hidden 16,99999 -o "$TMP/bad.nnc"
expect_error 2 "--hidden: '99999'" "--hidden over the cap"
run_nn train --quiet --hidden 16:tanh -o "$TMP/bad.nnc"
expect_error 2 "--hidden: '16:tanh'" "--hidden takes neuron counts only"
check "no model written" [ ! -e "$TMP/bad.nnc" ]

# A diverging run stops with exit 1 and leaves the existing model alone.
cp "$TMP/a.nnc" "$TMP/keep.nnc"
run_nn "${T[@]}" --epochs 2 --lr 1e6 --optimizer sgd -o "$TMP/keep.nnc"
expect_error 1 "diverged" "diverging run"
check "existing model untouched" cmp -s "$TMP/a.nnc" "$TMP/keep.nnc"
check "no temporary files" [ -z "$(ls "$TMP" | grep -F '.tmp')" ]

# Output into a missing folder: exit 1, nothing written.
run_nn "${T[@]}" --epochs 1 -o "$TMP/no/such/dir/m.nnc"
expect_error 1 "m.nnc" "missing output folder"

# Bad flag values: exit 2 with the flag's name, nothing written.
bad() { # FLAG VALUE
    run_nn "${T[@]}" "$1" "$2" -o "$TMP/never.nnc"
    expect_error 2 "$1" "$1 $2"
}
bad --epochs 0; bad --epochs -1; bad --epochs 1e99; bad --epochs abc
bad --lr nan; bad --lr inf; bad --lr -1; bad --lr abc
bad --batch 0; bad --batch 5000
bad --layers ""; bad --layers 0; bad --layers 784,,10; bad --layers 784,1000000,10
bad --layers 100,10
bad --layers "$(seq -s, 1 100)"
bad --threads 0; bad --threads 10000
bad --activation softsign; bad --optimizer lbfgs; bad --lr-schedule linear
bad --momentum 2; bad --weight-decay -1; bad --val -5; bad --seed x
bad --val 2000
check "nothing written by bad flags" [ ! -e "$TMP/never.nnc" ]
run_nn train --bogus
expect_error 2 "--bogus" "unknown option"
run_nn train --images "$TMP/s-images.idx"
expect_status 2 "--images without --labels"

# Bad data: exit 1 naming the file.
run_nn train --images "$TMP/s-labels.idx" --labels "$TMP/s-labels.idx" -o "$TMP/never.nnc"
expect_error 1 "s-labels.idx" "labels as images"
run_nn train --images "$TMP/nope.idx" --labels "$TMP/s-labels.idx" -o "$TMP/never.nnc"
expect_error 1 "nope.idx" "missing images"
check "nothing written by bad data" [ ! -e "$TMP/never.nnc" ]

run_nn train --help
expect_status 0 "--help"
check "--help shows defaults" grep -q "default" "$TMP/out"

finish
