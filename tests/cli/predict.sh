# CLI tests of `nnclass predict`: output shape, formats, inputs, streams, errors.
. "$(dirname "$0")/lib.bash"

make_subset t10k 300 "$TMP/s"
train_small "$TMP/m.nnc" || fail "training the test model"
M=(--model "$TMP/m.nnc")

# One line per image, three tab-separated columns, indices 0..N-1 in order.
run_nn predict "${M[@]}" "$TMP/s-images.idx.gz"
expect_status 0 "predict gz"
check "300 lines" [ "$(wc -l <"$TMP/out")" -eq 300 ]
check "3 columns" [ "$(awk -F'\t' 'NF != 3' "$TMP/out" | wc -l)" -eq 0 ]
check "indices in order" [ "$(cut -f1 "$TMP/out" | tr '\n' ' ')" = "$(seq -s' ' 0 299) " ]
check "labels are digits" [ "$(cut -f2 "$TMP/out" | grep -cv '^[0-9]$')" -eq 0 ]
check "confidence in (0,1]" [ "$(awk -F'\t' '$3 <= 0 || $3 > 1' "$TMP/out" | wc -l)" -eq 0 ]
cp "$TMP/out" "$TMP/gz.out"

# The predictions agree with the labels most of the time (a real model).
right=$(paste <(cut -f2 "$TMP/gz.out") <(od -An -v -tu1 -j8 "$TMP/s-labels.idx" | tr -s ' ' '\n' | sed '/^$/d') | awk '$1 == $2' | wc -l)
check "accuracy of the small model above 0.75 ($right/300)" [ "$right" -ge 225 ]

# gz and raw give identical output; so does stdin, as '-' and with no file.
run_nn predict "${M[@]}" "$TMP/s-images.idx"
check "raw equals gz" cmp -s "$TMP/out" "$TMP/gz.out"
"$NNCLASS" predict "${M[@]}" - <"$TMP/s-images.idx.gz" >"$TMP/stdin.out" 2>/dev/null
check "stdin '-' equals file" cmp -s "$TMP/stdin.out" "$TMP/gz.out"
cat "$TMP/s-images.idx" | "$NNCLASS" predict "${M[@]}" >"$TMP/pipe.out" 2>/dev/null
check "no file reads stdin" cmp -s "$TMP/pipe.out" "$TMP/gz.out"

# Two files: a file column first, indices restart per file; -H and --no-filename.
run_nn predict "${M[@]}" "$TMP/s-images.idx" "$TMP/s-images.idx.gz"
check "two files: 600 lines" [ "$(wc -l <"$TMP/out")" -eq 600 ]
check "two files: 4 columns" [ "$(awk -F'\t' 'NF != 4' "$TMP/out" | wc -l)" -eq 0 ]
check "file column names the file" [ "$(head -1 "$TMP/out" | cut -f1)" = "$TMP/s-images.idx" ]
check "index restarts per file" [ "$(sed -n 301p "$TMP/out" | cut -f2)" = 0 ]
run_nn predict "${M[@]}" --no-filename "$TMP/s-images.idx" "$TMP/s-images.idx.gz"
check "--no-filename" [ "$(awk -F'\t' 'NF != 3' "$TMP/out" | wc -l)" -eq 0 ]
run_nn predict "${M[@]}" -H "$TMP/s-images.idx"
check "-H adds the file column" [ "$(awk -F'\t' 'NF != 4' "$TMP/out" | wc -l)" -eq 0 ]

# --probs: 10 more columns that sum to 1; --top 3: three label/confidence pairs.
run_nn predict "${M[@]}" --probs "$TMP/s-images.idx"
check "--probs: 13 columns" [ "$(awk -F'\t' 'NF != 13' "$TMP/out" | wc -l)" -eq 0 ]
check "--probs sum to 1" [ "$(awk -F'\t' '{s=0; for(i=4;i<=13;i++) s+=$i; if (s < 0.99 || s > 1.01) print}' "$TMP/out" | wc -l)" -eq 0 ]
run_nn predict "${M[@]}" --top 3 "$TMP/s-images.idx"
check "--top 3: 7 columns" [ "$(awk -F'\t' 'NF != 7' "$TMP/out" | wc -l)" -eq 0 ]
check "--top sorted" [ "$(awk -F'\t' '$3 < $5 || $5 < $7' "$TMP/out" | wc -l)" -eq 0 ]
check "--top 1st equals default" [ "$(cut -f1-3 "$TMP/out" | cmp -s - "$TMP/gz.out" && echo same)" = same ]

