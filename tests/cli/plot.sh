# CLI tests of the SVG pictures: each one is well-formed XML, renders with
# rsvg-convert, reads as its scale says, and is the same bytes for the same
# input; a destination that cannot be written is an error with nothing printed.
. "$(dirname "$0")/lib.bash"
CHECK=$(dirname "$0")/svgcheck.py

# valid_svg FILE DESCRIPTION: xmllint accepts it and rsvg-convert renders it
# to FILE.png, a PNG that decodes.
valid_svg() {
    if xmllint --noout "$1" 2>"$TMP/xmllint.err"; then pass; else
        fail "$2: xmllint: $(head -c 300 "$TMP/xmllint.err")"
    fi
    if rsvg-convert -o "$1.png" "$1" 2>"$TMP/rsvg.err" && python3 "$CHECK" png "$1.png"; then
        pass
    else
        fail "$2: rsvg-convert: $(head -c 300 "$TMP/rsvg.err")"
    fi
    if grep -Eq '<script|href=|@import|url\(' "$1"; then fail "$2: refers outside itself"; else pass; fi
}

make_subset t10k 500 "$TMP/s"
train_small "$TMP/m.nnc" || fail "training the test model"
E=(eval --model "$TMP/m.nnc" --images "$TMP/s-images.idx.gz" --labels "$TMP/s-labels.idx.gz")

# --- eval --plot: the confusion heatmap
run_nn "${E[@]}" --plot "$TMP/cm.svg"
expect_status 0 "eval --plot"
check "eval --plot still prints the report" grep -q '^accuracy ' "$TMP/out"
valid_svg "$TMP/cm.svg" "heatmap"
check "heatmap pixels follow the scale" python3 "$CHECK" heatmap "$TMP/cm.svg" "$TMP/cm.svg.png"
check "heatmap axis titles" grep -q '>True label<' "$TMP/cm.svg"
check "heatmap names the predictions" grep -q '>Predicted label<' "$TMP/cm.svg"
check "heatmap title has the accuracy" \
    grep -q "accuracy $(sed -n 's/^accuracy 0\.\([0-9][0-9]\)\([0-9][0-9]\) .*/\1.\2/p' "$TMP/out")%" "$TMP/cm.svg"
check "heatmap has recall and precision" grep -q '>recall<.*' "$TMP/cm.svg"
"$NNCLASS" "${E[@]}" --plot "$TMP/cm2.svg" >/dev/null 2>&1
check "heatmap is deterministic" cmp -s "$TMP/cm.svg" "$TMP/cm2.svg"
check "no temporary file left" [ "$(ls "$TMP" | grep -c '\.tmp\.')" -eq 0 ]

# The committed model on the whole test set: the real picture.
if [ -f "$DATA/models/mnist.nnc" ]; then
    run_nn eval --data-dir "$DATA" --plot "$TMP/full.svg"
    expect_status 0 "eval --plot, default model"
    valid_svg "$TMP/full.svg" "full heatmap"
    check "full heatmap pixels follow the scale" \
        python3 "$CHECK" heatmap "$TMP/full.svg" "$TMP/full.svg.png"
fi

# Errors: an unwritable destination prints nothing and leaves nothing.
run_nn "${E[@]}" --plot "$TMP/no/such/dir/cm.svg"
expect_error 1 "$TMP/no/such/dir/cm.svg" "eval --plot into a missing folder"
run_nn "${E[@]}" --plot ""
expect_error 2 "--plot" "eval --plot with an empty name"
run_nn "${E[@]}" --plot
expect_error 2 "missing value" "eval --plot without a value"

