# Hostile inputs at the command line: malformed files of every kind, absurd
# declared sizes, a decompression bomb, signals and a full disk. Each hostile
# run is under a 1 GiB address-space limit (except in sanitizer builds, whose
# shadow memory needs far more address space than it uses).
. "$(dirname "$0")/lib.bash"

LIMIT=""
if (ulimit -v 1048576 && "$NNCLASS" --version) >/dev/null 2>&1; then
    LIMIT="ulimit -v 1048576"
else
    echo "note: binary does not start under ulimit -v (sanitizer build): no memory limit" >&2
fi
# run_limited ARGS...: like run_nn, under the memory limit.
run_limited() {
    (eval "$LIMIT"; exec "$NNCLASS" "$@") >"$TMP/out" 2>"$TMP/err"
    status=$?
}

make_subset t10k 200 "$TMP/s"
"$NNCLASS" train --images "$TMP/s-images.idx" --labels "$TMP/s-labels.idx" --epochs 1 \
    --quiet -o "$TMP/m.nnc" >/dev/null || fail "training the test model"
IMG="$TMP/s-images.idx"
LBL="$TMP/s-labels.idx"

# hostile_file NAME: runs it as images, as labels and as a model; every run
# must exit 1 with one line naming the file and print nothing on stdout.
hostile_file() {
    local f=$1 what
    what=$(basename "$f")
    run_limited predict --model "$TMP/m.nnc" "$f"
    expect_error 1 "$what" "predict $what"
    run_limited eval --model "$TMP/m.nnc" --images "$f" --labels "$LBL"
    expect_error 1 "$what" "eval images $what"
    run_limited eval --model "$TMP/m.nnc" --images "$IMG" --labels "$f"
    expect_error 1 "$what" "eval labels $what"
    run_limited train --images "$f" --labels "$LBL" --epochs 1 -o "$TMP/never.nnc"
    expect_error 1 "$what" "train images $what"
    run_limited info "$f"
    expect_error 1 "$what" "info $what"
    check "nothing written for $what" [ ! -e "$TMP/never.nnc" ]
}

: >"$TMP/zero-length"
hostile_file "$TMP/zero-length"
head -c 65536 /dev/urandom >"$TMP/random-bytes"
hostile_file "$TMP/random-bytes"
head -c 65536 /dev/urandom | gzip -c >"$TMP/random-bytes.gz"
hostile_file "$TMP/random-bytes.gz"
# Headers that declare more than any file could hold (and less than one
# whole image of payload, so that predict has no line to print either).
printf '\x00\x00\x08\x03\xff\xff\xff\xff\x00\x00\x00\x1c\x00\x00\x00\x1c' >"$TMP/huge-count.idx"
head -c 500 /dev/zero >>"$TMP/huge-count.idx"
hostile_file "$TMP/huge-count.idx"
printf '\x00\x00\x08\x03\x00\x00\x00\x01\x7f\xff\xff\xff\x7f\xff\xff\xff' >"$TMP/huge-side.idx"
hostile_file "$TMP/huge-side.idx"
gzip -c "$TMP/huge-count.idx" >"$TMP/huge-count.idx.gz"
hostile_file "$TMP/huge-count.idx.gz"

