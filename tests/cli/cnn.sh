# CLI tests of convolutional networks: the --layers grammar and its errors,
# a small CNN trained end to end, the same bytes for any --threads, info's
# layer rows, predict's one-image path, bare model names, and a version 1
# model (made before the layer table existed) predicting as it always did.
. "$(dirname "$0")/lib.bash"

# Every malformed table is a usage error that names its token, before any
# data is read.
bad_spec() {
    run_nn train --quiet --layers "$1" -o "$TMP/never.nnc"
    expect_error 2 "$2" "--layers $1"
    check "--layers $1: no model written" [ ! -e "$TMP/never.nnc" ]
}
bad_spec "28x28,conv5x5x0,10" "'conv5x5x0'"
bad_spec "0x28,10" "'0x28'"
bad_spec "28x28,0,10" "'0'"
bad_spec "8x8,conv9x9x4,10" "'conv9x9x4': the 9x9 kernel is bigger than its 8x8 input"
bad_spec "28x28,conv4x4x4,pool2,10" "'pool2': 2x2 pooling of a 25x25 input"
bad_spec "28x28,pool3,10" "'pool3'"
bad_spec "28x28,64,conv3x3x4,10" "'conv3x3x4': a conv layer cannot follow a dense layer"
bad_spec "784,conv3x3x4,10" "'conv3x3x4'"
bad_spec "28x28,conv17x17x4,10" "'conv17x17x4'"
bad_spec "28x28,conv3x3x2000,10" "'conv3x3x2000'"
bad_spec "28x28,conv3x3x4,pool2" "'pool2'"
bad_spec "28x28,16:swish,10" "'16:swish'"
bad_spec "28x28,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,10" "more than 16 layers"
run_nn train --quiet --arch rnn
expect_error 2 "--arch: unknown architecture 'rnn'" "--arch rnn"
run_nn train --quiet --augment 9
expect_error 2 "--augment" "--augment 9"
run_nn train --quiet --layers 28x28,conv3x3x4,10 --activation step
expect_error 2 "step" "a table with the perceptron"
run_nn train --help
check "--help shows the grammar" grep -q "convKxKxC" "$TMP/out"
check "--help shows --arch cnn" grep -q -- "--arch NAME" "$TMP/out"

# A table whose input does not match the images: a usage error.
make_subset train 2000 "$TMP/s"
S=(--images "$TMP/s-images.idx.gz" --labels "$TMP/s-labels.idx.gz")
run_nn train "${S[@]}" --quiet --layers 20x20,conv3x3x4,10 -o "$TMP/never.nnc"
expect_error 2 "does not match the 28x28 images" "table input against the images"

# --arch cnn distorts half its images like other writers' digits; each of
# those options given explicitly wins, and --distort-share 0 turns them off.
make_subset train 200 "$TMP/r"
R=(--images "$TMP/r-images.idx.gz" --labels "$TMP/r-labels.idx.gz" --arch cnn --epochs 1 -q)
recipe_of() { "$NNCLASS" info "$1" | sed -n 's/^recipe *//p'; }
run_nn train "${R[@]}" -o "$TMP/rc.nnc"
expect_status 0 "train --arch cnn"
check "--arch cnn: the recipe's distortions" \
    grep -q " augment=2 affine=10/0.1/0.3/0.1 stroke=1 share=0.5 " <(recipe_of "$TMP/rc.nnc")
"$NNCLASS" train "${R[@]}" --stroke 2 --affine shear=0.5 -o "$TMP/rs.nnc" >/dev/null
check "--arch cnn --stroke 2 --affine shear=0.5: those win" \
    grep -q " augment=2 affine=0/0/0.5/0 stroke=2 share=0.5 " <(recipe_of "$TMP/rs.nnc")
"$NNCLASS" train "${R[@]}" --distort-share 0 -o "$TMP/r0.nnc" >/dev/null
check "--arch cnn --distort-share 0: no distortion" \
    grep -q "augment=2 relu " <(recipe_of "$TMP/r0.nnc")

# Same seed, any number of threads: the same bytes (the minibatch is cut in
# fixed parts, summed in a fixed order), augmentation included.
SMALL=28x28,conv5x5x4,pool2,conv3x3x8-same,pool2,10
for n in 1 2 3; do
    run_nn train "${S[@]}" --quiet --layers $SMALL --epochs 1 --augment 2 --seed 3 \
        --threads $n -o "$TMP/t$n.nnc"
    expect_status 0 "CNN --threads $n"
done
check "CNN: 2 threads, same bytes as 1" cmp -s "$TMP/t1.nnc" "$TMP/t2.nnc"
check "CNN: 3 threads, same bytes as 1" cmp -s "$TMP/t1.nnc" "$TMP/t3.nnc"

