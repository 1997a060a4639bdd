# CLI tests of --reject: train --calibrate stores a threshold that info
# shows and predict uses; predict --reject turns non-digits (noise, a blank
# page, a drawn shape) into '?' and keeps most MNIST digits; eval --reject's
# matrix adds up; bad judges and values are clear errors.
. "$(dirname "$0")/lib.bash"

make_subset train 3000 "$TMP/tr"
make_subset t10k 300 "$TMP/te"

# idx3 N ROWS COLS OUT: an IDX image header; the pixels follow from stdin.
idx3() {
    local h
    h=$(printf '%08x%08x%08x' "$1" "$2" "$3")
    printf '\x00\x00\x08\x03'
    printf '%b' "$(echo "$h" | sed 's/../\\x&/g')"
    cat
}

# Non-digits, 28x28 as IDX input is: uniform noise, salt and pepper, all
# black, all grey, faint noise with a few dots of ink.
{
    head -c $((3 * 784)) /dev/urandom
    head -c $((2 * 784)) /dev/urandom | tr '\000-\317' '\000' | tr '\320-\377' '\377'
    head -c 784 /dev/zero
    head -c 784 /dev/zero | tr '\000' '\200'
    head -c 784 /dev/urandom | tr '\000-\377' '\000-\017\000-\017\000-\017\000-\017\000-\017\000-\017\000-\017\000-\017\000-\017\000-\017\000-\017\000-\017\000-\017\000-\017\000-\017\000-\017'
} | idx3 8 28 28 >"$TMP/noise.idx"

# A blank page and drawn shapes (a solid square, a triangle), as PGM files.
{ printf 'P5\n64 48\n255\n'; head -c $((64 * 48)) /dev/zero | tr '\000' '\360'; } >"$TMP/blank.pgm"
for s in square tri; do
    awk -v s=$s 'BEGIN { printf "P2\n60 60\n255\n";
        for (y = 0; y < 60; y++) { for (x = 0; x < 60; x++) { v = 240;
            if (s == "square" && x > 12 && x < 48 && y > 12 && y < 48) v = 20;
            if (s == "tri" && y > 10 && y < 50 && x > 30 - (y - 10) * 0.6 &&
                x < 30 + (y - 10) * 0.6) v = 20;
            printf "%d ", v } printf "\n" } }' >"$TMP/$s.pgm"
done

# --- the shipped judge
run_nn predict --reject "$TMP/noise.idx"
expect_status 0 "predict --reject on noise"
check "every noise image is rejected" [ "$(cut -f2 "$TMP/out" | grep -c '^?$')" -eq 8 ]
check "the confidence column stays the classifier's" \
    [ "$(cut -f3 "$TMP/out" | grep -c '^[01]\.[0-9]\{4\}$')" -eq 8 ]
run_nn predict --reject "$TMP/blank.pgm"
expect_status 0 "a blank page under --reject is a line, not an error"
check "the blank page is rejected" grep -q $'^0\t?\t' "$TMP/out"
run_nn predict -q "$TMP/blank.pgm"
expect_error 1 "no ink" "a blank page without --reject is still an error"
run_nn predict --reject "$TMP/square.pgm" "$TMP/tri.pgm"
check "the drawn shapes are rejected" [ "$(cut -f3 "$TMP/out" | grep -c '^?$')" -eq 2 ]
run_nn predict --reject --format json "$TMP/noise.idx"
check "JSON has the novelty and rejected keys" \
    [ "$(grep -c '"novelty":[01]\.[0-9]\{6\},"rejected":true}$' "$TMP/out")" -eq 8 ]
run_nn predict --reject --format csv "$TMP/noise.idx"
check "CSV has the novelty and rejected columns" \
    grep -q '^file,index,label,confidence,novelty,rejected,error$' "$TMP/out"

# MNIST test digits: the threshold accepts 99.5 % of held-out training
# digits; 300 test digits lose a handful at most on any CPU.
run_nn predict --reject "$TMP/te-images.idx.gz"
rejected=$(cut -f2 "$TMP/out" | grep -c '^?$')
check "at most 9 of 300 MNIST test digits rejected (got $rejected)" [ "$rejected" -le 9 ]
check "300 lines" [ "$(wc -l <"$TMP/out")" -eq 300 ]