# CSV has a header; JSON Lines parse and agree with the TSV.
run_nn predict "${M[@]}" --format csv "$TMP/s-images.idx"
check "csv header" [ "$(head -1 "$TMP/out")" = "file,index,label,confidence,error" ]
check "csv rows" [ "$(wc -l <"$TMP/out")" -eq 301 ]
check "csv rows name their one file" [ "$(cut -d, -f1 "$TMP/out" | sort -u | grep -c s-images.idx)" -eq 1 ]
run_nn predict "${M[@]}" --format json --top 2 --probs "$TMP/s-images.idx"
check "json lines parse and match" python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
tsv = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
assert len(rows) == len(tsv) == 300
for r, t in zip(rows, tsv):
    assert r["index"] == int(t[0]) and r["label"] == t[1], (r, t)
    assert abs(r["confidence"] - float(t[2])) < 1e-4
    assert len(r["probs"]) == 10 and len(r["top"]) == 2
' "$TMP/out" "$TMP/gz.out"

# A batch's records: JSON and CSV name the file whatever the number of
# files (TSV keeps grep's rule), and a file that fails leaves a record with
# its error as well as its line on stderr.
head -c 5000 "$TMP/s-images.idx" >"$TMP/cut.idx"
for n in 1 2; do
    files=("$TMP/s-images.idx")
    [ "$n" -eq 2 ] && files+=("$TMP/cut.idx" "$TMP/missing.idx")
    run_nn predict "${M[@]}" --format json "${files[@]}"
    check "json, $n kind(s) of file: every record has a file" python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert all("file" in r for r in rows), rows[:2]
if sys.argv[2] == "1":
    assert len(rows) == 300 and all("error" not in r for r in rows)
else:
    cut = [r for r in rows if r["file"].endswith("cut.idx")]
    assert len(cut) == 7 and [r["index"] for r in cut[:-1]] == list(range(6)), cut
    assert set(cut[-1]) == {"file", "error"} and "truncated" in cut[-1]["error"], cut[-1]
    miss = [r for r in rows if r["file"].endswith("missing.idx")]
    assert len(miss) == 1 and set(miss[0]) == {"file", "error"}, miss
' "$TMP/out" "$n"
done
check "json: a failed file still exits 1" [ "$status" -eq 1 ]
check "json: failures are on stderr too" [ "$(grep -c '^nnclass: ' "$TMP/err")" -eq 2 ]
run_nn predict "${M[@]}" --format json --no-filename "$TMP/s-images.idx" "$TMP/s-images.idx"
check "json: --no-filename leaves the file in" python3 -c '
import json, sys
assert all("file" in json.loads(l) for l in open(sys.argv[1]))' "$TMP/out"
run_nn predict "${M[@]}" --format csv --top 2 --probs "$TMP/cut.idx" "$TMP/missing.idx"
check "csv: every row as wide as the header, errors in the last column" python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
head = rows[0]
assert head[0] == "file" and head[-1] == "error" and len(head) == 1 + 1 + 4 + 10 + 1, head
assert all(len(r) == len(head) for r in rows), rows
assert [r[-1] == "" for r in rows[1:]] == [True] * 6 + [False, False], rows
assert "truncated" in rows[7][-1] and rows[7][0].endswith("cut.idx") and rows[7][1] == ""
assert rows[8][0].endswith("missing.idx") and rows[8][-1] != ""
' "$TMP/out"
run_nn predict "${M[@]}" "$TMP/cut.idx" "$TMP/missing.idx"
check "tsv: failures only on stderr" [ "$(wc -l <"$TMP/out")" -eq 6 ]