# --- eval --errors N --plot-errors: the gallery of confidently wrong images
run_nn "${E[@]}" --errors 5 --plot-errors "$TMP/gal.svg"
expect_status 0 "eval --plot-errors"
valid_svg "$TMP/gal.svg" "gallery"
check "gallery has 5 tiles" [ "$(grep -c '<g id="tile-' "$TMP/gal.svg")" -eq 5 ]
check "gallery tiles show their images" \
    python3 "$CHECK" gallery "$TMP/gal.svg" "$TMP/gal.svg.png" "$TMP/s-images.idx"
# The same images, in the same order, with the same captions as the text.
sed -n 's/^image \([0-9]*\): true \([^,]*\), predicted \(.*\) (confidence \(0\.[0-9]*\))$/\1 \2 \3 \4/p' \
    "$TMP/out" >"$TMP/text-captions"
python3 -c '
import sys, xml.etree.ElementTree as ET
S = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
for g in root.iter(S + "g"):
    if (g.get("id") or "").startswith("tile-"):
        t = [e.text for e in g.iter(S + "text")]
        conf = float(t[2].split()[1].rstrip("%")) / 100
        print(t[3].split()[1], t[0].split()[1], t[1].split()[1], "%.4f" % conf)
' "$TMP/gal.svg" >"$TMP/svg-captions"
check "gallery captions agree with the text report" \
    python3 -c '
import sys
a = [l.split() for l in open(sys.argv[1])]
b = [l.split() for l in open(sys.argv[2])]
assert len(a) == len(b) == 5, (a, b)
for x, y in zip(a, b):
    assert x[:3] == y[:3] and abs(float(x[3]) - float(y[3])) < 6e-5, (x, y)
' "$TMP/text-captions" "$TMP/svg-captions"
"$NNCLASS" "${E[@]}" --errors 5 --plot-errors "$TMP/gal2.svg" >/dev/null 2>&1
check "gallery is deterministic" cmp -s "$TMP/gal.svg" "$TMP/gal2.svg"
run_nn "${E[@]}" --plot-errors "$TMP/gal3.svg"
expect_error 2 "--plot-errors needs --errors" "--plot-errors without --errors"
run_nn "${E[@]}" --errors 3 --plot-errors "$TMP/no/dir/gal.svg"
expect_status 1 "--plot-errors into a missing folder"
check "--plot-errors: the error names the file" grep -qF "$TMP/no/dir/gal.svg" "$TMP/err"

# --- train --plot and plot LOG: the learning curve
T=(train --images "$TMP/train3k-images.idx.gz" --labels "$TMP/train3k-labels.idx.gz" --epochs 3
   --val 500 --quiet --threads 1)
run_nn "${T[@]}" -o "$TMP/lc.nnc" --log "$TMP/lc.jsonl" --plot "$TMP/lc.svg"
expect_status 0 "train --plot"
valid_svg "$TMP/lc.svg" "train --plot"
"$NNCLASS" "${T[@]}" -o "$TMP/lc2.nnc" --plot "$TMP/lc2.svg" >/dev/null 2>&1
check "train --plot is deterministic" cmp -s <(sed 's/lc2\.nnc/lc.nnc/' "$TMP/lc2.svg") "$TMP/lc.svg"
check "the log has the learning rate" python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["epoch"] for r in rows] == [1, 2, 3], rows
assert all(r["lr"] > 0 for r in rows), rows' "$TMP/lc.jsonl"
check "learning curve has training, validation and lr lines" \
    grep -q 'id="acc-val"' "$TMP/lc.svg"
check "learning curve: lr line" grep -q 'id="lr"' "$TMP/lc.svg"
check "learning curve: validation loss line" grep -q 'id="loss-val"' "$TMP/lc.svg"
check "the log has the validation loss" python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert all(0 < r["val_loss"] < 5 for r in rows), rows' "$TMP/lc.jsonl"
check "learning curve: the best epoch is marked" grep -q 'id="best"' "$TMP/lc.svg"
best=$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
b = max(rows, key=lambda r: (r["val_accuracy"], -r["epoch"]))
print("best epoch %d: %.2f%%" % (b["epoch"], 100 * b["val_accuracy"]))' "$TMP/lc.jsonl")
check "learning curve names the best epoch ($best)" grep -qF "$best" "$TMP/lc.svg"
run_nn plot "$TMP/lc.jsonl" -o "$TMP/plot.svg"
expect_status 0 "plot LOG"
valid_svg "$TMP/plot.svg" "plot LOG"
"$NNCLASS" plot "$TMP/lc.jsonl" -o "$TMP/plot2.svg"
check "plot is deterministic" cmp -s "$TMP/plot.svg" "$TMP/plot2.svg"
"$NNCLASS" plot - -o "$TMP/plot3.svg" <"$TMP/lc.jsonl"
check "plot reads stdin" grep -q '>standard input<' "$TMP/plot3.svg"
# Without --val: no validation line, no best epoch.
run_nn train --images "$TMP/train3k-images.idx.gz" --labels "$TMP/train3k-labels.idx.gz" \
    --epochs 1 --quiet -o "$TMP/lc1.nnc" --plot "$TMP/lc1.svg"
