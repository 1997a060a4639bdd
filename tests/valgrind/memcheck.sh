# valgrind memcheck over a small train, eval and predict run: no invalid
# access, no use of uninitialised memory, no definite leak.
# Run as: bash memcheck.sh NNCLASS_BINARY DATA_DIR
. "$(dirname "$0")/../cli/lib.bash"

make_subset train 1000 "$TMP/s"
VG=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite)

# memcheck WANT WHAT ARGS...: runs nnclass ARGS under memcheck (standard input
# as the caller redirects it) and checks that it exits WANT with no report.
memcheck() {
    local want=$1 what=$2 st
    shift 2
    "${VG[@]}" "$NNCLASS" "$@" >/dev/null 2>"$TMP/vg.err"
    st=$?
    check "$what under memcheck exits $want (exit $st): $(head -c 600 "$TMP/vg.err")" \
        [ "$st" -eq "$want" ]
}

memcheck 0 train train --images "$TMP/s-images.idx.gz" --labels "$TMP/s-labels.idx.gz" \
    --epochs 1 --val 100 --quiet -o "$TMP/m.nnc" --log "$TMP/log.jsonl" --plot "$TMP/lc.svg"

memcheck 0 eval eval --model "$TMP/m.nnc" --images "$TMP/s-images.idx" \
    --labels "$TMP/s-labels.idx" --errors 1 --plot "$TMP/cm.svg" --plot-errors "$TMP/g.svg"

memcheck 0 predict predict --model "$TMP/m.nnc" --top 2 --probs "$TMP/s-images.idx.gz" \
    - <"$TMP/s-images.idx"

head -c 3000 "$TMP/s-images.idx" >"$TMP/cut.idx"
memcheck 1 "predict of a truncated file" predict --model "$TMP/m.nnc" "$TMP/cut.idx"

memcheck 0 plot plot "$TMP/log.jsonl" -o "$TMP/plot.svg"

memcheck 0 info info "$TMP/m.nnc"

# Image files: every decoder, the preprocessing, a file with no ink, and pack.
if /usr/bin/python3 "$(dirname "$0")/../cli/draw_digits.py" "$DATA/mnist" "$TMP/img" 12 \
    >/dev/null 2>&1; then
    memcheck 0 "predict of image files" predict --model "$TMP/m.nnc" \
        --save-input "$TMP/seen.idx" "$TMP/img/digit1.png" "$TMP/img/digit2.jpg" \
        "$TMP/img/digit3.pgm" "$TMP/img/digit4.ppm" "$TMP/img/rgba3.png" - <"$TMP/img/digit5.png"
    memcheck 1 "predict of a blank PNG" predict --model "$TMP/m.nnc" "$TMP/img/blank.png"
    memcheck 0 pack pack "$TMP/img/set" -o "$TMP/packed"
else
    fail "drawing the image files (python3-pil, python3-numpy)"
fi

finish
