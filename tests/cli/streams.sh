# CLI tests of what nnclass prints: structured output that stays structured
# (JSON that always parses, TSV one line per image, eval --errors inside the
# JSON and in one pass over a pipe), inert one-line messages, models whose
# forward pass overflows, image geometry.
. "$(dirname "$0")/lib.bash"

make_subset t10k 300 "$TMP/t"
make_subset train 600 "$TMP/s"
"$NNCLASS" train --images "$TMP/s-images.idx" --labels "$TMP/s-labels.idx" --epochs 1 \
    --quiet -o "$TMP/m.nnc" >/dev/null || fail "training the test model"
E=(eval --model "$TMP/m.nnc" --labels "$TMP/t-labels.idx")

# --- eval --errors: one pass, so stdin and FIFOs work; JSON keeps them inside.
run_nn "${E[@]}" --images "$TMP/t-images.idx" --errors 3
expect_status 0 "eval --errors from a file"
cp "$TMP/out" "$TMP/errors-file.txt"
check "text: 3 captions" [ "$(grep -c '^image [0-9]*: true' "$TMP/out")" -eq 3 ]
"$NNCLASS" "${E[@]}" --images - --errors 3 <"$TMP/t-images.idx" >"$TMP/out" 2>"$TMP/err"
check "eval --images - --errors: exit 0" [ $? -eq 0 ]
check "eval --images - --errors: nothing on stderr" [ ! -s "$TMP/err" ]
check "stdin: the same wrong images as the file" \
    [ "$(grep '^image' "$TMP/out")" = "$(grep '^image' "$TMP/errors-file.txt")" ]
mkfifo "$TMP/fifo"
cat "$TMP/t-images.idx" >"$TMP/fifo" &
timeout 60 "$NNCLASS" "${E[@]}" --images "$TMP/fifo" --errors 2 --format json \
    >"$TMP/out" 2>"$TMP/err"
check "eval --errors on a FIFO: exit 0, no hang" [ $? -eq 0 ]
wait
check "JSON with --errors: one object, errors inside" python3 -c '
import json, sys
text = open(sys.argv[1]).read()
r = json.loads(text)
e = r["errors"]
assert len(e) == 2, e
for x in e:
    assert x["true"] != x["predicted"] and 0 <= x["confidence"] <= 1, x
    assert len(x["pixels"]) == 28 and all(len(row) == 28 for row in x["pixels"])
assert e[0]["confidence"] >= e[1]["confidence"]
assert "\u2588" not in text and "\u2591" not in text' "$TMP/out"
run_nn "${E[@]}" --images "$TMP/t-images.idx" --errors 2 --format csv
expect_error 2 "--errors" "eval --format csv --errors"

# --- JSON strings always parse: a file name that is not UTF-8.
bad=$(printf 'bad\xff\xfe.idx')
cp "$TMP/t-images.idx" "$TMP/$bad"
run_nn predict --model "$TMP/m.nnc" --format json -H "$TMP/$bad"
expect_status 0 "predict json, non-UTF-8 name"
check "predict json: every line parses, U+FFFD in the name" python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], "rb").read().decode("utf-8").splitlines()]
assert len(rows) == 300 and rows[0]["file"].endswith("bad\ufffd\ufffd.idx"), rows[0]' "$TMP/out"
run_nn eval --model "$TMP/m.nnc" --images "$TMP/$bad" --labels "$TMP/t-labels.idx" --format json
check "eval json with a non-UTF-8 name parses" python3 -c '
import json, sys; json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))' "$TMP/out"

# --- TSV: a tab or a newline in a file name stays inside its field.
odd=$(printf 'tab\there\nnewline.idx')
cp "$TMP/t-images.idx" "$TMP/$odd"
run_nn predict --model "$TMP/m.nnc" -H "$TMP/$odd"
expect_status 0 "predict tsv, name with tab and newline"
check "tsv: 300 lines" [ "$(wc -l <"$TMP/out")" -eq 300 ]
check "tsv: 4 fields per line" [ "$(awk -F'\t' 'NF != 4' "$TMP/out" | wc -l)" -eq 0 ]
check "tsv: escaped name" grep -qF 'tab\there\nnewline.idx' "$TMP/out"
run_nn predict --help
check "predict --help documents the TSV escapes" grep -q 'In TSV' "$TMP/out"

