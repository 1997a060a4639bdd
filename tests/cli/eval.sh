# CLI tests of `nnclass eval`: the report's numbers agree with each other and
# with the data, in every format; bad inputs and flags are refused.
. "$(dirname "$0")/lib.bash"

make_subset t10k 500 "$TMP/s"
train_small "$TMP/m.nnc" || fail "training the test model"
E=(eval --model "$TMP/m.nnc" --images "$TMP/s-images.idx.gz" --labels "$TMP/s-labels.idx.gz")

run_nn "${E[@]}"
expect_status 0 "eval text"
check "first line is the accuracy" grep -Eq '^accuracy 0\.[0-9]{4} \([0-9]+/500\)$' <(head -1 "$TMP/out")
check "confusion matrix heading" grep -q "rows: true label, columns: predicted label" "$TMP/out"
check "macro avg line" grep -q "^macro avg" "$TMP/out"
check "time line" grep -Eq '^time +[0-9.]+ s$' "$TMP/out"

# JSON: rows sum to the class counts, the diagonal to the correct count, and
# precision/recall/F1 recomputed from the matrix match the reported ones.
run_nn "${E[@]}" --format json
expect_status 0 "eval json"
check "json is consistent" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
labels = open(sys.argv[2], "rb").read()[8:]
counts = [labels.count(bytes([k])) for k in range(10)]
m = r["confusion"]
assert r["total"] == 500 == sum(map(sum, m))
assert [sum(row) for row in m] == counts, ([sum(row) for row in m], counts)
assert sum(m[k][k] for k in range(10)) == r["correct"]
assert abs(r["accuracy"] - r["correct"] / 500) < 1e-6
for k, c in enumerate(r["classes"]):
    col = sum(m[i][k] for i in range(10))
    p = m[k][k] / col if col else 0.0
    rec = m[k][k] / counts[k] if counts[k] else 0.0
    f1 = 2 * p * rec / (p + rec) if p + rec else 0.0
    assert abs(c["precision"] - p) < 1e-5 and abs(c["recall"] - rec) < 1e-5, (k, c, p, rec)
    assert abs(c["f1"] - f1) < 1e-5 and c["support"] == counts[k]
' "$TMP/out" "$TMP/s-labels.idx"
cp "$TMP/out" "$TMP/eval.json"

# Text and JSON agree on the accuracy line; raw files give the same numbers.
run_nn eval --model "$TMP/m.nnc" --images "$TMP/s-images.idx" --labels "$TMP/s-labels.idx" --format json
check "raw equals gz" python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert a["confusion"] == b["confusion"]' "$TMP/out" "$TMP/eval.json"

# CSV: 10 class rows + header + total; the total row adds up.
run_nn "${E[@]}" --format csv
expect_status 0 "eval csv"
check "csv has 12 lines" [ "$(wc -l <"$TMP/out")" -eq 12 ]
check "csv total row" [ "$(awk -F, '$1 == "total" {print $2}' "$TMP/out")" = 500 ]
check "csv supports add up" [ "$(awk -F, 'NR > 1 && $1 != "total" {s += $2} END {print s}' "$TMP/out")" = 500 ]