expect_status 0 "train --plot, one epoch, no --val"
valid_svg "$TMP/lc1.svg" "one-epoch curve"
check "no validation line without --val" not grep -q 'id="acc-val"' "$TMP/lc1.svg"
check "no validation loss without --val" not grep -q 'id="loss-val"' "$TMP/lc1.svg"
# The perceptron logs no loss: its curve says so, and plot reads its log.
run_nn train --images "$TMP/train3k-images.idx.gz" --labels "$TMP/train3k-labels.idx.gz" \
    --activation step --epochs 2 --quiet -o "$TMP/p.nnc" --log "$TMP/p.jsonl" --plot "$TMP/p.svg"
expect_status 0 "train --plot, perceptron"
valid_svg "$TMP/p.svg" "perceptron curve"
check "perceptron curve: no loss line" not grep -q 'id="loss-train"' "$TMP/p.svg"
check "perceptron curve says why" grep -q 'no loss: the perceptron' "$TMP/p.svg"
run_nn plot "$TMP/p.jsonl" -o "$TMP/p2.svg"
expect_status 0 "plot of a perceptron log"
valid_svg "$TMP/p2.svg" "perceptron plot"
run_nn "${T[@]}" -o "$TMP/lc.nnc" --plot "$TMP/no/dir/lc.svg"
expect_error 1 "$TMP/no/dir/lc.svg" "train --plot into a missing folder"

# A malformed log is exit 1 naming the file and the line.
bad_log() {
    printf '{"epoch":1,"loss":0.5,"train_accuracy":0.9}\n\n%s\n' "$1" >"$TMP/bad.jsonl"
    run_nn plot "$TMP/bad.jsonl" -o "$TMP/bad.svg"
    expect_error 1 "$TMP/bad.jsonl:3: $2" "plot: $3"
    check "plot: $3: no picture" [ ! -e "$TMP/bad.svg" ]
}
bad_log '{"epoch":2,"loss":0.4' "unexpected end of line" "cut line"
bad_log '{"epoch":2,"loss":0.4,"train_accuracy":1.5}' '"train_accuracy" is not between 0 and 1' "accuracy over 1"
bad_log '{"epoch":1,"loss":0.4,"train_accuracy":0.9}' "epochs do not increase" "repeated epoch"
bad_log '{"epoch":2,"loss":"low","train_accuracy":0.9}' '"loss" must be a number' "string loss"
bad_log '{"epoch":2,"train_accuracy":0.9}' 'no "loss"' "missing loss"
bad_log '{"epoch":2,"loss":0.4,"train_accuracy":0.9} x' "text after" "trailing text"
bad_log '[1,2]' "not a JSON object" "an array"
bad_log '{"epoch":2.5,"loss":0.4,"train_accuracy":0.9}' '"epoch" is not a whole number' "fractional epoch"
bad_log '{"epoch":2,"loss":NaN,"train_accuracy":0.9}' "bad number" "NaN"
bad_log '{"epoch":2,"loss":0.4,"loss":0.3,"train_accuracy":0.9}' '"loss" appears twice' "duplicate field"
printf '' >"$TMP/empty.jsonl"
run_nn plot "$TMP/empty.jsonl" -o "$TMP/bad.svg"
expect_error 1 "no epochs" "plot: empty log"
run_nn plot "$TMP/missing.jsonl" -o "$TMP/bad.svg"
expect_error 1 "$TMP/missing.jsonl" "plot: missing log"
run_nn plot "$TMP/lc.jsonl"
expect_error 2 "-o FILE.svg is required" "plot without -o"
run_nn plot -o "$TMP/x.svg"
expect_error 2 "which log" "plot without a log"

# --- plot --reading: how a row-by-row recurrent net forms its answer
"$NNCLASS" train --layers 28x28,lstm8,10 --epochs 1 --images "$TMP/s-images.idx.gz" \
    --labels "$TMP/s-labels.idx.gz" --quiet -o "$TMP/lstm.nnc" >/dev/null 2>&1
