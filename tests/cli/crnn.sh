# crnn.sh - number readers: train --arch crnn on numbers it composes (the
# same model for any --threads), train and eval on strips with their numbers
# (--images F --numbers F.txt), eval's report in its three formats, and
# clear errors for bad numbers files and options that do not go together.
source "$(dirname "$0")/lib.bash"

# A table small enough for a test; the recipe's options otherwise.
TINY=32x128,conv3x3x2-same,pool2,pool2,cols,bilstm6-seq,step11,ctc

# --- usage errors (exit 2) ---
run_nn train --numbers "$TMP/n.txt"
expect_error 2 "--numbers: the numbers of the strips of --images" "--numbers without --images"
run_nn train --images "$TMP/a.idx" --labels "$TMP/b.idx" --numbers "$TMP/n.txt"
expect_error 2 "--labels and --numbers both give the targets" "--labels and --numbers"
run_nn train --epoch-size 100
expect_error 2 "--epoch-size: only --arch crnn" "--epoch-size without crnn"
run_nn train --arch crnn --dataset fashion
expect_error 2 "composes numbers of MNIST digits" "crnn on fashion"
run_nn train --arch crnn --images "$TMP/a.idx" --labels "$TMP/b.idx"
expect_error 2 "--images takes --numbers" "crnn with --labels"
run_nn eval --numbers "$TMP/n.txt"
expect_error 2 "--numbers: the numbers of the strips of --images" "eval --numbers alone"
run_nn eval --images "$TMP/a.idx" --numbers "$TMP/n.txt" --count 5
expect_error 2 "--count picks the first composed test numbers" "eval --count with --images"
run_nn eval --count 5
expect_error 2 "--numbers and --count are for a number reader" "eval --count of a classifier"
run_nn eval --model mnist-numbers --reject --count 5
expect_error 2 "and no --plot, --plot-errors, --errors, --split, --reject" "eval --reject of a reader"

# --- strips and numbers from files ---
python3 - "$TMP" <<'EOF'
import random, struct, sys
d = sys.argv[1]
random.seed(3)
n = 24
with open(d + "/s-images.idx", "wb") as f:
    f.write(struct.pack(">IIII", 0x803, n, 32, 128))
    f.write(bytes(random.choice((0, 0, 0, 255)) for _ in range(n * 32 * 128)))
nums = ["".join(random.choice("0123456789") for _ in range(random.randint(1, 8)))
        for _ in range(n)]
open(d + "/s-numbers.txt", "w").write("\n".join(nums) + "\n")
open(d + "/bad-char.txt", "w").write("\n".join(nums[:5] + ["12a4"] + nums[6:]) + "\n")
open(d + "/bad-long.txt", "w").write("\n".join(nums[:3] + ["123456789"] + nums[4:]) + "\n")
open(d + "/bad-count.txt", "w").write("\n".join(nums[:-1]) + "\n")
print(sum(len(x) for x in nums), file=open(d + "/digits", "w"))
EOF
S="$TMP/s-images.idx"
run_nn train --layers "$TINY" --images "$S" --numbers "$TMP/s-numbers.txt" --epochs 1 \
    --batch 8 --lr 0.01 --optimizer adam --threads 1 -o "$TMP/files.nnc"
expect_status 0 "train a reader on files"
check "a reader's epoch line has its loss and accuracy" grep -q "loss .* train " "$TMP/err"

for bad in bad-char:"line 6: byte 0x61 at column 3 is not a digit" \
           bad-long:"line 4: a number of 9 digits, at most 8" \
           bad-count:"23 numbers, but"; do
    name=${bad%%:*}
    run_nn train --layers "$TINY" --images "$S" --numbers "$TMP/$name.txt" --epochs 1 -o "$TMP/x.nnc"
    expect_error 1 "${bad#*:}" "train on $name"
    run_nn eval --model "$TMP/files.nnc" --images "$S" --numbers "$TMP/$name.txt"
    expect_error 1 "${bad#*:}" "eval on $name"
done
check "no model is left by a failed run" not test -e "$TMP/x.nnc"
run_nn eval --model "$TMP/files.nnc" --images "$S"
expect_error 2 "--images and --labels go together" "a reader with --images only"