# A file of 0 images prints nothing and succeeds.
printf '\x00\x00\x08\x03\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x1c' >"$TMP/empty.idx"
run_nn predict "${M[@]}" "$TMP/empty.idx"
expect_status 0 "0 images"
check "0 images: no output" [ ! -s "$TMP/out" ]

# A truncated file: lines for its complete images, then an error and exit 1.
head -c $((16 + 784 * 10 + 100)) "$TMP/s-images.idx" >"$TMP/trunc.idx"
run_nn predict "${M[@]}" "$TMP/trunc.idx"
expect_status 1 "truncated"
check "truncated: 10 lines" [ "$(wc -l <"$TMP/out")" -eq 10 ]
check "truncated: error names the file" grep -qF "trunc.idx" "$TMP/err"
gzip -nc "$TMP/trunc.idx" >"$TMP/trunc.idx.gz"
run_nn predict "${M[@]}" "$TMP/trunc.idx.gz"
expect_status 1 "truncated gz"
check "truncated gz: 10 lines" [ "$(wc -l <"$TMP/out")" -eq 10 ]

# Other files go on after a bad one; the exit status still says 1.
run_nn predict "${M[@]}" "$TMP/missing.idx" "$TMP/s-images.idx"
expect_status 1 "missing + good file"
check "missing + good: 300 lines" [ "$(wc -l <"$TMP/out")" -eq 300 ]

# Images of another size than the model's input: a clear error.
printf '\x00\x00\x08\x03\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x02\x01\x02\x03\x04' >"$TMP/small.idx"
run_nn predict "${M[@]}" "$TMP/small.idx"
expect_error 1 "small.idx" "wrong image size"

# Bad inputs: exit 1, one line naming the file.
run_nn predict "${M[@]}" "$TMP/nope.idx"
expect_error 1 "nope.idx" "missing file"
run_nn predict "${M[@]}" "$TMP/s-labels.idx"
expect_error 1 "s-labels.idx" "label file given as images"
run_nn predict --model "$TMP/s-images.idx" "$TMP/s-images.idx"
expect_error 1 "s-images.idx" "image file given as model"
: >"$TMP/zero.nnc"
run_nn predict --model "$TMP/zero.nnc" "$TMP/s-images.idx"
expect_error 1 "zero.nnc" "empty model"

# Usage errors: exit 2.
run_nn predict --top 0 "$TMP/s-images.idx"
expect_error 2 "--top" "--top 0"
run_nn predict "${M[@]}" --top 11 "$TMP/s-images.idx"
expect_error 2 "--top" "--top 11"
run_nn predict --format xml "$TMP/s-images.idx"
expect_error 2 "--format" "--format xml"
run_nn predict --bogus
expect_error 2 "--bogus" "unknown flag"
run_nn predict --threads 0
expect_error 2 "--threads" "--threads 0"
run_nn predict --threads 10000
expect_error 2 "--threads" "--threads 10000"

# A reader that goes away: no error message. A full disk: exit 1 and a message.
# (10k images with --probs is ~700 kB of output, well past a pipe's buffer.)
make_subset t10k 10000 "$TMP/big"
"$NNCLASS" predict "${M[@]}" --probs "$TMP/big-images.idx.gz" 2>"$TMP/pipe.err" | head -1 >"$TMP/pipe.out"
check "SIGPIPE: first line arrives" [ "$(wc -l <"$TMP/pipe.out")" -eq 1 ]
check "SIGPIPE: quiet" [ ! -s "$TMP/pipe.err" ]
if [ -w /dev/full ]; then
    "$NNCLASS" predict "${M[@]}" "$TMP/s-images.idx" >/dev/full 2>"$TMP/err"
    status=$?
    check "/dev/full: exit 1" [ "$status" -eq 1 ]
    check "/dev/full: message" grep -q "^nnclass: standard output: " "$TMP/err"
fi

run_nn predict --help
expect_status 0 "--help"
check "--help lists --top" grep -q -- "--top" "$TMP/out"

finish
