# CLI tests of what nnclass writes: output paths that cannot clobber (devices,
# FIFOs, directories, inputs, symbolic links, long names), standard output
# checked on every command, closed standard descriptors.
. "$(dirname "$0")/lib.bash"

make_subset train 300 "$TMP/s"
T=(train --images "$TMP/s-images.idx" --labels "$TMP/s-labels.idx" --epochs 1 --batch 32)

# refused OUTPUT PATTERN DESCRIPTION: train -o OUTPUT is refused with exit 2
# before training (no epoch line), naming the output.
refused() {
    run_nn "${T[@]}" -o "$1"
    expect_error 2 "$2" "$3"
    check "$3: refused before training" not grep -q '^epoch' "$TMP/err"
}

# -o that is not a regular file: a FIFO, a directory, a name ending in '/', '-'.
mkfifo "$TMP/fifo"
refused "$TMP/fifo" "fifo" "-o FIFO"
check "-o FIFO: still a FIFO" [ -p "$TMP/fifo" ]
mkdir "$TMP/dir"
refused "$TMP/dir" "is a directory" "-o directory"
refused "$TMP/dir/" "is a directory" "-o dir/"
refused "$TMP/new/" "is a directory" "-o new-dir/"
refused - "'-'" "-o -"
ln -s "$TMP/fifo" "$TMP/link-to-fifo"
refused "$TMP/link-to-fifo" "link-to-fifo" "-o symlink to a FIFO"
check "the link is kept" [ -L "$TMP/link-to-fifo" ]
# A character device, made in our own folder (never the system's /dev/null).
if [ "$(id -u)" -eq 0 ] && mknod "$TMP/null" c 1 3 2>/dev/null; then
    refused "$TMP/null" "character device" "-o character device"
    check "-o device: still a device" [ -c "$TMP/null" ]
fi

# -o or --log naming an input: refused, the input intact.
cp "$TMP/s-images.idx" "$TMP/keep-images.idx"
refused "$TMP/s-images.idx" "s-images.idx" "-o the images"
ln "$TMP/s-labels.idx" "$TMP/hardlink-labels.idx"
refused "$TMP/hardlink-labels.idx" "hardlink-labels.idx" "-o a hard link to the labels"
run_nn "${T[@]}" --log "$TMP/s-images.idx" -o "$TMP/m.nnc"
expect_error 2 "s-images.idx" "--log the images"
"$NNCLASS" "${T[@]}" --quiet -o "$TMP/p.nnc" >/dev/null || fail "training a model for predict"
run_nn predict --model "$TMP/p.nnc" --save-input "$TMP/s-images.idx" "$TMP/s-images.idx"
expect_error 2 "s-images.idx" "predict --save-input the input"
run_nn predict --model "$TMP/p.nnc" --save-input "$TMP/dir" "$TMP/s-images.idx"
expect_error 2 "is a directory" "predict --save-input a directory"
run_nn export -o "$TMP/fifo" "$TMP/p.nnc"
expect_error 2 "fifo" "export -o FIFO"
run_nn export -o "$TMP/p.nnc" "$TMP/p.nnc"
expect_error 2 "p.nnc" "export -o the model itself"
# The pictures and packed files are outputs like any other.
E=(eval --model "$TMP/p.nnc" --images "$TMP/s-images.idx" --labels "$TMP/s-labels.idx")
run_nn "${E[@]}" --plot "$TMP/fifo"
expect_error 2 "fifo" "eval --plot FIFO"
check "eval --plot FIFO: refused before the report" not grep -q '^accuracy' "$TMP/out"
run_nn "${E[@]}" --errors 2 --plot-errors "$TMP/dir"
expect_error 2 "is a directory" "eval --plot-errors a directory"
run_nn "${E[@]}" --plot "$TMP/s-labels.idx"
expect_error 2 "s-labels.idx" "eval --plot on an input"
"$NNCLASS" "${T[@]}" --quiet -o "$TMP/q.nnc" --log "$TMP/q.jsonl" >/dev/null ||
    fail "training with a log for plot"
run_nn plot "$TMP/q.jsonl" -o "$TMP/fifo"
expect_error 2 "fifo" "plot -o FIFO"
run_nn plot "$TMP/q.jsonl" -o "$TMP/q.jsonl"
expect_error 2 "q.jsonl" "plot -o its own log"
check "plot: the log is intact" grep -q '"epoch"' "$TMP/q.jsonl"
mkdir -p "$TMP/pk/3"
mkfifo "$TMP/pk-images-idx3-ubyte.gz"
run_nn pack "$TMP/pk" -o "$TMP/pk"
expect_error 2 "pk-images-idx3-ubyte.gz" "pack -o onto a FIFO"
# pack -o through symbolic links writes their targets and keeps the links.
{ printf 'P5\n28 28\n255\n'
  for r in $(seq 28); do
      for c in $(seq 28); do
          if [ "$r" -gt 6 ] && [ "$r" -lt 22 ] && [ "$c" -gt 12 ] && [ "$c" -lt 16 ]; then
              printf '\000'; else printf '\377'; fi
      done
  done; } >"$TMP/pk/3/one.pgm"