check "train a small LSTM" [ -f "$TMP/lstm.nnc" ]
R=(plot --reading "$TMP/lstm.nnc" --images "$TMP/s-images.idx.gz" --labels "$TMP/s-labels.idx.gz")
run_nn "${R[@]}" --count 4 -o "$TMP/read.svg"
expect_status 0 "plot --reading"
valid_svg "$TMP/read.svg" "reading picture"
check "reading: one group per image" [ "$(grep -c '<g id="reading-' "$TMP/read.svg")" -eq 4 ]
check "reading: 28 steps x 10 classes of cells per image, and the answer" \
    [ "$(grep -c '<rect' "$TMP/read.svg")" -ge $((4 * 280)) ]
check "reading: the true labels" grep -q '>true 7<' "$TMP/read.svg"
"$NNCLASS" "${R[@]}" --count 4 -o "$TMP/read2.svg" >/dev/null 2>&1
check "reading picture is deterministic" cmp -s "$TMP/read.svg" "$TMP/read2.svg"
run_nn "${R[@]}" -o "$TMP/read3.svg"
check "reading: 6 images by default" [ "$(grep -c '<g id="reading-' "$TMP/read3.svg")" -eq 6 ]
run_nn plot --reading "$TMP/m.nnc" --images "$TMP/s-images.idx.gz" -o "$TMP/no.svg"
expect_error 1 "not a net that reads row by row" "plot --reading of a dense net"
check "nothing written for a dense net" [ ! -e "$TMP/no.svg" ]
run_nn plot --images "$TMP/s-images.idx.gz" -o "$TMP/no.svg" "$TMP/log.jsonl"
expect_error 2 "--images goes with --reading" "--images without --reading"
run_nn "${R[@]}" --count 0 -o "$TMP/no.svg"
expect_error 2 "--count" "--count 0"
run_nn "${R[@]}" --count 33 -o "$TMP/no.svg"
expect_error 2 "--count" "--count 33"
run_nn "${R[@]}" -o "$TMP/no.svg" "$TMP/log.jsonl"
expect_error 2 "unexpected argument" "a log with --reading"
run_nn plot --reading "$TMP/lstm.nnc" --images "$TMP/lstm.nnc" -o "$TMP/no.svg"
expect_status 1 "plot --reading: a model file as images"
# --- plot --weights: the first layer's weights as pictures
run_nn plot --weights "$TMP/m.nnc" -o "$TMP/w.svg"
expect_status 0 "plot --weights of a dense net"
valid_svg "$TMP/w.svg" "dense weights"
check "one picture per first-layer neuron" [ "$(grep -c '<g id="unit-' "$TMP/w.svg")" -eq 16 ]
check "the templates are 28x28" grep -q '16 neurons, 28x28 each' "$TMP/w.svg"
"$NNCLASS" plot --weights "$TMP/m.nnc" -o "$TMP/w2.svg" >/dev/null 2>&1
check "weights picture is deterministic" cmp -s "$TMP/w.svg" "$TMP/w2.svg"
if [ -f "$DATA/models/mnist-cnn.nnc" ]; then
    run_nn plot --weights "$DATA/models/mnist-cnn.nnc" -o "$TMP/wc.svg"
    expect_status 0 "plot --weights of a CNN"
    valid_svg "$TMP/wc.svg" "conv kernels"
    check "the kernels are 5x5" grep -q 'kernels, 5x5 each' "$TMP/wc.svg"
fi
run_nn plot --weights "$TMP/lstm.nnc" -o "$TMP/no.svg"
expect_error 1 "the first layer is lstm" "plot --weights of an LSTM"
check "no picture of a refused model" [ ! -e "$TMP/no.svg" ]
run_nn plot --weights "$TMP/m.nnc" --reading "$TMP/m.nnc" -o "$TMP/no.svg"
expect_error 2 "either --reading or --weights" "--weights with --reading"
run_nn plot --weights "$TMP/m.nnc" -o "$TMP/no.svg" "$TMP/log.jsonl"
expect_error 2 "unexpected argument" "a log with --weights"
finish
