# valgrind memcheck over a small train, eval and predict run: no invalid
# access, no use of uninitialised memory, no definite leak.
# Run as: bash memcheck.sh NNCLASS_BINARY DATA_DIR
. "$(dirname "$0")/../cli/lib.bash"

make_subset train 1000 "$TMP/s"
VG=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite)

"${VG[@]}" "$NNCLASS" train --images "$TMP/s-images.idx.gz" --labels "$TMP/s-labels.idx.gz" \
    --epochs 1 --val 100 --quiet -o "$TMP/m.nnc" --log "$TMP/log.jsonl" --plot "$TMP/lc.svg" \
    >/dev/null 2>"$TMP/vg.err"
st=$?
check "train under memcheck (exit $st): $(head -c 600 "$TMP/vg.err")" [ "$st" -eq 0 ]

"${VG[@]}" "$NNCLASS" eval --model "$TMP/m.nnc" --images "$TMP/s-images.idx" \
    --labels "$TMP/s-labels.idx" --errors 1 --plot "$TMP/cm.svg" --plot-errors "$TMP/g.svg" \
    >/dev/null 2>"$TMP/vg.err"
st=$?
check "eval under memcheck (exit $st): $(head -c 600 "$TMP/vg.err")" [ "$st" -eq 0 ]

"${VG[@]}" "$NNCLASS" predict --model "$TMP/m.nnc" --top 2 --probs "$TMP/s-images.idx.gz" \
    - <"$TMP/s-images.idx" >/dev/null 2>"$TMP/vg.err"
st=$?
check "predict under memcheck (exit $st): $(head -c 600 "$TMP/vg.err")" [ "$st" -eq 0 ]

head -c 3000 "$TMP/s-images.idx" >"$TMP/cut.idx"
"${VG[@]}" "$NNCLASS" predict --model "$TMP/m.nnc" "$TMP/cut.idx" >/dev/null 2>"$TMP/vg.err"
st=$?
check "predict of a truncated file under memcheck exits 1 (exit $st)" [ "$st" -eq 1 ]

"${VG[@]}" "$NNCLASS" plot "$TMP/log.jsonl" -o "$TMP/plot.svg" >/dev/null 2>"$TMP/vg.err"
st=$?
check "plot under memcheck (exit $st): $(head -c 600 "$TMP/vg.err")" [ "$st" -eq 0 ]

"${VG[@]}" "$NNCLASS" info "$TMP/m.nnc" >/dev/null 2>"$TMP/vg.err"
st=$?
check "info under memcheck (exit $st)" [ "$st" -eq 0 ]

# Image files: every decoder, the preprocessing, a file with no ink, and pack.
if /usr/bin/python3 "$(dirname "$0")/../cli/draw_digits.py" "$DATA/mnist" "$TMP/img" 12 \
    >/dev/null 2>&1; then
    "${VG[@]}" "$NNCLASS" predict --model "$TMP/m.nnc" --save-input "$TMP/seen.idx" \
        "$TMP/img/digit1.png" "$TMP/img/digit2.jpg" "$TMP/img/digit3.pgm" "$TMP/img/digit4.ppm" \
        "$TMP/img/rgba3.png" - <"$TMP/img/digit5.png" >/dev/null 2>"$TMP/vg.err"
    st=$?
    check "predict of image files under memcheck (exit $st): $(head -c 600 "$TMP/vg.err")" \
        [ "$st" -eq 0 ]
    "${VG[@]}" "$NNCLASS" predict --model "$TMP/m.nnc" "$TMP/img/blank.png" >/dev/null 2>"$TMP/vg.err"
    st=$?
    check "predict of a blank PNG under memcheck exits 1 (exit $st)" [ "$st" -eq 1 ]
    "${VG[@]}" "$NNCLASS" pack "$TMP/img/set" -o "$TMP/packed" >/dev/null 2>"$TMP/vg.err"
    st=$?
    check "pack under memcheck (exit $st): $(head -c 600 "$TMP/vg.err")" [ "$st" -eq 0 ]
else
    fail "drawing the image files (python3-pil, python3-numpy)"
fi

finish
