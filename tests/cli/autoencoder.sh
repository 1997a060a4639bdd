# CLI tests of autoencoders: train --arch autoencoder reports reconstruction
# losses instead of accuracies, its model file keeps the recon output, eval
# reports the test loss in text, JSON and CSV, export writes its ONNX,
# and reconstruct draws inputs beside their reconstructions (terminal, SVG).
. "$(dirname "$0")/lib.bash"

make_subset train 2000 "$TMP/tr"
make_subset t10k 300 "$TMP/te"
T=(--images "$TMP/tr-images.idx.gz" --labels "$TMP/tr-labels.idx.gz")
E=(--images "$TMP/te-images.idx.gz" --labels "$TMP/te-labels.idx.gz")

# --- train
run_nn train --arch autoencoder "${T[@]}" --epochs 3 --val 500 --threads 1 -o "$TMP/ae.nnc" \
    --log "$TMP/ae.jsonl"
expect_status 0 "train --arch autoencoder"
check "one epoch line per epoch, with the validation loss" \
    [ "$(grep -c '^epoch .* loss 0\.[0-9]*  val loss 0\.[0-9]*' "$TMP/err")" -eq 3 ]
check "no accuracy in the epoch lines" not grep -q 'train 0\.' "$TMP/err"
check "the result line gives the validation loss" grep -q $'\tval_loss\t0\.' "$TMP/out"
check "the log has no train accuracy" grep -q '"train_accuracy":null' "$TMP/ae.jsonl"
check "the log has the validation loss" grep -q '"val_loss":0\.' "$TMP/ae.jsonl"
last=$(grep '^epoch   3/3' "$TMP/err" | sed 's/.*  loss \(0\.[0-9]*\) .*/\1/')
check "the loss falls below the start (0.69 per pixel at random)" \
    awk -v l="$last" 'BEGIN { exit !(l < 0.3) }'

run_nn info "$TMP/ae.nnc"
expect_status 0 "info of an autoencoder"
check "info shows the table" grep -q '^architecture  28x28,128,32,128,784:none,recon ' "$TMP/out"
check "info names the sigmoid output" grep -q 'output: sigmoid' "$TMP/out"

# --- the same model twice: one machine, one seed, the same bytes
"$NNCLASS" train --arch autoencoder "${T[@]}" --epochs 3 --val 500 --threads 2 --quiet \
    -o "$TMP/ae2.nnc" >/dev/null 2>&1
check "same bytes for 1 and 2 threads" cmp -s "$TMP/ae.nnc" "$TMP/ae2.nnc"

# --- eval
run_nn eval --model "$TMP/ae.nnc" "${E[@]}"
expect_status 0 "eval of an autoencoder"
check "eval text gives the reconstruction loss" \
    grep -q '^reconstruction loss 0\.[0-9]\{4\} (mean binary cross-entropy per pixel, 300 images)$' \
    "$TMP/out"
check "no confusion matrix" not grep -q 'confusion' "$TMP/out"
run_nn eval --model "$TMP/ae.nnc" "${E[@]}" --format json
check "eval json" grep -q '"count":300,"reconstruction_loss":0\.' "$TMP/out"
run_nn eval --model "$TMP/ae.nnc" "${E[@]}" --format csv
check "eval csv header" [ "$(head -1 "$TMP/out")" = "count,reconstruction_loss" ]
check "eval csv row" grep -q '^300,0\.[0-9]*$' "$TMP/out"
run_nn eval --model "$TMP/ae.nnc" "${E[@]}" --errors 3
expect_error 2 "an autoencoder has no confusion matrix" "eval --errors of an autoencoder"

# --- export: ONNX ends in the Sigmoid (ONNX Runtime's check is export.sh's)
run_nn export "$TMP/ae.nnc" -o "$TMP/ae.onnx"
expect_status 0 "export of an autoencoder to ONNX"
check "its output is the reconstruction" grep -q 'reconstruction' "$TMP/ae.onnx"
check "no Softmax" not grep -q 'Softmax' "$TMP/ae.onnx"

# --- reconstruct
run_nn reconstruct "$TMP/ae.nnc" "$TMP/te-images.idx.gz" --count 2
expect_status 0 "reconstruct in the terminal"
check "two captions" [ "$(grep -c '^image [01]  loss 0\.[0-9]*  (input | reconstruction)$' "$TMP/out")" -eq 2 ]
check "two drawings of 28 rows" [ "$(grep -c '  |  ' "$TMP/out")" -eq 56 ]
run_nn reconstruct "$TMP/ae.nnc" --data-dir "$DATA" --count 1
expect_status 0 "reconstruct of the MNIST test set by default"
check "the first test image" grep -q '^image 0  loss' "$TMP/out"
run_nn reconstruct "$TMP/ae.nnc" "$TMP/te-images.idx.gz" --count 5 -o "$TMP/r.svg"
expect_status 0 "reconstruct -o"
check "nothing drawn with -o" [ ! -s "$TMP/out" ]
check "SVG is well-formed" xmllint --noout "$TMP/r.svg"
check "SVG renders" rsvg-convert -o "$TMP/r.png" "$TMP/r.svg"
check "five pairs" [ "$(grep -c '<g id="pair-' "$TMP/r.svg")" -eq 5 ]
"$NNCLASS" reconstruct "$TMP/ae.nnc" "$TMP/te-images.idx.gz" --count 5 -o "$TMP/r2.svg"
check "SVG is deterministic" cmp -s "$TMP/r.svg" "$TMP/r2.svg"

# --- what reconstruct refuses
train_small "$TMP/cls.nnc" || fail "training a classifier"
run_nn reconstruct "$TMP/cls.nnc" "$TMP/te-images.idx.gz"
expect_error 1 "not an autoencoder" "reconstruct with a classifier"
run_nn reconstruct
expect_error 2 "expected a MODEL" "reconstruct without a model"
run_nn reconstruct "$TMP/ae.nnc" --count 0
expect_error 2 "--count" "reconstruct --count 0"
run_nn reconstruct "$TMP/ae.nnc" "$TMP/missing.idx"
expect_error 1 "missing.idx" "reconstruct of a missing file"
head -c 100 "$TMP/te-images.idx" >"$TMP/short.idx"
run_nn reconstruct "$TMP/ae.nnc" "$TMP/short.idx"
check "a truncated file is an error, not a crash" [ "$status" -eq 1 ]
run_nn reconstruct "$TMP/ae.nnc" "$TMP/te-images.idx" -o "$TMP/ae.nnc"
expect_error 2 "-o" "reconstruct -o onto the model"

run_nn predict --model "$TMP/ae.nnc" "$TMP/te-images.idx"
expect_error 1 "an autoencoder gives no labels" "predict with an autoencoder"

# --- --layers with recon, and what it refuses
run_nn train --layers 28x28,16,recon "${T[@]}" --epochs 1 --quiet -o "$TMP/bad.nnc"
check "recon after a layer of another width is refused" [ "$status" -eq 2 ]
run_nn train --layers 28x28,32,784:none,recon "${T[@]}" --epochs 1 --quiet -o "$TMP/small.nnc"
expect_status 0 "a hand-written autoencoder table"
run_nn train --layers 784,16,recon,10 "${T[@]}" --epochs 1 --quiet -o "$TMP/bad.nnc"
expect_error 2 "must be the last layer" "recon in the middle"

finish
