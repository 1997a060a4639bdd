# CLI tests of adapting a model to one's own digits: pack's manifest (index,
# label, file per packed image) and train --init MODEL (the model's network,
# class names and weights as the start; the options that would change the
# network refused; data that does not fit the model a data error).
. "$(dirname "$0")/lib.bash"

PY=/usr/bin/python3
DATA=$(cd "$DATA" && pwd)
IMG="$TMP/img"
if ! "$PY" "$(dirname "$0")/draw_digits.py" "$DATA/mnist" "$IMG" 40; then
    fail "drawing the test images (python3-pil, python3-numpy)"
    finish
    exit
fi
SET="$IMG/set"
cp "$IMG/digit7.png" "$SET/7/tab	name.png"

# The manifest maps each IDX index back to its file.
run_nn pack "$SET" -o "$TMP/p"
expect_status 0 "pack"
MAN="$TMP/p-manifest.tsv"
check "a manifest is written" [ -s "$MAN" ]
check "one line per image" [ "$(wc -l <"$MAN")" -eq 41 ]
check "indices 0..40 in order" [ "$(cut -f1 "$MAN" | tr '\n' ' ')" = "$(seq 0 40 | tr '\n' ' ')" ]
check "labels as in the label file" [ "$(cut -f2 "$MAN" | tr '\n' ' ')" = \
    "$(gzip -dc "$TMP/p-labels-idx1-ubyte.gz" | tail -c +9 | od -An -v -tu1 | tr -s ' \n' '  ' | sed 's/^ //')" ]
check "each file is in its label's folder" \
    [ "$(awk -F'\t' '{ n = split($3, p, "/"); if (p[n - 1] != $2) bad++ } END { print bad + 0 }' "$MAN")" -eq 0 ]
check "a tab in a file name is escaped" grep -qF 'tab\tname.png' "$MAN"
check "three fields a line" [ "$(awk -F'\t' 'NF != 3' "$MAN" | wc -l)" -eq 0 ]
printf 'not an image' >"$SET/3/zz-broken.png"
run_nn pack "$SET" -o "$TMP/b"
check "a failed pack writes no manifest" [ ! -e "$TMP/b-manifest.tsv" ]
rm "$SET/3/zz-broken.png"

# --init keeps the weights: a step too small to move them answers as the model.
P=(--images "$TMP/p-images-idx3-ubyte.gz" --labels "$TMP/p-labels-idx1-ubyte.gz")
run_nn train --init mnist "${P[@]}" --epochs 1 --lr 1e-12 --weight-decay 0 -q -o "$TMP/same.nnc"
expect_status 0 "train --init mnist"
"$NNCLASS" predict --model "$DATA/models/mnist.nnc" "$TMP/p-images-idx3-ubyte.gz" >"$TMP/a.out"
"$NNCLASS" predict --model "$TMP/same.nnc" "$TMP/p-images-idx3-ubyte.gz" >"$TMP/b.out"
check "--init starts from the model's weights" cmp -s "$TMP/a.out" "$TMP/b.out"
run_nn train "${P[@]}" --epochs 1 --lr 1e-12 --weight-decay 0 -q -o "$TMP/fresh.nnc"
"$NNCLASS" predict --model "$TMP/fresh.nnc" "$TMP/p-images-idx3-ubyte.gz" >"$TMP/c.out"
check "without --init the start is random" not cmp -s "$TMP/a.out" "$TMP/c.out"

# Fine-tuning the CNN: its architecture, any thread count the same model.
run_nn train --init mnist-cnn "${P[@]}" --epochs 1 --lr 0.005 --threads 1 -q -o "$TMP/ft1.nnc"
expect_status 0 "train --init mnist-cnn"
"$NNCLASS" train --init mnist-cnn "${P[@]}" --epochs 1 --lr 0.005 --threads 2 -q \
    -o "$TMP/ft2.nnc" >/dev/null 2>&1
check "--init: same model for 1 and 2 threads" cmp -s "$TMP/ft1.nnc" "$TMP/ft2.nnc"
check "the CNN's layers kept" grep -q "conv5x5x16" <("$NNCLASS" info "$TMP/ft1.nnc")

# Class names come from the model.
run_nn train --init "$DATA/models/fashion.nnc" "${P[@]}" --epochs 1 -q -o "$TMP/names.nnc"
expect_status 0 "train --init fashion.nnc on files"
check "the model's class names kept" grep -q "Ankle boot" <("$NNCLASS" info "$TMP/names.nnc")

# What does not go with --init, and data that does not fit.
for opt in "--layers 784,10" "--hidden 32" "--arch cnn" "--activation tanh"; do
    run_nn train --init mnist "${P[@]}" $opt -o "$TMP/x.nnc"
    expect_error 2 "--init" "--init with $opt"
done
run_nn train --init mnist "${P[@]}" --classes 5 -o "$TMP/x.nnc"
expect_error 1 "10 classes" "--init: a class count other than the model's"
run_nn train --init no-such-model "${P[@]}" -o "$TMP/x.nnc"
expect_error 1 "no such model" "--init: no such model"
printf 'garbage' >"$TMP/bad.nnc"
run_nn train --init "$TMP/bad.nnc" "${P[@]}" -o "$TMP/x.nnc"
expect_status 1 "--init: a broken model file"
check "nothing written after a refusal" [ ! -e "$TMP/x.nnc" ]
finish