# --- eval --reject: the matrix with its column of rejections adds up
run_nn eval --reject --images "$TMP/te-images.idx.gz" --labels "$TMP/te-labels.idx.gz" --format json
expect_status 0 "eval --reject"
check "each row adds up to its support, rejections included" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = d["reject"]
rows = [sum(row) for row in r["confusion"]]
support = [sum(row) for row in d["confusion"]]
assert rows == support, (rows, support)
assert r["accepted"] + r["rejected"] == d["total"] == 300
assert r["accepted"] == sum(sum(row[:-1]) for row in r["confusion"])
assert abs(r["acceptance"] - r["accepted"] / 300) < 1e-6
' "$TMP/out"
run_nn eval --reject --images "$TMP/te-images.idx.gz" --labels "$TMP/te-labels.idx.gz"
check "text: the acceptance rate" grep -q '^accepted 0\.[0-9]\{4\} ([0-9]*/300)$' "$TMP/out"
check "text: accuracy on the accepted images" grep -q '^accuracy on accepted 0\.[0-9]\{4\}' "$TMP/out"
check "text: a column of rejections" grep -q 'true\\pred .* 9      ?$' "$TMP/out"
run_nn eval --reject --format csv --images "$TMP/te-images.idx.gz" --labels "$TMP/te-labels.idx.gz"
expect_error 2 "--reject does not go with --format csv" "eval --reject --format csv"

# --- train --calibrate: the model judges itself
run_nn train --images "$TMP/tr-images.idx.gz" --labels "$TMP/tr-labels.idx.gz" --epochs 2 \
    --threads 1 --calibrate "$TMP/te-images.idx.gz" --calibrate-accept 0.99 -o "$TMP/cal.nnc"
expect_status 0 "train --calibrate"
run_nn info "$TMP/cal.nnc"
check "info shows the calibration" \
    grep -q '^reject        novelty = 1 - the largest probability, threshold 0\.' "$TMP/out"
check "info shows its acceptance" grep -q 'of 300 held-out digits, target 99.00 %' "$TMP/out"
run_nn predict --reject --model "$TMP/cal.nnc" --format json "$TMP/te-images.idx.gz"
check "the calibrated model judges itself" grep -q "\"model\":\"$TMP/cal.nnc\"" "$TMP/out"
n_rej=$(grep -c '"rejected":true' "$TMP/out")
check "about 1 % of its calibration digits rejected (got $n_rej of 300)" \
    [ "$n_rej" -ge 1 ] && [ "$n_rej" -le 6 ]
run_nn predict --reject-threshold 1 --model "$TMP/cal.nnc" "$TMP/te-images.idx.gz"
check "--reject-threshold 1 accepts every image with ink" not grep -q $'\t?\t' "$TMP/out"

# --- errors
run_nn predict --reject-model mnist-cnn "$TMP/noise.idx"
expect_error 1 "no reject calibration stored" "a judge without calibration"
run_nn predict --reject-model mnist-autoencoder "$TMP/noise.idx"
expect_error 1 "autoencoder cannot judge" "an autoencoder as the judge"
head -c 4096 /dev/urandom >"$TMP/junk.nnc"
run_nn predict --reject-model "$TMP/junk.nnc" "$TMP/noise.idx"
expect_error 1 "not an nnclass model" "a judge that is not a model"
head -c 300 "$TMP/cal.nnc" >"$TMP/short.nnc"
run_nn predict --reject-model "$TMP/short.nnc" "$TMP/noise.idx"
expect_error 1 "truncated" "a truncated judge"
head -c $((100 * 16)) /dev/urandom | idx3 100 4 4 >"$TMP/small-images.idx"
{ printf '\x00\x00\x08\x01\x00\x00\x00\x64'; head -c 100 /dev/zero; } >"$TMP/small-labels.idx"
"$NNCLASS" train --images "$TMP/small-images.idx" --labels "$TMP/small-labels.idx" \
    --layers 16,4,10 --epochs 1 --quiet --calibrate "$TMP/small-images.idx" \
    -o "$TMP/small.nnc" >/dev/null 2>&1
run_nn predict --reject-model "$TMP/small.nnc" "$TMP/noise.idx"
expect_error 1 "the reject model takes 4x4 images, the classifier 28x28" "a judge of another size"
run_nn predict --reject-threshold 1.5 "$TMP/noise.idx"
expect_error 2 "--reject-threshold" "a threshold above 1"
run_nn predict --reject-threshold nan "$TMP/noise.idx"
expect_error 2 "--reject-threshold" "a threshold that is no number"
run_nn train --images "$TMP/tr-images.idx.gz" --labels "$TMP/tr-labels.idx.gz" --reject-class 3
expect_error 2 "--reject-class goes with --calibrate" "--reject-class alone"
run_nn train --images "$TMP/tr-images.idx.gz" --labels "$TMP/tr-labels.idx.gz" --epochs 1 \
    --calibrate "$TMP/small-images.idx" -o "$TMP/x.nnc"
expect_error 1 "images are 4x4, the training images 28x28" "calibration images of another size"
check "no model written after a calibration error" [ ! -e "$TMP/x.nnc" ]

finish
