# CLI test of `nnclass export` and `nnclass info` on a reader of whole
# numbers (conv, pool, cols, bidirectional LSTM, a dense layer at every
# step, CTC): onnx.checker accepts the ONNX file and its output is
# (N, T, 11); the .npz through NumPy and ONNX Runtime give nnclass's
# per-step probabilities on random strips within 2e-4 (float32 LSTMs on
# other engines sum in another order; a few 1e-7 here). Python's onnx and
# numpy are optional, as in export.sh.
# The reader and nnclass's probabilities come from ctc_fixture (built with
# the tests, its path in NNCLASS_CTC_FIXTURE). Needs node and
# onnxruntime-node (installed with npm into build-ort/ when missing);
# without them the ONNX Runtime part is skipped, and says so.
. "$(dirname "$0")/lib.bash"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

fixture=${NNCLASS_CTC_FIXTURE:-}
if [ -z "$fixture" ] || [ ! -x "$fixture" ]; then
    echo "FAIL: NNCLASS_CTC_FIXTURE does not name the built ctc_fixture" >&2
    exit 1
fi
"$fixture" "$TMP"
check "ctc_fixture writes a reader" [ -s "$TMP/reader.nnc" ]

run_nn info "$TMP/reader.nnc"
expect_status 0 "info of a reader"
check "info shows the cols row" grep -q "cols   12x1x12" "$TMP/out"
check "info shows the step row" grep -q "step   12x1x11 .*the same 11 neurons" "$TMP/out"
check "info names the CTC output" grep -q "output: softmax (one per step, read by CTC" "$TMP/out"
run_nn export "$TMP/reader.nnc" -o "$TMP/reader.onnx"
expect_status 0 "export of a reader to ONNX"
run_nn export "$TMP/reader.nnc" -o "$TMP/reader.npz"
expect_status 0 "export of a reader to npz"

python=""
for p in python3 /usr/bin/python3; do
    if "$p" -c 'import onnx, numpy' 2>/dev/null; then python=$p; break; fi
done
if [ -n "$python" ]; then
    if "$python" "$here/export_ctc_check.py" "$TMP/reader.onnx" "$TMP/reader.npz" \
        "$TMP/strips.idx" "$TMP/probs.f32"; then pass; else fail "reader: onnx.checker or npz"; fi
else
    echo "SKIPPED: onnx.checker and the npz check: python3 has no onnx and numpy"
fi

ort_dir=${NNCLASS_ORT_DIR:-$root/build-ort}
if ! command -v node >/dev/null 2>&1; then
    skip="node is not installed (apt-get install -y nodejs npm)"
elif ! (. "$root/scripts/setup.sh" && nnclass_setup_ort "$ort_dir") >"$TMP/npm.log" 2>&1; then
    skip="npm could not install onnxruntime-node: $(tail -1 "$TMP/npm.log")"
else
    skip=""
fi
if [ -n "$skip" ]; then
    echo "SKIPPED: the ONNX Runtime comparison: $skip"
    finish && exit 77
    exit 1
fi
NODE_PATH="$ort_dir/node_modules" node "$here/ort_run.js" "$TMP/reader.onnx" \
    "$TMP/strips.idx" "$TMP/ort.f32" 2>"$TMP/err"
check "ONNX Runtime runs the reader ($(head -c 200 "$TMP/err"))" [ -s "$TMP/ort.f32" ]
node -e '
const fs = require("fs");
const [a, b] = process.argv.slice(1).map((f) => {
    const buf = fs.readFileSync(f);
    return new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
});
if (a.length !== b.length || a.length === 0) {
    console.error(`${a.length} values against ${b.length}`);
    process.exit(1);
}
let worst = 0;
for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
console.log(`reader: ${a.length / 11} steps, ONNX Runtime max |dp| ${worst.toExponential(2)}`);
process.exit(worst <= 2e-4 ? 0 : 1);
' "$TMP/ort.f32" "$TMP/probs.f32"
check "ONNX Runtime's per-step probabilities within 2e-4 of nnclass's" [ $? -eq 0 ]
finish