# The test loss, the mean cross-entropy of the true labels: the same in
# text, JSON and CSV, and the mean -log p(true) of predict's probabilities
# (6 decimals there: a loose tolerance).
run_nn "${E[@]}"
check "text: loss line" grep -Eq '^loss     [0-9]+\.[0-9]{4} \(mean cross-entropy\)$' "$TMP/out"
text_loss=$(awk '$1 == "loss" {print $2}' "$TMP/out")
csv_loss=$(awk -F, 'NR == 1 {print $NF} $1 == "total" {print $NF}' <("$NNCLASS" "${E[@]}" --format csv))
"$NNCLASS" predict --model "$TMP/m.nnc" --probs --format json "$TMP/s-images.idx" >"$TMP/p.json"
check "loss agrees across formats and with predict" python3 -c '
import json, math, sys
r = json.load(open(sys.argv[1]))
labels = open(sys.argv[2], "rb").read()[8:]
text, (head, csv) = float(sys.argv[3]), sys.argv[4].split()
assert head == "loss" and abs(float(csv) - r["loss"]) < 1e-6, (head, csv, r["loss"])
assert abs(text - r["loss"]) < 1e-4 and r["loss"] > 0, (text, r["loss"])
rows = [json.loads(l) for l in open(sys.argv[5])]
mean = sum(-math.log(max(p["probs"][y], 5e-7)) for p, y in zip(rows, labels)) / len(rows)
assert len(rows) == 500 and abs(mean - r["loss"]) < 0.01 * (1 + mean), (mean, r["loss"])
' "$TMP/eval.json" "$TMP/s-labels.idx" "$text_loss" "$csv_loss" "$TMP/p.json"
# The perceptron's outputs are no probabilities: no loss.
"$NNCLASS" train --images "$TMP/s-images.idx.gz" --labels "$TMP/s-labels.idx.gz" --epochs 1 \
    --activation step --layers 784,10 --quiet -o "$TMP/step.nnc" >/dev/null
run_nn eval --model "$TMP/step.nnc" --images "$TMP/s-images.idx.gz" --labels "$TMP/s-labels.idx.gz" --format json
check "perceptron: loss null" python3 -c '
import json, sys; assert json.load(open(sys.argv[1]))["loss"] is None' "$TMP/out"

# --errors N draws N misclassified images with their labels.
run_nn "${E[@]}" --errors 2
expect_status 0 "eval --errors"
check "--errors: two captions" [ "$(grep -c '^image [0-9]*: true [0-9], predicted [0-9] (confidence' "$TMP/out")" -eq 2 ]

# The committed default model on the whole MNIST test set: the accuracy bar.
if [ -f "$DATA/models/mnist.nnc" ]; then
    run_nn eval --data-dir "$DATA" --format json
    expect_status 0 "default model eval"
    check "default model accuracy >= 0.96" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["total"] == 10000 and r["accuracy"] >= 0.96, r["accuracy"]' "$TMP/out"
else
    fail "data/models/mnist.nnc is missing"
fi

# Bad inputs: exit 1 and one line naming the file.
run_nn eval --model "$TMP/missing.nnc" --data-dir "$DATA"
expect_error 1 "missing.nnc" "missing model"
run_nn eval --model "$TMP/m.nnc" --images "$TMP/s-labels.idx" --labels "$TMP/s-labels.idx"
expect_error 1 "s-labels.idx" "labels as images"
make_subset t10k 400 "$TMP/t"
run_nn eval --model "$TMP/m.nnc" --images "$TMP/s-images.idx" --labels "$TMP/t-labels.idx"
expect_error 1 "t-labels.idx" "count mismatch"
printf '\x00\x00\x08\x03\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x1c' >"$TMP/empty.idx"
printf '\x00\x00\x08\x01\x00\x00\x00\x00' >"$TMP/empty-labels.idx"
run_nn eval --model "$TMP/m.nnc" --images "$TMP/empty.idx" --labels "$TMP/empty-labels.idx"
expect_error 1 "empty.idx" "0 images"
head -c 1000 "$TMP/m.nnc" >"$TMP/cut.nnc"
run_nn eval --model "$TMP/cut.nnc" --images "$TMP/s-images.idx" --labels "$TMP/s-labels.idx"
expect_error 1 "cut.nnc" "truncated model"

# Usage errors: exit 2.
run_nn eval --format yaml
expect_error 2 "--format" "--format yaml"
run_nn eval --split dev
expect_error 2 "--split" "--split dev"
run_nn eval --errors -1
expect_error 2 "--errors" "--errors -1"
run_nn eval --dataset cifar --data-dir "$DATA"
expect_error 2 "cifar" "unknown dataset"
run_nn eval --images "$TMP/s-images.idx"
expect_status 2 "--images without --labels"
run_nn eval stray
expect_status 2 "stray argument"

finish
