# CLI tests of image files one after another in one stream (cat *.png |
# nnclass predict -): every image is read, in order, whatever the formats;
# bytes that start no image, and a last image cut short, are errors after
# the lines of the whole images; memory does not grow with the number of
# images; a file that is no image at all gets one plain message.
. "$(dirname "$0")/lib.bash"

PY=/usr/bin/python3 # Debian's interpreter, with python3-pil and python3-numpy
if ! "$PY" -c 'import PIL, numpy' 2>/dev/null; then
    fail "python3-pil and python3-numpy are needed to draw the test images"
    finish
    exit
fi
M=(--model "$DATA/models/mnist.nnc")
IMG="$TMP/img"
"$PY" "$(dirname "$0")/draw_digits.py" "$DATA/mnist" "$IMG" || fail "drawing the test images"
# A text PGM (P2) of digit 4, which PIL does not write, and a 16-bit PGM.
"$PY" - "$IMG" <<'EOF' || fail "writing the text and 16-bit PGMs"
import sys
import numpy as np
from PIL import Image
d = sys.argv[1]
a = np.asarray(Image.open(f"{d}/digit4.pgm"))
rows = "\n".join(" ".join(str(v) for v in r) for r in a)
open(f"{d}/text4.pgm", "w").write(f"P2\n# drawn for the test\n{a.shape[1]} {a.shape[0]}\n255\n{rows}\n")
b = np.asarray(Image.open(f"{d}/digit6.pgm")).astype(">u2") * 257
open(f"{d}/wide6.pgm", "wb").write(f"P5 {b.shape[1]} {b.shape[0]} 65535\n".encode() + b.tobytes())
EOF