# --- Messages are one inert line: a newline or an escape in a file name.
esc=$(printf 'esc\033]0;title\007name')
run_nn predict --model "$TMP/m.nnc" "$TMP/$esc"
expect_error 1 'esc\x1b]0;title\x07name' "escape sequence in a missing file's name"
check "no ESC byte on stderr" not grep -q "$(printf '\033')" "$TMP/err"
run_nn predict --model "$TMP/m.nnc" "$TMP/two"$'\n'"lines"
expect_error 1 'two\nlines' "newline in a missing file's name"
run_nn info "$TMP/$esc"
expect_error 1 'esc\x1b' "info of a name with an escape"
cp "$TMP/m.nnc" "$TMP/$esc.nnc"
run_nn info "$TMP/$esc.nnc"
expect_status 0 "info of a model with an escape in its name"
check "info: no ESC byte on stdout" not grep -q "$(printf '\033')" "$TMP/out"

# forge MODEL OUT PYTHON-EXPRESSION: rewrites a model with the expression
# applied to its bytes b (a bytearray; h = header size) and a fresh CRC-32.
forge() {
    python3 - "$1" "$2" "$3" <<'EOF'
import struct, sys, zlib
b = bytearray(open(sys.argv[1], "rb").read())
h = struct.unpack_from("<I", b, 12)[0]
exec(sys.argv[3])
struct.pack_into("<I", b, len(b) - 4, zlib.crc32(bytes(b[:-4])) & 0xffffffff)
open(sys.argv[2], "wb").write(b)
EOF
}
# The loader refuses control characters in a model's text fields.
forge "$TMP/m.nnc" "$TMP/title.nnc" 'b[64:64+11] = b"\x1b]0;pwned\x07\0"'
run_nn info "$TMP/title.nnc"
expect_error 1 "dataset name" "model with an escape in its dataset name"
check "info: no ESC byte anywhere" not grep -q "$(printf '\033')" "$TMP/out" "$TMP/err"

# --- Finite weights whose forward pass overflows: exit 1 naming the model.
forge "$TMP/m.nnc" "$TMP/huge.nnc" '
n = (len(b) - 4 - h) // 4
struct.pack_into("<%df" % n, b, h, *([3e38] * n))'
run_nn info "$TMP/huge.nnc"
expect_status 0 "the huge model loads (its weights are finite)"
for fmt in tsv json csv; do
    run_nn predict --model "$TMP/huge.nnc" --format $fmt --probs "$TMP/t-images.idx"
    [ $fmt = csv ] && sed -i 1d "$TMP/out" # the CSV header comes first
    expect_error 1 "huge.nnc" "predict --format $fmt with an overflowing model"
done
run_nn eval --model "$TMP/huge.nnc" --images "$TMP/t-images.idx" --labels "$TMP/t-labels.idx"
expect_error 1 "huge.nnc" "eval with an overflowing model"

# --- Geometry: a 28x28 model refuses 1x784 and 784x1 images.
for shape in '\x00\x00\x00\x01\x00\x00\x03\x10' '\x00\x00\x03\x10\x00\x00\x00\x01'; do
    { printf '\x00\x00\x08\x03\x00\x00\x00\x02'; printf "$shape"; head -c 1568 /dev/zero; } \
        >"$TMP/flat.idx"
    run_nn predict --model "$TMP/m.nnc" "$TMP/flat.idx"
    expect_error 1 "expects 28x28" "predict of $shape images"
    { printf '\x00\x00\x08\x01\x00\x00\x00\x02\x00\x01'; } >"$TMP/flat-labels.idx"
    run_nn eval --model "$TMP/m.nnc" --images "$TMP/flat.idx" --labels "$TMP/flat-labels.idx"
    expect_error 1 "expects 28x28" "eval of $shape images"
done

finish