# End to end: a small CNN, one epoch on the 10,000 test-set images, scored
# on 5,000 training images it never saw. Measured: about 0.95 (0.9505 on all
# 60,000 training images); floor 0.93.
make_subset t10k 10000 "$TMP/k"
make_subset train 5000 "$TMP/e"
run_nn train --images "$TMP/k-images.idx.gz" --labels "$TMP/k-labels.idx.gz" --quiet \
    --layers 28x28,conv5x5x8,pool2,conv5x5x16,pool2,10 --epochs 1 -o "$TMP/cnn.nnc"
expect_status 0 "train a small CNN"
run_nn eval --model "$TMP/cnn.nnc" --images "$TMP/e-images.idx.gz" --labels "$TMP/e-labels.idx.gz"
expect_status 0 "eval the CNN"
acc=$(sed -n 's/^accuracy \([0-9.]*\) .*/\1/p' "$TMP/out")
check "small CNN, 1 epoch: accuracy $acc >= 0.93" awk -v a="$acc" 'BEGIN { exit !(a >= 0.93) }'

# info: one row per layer with its output shape, parameters and activation.
run_nn info "$TMP/cnn.nnc"
expect_status 0 "info on a CNN"
check "info: table" grep -q "^architecture  28x28,conv5x5x8,pool2,conv5x5x16,pool2,10 (format version 2)$" "$TMP/out"
check "info: conv row" grep -Eq "^ +1 +conv +24x24x8 +208  relu  \(5x5 kernels, valid\)$" "$TMP/out"
check "info: pool row" grep -Eq "^ +4 +pool +4x4x16 +0  none" "$TMP/out"
check "info: output row" grep -Eq "^ +5 +dense +10 +2,570  softmax$" "$TMP/out"
check "info: total" grep -Eq "^ +total +5,994 " "$TMP/out"

# predict: one image alone (sgemv for dense layers) gives the label the
# minibatch path gives the same image.
run_nn predict --model "$TMP/cnn.nnc" "$TMP/e-images.idx"
cut -f2 "$TMP/out" | head -n 1 >"$TMP/batch-label"
{
    printf '\x00\x00\x08\x03\x00\x00\x00\x01\x00\x00\x00\x1c\x00\x00\x00\x1c'
    tail -c +17 "$TMP/e-images.idx" | head -c 784
} >"$TMP/one.idx"
run_nn predict --model "$TMP/cnn.nnc" "$TMP/one.idx"
expect_status 0 "predict one image"
check "one image: same label as in a minibatch" [ "$(cut -f2 "$TMP/out")" = "$(cat "$TMP/batch-label")" ]
run_nn predict --model "$TMP/cnn.nnc" "$TMP/one.idx" "$TMP/one.idx"
check "two files of one image" [ "$(wc -l <"$TMP/out")" -eq 2 ]
# A file of images of the model's pixel count but another shape.
{
    printf '\x00\x00\x08\x03\x00\x00\x00\x01\x00\x00\x00\x0e\x00\x00\x00\x38'
    head -c 784 /dev/zero
} >"$TMP/wide.idx"
run_nn predict --model "$TMP/cnn.nnc" "$TMP/wide.idx"
expect_error 1 "14x56" "predict: a 14x56 image for a 28x28 CNN"

# A bare model name means <data dir>/models/NAME.nnc, for every command.
mkdir -p "$TMP/d/models"
cp "$TMP/cnn.nnc" "$TMP/d/models/tiny-cnn.nnc"
(cd "$TMP" && "$NNCLASS" info --data-dir "$TMP/d" tiny-cnn >"$TMP/out" 2>"$TMP/err")
check "info: bare name" grep -q "^architecture  28x28,conv5x5x8" "$TMP/out"
run_nn eval --data-dir "$TMP/d" --model tiny-cnn --images "$TMP/e-images.idx.gz" \
    --labels "$TMP/e-labels.idx.gz"
check "eval --model tiny-cnn" grep -q "^accuracy $acc " "$TMP/out"
run_nn predict --data-dir "$TMP/d" --model tiny-cnn "$TMP/one.idx"
expect_status 0 "predict --model tiny-cnn"
run_nn predict --data-dir "$TMP/d" --model no-such-model "$TMP/one.idx"
expect_error 1 "models/no-such-model.nnc" "a bare name that is not there"

# A version 1 model made before the layer table existed predicts as it did
# then (its output then, made on another CPU, is committed beside it): the
# same labels and confidences within the tolerances of close_predictions.py.
FIX=$(dirname "$0")/../fixtures
run_nn predict --model "$FIX/v1-784-32-10-tanh.nnc" "$DATA/mnist/t10k-images-idx3-ubyte.gz"
expect_status 0 "predict with the version 1 model"
gzip -dc "$FIX/v1-784-32-10-tanh.predict.tsv.gz" >"$TMP/v1.tsv"
check "version 1 model: the same predictions" \
    python3 "$(dirname "$0")/close_predictions.py" "$TMP/v1.tsv" "$TMP/out"

finish
