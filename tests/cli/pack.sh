# CLI tests of `nnclass pack`: a folder per class of drawn MNIST digits to
# IDX files that eval scores exactly as predict scores the image files;
# class folders with other names; unreadable files stop the run (nothing
# written) or, with --skip-bad, are named and left out.
. "$(dirname "$0")/lib.bash"

PY=/usr/bin/python3 # Debian's interpreter, with python3-pil and python3-numpy
DATA=$(cd "$DATA" && pwd)
M=(--model "$DATA/models/mnist.nnc")
IMG="$TMP/img"
if ! "$PY" "$(dirname "$0")/draw_digits.py" "$DATA/mnist" "$IMG" 60; then
    fail "drawing the test images (python3-pil, python3-numpy)"
    finish
    exit
fi
SET="$IMG/set"
NNCLASS=$(cd "$(dirname "$NNCLASS")" && pwd)/$(basename "$NNCLASS") # used from inside $SET

# Pack, then eval the packed files: the same accuracy as predict on the files.
run_nn pack "$SET" -o "$TMP/p"
expect_status 0 "pack"
check "images file" [ -s "$TMP/p-images-idx3-ubyte.gz" ]
check "labels file" [ -s "$TMP/p-labels-idx1-ubyte.gz" ]
check "one line per class: label, folder, count" \
    [ "$(awk -F'\t' 'NF == 3 && $1 == $2' "$TMP/out" | wc -l)" -eq "$(ls "$SET" | wc -l)" ]
check "counts add up to 60" [ "$(awk -F'\t' '{ s += $3 } END { print s }' "$TMP/out")" -eq 60 ]
check "the files are gzip" gzip -t "$TMP/p-images-idx3-ubyte.gz" "$TMP/p-labels-idx1-ubyte.gz"
check "60 images of 28x28" \
    [ "$(gzip -dc "$TMP/p-images-idx3-ubyte.gz" | wc -c)" -eq $((16 + 60 * 784)) ]
run_nn eval "${M[@]}" --images "$TMP/p-images-idx3-ubyte.gz" --labels "$TMP/p-labels-idx1-ubyte.gz"
expect_status 0 "eval of the packed set"
eval_correct=$(sed -n 's/^accuracy [0-9.]* (\([0-9]*\)\/60)$/\1/p' "$TMP/out")
files=$(cd "$SET" && ls -d */* | sort)
(cd "$SET" && "$NNCLASS" predict "${M[@]}" -H $files) >"$TMP/pred" 2>"$TMP/err"
pred_correct=$(awk -F'\t' '{ split($1, p, "/"); if (p[1] == $3) n++ } END { print n + 0 }' "$TMP/pred")
check "pack round trip: eval $eval_correct/60 = predict $pred_correct/60" \
    [ -n "$eval_correct" ] && [ "$eval_correct" -eq "$pred_correct" ]
check "the drawn digits are mostly read right ($pred_correct/60)" [ "$pred_correct" -ge 48 ]
# The packed images are the ones predict classified (same bytes).
(cd "$SET" && "$NNCLASS" predict "${M[@]}" --save-input "$TMP/seen.idx" $files) >/dev/null
check "packed images = predict's inputs" \
    cmp -s <(gzip -dc "$TMP/p-images-idx3-ubyte.gz" | tail -c +17) <(tail -c +17 "$TMP/seen.idx")
# Packing again gives the same bytes.
"$NNCLASS" pack "$SET" -o "$TMP/q" >/dev/null 2>&1
check "pack is deterministic" cmp -s "$TMP/p-images-idx3-ubyte.gz" "$TMP/q-images-idx3-ubyte.gz"

# Folders with names: numbered in sorted order; hidden entries and files at
# the top are ignored.
mkdir -p "$TMP/named/zebra" "$TMP/named/apple" "$TMP/named/.hidden"
cp "$IMG/digit1.png" "$TMP/named/zebra/a.png"
cp "$IMG/digit2.jpg" "$TMP/named/apple/b.jpg"
cp "$IMG/digit3.pgm" "$TMP/named/apple/c.pgm"
cp "$IMG/digit4.png" "$TMP/named/.hidden/d.png"
cp "$IMG/digit5.png" "$TMP/named/readme.png"
run_nn pack "$TMP/named" -o "$TMP/n"
expect_status 0 "pack with named classes"
check "named classes in sorted order" [ "$(cat "$TMP/out")" = "0	apple	2
1	zebra	1" ]
check "labels 0 0 1" [ "$(gzip -dc "$TMP/n-labels-idx1-ubyte.gz" | tail -c +9 | od -An -tu1 | tr -s ' ')" = " 0 0 1" ]

# An unreadable file stops the run: exit 1, the file named, nothing written.
cp -r "$SET" "$TMP/bad"
printf 'not an image' >"$TMP/bad/3/zz-broken.png"
cp "$IMG/blank.png" "$TMP/bad/7/zz-blank.png"
run_nn pack "$TMP/bad" -o "$TMP/b"
expect_error 1 "zz-broken.png" "pack with a broken file"
check "nothing written" [ -z "$(ls "$TMP" | grep '^b-')" ]
check "no temporary files" [ -z "$(ls "$TMP" | grep -F '.tmp.')" ]
run_nn pack --skip-bad "$TMP/bad" -o "$TMP/b"
expect_status 0 "pack --skip-bad"
check "--skip-bad names both files" grep -q "zz-broken.png" "$TMP/err" && grep -q "zz-blank.png: no ink" "$TMP/err"
check "--skip-bad: 60 images kept" [ "$(gzip -dc "$TMP/b-labels-idx1-ubyte.gz" | wc -c)" -eq $((8 + 60)) ]

# An existing data set is replaced only by a complete one.
cp "$TMP/p-images-idx3-ubyte.gz" "$TMP/keep.gz"
run_nn pack "$TMP/bad" -o "$TMP/p"
check "a failed pack leaves the old files" cmp -s "$TMP/keep.gz" "$TMP/p-images-idx3-ubyte.gz"

# Usage errors and empty folders.
run_nn pack "$SET"
expect_error 2 "-o PREFIX" "pack without -o"
run_nn pack -o "$TMP/x"
expect_error 2 "DIR" "pack without a folder"
mkdir -p "$TMP/empty" "$TMP/noimages/5"
run_nn pack "$TMP/empty" -o "$TMP/x"
expect_error 1 "no class folders" "pack of an empty folder"
run_nn pack "$TMP/noimages" -o "$TMP/x"
expect_error 1 "no usable images" "pack of empty class folders"
run_nn pack "$TMP/missing" -o "$TMP/x"
expect_error 1 "missing" "pack of a missing folder"
run_nn pack --help
check "pack --help" grep -q "ImageFolder" "$TMP/out"

finish