# Hostile image files: a PNG declaring 100000x100000 pixels in 200 bytes, a
# PNG whose data stops, a JPEG cut in half, a JPEG declaring 60000x60000,
# PGMs with maxval 0 or a size beyond their payload, and a PPM declaring
# 4 billion pixels. Each is refused from its header or its data, within
# the memory limit.
if /usr/bin/python3 - "$TMP" <<'EOF'
import io, struct, sys, zlib
from PIL import Image
out = sys.argv[1]
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0)
idat = zlib.compress(b"\0" * 150)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
open(f"{out}/huge.png", "wb").write(png)
img = Image.effect_noise((300, 200), 60).convert("L")
buf = io.BytesIO(); img.save(buf, "PNG"); data = buf.getvalue()
open(f"{out}/cut.png", "wb").write(data[:len(data) // 2])
buf = io.BytesIO(); img.save(buf, "JPEG", quality=90); data = buf.getvalue()
open(f"{out}/half.jpg", "wb").write(data[:len(data) // 2])
sof = data.index(b"\xff\xc0")
big = bytearray(data); big[sof + 5:sof + 9] = struct.pack(">HH", 60000, 60000)
open(f"{out}/huge.jpg", "wb").write(bytes(big))
EOF
then
    printf 'P5 4 4 0\n0123456789abcdef' >"$TMP/maxval0.pgm"
    printf 'P5 3000 3000 255\n' >"$TMP/short.pgm"
    head -c 1000 /dev/urandom >>"$TMP/short.pgm"
    printf 'P6 65535 65535 65535\n' >"$TMP/huge.ppm"
    printf 'P2 3 3 255 1 2 3 4' >"$TMP/short-text.pgm"
    for f in huge.png cut.png half.jpg huge.jpg maxval0.pgm short.pgm huge.ppm short-text.pgm; do
        hostile_file "$TMP/$f"
    done
    check "huge.png is 200-odd bytes" [ "$(stat -c %s "$TMP/huge.png")" -lt 300 ]
    run_limited predict --model "$TMP/m.nnc" "$TMP/huge.png"
    check "huge.png: refused for its size" grep -q "100000x100000.*limit" "$TMP/err"
    run_limited predict --model "$TMP/m.nnc" "$TMP/half.jpg"
    check "half.jpg: truncated" grep -qi "truncated" "$TMP/err"
    run_limited predict --model "$TMP/m.nnc" "$TMP/maxval0.pgm"
    check "maxval0.pgm: names the maxval" grep -q "maxval 0" "$TMP/err"
    run_limited predict --model "$TMP/m.nnc" "$TMP/short.pgm"
    check "short.pgm: truncated" grep -qi "truncated" "$TMP/err"
    run_limited predict --model "$TMP/m.nnc" --max-image-mpixels 4096 "$TMP/huge.ppm"
    expect_error 1 "huge.ppm" "a 4-gigapixel PPM header under the largest cap"
    run_limited show "$TMP/huge.jpg"
    expect_error 1 "huge.jpg" "show of a JPEG declaring 60000x60000"
else
    fail "drawing the hostile images (python3-pil)"
fi

# A decompression bomb: 200 MB of zeros in a ~200 kB gzip, behind a header
# that declares them all. The --max-input-mb cap stops it before it inflates.
{
    printf '\x00\x00\x08\x03\x00\x03\xe0\x00\x00\x00\x00\x1c\x00\x00\x00\x1c' # 253952 images
    head -c $((253952 * 784)) /dev/zero
} | gzip -1 >"$TMP/bomb.idx.gz"
run_limited train --images "$TMP/bomb.idx.gz" --labels "$LBL" --max-input-mb 64 -o "$TMP/never.nnc"
expect_error 1 "bomb.idx.gz" "decompression bomb over the cap"
check "bomb message names the limit" grep -qi "limit\|cap\|max" "$TMP/err"
# eval streams the images and checks the counts against the labels first.
run_limited eval --model "$TMP/m.nnc" --images "$TMP/bomb.idx.gz" --labels "$LBL"
expect_error 1 "bomb.idx.gz" "eval of a decompression bomb"
# predict streams: memory stays flat however much the bomb inflates.
run_limited predict --model "$TMP/m.nnc" "$TMP/bomb.idx.gz"
expect_status 0 "predict streams through the bomb"
check "predict: one line per image" [ "$(wc -l <"$TMP/out")" -eq 253952 ]

# A model whose hidden layer declares 2^28 neurons (layer sizes start at byte
# 224 of a .nnc file; see docs/model-format.md): refused before allocation.
cp "$DATA/models/mnist.nnc" "$TMP/huge-layer.nnc"
printf '\x00\x00\x00\x10' | dd of="$TMP/huge-layer.nnc" bs=1 seek=228 conv=notrunc 2>/dev/null
run_limited predict --model "$TMP/huge-layer.nnc" "$IMG"
expect_error 1 "huge-layer.nnc" "model with a 2^28-neuron layer"
check "huge layer: the message names the size" grep -q "268435456" "$TMP/err"
run_limited info "$TMP/huge-layer.nnc"
expect_error 1 "huge-layer.nnc" "info of a 2^28-neuron model"

# A model whose input size does not match the data.
printf '\x00\x00\x08\x03\x00\x00\x00\x04\x00\x00\x00\x04\x00\x00\x00\x04' >"$TMP/tiny-images.idx"
head -c 64 /dev/urandom >>"$TMP/tiny-images.idx"
printf '\x00\x00\x08\x01\x00\x00\x00\x04\x00\x01\x02\x03' >"$TMP/tiny-labels.idx"
"$NNCLASS" train --images "$TMP/tiny-images.idx" --labels "$TMP/tiny-labels.idx" --layers 16,4 --classes 4 \
    --batch 2 --epochs 1 --quiet -o "$TMP/tiny.nnc" >/dev/null || fail "training the 4x4 model"
run_limited eval --model "$TMP/tiny.nnc" --images "$IMG" --labels "$LBL"
expect_error 1 "s-images.idx" "model input does not match eval data"
run_limited predict --model "$TMP/tiny.nnc" "$IMG"
expect_error 1 "s-images.idx" "model input does not match predict data"

# SIGINT and SIGTERM during training: exit 128+signal, no file, no temp file.
# Job control on: a background job of a script otherwise starts with SIGINT
# ignored, and nnclass leaves an ignored signal ignored.
make_subset train 10000 "$TMP/t"
set -m
for sig in INT TERM; do
    cp "$TMP/m.nnc" "$TMP/prev.nnc"
    "$NNCLASS" train --images "$TMP/t-images.idx" --labels "$TMP/t-labels.idx" --epochs 1000 \
        --quiet -o "$TMP/prev.nnc" >/dev/null 2>"$TMP/sig.err" &
    pid=$!
    sleep 1
    kill -s "$sig" "$pid"
    wait "$pid"
    st=$?
    check "SIG$sig: exit status $st is 128+signal" [ "$st" -eq $((128 + $(kill -l "$sig"))) ]
    check "SIG$sig: previous model intact" cmp -s "$TMP/m.nnc" "$TMP/prev.nnc"
    check "SIG$sig: no temporary file" [ -z "$(ls "$TMP" | grep -F '.tmp')" ]
    check "SIG$sig: one message" grep -q "^nnclass: .*interrupted" "$TMP/sig.err"
done
set +m

# A full disk while saving: the previous model stays whole (needs root for a
# small tmpfs; skipped otherwise).
mkdir -p "$TMP/full"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=128k tmpfs "$TMP/full" 2>/dev/null; then
    cp "$TMP/m.nnc" "$TMP/full/model.nnc"
    head -c 200000 /dev/zero >"$TMP/full/filler" 2>/dev/null
    run_nn train --images "$TMP/s-images.idx" --labels "$TMP/s-labels.idx" --epochs 1 --quiet \
        -o "$TMP/full/model.nnc"
    expect_error 1 "model.nnc" "disk full while saving"
    check "disk full: previous model intact" cmp -s "$TMP/m.nnc" "$TMP/full/model.nnc"
    check "disk full: no temporary file" [ -z "$(ls "$TMP/full" | grep -F '.tmp')" ]
    umount "$TMP/full"
else
    echo "note: not root or no tmpfs: disk-full case skipped" >&2
fi

finish
