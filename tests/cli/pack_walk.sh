# CLI tests of what `nnclass pack` meets in its walk and how it names what it
# writes: files that are not regular (never opened, so never a block), a
# prefix that is a folder, the class count a label byte holds, and names
# escaped on the terminal.
. "$(dirname "$0")/lib.bash"

# pgm FILE: a 28x28 image of a vertical stroke.
pgm() {
    python3 - "$1" <<'EOF'
import sys
rows = [bytes(0 if 6 < r < 22 and 12 < c < 16 else 255 for c in range(28)) for r in range(28)]
open(sys.argv[1], "wb").write(b"P5\n28 28\n255\n" + b"".join(rows))
EOF
}

# pack_limited ARGS...: run_nn pack with a time limit, so that a walk that
# blocks fails the test instead of hanging it (status 124).
pack_limited() {
    timeout 20 "$NNCLASS" pack "$@" >"$TMP/out" 2>"$TMP/err"
    status=$?
}

mkdir -p "$TMP/in/1" "$TMP/in/7" "$TMP/o"
pgm "$TMP/in/1/a.pgm"
pgm "$TMP/in/7/b.pgm"

# --- A FIFO in a class folder: refused without --skip-bad, skipped with it,
# never opened for reading (nothing writes to it: opening would block).
mkfifo "$TMP/in/7/pipe.pgm"
pack_limited "$TMP/in" -o "$TMP/o/f"
check "FIFO: no block" [ "$status" -ne 124 ]
expect_error 1 "pipe.pgm: is a FIFO, not an image file" "pack: a FIFO in a class folder"
check "FIFO: nothing written" [ ! -e "$TMP/o/f-images-idx3-ubyte.gz" ]
pack_limited "$TMP/in" -o "$TMP/o/f" --skip-bad
check "FIFO --skip-bad: no block" [ "$status" -ne 124 ]
expect_status 0 "pack --skip-bad with a FIFO"
check "FIFO --skip-bad: said skipped" grep -q "pipe.pgm: is a FIFO.*(skipped)" "$TMP/err"
check "FIFO --skip-bad: counted" grep -q "(1 unreadable files skipped)" "$TMP/err"
check "FIFO --skip-bad: two images" grep -q "^nnclass: packed 2 images" "$TMP/err"
# A symbolic link to a FIFO is the FIFO; a link to an image is the image.
rm "$TMP/in/7/pipe.pgm"
mkfifo "$TMP/pipe"
ln -s "$TMP/pipe" "$TMP/in/7/link.pgm"
pack_limited "$TMP/in" -o "$TMP/o/l"
check "link to a FIFO: no block" [ "$status" -ne 124 ]
expect_error 1 "link.pgm: is a FIFO" "pack: a link to a FIFO"
rm "$TMP/in/7/link.pgm"
ln -s "$TMP/in/7/b.pgm" "$TMP/in/1/b-link.pgm"
pack_limited "$TMP/in" -o "$TMP/o/ok"
expect_status 0 "pack: a link to an image"
check "link to an image: packed" grep -q "^nnclass: packed 3 images" "$TMP/err"
rm "$TMP/in/1/b-link.pgm"

# --- -o DIR/: refused as a usage error, nothing written in DIR.
pack_limited "$TMP/in" -o "$TMP/o/"
expect_error 2 "ends in '/'" "pack -o DIR/"
check "-o DIR/: no -images file" [ ! -e "$TMP/o/-images-idx3-ubyte.gz" ]

# --- Classes: as many as a label byte holds, not one more.
mkdir "$TMP/many"
for i in $(seq 1 257); do mkdir "$TMP/many/c$i"; done
pgm "$TMP/many/c1/x.pgm"
pack_limited "$TMP/many" -o "$TMP/o/m"
expect_error 1 "257 class folders, at most 256" "pack: 257 classes"
rmdir "$TMP/many/c257"
pack_limited "$TMP/many" -o "$TMP/o/m" --skip-bad
expect_status 0 "pack: 256 classes"

# --- Names from outside reach the terminal escaped: the -o prefix in the
# summary (a newline, an escape sequence), a class folder's name in the TSV
# (a bidirectional control, a C1 control).
mkdir -p "$TMP/names/$(printf 'a\xe2\x80\xaeb')" "$TMP/names/$(printf 'c\xc2\x9bd')"
pgm "$TMP/names/$(printf 'a\xe2\x80\xaeb')/x.pgm"
pgm "$TMP/names/$(printf 'c\xc2\x9bd')/x.pgm"
pack_limited "$TMP/names" -o "$TMP/o/$(printf 'p\nq\033[2J')"
expect_status 0 "pack with names to escape"
check "summary: one line" [ "$(wc -l <"$TMP/err")" -eq 1 ]
check "summary: the prefix escaped" grep -qF 'p\nq\x1b[2J-*-ubyte.gz' "$TMP/err"
check "summary: no raw escape" not grep -q "$(printf '\033')" "$TMP/err"
check "TSV: the bidirectional control escaped" grep -qxF "0	a\xe2\x80\xaeb	1" "$TMP/out"
check "TSV: the C1 control escaped" grep -qxF "1	c\xc2\x9bd	1" "$TMP/out"
check "TSV: no raw bidirectional control" not grep -q "$(printf '\xe2\x80\xae')" "$TMP/out"
# predict's file column is escaped by the same rule.
make_subset t10k 2 "$TMP/two"
if [ -f "$DATA/models/mnist.nnc" ]; then
    cp "$TMP/two-images.idx" "$TMP/$(printf 'r\xe2\x81\xa6l.idx')"
    run_nn predict --model "$DATA/models/mnist.nnc" "$TMP/two-images.idx" \
        "$TMP/$(printf 'r\xe2\x81\xa6l.idx')"
    expect_status 0 "predict a file whose name holds an isolate"
    check "predict: the file column escaped" grep -qF 'r\xe2\x81\xa6l.idx	0	' "$TMP/out"
    run_nn predict --format json --model "$DATA/models/mnist.nnc" "$TMP/two-images.idx" \
        "$TMP/$(printf 'r\xe2\x81\xa6l.idx')"
    check "predict json: the name as \\u2066" grep -qF 'r\u2066l.idx' "$TMP/out"
fi

finish