rm -f "$TMP/pk-images-idx3-ubyte.gz"
mkdir -p "$TMP/real"
ln -s "$TMP/real/i.gz" "$TMP/pl-images-idx3-ubyte.gz"
ln -s "$TMP/real/l.gz" "$TMP/pl-labels-idx1-ubyte.gz"
run_nn pack "$TMP/pk" -o "$TMP/pl"
expect_status 0 "pack -o through links"
check "pack -o through links: the links are kept" [ -L "$TMP/pl-images-idx3-ubyte.gz" ]
check "pack -o through links: the targets are written" [ -s "$TMP/real/i.gz" ]
check "pack -o through links: the labels' target too" [ -s "$TMP/real/l.gz" ]
check "inputs intact" cmp -s "$TMP/s-images.idx" "$TMP/keep-images.idx"
check "no model written" [ ! -e "$TMP/m.nnc" ]
make_subset train 300 "$TMP/s" # whatever happened above, the next tests need them

# -o through a symbolic link: the file it points to is replaced, in its folder,
# and the link stays a link.
mkdir "$TMP/models"
: >"$TMP/models/real.nnc"
ln -s models/real.nnc "$TMP/link.nnc"
run_nn "${T[@]}" --quiet -o "$TMP/link.nnc"
expect_status 0 "-o symlink"
check "-o symlink: still a link" [ -L "$TMP/link.nnc" ]
check "-o symlink: target holds the model" [ -s "$TMP/models/real.nnc" ]
run_nn info "$TMP/models/real.nnc"
expect_status 0 "-o symlink: the target is a model"
ln -s models/fresh.nnc "$TMP/dangling.nnc"
run_nn "${T[@]}" --quiet -o "$TMP/dangling.nnc"
expect_status 0 "-o dangling symlink"
check "-o dangling symlink: the model is where it points" [ -s "$TMP/models/fresh.nnc" ]
check "no temporary files" [ -z "$(ls -A "$TMP" "$TMP/models" | grep -F '.tmp')" ]

# The model's path on stdout is one line, escaped as a TSV field.
run_nn "${T[@]}" --quiet -o "$TMP/new"$'\n'"line.nnc"
expect_status 0 "-o with a newline in the name"
check "stdout: one escaped line" [ "$(cat "$TMP/out")" = "$TMP/new\nline.nnc" ]

# A valid name as long as the folder allows: the temporary name must fit too.
max=$(getconf NAME_MAX "$TMP" 2>/dev/null || echo 255)
long=$(head -c $((max - 4)) /dev/zero | tr '\0' m).nnc
run_nn "${T[@]}" --quiet -o "$TMP/$long"
expect_status 0 "-o with a $max-byte name"
check "the long name holds the model" [ -s "$TMP/$long" ]
toolong=$(head -c $((max + 1)) /dev/zero | tr '\0' m)
run_nn "${T[@]}" -o "$TMP/$toolong"
expect_error 2 "File name too long" "-o with a name over NAME_MAX"
check "refused before training" not grep -q '^epoch' "$TMP/err"

# Standard output on a full disk: exit 1 and one line, on every command and
# for help and version texts.
full() { # DESCRIPTION ARGS...
    local what=$1
    shift
    "$NNCLASS" "$@" >/dev/full 2>"$TMP/err"
    status=$?
    : >"$TMP/out"
    expect_error 1 "standard output: No space left on device" "$what >/dev/full"
}
if [ -w /dev/full ]; then
    full "--version" --version
    full "--help" --help
    for c in train eval predict info show; do full "$c --help" "$c" --help; done
    full "train" "${T[@]}" --quiet -o "$TMP/full.nnc"
    full "info" info "$TMP/full.nnc"
    full "show" show "$TMP/s-images.idx"
    full "predict" predict --model "$TMP/full.nnc" "$TMP/s-images.idx"
    full "eval" eval --model "$TMP/full.nnc" --images "$TMP/s-images.idx" \
        --labels "$TMP/s-labels.idx"
fi

# Closed standard descriptors: a log opened later must not become stdout or
# stderr and receive the model's path or the epoch lines.
"$NNCLASS" "${T[@]}" --log "$TMP/log1.jsonl" -o "$TMP/c1.nnc" >&- 2>/dev/null
check "stdout closed: exit 0" [ $? -eq 0 ]
"$NNCLASS" "${T[@]}" --log "$TMP/log2.jsonl" -o "$TMP/c2.nnc" 2>&- >/dev/null
check "stderr closed: exit 0" [ $? -eq 0 ]
for log in "$TMP/log1.jsonl" "$TMP/log2.jsonl"; do
    check "$(basename "$log"): only JSON lines" python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["epoch"] for r in rows] == [1], rows' "$log"
done
"$NNCLASS" predict --model "$TMP/c1.nnc" "$TMP/s-images.idx" <&- >"$TMP/out" 2>"$TMP/err"
check "stdin closed: predict of a file works" [ "$(wc -l <"$TMP/out")" -eq 300 ]

finish
