# CLI tests of two outputs of one command that are one file: by the same
# name, another spelling of it, a symbolic or a hard link, or standard output
# redirected to it. Each is a usage error (exit 2) before any work, naming
# both options, and leaves the file as it was.
. "$(dirname "$0")/lib.bash"

make_subset train 300 "$TMP/s"
T=(train --images "$TMP/s-images.idx" --labels "$TMP/s-labels.idx" --epochs 1 --batch 32 --quiet)
mkdir "$TMP/d"

# collides PATTERN DESCRIPTION: the last run_nn was refused with exit 2
# naming PATTERN, before any work (no epoch, no report).
collides() {
    expect_error 2 "$1" "$2"
    check "$2: refused before the work" not grep -q '^epoch\|^accuracy' "$TMP/err" "$TMP/out"
}

# --- train: -o, --log and --plot.
run_nn "${T[@]}" -o "$TMP/m.nnc" --log "$TMP/m.nnc"
collides "--log: $TMP/m.nnc: is also the file of --output" "train -o m.nnc --log m.nnc"
check "no model written" [ ! -e "$TMP/m.nnc" ]
run_nn "${T[@]}" -o "$TMP/m.nnc" --plot "$TMP/s.svg" --log "$TMP/s.svg"
collides "--plot" "train --plot s --log s"
run_nn "${T[@]}" -o "$TMP/same" --plot "$TMP/same"
collides "--plot: $TMP/same: is also the file of --output ($TMP/same)" "train -o same --plot same"
run_nn "${T[@]}" -o "$TMP/m.nnc" --log "$TMP/d/../m.nnc"
collides "--output" "train: --log another spelling of -o"
echo previous >"$TMP/prev.nnc"
ln -s prev.nnc "$TMP/link.jsonl"
run_nn "${T[@]}" -o "$TMP/prev.nnc" --log "$TMP/link.jsonl"
collides "link.jsonl" "train: --log a symbolic link to -o"
check "the model it named is intact" [ "$(cat "$TMP/prev.nnc")" = previous ]
ln "$TMP/prev.nnc" "$TMP/hard.svg"
run_nn "${T[@]}" -o "$TMP/prev.nnc" --plot "$TMP/hard.svg"
collides "hard.svg" "train: --plot a hard link to -o"
# Standard output (the model's path) redirected to the model file.
"$NNCLASS" "${T[@]}" -o "$TMP/prev.nnc" >"$TMP/prev.nnc" 2>"$TMP/err"
status=$?
: >"$TMP/out"
collides "is also standard output" "train -o m.nnc >m.nnc"
# Different files are fine, and --log - is standard output, not a file.
run_nn "${T[@]}" -o "$TMP/ok.nnc" --log "$TMP/ok.jsonl" --plot "$TMP/ok.svg"
expect_status 0 "train: three different outputs"
run_nn "${T[@]}" -o "$TMP/ok2.nnc" --log -
expect_status 0 "train --log -"

# --- eval: --plot and --plot-errors.
E=(eval --model "$TMP/ok.nnc" --images "$TMP/s-images.idx" --labels "$TMP/s-labels.idx")
run_nn "${E[@]}" --errors 3 --plot "$TMP/same.svg" --plot-errors "$TMP/same.svg"
collides "--plot-errors: $TMP/same.svg: is also the file of --plot" \
    "eval --plot same.svg --plot-errors same.svg"
check "eval: nothing drawn" [ ! -e "$TMP/same.svg" ]
run_nn "${E[@]}" --errors 3 --plot "$TMP/a.svg" --plot-errors "$TMP/d/../a.svg"
collides "--plot-errors" "eval: --plot-errors another spelling of --plot"
run_nn "${E[@]}" --errors 3 --plot "$TMP/a.svg" --plot-errors "$TMP/b.svg"
expect_status 0 "eval: two different pictures"

# --- pack: its two files, one a link to the other.
mkdir -p "$TMP/pk/3" "$TMP/o"
python3 - "$TMP/pk/3/one.pgm" <<'EOF'
import sys
rows = [bytes(0 if 6 < r < 22 and 12 < c < 16 else 255 for c in range(28)) for r in range(28)]
open(sys.argv[1], "wb").write(b"P5\n28 28\n255\n" + b"".join(rows))
EOF
: >"$TMP/o/out-labels-idx1-ubyte.gz"
ln -s out-labels-idx1-ubyte.gz "$TMP/o/out-images-idx3-ubyte.gz"
run_nn pack "$TMP/pk" -o "$TMP/o/out"
collides "out-labels-idx1-ubyte.gz" "pack: the images file a link to the labels file"
check "pack: the link kept" [ -L "$TMP/o/out-images-idx3-ubyte.gz" ]
check "pack: nothing written" [ ! -s "$TMP/o/out-labels-idx1-ubyte.gz" ]
rm "$TMP/o/out-images-idx3-ubyte.gz"
"$NNCLASS" pack "$TMP/pk" -o "$TMP/o/out" >"$TMP/o/out-images-idx3-ubyte.gz" 2>"$TMP/err"
status=$?
: >"$TMP/out"
collides "is also standard output" "pack: standard output to one of its files"

# --- predict --save-input, plot -o and export -o against standard output.
run_nn predict --model "$TMP/ok.nnc" --save-input "$TMP/saved.idx" "$TMP/s-images.idx"
expect_status 0 "predict --save-input"
"$NNCLASS" predict --model "$TMP/ok.nnc" --save-input "$TMP/saved.idx" "$TMP/s-images.idx" \
    >"$TMP/saved.idx" 2>"$TMP/err"
status=$?
: >"$TMP/out"
collides "--save-input: $TMP/saved.idx: is also standard output" "predict --save-input >same"
"$NNCLASS" plot "$TMP/ok.jsonl" -o "$TMP/p.svg" >"$TMP/p.svg" 2>"$TMP/err"
status=$?
: >"$TMP/out"
collides "is also standard output" "plot -o same >same"
"$NNCLASS" export "$TMP/ok.nnc" -o "$TMP/x.onnx" >"$TMP/x.onnx" 2>"$TMP/err"
status=$?
: >"$TMP/out"
collides "is also standard output" "export -o same >same"

finish
