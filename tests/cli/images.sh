# CLI tests of image files as input: PNG, JPEG, PGM and PPM read by predict,
# show and eval (one image per file, told by the first bytes, stdin too),
# --preprocess, --invert, --max-image-mpixels, --save-input, and files with
# no ink. The images are MNIST test digits drawn here as dark ink on light
# paper, five times larger and off-centre.
. "$(dirname "$0")/lib.bash"

PY=/usr/bin/python3 # Debian's interpreter, with python3-pil and python3-numpy
if ! "$PY" -c 'import PIL, numpy' 2>/dev/null; then
    fail "python3-pil and python3-numpy are needed to draw the test images"
    finish
    exit
fi
M=(--model "$DATA/models/mnist.nnc")
IMG="$TMP/img"
mkdir -p "$IMG"

# digit<k>.<ext>: the first test image of digit k (see draw_digits.py).
"$PY" "$(dirname "$0")/draw_digits.py" "$DATA/mnist" "$IMG" || fail "drawing the test images"

# One line per image file: index 0, the digit, a confidence.
right=0
for ext in png jpg pgm ppm; do
    for k in 0 1 2 3 4 5 6 7 8 9; do
        run_nn predict "${M[@]}" "$IMG/digit$k.$ext"
        [ "$status" -eq 0 ] || fail "predict digit$k.$ext: exit $status: $(cat "$TMP/err")"
        [ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "digit$k.$ext: not one line"
        [ "$(cut -f1 "$TMP/out")" = 0 ] || fail "digit$k.$ext: index is not 0"
        [ "$(cut -f2 "$TMP/out")" = "$k" ] && right=$((right + 1))
    done
done
check "at least 32 of the 40 drawn digits are read right ($right)" [ "$right" -ge 32 ]
run_nn predict "${M[@]}" "$IMG/rgba3.png"
check "RGBA over white: 3" [ "$status" -eq 0 ] && [ "$(cut -f2 "$TMP/out")" = 3 ]

# A name does not decide the format: a PNG called .jpg, a JPEG called .idx.
cp "$IMG/digit7.png" "$TMP/lying.jpg"
cp "$IMG/digit7.jpg" "$TMP/lying.idx"
run_nn predict "${M[@]}" "$IMG/digit7.png"
cp "$TMP/out" "$TMP/seven.out"
run_nn predict "${M[@]}" "$TMP/lying.jpg"
check "PNG named .jpg" cmp -s "$TMP/out" "$TMP/seven.out"
run_nn predict "${M[@]}" "$TMP/lying.idx"
check "JPEG named .idx: read as JPEG" [ "$status" -eq 0 ] && [ "$(wc -l <"$TMP/out")" -eq 1 ]

# Standard input is sniffed the same way, as '-' and with no file.
"$NNCLASS" predict "${M[@]}" - <"$IMG/digit7.png" >"$TMP/stdin.out" 2>"$TMP/err"
check "PNG on stdin '-'" cmp -s "$TMP/stdin.out" "$TMP/seven.out"
cat "$IMG/digit7.png" | "$NNCLASS" predict "${M[@]}" >"$TMP/pipe.out" 2>"$TMP/err"
check "PNG piped, no file" cmp -s "$TMP/pipe.out" "$TMP/seven.out"
make_subset t10k 20 "$TMP/s"
"$NNCLASS" predict "${M[@]}" "$TMP/s-images.idx.gz" >"$TMP/idx.out"
cat "$TMP/s-images.idx.gz" | "$NNCLASS" predict "${M[@]}" >"$TMP/pipe.out" 2>"$TMP/err"
check "gzipped IDX piped still streams as IDX" cmp -s "$TMP/pipe.out" "$TMP/idx.out"

# Mixed formats in one call: the file column, index 0 for image files and
# 0..19 for the IDX file, in input order.
run_nn predict "${M[@]}" "$IMG/digit1.png" "$TMP/s-images.idx.gz" "$IMG/digit2.jpg" \
    "$IMG/digit3.pgm" "$IMG/digit5.ppm"
expect_status 0 "mixed formats"
check "mixed: 24 lines" [ "$(wc -l <"$TMP/out")" -eq 24 ]
check "mixed: 4 columns" [ "$(awk -F'\t' 'NF != 4' "$TMP/out" | wc -l)" -eq 0 ]
check "mixed: image file is index 0" [ "$(sed -n 1p "$TMP/out" | cut -f1,2)" = "$IMG/digit1.png	0" ]
check "mixed: IDX indices" [ "$(sed -n 2,21p "$TMP/out" | cut -f2 | tr '\n' ' ')" = "$(seq -s' ' 0 19) " ]
check "mixed: last file last" [ "$(sed -n 24p "$TMP/out" | cut -f1,2)" = "$IMG/digit5.ppm	0" ]

# --save-input writes the 28x28 images classified, as IDX, in input order:
# predicting them again gives the same lines.
run_nn predict "${M[@]}" --no-filename --save-input "$TMP/seen.idx" "$IMG/digit0.png" \
    "$IMG/digit6.jpg" "$TMP/s-images.idx.gz"
expect_status 0 "--save-input"
cp "$TMP/out" "$TMP/saved.out"
check "--save-input: 22 images of 28x28" [ "$(stat -c %s "$TMP/seen.idx")" -eq $((16 + 22 * 784)) ]
run_nn predict "${M[@]}" "$TMP/seen.idx"
check "--save-input: same predictions from the saved images" \
    [ "$(cut -f2,3 "$TMP/out")" = "$(cut -f2,3 "$TMP/saved.out")" ]
check "--save-input: no temporary file left" [ -z "$(ls "$TMP" | grep -F '.tmp.')" ]
run_nn predict "${M[@]}" --save-input "$TMP/never.idx" "$IMG/digit0.png" "$IMG/blank.png"
expect_status 1 "--save-input with a bad file"
check "--save-input: nothing written when a file fails" [ ! -e "$TMP/never.idx" ]
check "--save-input: no temporary file after a failure" [ -z "$(ls "$TMP" | grep -F '.tmp.')" ]

# show draws the image after preprocessing: 28 rows of 56 cells.
run_nn show "$IMG/digit3.png"
expect_status 0 "show PNG"
check "show: caption and 28 rows" [ "$(wc -l <"$TMP/out")" -eq 29 ]
run_nn show "$TMP/seen.idx" --index 0
check "show: the saved input" [ "$status" -eq 0 ] && [ "$(wc -l <"$TMP/out")" -eq 29 ]
run_nn show --preprocess none "$IMG/digit3.png"
check "show --preprocess none: the whole 200x180 image" \
    [ "$status" -eq 0 ] && [ "$(wc -l <"$TMP/out")" -eq 181 ]

# eval --images takes an image file as a set of one.
printf '\x00\x00\x08\x01\x00\x00\x00\x01\x08' >"$TMP/eight.lbl"
run_nn eval "${M[@]}" --images "$IMG/digit8.png" --labels "$TMP/eight.lbl"
check "eval of one PNG" [ "$status" -eq 0 ] && grep -q "^accuracy .* (./1)" "$TMP/out"

# --preprocess none: the pixels as they are (inverted when the paper is
# light, unless --invert no); only at the model's size.
i4=$(cat "$IMG/index4.txt")
"$NNCLASS" predict "${M[@]}" "$TMP/s-images.idx.gz" >/dev/null
run_nn predict "${M[@]}" --preprocess none "$IMG/mnist4.png"
cp "$TMP/out" "$TMP/none.out"
check "--preprocess none on an MNIST-style PNG" [ "$status" -eq 0 ] && [ "$(cut -f2 "$TMP/out")" = 4 ]
run_nn predict "${M[@]}" --preprocess none "$IMG/paper4.png"
check "--preprocess none inverts light paper" cmp -s "$TMP/out" "$TMP/none.out"
run_nn predict "${M[@]}" --preprocess none --invert yes "$IMG/mnist4.png"
check "--invert yes flips it" not cmp -s "$TMP/out" "$TMP/none.out"
run_nn predict "${M[@]}" --preprocess none "$IMG/digit4.png"
expect_error 1 "digit4.png" "--preprocess none on a 200x180 image"
check "size mismatch message names the sizes" grep -q "180x200 (36000 pixels)" "$TMP/err"
[ -n "$i4" ] || fail "index of the test 4"

# No ink is an error for that file; the other files still get their lines.
run_nn predict "${M[@]}" "$IMG/blank.png"
expect_error 1 "blank.png: no ink" "blank PNG"
run_nn predict "${M[@]}" "$IMG/grey.jpg"
expect_error 1 "grey.jpg: no ink" "uniform JPEG"
run_nn predict "${M[@]}" "$IMG/digit2.png" "$IMG/blank.png" "$IMG/digit9.png"
expect_status 1 "a blank file among good ones"
check "the good files' lines are printed" [ "$(wc -l <"$TMP/out")" -eq 2 ]
run_nn show "$IMG/blank.png"
expect_error 1 "blank.png" "show of a blank PNG"

# The pixel cap, and the options' values.
run_nn predict "${M[@]}" --max-image-mpixels 1 "$IMG/big.png"
expect_error 1 "big.png" "image over --max-image-mpixels"
check "cap message names the size" grep -q "1100x1000" "$TMP/err"
run_nn predict "${M[@]}" --max-image-mpixels 2 "$IMG/big.png"
expect_error 1 "no ink" "under a raised cap the big white image is read (and has no ink)"
run_nn predict "${M[@]}" --max-image-mpixels 0 "$IMG/digit1.png"
expect_error 2 "--max-image-mpixels" "cap of 0"
run_nn predict "${M[@]}" --invert sometimes "$IMG/digit1.png"
expect_error 2 "--invert" "bad --invert"
run_nn predict "${M[@]}" --preprocess fancy "$IMG/digit1.png"
expect_error 2 "--preprocess" "bad --preprocess"
for cmd in predict show eval; do
    run_nn "$cmd" --help
    check "$cmd --help names the image formats and options" \
        grep -q -- "--preprocess" "$TMP/out"
done
run_nn predict --help
check "predict --help: PNG, JPEG" grep -q "PNG" "$TMP/out"

# Unsure answers on image files are counted, once per run, on stderr: the
# count is that of the lines whose confidence is below 0.5 (scribbles that
# are no digit give some), and -q/--quiet drops the note. IDX images are
# not counted.
"$PY" - "$TMP/scribble" <<'EOF'
import os, sys
import numpy as np
from PIL import Image, ImageDraw
os.makedirs(sys.argv[1], exist_ok=True)
rng = np.random.default_rng(3)
for i in range(24):
    im = Image.new("L", (120, 120), 255)
    d = ImageDraw.Draw(im)
    for k in range(5):
        d.line(rng.integers(15, 105, size=4).tolist(), fill=0, width=7)
    im.save(f"{sys.argv[1]}/s{i:02d}.png")
EOF
run_nn predict "${M[@]}" "$TMP"/scribble/*.png
expect_status 0 "scribbles"
low=$(awk -F'\t' '$4 < 0.5' "$TMP/out" | wc -l)
check "some scribbles are unsure ($low)" [ "$low" -ge 1 ]
check "the note counts them: $(cat "$TMP/err")" [ "$(cat "$TMP/err")" = \
    "nnclass: $low of 24 images were classified with confidence below 0.5" ]
run_nn predict "${M[@]}" -q "$TMP"/scribble/*.png
check "-q: no note" [ ! -s "$TMP/err" ]
run_nn predict "${M[@]}" --quiet "$TMP"/scribble/*.png
check "--quiet: no note" [ ! -s "$TMP/err" ]
run_nn predict "${M[@]}" "$TMP/s-images.idx.gz"
check "IDX images: no note" [ ! -s "$TMP/err" ]

finish
