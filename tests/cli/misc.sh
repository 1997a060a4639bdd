# CLI tests of the top level, `nnclass info` and `nnclass show`.
. "$(dirname "$0")/lib.bash"

run_nn --help
expect_status 0 "--help"
cp "$TMP/out" "$TMP/help"
for c in train eval predict info show; do
    check "--help lists $c" grep -q "^  $c " "$TMP/help"
    run_nn "$c" --help
    expect_status 0 "$c --help"
    check "$c --help prints usage" grep -q "^Usage: nnclass $c" "$TMP/out"
done
run_nn --version
expect_status 0 "--version"
check "version line" grep -Eq '^nnclass [0-9]+\.[0-9]+\.[0-9]+$' "$TMP/out"
run_nn
expect_status 2 "no command"
run_nn frobnicate
expect_error 2 "frobnicate" "unknown command"

# info on the committed model and on broken files.
if [ -f "$DATA/models/mnist.nnc" ]; then
    run_nn info "$DATA/models/mnist.nnc"
    expect_status 0 "info default model"
    check "info: checksum" grep -q "^checksum      ok" "$TMP/out"
    check "info: architecture" grep -q "^architecture  784-16-10$" "$TMP/out"
    check "info: 26 neurons" grep -q "^neurons       26 (16 hidden + 10 output" "$TMP/out"
    head -c 200 "$DATA/models/mnist.nnc" >"$TMP/cut.nnc"
    run_nn info "$TMP/cut.nnc"
    expect_error 1 "cut.nnc" "truncated model"
    cp "$DATA/models/mnist.nnc" "$TMP/flip.nnc"
    printf '\x55' | dd of="$TMP/flip.nnc" bs=1 seek=5000 conv=notrunc 2>/dev/null
    run_nn info "$TMP/flip.nnc"
    expect_error 1 "flip.nnc" "bit flip"
fi
head -c 4096 /dev/urandom >"$TMP/random.nnc"
run_nn info "$TMP/random.nnc"
expect_error 1 "random.nnc" "random bytes"
# With no file, info describes the models that answer when none is named.
run_nn info --data-dir "$DATA"
expect_status 0 "info without a file"
check "info without a file: mnist-cnn for image files" \
    grep -qx "default for   image files with no --model" "$TMP/out"
check "info without a file: mnist for IDX files" \
    grep -qx "default for   IDX files with no --model" "$TMP/out"
run_nn info --data-dir "$DATA" --format json
check "info --format json without a file: default_for" \
    [ "$(grep -c '"default_for":' "$TMP/out")" -eq 2 ]

# show draws 28 rows per image under a caption.
run_nn show --dataset mnist --data-dir "$DATA" --index 3 --count 2
expect_status 0 "show dataset"
check "show: two captions with labels" [ "$(grep -c '^image [34]  label [0-9]$' "$TMP/out")" -eq 2 ]
check "show: 2 x 29 lines" [ "$(wc -l <"$TMP/out")" -eq 58 ]
check "show: 56 characters per row" [ "$(sed -n 2p "$TMP/out" | tr -d '\n' | wc -m)" -eq 56 ]
run_nn show "$DATA/mnist/t10k-images-idx3-ubyte.gz"
expect_status 0 "show file"
check "show file: caption" grep -q "^image 0$" "$TMP/out"
run_nn show --index 10000 "$DATA/mnist/t10k-images-idx3-ubyte.gz"
expect_error 2 "--index" "show past the end"
run_nn show --count 0 "$DATA/mnist/t10k-images-idx3-ubyte.gz"
expect_error 2 "--count" "show --count 0"
run_nn show "$TMP/random.nnc"
expect_error 1 "random.nnc" "show random bytes"

