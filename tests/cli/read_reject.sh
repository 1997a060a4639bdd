# read_reject.sh - `nnclass read --reject`: a reader trained on composed
# numbers carries a calibration that read uses; a reading above the
# threshold prints '?' with its probability kept; JSON and CSV give the
# novelty and the verdict on every line; an image without ink is a rejected
# line (only under --reject); a reader without calibration is refused unless
# a threshold is given; --reject-threshold is checked.
source "$(dirname "$0")/lib.bash"

TINY=32x128,conv3x3x2-same,pool2,pool2,cols,bilstm6-seq,step11,ctc

# A calibrated reader (on its 32 validation numbers) and one without.
run_nn train --arch crnn --layers "$TINY" --epoch-size 64 --val 32 --epochs 1 --threads 1 \
    --quiet -o "$TMP/cal.nnc"
expect_status 0 "train a small calibrated reader"
run_nn train --arch crnn --layers "$TINY" --epoch-size 64 --val 0 --epochs 1 --threads 1 \
    --quiet -o "$TMP/raw.nnc"
expect_status 0 "train a small reader without validation numbers"
run_nn pack --numbers --split val --count 12 --seed 5 -o "$TMP/val"
expect_status 0 "pack 12 validation numbers"
VAL="$TMP/val-images-idx3-ubyte.gz"
M=(--model "$TMP/cal.nnc" -q)

# A blank page (PGM) and an IDX of two strips, the second without ink.
printf 'P5\n40 20\n255\n' >"$TMP/blank.pgm"
head -c 800 /dev/zero | tr '\0' '\372' >>"$TMP/blank.pgm"
{
    printf '\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x20\x00\x00\x00\x80'
    gzip -dc "$VAL" | tail -c +17 | head -c 4096
    head -c 4096 /dev/zero
} >"$TMP/two.idx"

# --- without --reject: today's behaviour ---
run_nn read "${M[@]}" "$TMP/blank.pgm"
expect_error 1 "no ink" "a blank image without --reject is an error"
run_nn read "${M[@]}" --format json "$VAL"
check "no novelty without --reject" not grep -q '"novelty"' "$TMP/out"

# --- the stored threshold: the small reader's, and the shipped one's when it has one ---
SHIPPED="$DATA/models/mnist-numbers.nnc"
models=("$TMP/cal.nnc")
if [ -f "$SHIPPED" ] && "$NNCLASS" info "$SHIPPED" | grep -q "novelty = 1 - the probability"; then
    models+=("$SHIPPED")
fi
for model in "${models[@]}"; do
    run_nn read --model "$model" -q --format json "$VAL"
    cp "$TMP/out" "$TMP/plain.json"
    run_nn info --format json "$model"
    cp "$TMP/out" "$TMP/info.json"
    run_nn read --model "$model" -q --reject --format json "$VAL" "$TMP/two.idx" "$TMP/blank.pgm"
    expect_status 0 "read --reject with the stored threshold of $model"
    check "$model: every line judged by the stored threshold, blank ones rejected" \
        python3 - "$TMP/out" "$TMP/info.json" "$TMP/plain.json" <<'EOF2'
import json, sys
t = json.load(open(sys.argv[2]))["reject_calibration"]["threshold"]
lines = [json.loads(l) for l in open(sys.argv[1])]
plain = [json.loads(l) for l in open(sys.argv[3])]
assert len(lines) == 12 + 2 + 1, len(lines)
for l in lines:
    assert isinstance(l["rejected"], bool) and 0 <= l["novelty"] <= 1, l
    blank = l["file"].endswith("blank.pgm") or (l["file"].endswith("two.idx") and l["index"] == 1)
    if blank:
        assert l["rejected"] and l["number"] == "?" and l["novelty"] == 1, l
        assert l["confidence"] == 0 and l["digits"] == [], l
    elif not l["digits"]:  # a reading of no digit is no number
        assert l["rejected"] and l["novelty"] == 1, l
    else:
        assert abs(l["novelty"] - (1 - l["confidence"])) < 2e-6, l
        # (the threshold is printed with 6 decimals: leave a hair either side)
        if abs(l["novelty"] - t) > 2e-6 and l["novelty"] < 1:
            assert l["rejected"] == (l["novelty"] > t), (l, t)
        assert (l["number"] == "?") == l["rejected"], l
# the confidence and the readings stay those of read without --reject
for a, b in zip(lines[:12], plain):
    assert a["confidence"] == b["confidence"] and a["digits"] == b["digits"], (a, b)
EOF2
done

# --- a forced threshold (with the shipped reader: its readings are probable) ---
if [ -f "$SHIPPED" ]; then
    S=(--model "$SHIPPED" -q)
    run_nn read "${S[@]}" "$VAL"
    awk -F'\t' '{print $1 "\t?\t" $3}' "$TMP/out" >"$TMP/all-rejected.tsv"
    cp "$TMP/out" "$TMP/plain.tsv"
    run_nn read "${S[@]}" --reject-threshold 0 "$VAL"
    expect_status 0 "read --reject-threshold 0"
    check "threshold 0: every line '?', the confidence column kept" \
        cmp -s "$TMP/out" "$TMP/all-rejected.tsv"
    run_nn read "${S[@]}" --reject-threshold 1 "$VAL"
    check "threshold 1: the numbers as without --reject" cmp -s "$TMP/out" "$TMP/plain.tsv"
else
    echo "$SHIPPED not there: the forced thresholds are checked on the small reader only"
fi
run_nn read "${M[@]}" --reject-threshold 0 "$VAL"
check "threshold 0: every line '?'" [ "$(cut -f2 "$TMP/out" | sort -u)" = "?" ]
run_nn read "${M[@]}" --reject-threshold 1 "$TMP/blank.pgm"
expect_status 0 "a blank image under --reject is a line, not an error"
check "a blank image: '?' with confidence 0" [ "$(cat "$TMP/out")" = "?	0.0000" ]
run_nn read "${M[@]}" --reject --beam 1 --format json "$TMP/two.idx"
check "greedy decoding is judged too" [ "$(grep -c '"rejected"' "$TMP/out")" -eq 2 ]

# --- CSV: two more columns, also in a failure's record ---
printf 'P5\n4 4\n255\n' >"$TMP/short.pgm"
run_nn read "${M[@]}" --reject --format csv "$TMP/blank.pgm" "$TMP/short.pgm"
check "CSV header" [ "$(head -1 "$TMP/out")" = "file,index,number,confidence,novelty,rejected,error" ]
check "CSV: a blank image's row" grep -q "^$TMP/blank.pgm,0,?,0.0000,1.000000,true,\$" "$TMP/out"
check "CSV: every row has 7 fields" python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert len(rows) == 3 and all(len(r) == 7 for r in rows), rows' "$TMP/out"

# --- no calibration, bad thresholds ---
run_nn read --model "$TMP/raw.nnc" --reject "$VAL"
expect_error 1 "no reject calibration stored in the reader" "a reader without calibration"
run_nn read --model "$TMP/raw.nnc" -q --reject-threshold 0.5 "$VAL"
expect_status 0 "a reader without calibration takes --reject-threshold"
for bad in 1.5 -0.1 nan x ""; do
    run_nn read "${M[@]}" --reject-threshold "$bad" "$VAL"
    expect_error 2 "--reject-threshold" "--reject-threshold '$bad'"
done
run_nn read "${M[@]}" --reject-model "$TMP/cal.nnc" "$VAL"
expect_status 2 "--reject-model is predict's"

finish
