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

finish
