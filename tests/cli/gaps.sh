# CLI tests of the corners a user hits: small data sets and defaults,
# option-parsing messages, cheap checks before expensive reads, info of a
# stream, and a run that diverges while its loss stays finite.
. "$(dirname "$0")/lib.bash"

make_subset train 600 "$TMP/s"
make_subset t10k 3 "$TMP/three"

# --- A set smaller than the default minibatch trains as one minibatch; an
# explicit --batch larger than the set stays an error.
run_nn train --images "$TMP/three-images.idx" --labels "$TMP/three-labels.idx" --epochs 1 \
    --quiet -o "$TMP/three.nnc"
expect_status 0 "train on 3 images without --batch"
check "the model is written" [ -s "$TMP/three.nnc" ]
run_nn train --images "$TMP/three-images.idx" --labels "$TMP/three-labels.idx" --epochs 1 \
    --batch 64 -o "$TMP/never.nnc"
expect_error 2 "--batch" "explicit --batch over the set"

# --- eval --images/--labels without --model uses the MNIST model, as predict.
if [ -f "$DATA/models/mnist.nnc" ]; then
    run_nn eval --data-dir "$DATA" --images "$TMP/three-images.idx" \
        --labels "$TMP/three-labels.idx"
    expect_status 0 "eval --images without --model"
    check "eval: the default model" grep -q "^model .*models/mnist.nnc$" "$TMP/out"
fi
run_nn eval --data-dir "$DATA" --images "$TMP/three-images.idx" \
    --labels "$TMP/three-labels.idx" --split train
expect_error 2 "--split" "eval --split with --images"
run_nn show --split train "$TMP/three-images.idx"
expect_error 2 "--split" "show --split without --dataset"

# --- show of a file of 0 images is a data fact, not a usage error.
printf '\x00\x00\x08\x03\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x1c' >"$TMP/empty.idx"
run_nn show "$TMP/empty.idx"
expect_error 1 "no images" "show of 0 images"

# --- Option messages: ambiguous prefixes list the candidates; a value for an
# option that takes none says so.
run_nn predict --t 2 "$TMP/three-images.idx"
expect_error 2 "ambiguous" "predict --t"
check "--t: both candidates named" grep -q -- "--top.*--threads\|--threads.*--top" "$TMP/err"
run_nn predict --probs=1 "$TMP/three-images.idx"
expect_error 2 "takes no value" "predict --probs=1"
run_nn train --bogus
expect_error 2 "unknown option '--bogus'" "train --bogus"
run_nn info --help=1
expect_error 2 "takes no value" "info --help=1"

# --- No "1 classes": a model with one class says "1 class".
"$NNCLASS" train --images "$TMP/s-images.idx" --labels "$TMP/s-labels.idx" --epochs 1 \
    --quiet -o "$TMP/m.nnc" >/dev/null || fail "training the test model"
python3 - "$TMP/m.nnc" "$TMP/one-class.nnc" <<'EOF'
import struct, sys, zlib
b = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<I", b, 32, 1)
struct.pack_into("<I", b, len(b) - 4, zlib.crc32(bytes(b[:-4])) & 0xffffffff)
open(sys.argv[2], "wb").write(b)
EOF
run_nn info "$TMP/one-class.nnc"
expect_status 1 "a model of one class"
check "'1 class', not '1 classes'" not grep -q "1 classes" "$TMP/err"

# --- Cheap checks first: info of an endless stream of random bytes stops at
# the magic; train refuses a label count that does not match the images'
# header before reading their payload.
run_nn info /dev/urandom
expect_error 1 "bad magic" "info /dev/urandom"
{ printf '\x00\x00\x08\x03\x00\x01\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x1c'; } >"$TMP/header-only.idx"
run_nn train --images "$TMP/header-only.idx" --labels "$TMP/s-labels.idx" -o "$TMP/never.nnc"
expect_error 1 "600 labels, but" "train: count mismatch from the header"
check "reported before the payload (not a truncation)" not grep -q "truncated" "$TMP/err"

# --- info of a stream reports the bytes it decoded.
cat "$TMP/m.nnc" | "$NNCLASS" info /dev/stdin >"$TMP/out" 2>"$TMP/err"
check "info of a pipe: exit 0" [ $? -eq 0 ]
size=$(python3 -c 'import os, sys; print(f"{os.path.getsize(sys.argv[1]):,}")' "$TMP/m.nnc")
check "info of a pipe: the bytes decoded" grep -qF "($size bytes)" "$TMP/out"
check "info of a pipe: not 0 bytes" not grep -q "(0 bytes)" "$TMP/out"

# --- A run that diverges while its loss stays finite (Adam with a huge
# rate) stops with exit 1 and leaves the existing model alone.
cp "$TMP/m.nnc" "$TMP/keep.nnc"
run_nn train --images "$TMP/s-images.idx" --labels "$TMP/s-labels.idx" --epochs 2 \
    --optimizer adam --lr 1e6 --quiet -o "$TMP/keep.nnc"
expect_error 1 "diverged" "adam --lr 1e6"
check "existing model untouched" cmp -s "$TMP/m.nnc" "$TMP/keep.nnc"

finish