# one_by_one FILE...: the label and confidence columns of each file on its
# own, which the stream must reproduce line for line.
one_by_one() {
    "$NNCLASS" predict "${M[@]}" --no-filename "$@" | cut -f2,3
}
# stream_check WHAT FILE...: the concatenation of FILEs, as a file and on a
# pipe, gives one line per image, indices 0..n-1, the files' own answers.
stream_check() {
    local what=$1
    shift
    cat "$@" >"$TMP/stream"
    one_by_one "$@" >"$TMP/want"
    run_nn predict "${M[@]}" "$TMP/stream"
    expect_status 0 "$what"
    check "$what: one line per image" [ "$(wc -l <"$TMP/out")" -eq $# ]
    check "$what: indices 0..$(($# - 1))" \
        [ "$(cut -f1 "$TMP/out" | tr '\n' ' ')" = "$(seq -s' ' 0 $(($# - 1))) " ]
    check "$what: the same answers as the files one by one" \
        cmp -s <(cut -f2,3 "$TMP/out") "$TMP/want"
    cat "$TMP/stream" | "$NNCLASS" predict "${M[@]}" - >"$TMP/pipe.out" 2>"$TMP/err"
    check "$what: on a pipe too" cmp -s "$TMP/pipe.out" "$TMP/out"
}
stream_check "PNGs" "$IMG"/digit{0,1,2,3}.png
stream_check "JPEGs" "$IMG"/digit{5,6,7}.jpg
stream_check "PGMs (binary, text, 16-bit)" "$IMG/digit8.pgm" "$IMG/text4.pgm" "$IMG/wide6.pgm" \
    "$IMG/text4.pgm"
stream_check "mixed formats" "$IMG/digit1.png" "$IMG/digit2.jpg" "$IMG/digit3.pgm" \
    "$IMG/digit5.ppm" "$IMG/text4.pgm" "$IMG/rgba3.png" "$IMG/digit9.jpg"

# gzip is undone first: a gzipped concatenation is the same stream.
cat "$IMG"/digit{0,1,2}.png "$IMG/digit3.jpg" | gzip -c >"$TMP/stream.gz"
cat "$IMG"/digit{0,1,2}.png "$IMG/digit3.jpg" >"$TMP/stream"
"$NNCLASS" predict "${M[@]}" "$TMP/stream" >"$TMP/plain.out"
run_nn predict "${M[@]}" "$TMP/stream.gz"
check "gzipped stream: 4 lines, as the plain one" cmp -s "$TMP/out" "$TMP/plain.out"

# Trailing junk is an error after the lines of the whole images, never dropped.
{ cat "$IMG"/digit{1,2}.png "$IMG/digit3.jpg"; printf 'junk\n'; } >"$TMP/junk"
run_nn predict "${M[@]}" "$TMP/junk"
expect_status 1 "trailing junk"
check "trailing junk: the 3 images' lines" [ "$(wc -l <"$TMP/out")" -eq 3 ]
check "trailing junk: one message naming the offset" \
    grep -q "^nnclass: $TMP/junk: trailing bytes at offset [0-9]*, after 3 images" "$TMP/err"
{ cat "$IMG/digit1.png"; head -c 100 /dev/zero; } >"$TMP/zeros"
run_nn predict "${M[@]}" "$TMP/zeros"
expect_status 1 "zero padding after an image"
check "zero padding: the image's line" [ "$(wc -l <"$TMP/out")" -eq 1 ]

# A last image cut short: the whole images' lines, then "truncated".
for f in digit2.png digit2.jpg digit2.pgm text4.pgm; do
    size=$(stat -c %s "$IMG/$f")
    { cat "$IMG/digit1.png" "$IMG/digit7.jpg"; head -c $((size - 10)) "$IMG/$f"; } >"$TMP/cut"
    run_nn predict "${M[@]}" "$TMP/cut"
    expect_status 1 "$f cut short after two images"
    check "$f cut: the 2 whole images' lines" [ "$(wc -l <"$TMP/out")" -eq 2 ]
    check "$f cut: one line, truncated" \
        [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -qi "truncated" "$TMP/err"
done
# A bad image in the middle names it; the ones before are printed.
cat "$IMG/digit1.png" "$IMG/blank.png" "$IMG/digit2.png" >"$TMP/blank-inside"
run_nn predict "${M[@]}" "$TMP/blank-inside"
expect_status 1 "a blank image inside a stream"
check "blank inside: the first image's line" [ "$(wc -l <"$TMP/out")" -eq 1 ]
check "blank inside: names image 1" grep -q "blank-inside: image 1: no ink" "$TMP/err"

# A file that is no image: one plain message. Files that start like IDX
# (00 00) keep the IDX reader's precise messages.
printf 'hello, world\n' >"$TMP/text.txt"
run_nn predict "${M[@]}" "$TMP/text.txt"
expect_error 1 "text.txt: not a PNG, JPEG, PGM/PPM or IDX file" "a text file"
printf 'GIF89a\001\000\001\000\000\000\000;' >"$TMP/tiny.gif"
run_nn predict "${M[@]}" "$TMP/tiny.gif"
expect_error 1 "tiny.gif: not a PNG, JPEG, PGM/PPM or IDX file" "a GIF"
printf '\x00\x00\x08\x01\x00\x00\x00\x01\x07' >"$TMP/labels.idx"
run_nn predict "${M[@]}" "$TMP/labels.idx"
expect_error 1 "is this a label file?" "an IDX label file"
printf '\x00\x00\x0d\x03\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x1c' >"$TMP/floats.idx"
run_nn predict "${M[@]}" "$TMP/floats.idx"
expect_error 1 "data type 0x0d" "an IDX file of floats"

# eval and show count a stream's images as they read them.
cat "$IMG/digit8.png" "$IMG/digit3.jpg" >"$TMP/two"
printf '\x00\x00\x08\x01\x00\x00\x00\x02\x08\x03' >"$TMP/two.lbl"
run_nn eval "${M[@]}" --images "$TMP/two" --labels "$TMP/two.lbl"
check "eval of a 2-image stream" [ "$status" -eq 0 ] && grep -q "^accuracy .* (./2)" "$TMP/out"
printf '\x00\x00\x08\x01\x00\x00\x00\x03\x08\x03\x01' >"$TMP/three.lbl"
run_nn eval "${M[@]}" --images "$TMP/two" --labels "$TMP/three.lbl"
expect_error 1 "3 labels, but $TMP/two has 2 images" "eval: more labels than images"
printf '\x00\x00\x08\x01\x00\x00\x00\x01\x08' >"$TMP/one.lbl"
run_nn eval "${M[@]}" --images "$TMP/two" --labels "$TMP/one.lbl"
expect_error 1 "1 labels, but $TMP/two has at least 2 images" "eval: more images than labels"
run_nn show --index 1 "$TMP/two"
check "show --index 1 of a stream" [ "$status" -eq 0 ] && grep -q "^image 1" "$TMP/out"
run_nn show --index 2 "$TMP/two"
expect_error 2 "past the last image" "show --index past a stream's end"

# A slow producer: three images, then a wait (up to 30 s) until predict has
# printed their lines, then two more. predict must not wait for the next
# image to answer the ones it has (its stdout is a file: lines are flushed
# because the input stalled).
mkfifo "$TMP/fifo"
{
    cat "$IMG/digit1.png" "$IMG/digit2.jpg" "$IMG/digit3.pgm"
    for _ in $(seq 300); do
        [ "$(wc -l <"$TMP/live.out" 2>/dev/null || echo 0)" -ge 3 ] && break
        sleep 0.1
    done
    [ "$(wc -l <"$TMP/live.out")" -ge 3 ] && : >"$TMP/answered-early"
    cat "$IMG/digit4.png" "$IMG/digit5.jpg"
} >"$TMP/fifo" &
producer=$!
timeout 120 "$NNCLASS" predict "${M[@]}" "$TMP/fifo" >"$TMP/live.out" 2>"$TMP/live.err"
check "slow producer: exit 0" [ $? -eq 0 ]
wait "$producer"
check "slow producer: the first 3 answers came before the rest was sent" \
    [ -e "$TMP/answered-early" ]
check "slow producer: 5 lines" [ "$(wc -l <"$TMP/live.out")" -eq 5 ]

# Memory does not grow with the number of images: 2000 images cost what 20 do.
"$PY" - "$IMG/digit7.png" "$TMP" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
open(f"{sys.argv[2]}/twenty.png", "wb").write(d * 20)
open(f"{sys.argv[2]}/many.png", "wb").write(d * 2000)
EOF
# peak_kb COMMAND...: peak RSS in kB, exit status and lines of output. A
# sanitizer build keeps freed memory in quarantine, which would look like
# growth: it is turned off for the measure.
peak_kb() {
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
    "$PY" -c 'import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode, r.stdout.count(b"\n"))' "$@"
}
read -r small rc20 n20 < <(peak_kb "$NNCLASS" predict "${M[@]}" "$TMP/twenty.png")
read -r big rc2k n2k < <(peak_kb "$NNCLASS" predict "${M[@]}" "$TMP/many.png")
check "20 images: exit 0, 20 lines" [ "$rc20" -eq 0 ] && [ "$n20" -eq 20 ]
check "2000 images: exit 0, 2000 lines" [ "$rc2k" -eq 0 ] && [ "$n2k" -eq 2000 ]
check "2000 images in no more memory than 20 ($big kB vs $small kB)" \
    [ "$big" -le $((small + 1024)) ]
if (ulimit -v 1048576 && "$NNCLASS" --version) >/dev/null 2>&1; then
    check "2000 images within 16 MB ($big kB)" [ "$big" -le 16384 ]
fi

finish