# A bare model name: NAME, then NAME.nnc in the working folder, then the
# data folder's models/NAME.nnc; none of them is an error listing all three.
mkdir -p "$TMP/here" "$TMP/d/models"
cp "$DATA/models/fashion.nnc" "$TMP/d/models/shared.nnc"
bare_info() { (cd "$TMP/here" && "$NNCLASS" info --format json --data-dir "$TMP/d" "$@") >"$TMP/out" 2>"$TMP/err"; }
bare_file() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["file"])' "$TMP/out"; }
bare_info shared
check "bare name: the data folder's model" [ "$(bare_file)" = "$TMP/d/models/shared.nnc" ]
cp "$DATA/models/mnist.nnc" "$TMP/here/shared.nnc"
bare_info shared
check "bare name: ./NAME.nnc before the data folder's" [ "$(bare_file)" = "shared.nnc" ]
cp "$DATA/models/mnist.nnc" "$TMP/here/shared"
bare_info shared
check "bare name: ./NAME before ./NAME.nnc" [ "$(bare_file)" = "shared" ]
(cd "$TMP/here" && "$NNCLASS" predict --data-dir "$TMP/d" --model shared --format json \
    "$DATA/mnist/t10k-images-idx3-ubyte.gz" | head -1) >"$TMP/p.json"
check "predict --model: the working folder's model answers" grep -q '"label":"7"' "$TMP/p.json"
(cd "$TMP/here" && "$NNCLASS" predict --data-dir "$TMP/d" --model nowhere \
    "$DATA/mnist/t10k-images-idx3-ubyte.gz") >"$TMP/out" 2>"$TMP/err"
status=$?
expect_error 1 "nowhere: no such model; tried ./nowhere, ./nowhere.nnc and $TMP/d/models/nowhere.nnc" \
    "a bare name found nowhere"
run_nn info --data-dir "$TMP/d" nowhere
expect_error 1 "tried ./nowhere, ./nowhere.nnc and" "info: a bare name found nowhere"

# info says where a model came from: the release and BLAS core that trained
# it and a CRC-32 of its training pixels and labels; a model from before
# nnclass kept them shows unknown.
make_subset train 300 "$TMP/prov"
"$NNCLASS" train --images "$TMP/prov-images.idx.gz" --labels "$TMP/prov-labels.idx" --epochs 1 \
    --quiet -o "$TMP/prov.nnc" >/dev/null
run_nn info --format json "$TMP/prov.nnc"
"$NNCLASS" --version >"$TMP/version"
check "info json: provenance of a new model" python3 -c '
import json, sys, zlib
r = json.load(open(sys.argv[1]))
version = dict(l.split(None, 1) for l in open(sys.argv[2]).read().splitlines())
assert r["nnclass_version"] == version["nnclass"].strip(), (r, version)
assert r["blas_core"] == version["core"].strip(), (r, version)
pixels = open(sys.argv[3], "rb").read()[16:]
labels = open(sys.argv[4], "rb").read()[8:]
assert r["images_crc32"] == "%08x" % zlib.crc32(pixels), r
assert r["labels_crc32"] == "%08x" % zlib.crc32(labels), r
' "$TMP/out" "$TMP/version" "$TMP/prov-images.idx" "$TMP/prov-labels.idx"
run_nn info "$TMP/prov.nnc"
check "info text: trained by" grep -q "^trained by    nnclass $(awk '$1 == "nnclass" {print $2}' "$TMP/version")$" "$TMP/out"
check "info text: data crc" grep -Eq '^data crc-32   images [0-9a-f]{8}, labels [0-9a-f]{8} ' "$TMP/out"
run_nn predict --model "$TMP/prov.nnc" "$TMP/prov-images.idx"
check "a model with provenance predicts" [ "$(wc -l <"$TMP/out")" -eq 300 ]
older="$(dirname "$0")/../fixtures/v1-784-32-10-tanh.nnc"
run_nn info --format json "$older"
check "info json: an older model's provenance is null" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert all(r[k] is None for k in ("nnclass_version", "blas_core", "images_crc32", "labels_crc32")), r
' "$TMP/out"
run_nn info "$older"
check "info text: an older model's provenance is unknown" grep -q "^trained by    unknown" "$TMP/out"

finish