# eval of a reader: text, json, csv, all telling the same figures
run_nn eval --model "$TMP/files.nnc" --images "$S" --numbers "$TMP/s-numbers.txt"
expect_status 0 "eval a reader (text)"
check "text: exact-number accuracy" grep -q "^exact-number accuracy [01]\.[0-9]* ([0-9]*/24)$" "$TMP/out"
check "text: digit error rate" grep -q "^digit error rate " "$TMP/out"
cp "$TMP/out" "$TMP/text"
run_nn eval --model "$TMP/files.nnc" --images "$S" --numbers "$TMP/s-numbers.txt" --format json
expect_status 0 "eval a reader (json)"
check "json: figures are consistent" python3 - "$TMP/out" "$(cat "$TMP/digits")" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["total"] == 24 and 0 <= r["correct"] <= 24, r
assert 0.0 <= r["accuracy"] <= 1.0 and abs(r["accuracy"] - r["correct"] / 24) < 1e-6, r
assert r["digits"] == int(sys.argv[2]), r
assert abs(r["digit_error_rate"] - r["edits"] / r["digits"]) < 1e-6, r
assert sum(b["total"] for b in r["by_length"]) == 24, r
assert sum(b["correct"] for b in r["by_length"]) == r["correct"], r
assert r["loss"] >= 0, r
EOF
run_nn eval --model "$TMP/files.nnc" --images "$S" --numbers "$TMP/s-numbers.txt" --format csv
expect_status 0 "eval a reader (csv)"
check "csv: a header, rows by length and a total" python3 - "$TMP/out" "$TMP/text" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert rows[0] == ["digits", "total", "correct", "accuracy", "digit_error_rate", "loss"], rows[0]
assert rows[-1][0] == "total" and rows[-1][1] == "24", rows[-1]
assert sum(int(r[1]) for r in rows[1:-1]) == 24
text = open(sys.argv[2]).read()
assert "(%s/24)" % rows[-1][2] in text, (rows[-1], text)
EOF

# --- composing its own numbers: the same model for 1 and 2 threads ---
for t in 1 2; do
    run_nn train --arch crnn --layers "$TINY" --epoch-size 64 --val 32 --epochs 2 --threads $t \
        -o "$TMP/c$t.nnc" --log "$TMP/c$t.log"
    expect_status 0 "train --arch crnn --threads $t"
done
check "crnn: the same model for 1 and 2 threads" cmp -s "$TMP/c1.nnc" "$TMP/c2.nnc"
check "crnn: the test numbers are read after training" \
    grep -q "^test exact-number accuracy [01]\.[0-9]* ([0-9]*/10000), digit error rate" "$TMP/err"
check "crnn: the log ends with the test numbers' record" \
    grep -q '"split":"test-numbers".*"digit_error_rate"' "$TMP/c2.log"
run_nn info "$TMP/c1.nnc"
check "info names the composed numbers in the recipe" grep -q "numbers=64/epoch" "$TMP/out"
check "info shows the reader's calibration on its validation numbers" \
    grep -q "novelty = 1 - the probability of the reading.*" "$TMP/out"
run_nn info --format json "$TMP/c1.nnc"
check "the calibration accepts at least its target share of the 32 numbers" \
    python3 - "$TMP/out" <<'EOF2'
import json, sys
c = json.load(open(sys.argv[1]))["reject_calibration"]
assert c["score"] == "reading" and c["images"] == 32, c
assert c["accepted"] >= c["target"] == 0.995 and 0 <= c["threshold"] <= 1, c
EOF2
run_nn train --arch crnn --layers "$TINY" --epoch-size 64 --val 32 --epochs 1 --threads 1 \
    --calibrate-accept 0.9 -o "$TMP/c9.nnc" --quiet
run_nn info --format json "$TMP/c9.nnc"
check "--calibrate-accept sets a reader's target" grep -q '"target":0.900000' "$TMP/out"
run_nn train --arch crnn --layers "$TINY" --epoch-size 64 --val 0 --epochs 1 \
    --calibrate-accept 0.9 -o "$TMP/c0.nnc"
expect_error 2 "--calibrate-accept goes with --calibrate" "--calibrate-accept without numbers"
run_nn eval --model "$TMP/c1.nnc" --count 40 --format json
expect_status 0 "eval a reader on the first composed test numbers"
check "eval --count reads that many" grep -q '"total":40' "$TMP/out"
# the composed test numbers are pack's: the same figures from its files
cp "$TMP/out" "$TMP/composed.json"
run_nn pack --numbers --split test --count 40 --seed 1 -o "$TMP/packed"
expect_status 0 "pack the first 40 test numbers"
run_nn eval --model "$TMP/c1.nnc" --images "$TMP/packed-images-idx3-ubyte.gz" \
    --numbers "$TMP/packed-numbers.txt" --format json
expect_status 0 "eval on pack's files"
check "pack's test numbers are eval's" python3 - "$TMP/out" "$TMP/composed.json" <<'EOF2'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for k in ("correct", "total", "edits", "digits", "loss", "by_length"):
    assert a[k] == b[k], (k, a[k], b[k])
EOF2

finish
