# CLI tests of the default model: image files (PNG, JPEG, PGM/PPM) named
# with no --model are answered by the most accurate shipped model
# (mnist-cnn), IDX files and --dataset by the classic mnist.nnc; the output
# says which model answered (a "model" key in JSON, a stderr note otherwise).
. "$(dirname "$0")/lib.bash"

PY=/usr/bin/python3
if ! "$PY" -c 'import PIL, numpy' 2>/dev/null; then
    fail "python3-pil and python3-numpy are needed to draw the test images"
    finish
    exit
fi
unset NNCLASS_DATA
D=(--data-dir "$DATA")
IMG="$TMP/img"
"$PY" "$(dirname "$0")/draw_digits.py" "$DATA/mnist" "$IMG" || fail "drawing the test images"
make_subset t10k 20 "$TMP/s"

# An image file: the CNN answers, as if named; one note on stderr.
run_nn predict "${D[@]}" "$IMG/digit7.png"
expect_status 0 "predict a PNG with no --model"
cp "$TMP/out" "$TMP/default.out"
check "the note names mnist-cnn.nnc" grep -q "^nnclass: .*mnist-cnn\.nnc" "$TMP/err"
check "one note only" [ "$(wc -l <"$TMP/err")" -eq 1 ]
run_nn predict "${D[@]}" --model mnist-cnn "$IMG/digit7.png"
check "same answer as --model mnist-cnn" cmp -s "$TMP/out" "$TMP/default.out"
check "no note when --model is named" [ ! -s "$TMP/err" ]
run_nn predict "${D[@]}" --model mnist "$IMG/digit7.png"
expect_status 0 "the classic network by its bare name"
run_nn predict "${D[@]}" -q "$IMG/digit7.jpg" "$IMG/digit3.pgm"
check "-q: no note" [ ! -s "$TMP/err" ]
"$NNCLASS" predict "${D[@]}" - <"$IMG/digit7.png" >"$TMP/stdin.out" 2>"$TMP/err"
check "a PNG redirected to stdin: the CNN" cmp -s "$TMP/stdin.out" "$TMP/default.out"
check "stdin still read whole after the look" grep -q "^0	7	" "$TMP/stdin.out"

# IDX files and --dataset keep the classic network and their outputs.
run_nn predict "${D[@]}" "$TMP/s-images.idx.gz"
cp "$TMP/out" "$TMP/idx.out"
check "IDX: no note, as before" [ ! -s "$TMP/err" ]
run_nn predict "${D[@]}" --model "$DATA/models/mnist.nnc" "$TMP/s-images.idx.gz"
check "IDX: same lines as mnist.nnc" cmp -s "$TMP/out" "$TMP/idx.out"
# The first file decides for the run.
run_nn predict "${D[@]}" "$TMP/s-images.idx.gz" "$IMG/digit7.png"
check "IDX first: mnist.nnc for all" cmp -s <(head -20 "$TMP/out" | cut -f2-) "$TMP/idx.out"
check "IDX first: no note" [ ! -s "$TMP/err" ]

# JSON: every record says which model answered, and stays valid JSON Lines.
run_nn predict "${D[@]}" --format json "$IMG/digit7.png" "$IMG/digit2.png"
expect_status 0 "predict --format json"
check "no note with JSON" [ ! -s "$TMP/err" ]
check "each record names mnist-cnn.nnc" "$PY" -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 2 and all(r["model"].endswith("mnist-cnn.nnc") for r in recs)' "$TMP/out"

# With no CNN shipped, image files fall back to the classic network.
mkdir -p "$TMP/dd/models"
ln -s "$DATA/mnist" "$TMP/dd/mnist"
cp "$DATA/models/mnist.nnc" "$TMP/dd/models/"
run_nn predict --data-dir "$TMP/dd" "$IMG/digit7.png"
expect_status 0 "no mnist-cnn.nnc: still answers"
cp "$TMP/out" "$TMP/fallback.out"
run_nn predict --model "$DATA/models/mnist.nnc" "$IMG/digit7.png"
check "no mnist-cnn.nnc: mnist.nnc answers" cmp -s "$TMP/out" "$TMP/fallback.out"

# eval of image files: the CNN, named in the report.
printf '\x00\x00\x08\x01\x00\x00\x00\x01\x07' >"$TMP/seven-labels.idx"
run_nn eval "${D[@]}" --images "$IMG/digit7.png" --labels "$TMP/seven-labels.idx" --format json
expect_status 0 "eval a PNG with no --model"
check "eval JSON names mnist-cnn.nnc" grep -q '"model":"[^"]*mnist-cnn\.nnc"' "$TMP/out"
run_nn eval "${D[@]}" --images "$TMP/s-images.idx.gz" --labels "$TMP/s-labels.idx.gz" --format json
check "eval of IDX: mnist.nnc" grep -q '"model":"[^"]*/mnist\.nnc"' "$TMP/out"
run_nn eval "${D[@]}" --images "$IMG/digit7.png" --labels "$TMP/seven-labels.idx" --format csv
check "eval CSV: the note on stderr" grep -q "mnist-cnn\.nnc" "$TMP/err"
finish
