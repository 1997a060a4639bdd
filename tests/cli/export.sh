# CLI tests of `nnclass export`: every kind of network nnclass trains, as
# ONNX and .npz (the MLP with each activation, the perceptron, CNNs with
# 'same' and 'valid' convolutions and pooling), checked by onnx.checker, run
# by ONNX Runtime on the 10,000 MNIST test images against `nnclass predict
# --probs` (within 1e-5, the same argmax on every image), and rebuilt from
# the .npz by NumPy; and autoencoders, dense and conv (up2 as Resize), whose
# ONNX Runtime reconstructions are within 2e-4 of the .npz's NumPy pass,
# whose loss is nnclass eval's.
# Needs python3 with onnx and numpy (Debian python3-onnx, python3-numpy), node
# and npm; onnxruntime-node is installed with npm into build-ort/ (gitignored)
# when missing. Without them the ONNX Runtime part is skipped, and says so.
. "$(dirname "$0")/lib.bash"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
images="$DATA/mnist/t10k-images-idx3-ubyte.gz"

# --- usage and errors (no extra tools needed) -----------------------------------
model="$DATA/models/mnist.nnc"
run_nn export "$model"
expect_error 2 "-o FILE" "export without -o"
run_nn export "$model" -o "$TMP/m.onnx" --format tflite
expect_error 2 "--format" "export --format tflite"
run_nn export -o "$TMP/m.onnx"
expect_error 2 "model" "export without a model"
run_nn export "$TMP/none.nnc" -o "$TMP/m.onnx"
expect_error 1 "none.nnc" "export of a missing model"
check "export of a missing model writes nothing" [ ! -e "$TMP/m.onnx" ]
run_nn export "$model" -o "$TMP/no/such/dir/m.onnx"
expect_error 1 "m.onnx" "export into a missing folder"
run_nn export "$model" -o "$TMP/m.npz"
expect_status 0 "export .npz by its extension"
check "npz: a zip archive" [ "$(head -c 4 "$TMP/m.npz" | od -An -tx1 | tr -d ' ')" = 504b0304 ]
run_nn export "$model" -o "$TMP/m.bin" --format npz
check "--format npz overrides the extension" cmp -s "$TMP/m.npz" "$TMP/m.bin"
run_nn export "$model" -o "$TMP/m.onnx"
expect_status 0 "export .onnx"
run_nn export "$model" -o "$TMP/m2.onnx"
check "export is deterministic" cmp -s "$TMP/m.onnx" "$TMP/m2.onnx"
check "no temporary files left" [ -z "$(find "$TMP" -name '*.tmp.*')" ]

# --- the tools: python3 with onnx and numpy, node with onnxruntime-node -----------
python=""
for p in python3 /usr/bin/python3; do
    if "$p" -c 'import onnx, numpy' 2>/dev/null; then python=$p; break; fi
done
ort_dir=${NNCLASS_ORT_DIR:-$root/build-ort}
if ! command -v node >/dev/null 2>&1; then
    skip="node is not installed (apt-get install -y nodejs npm)"
elif [ -z "$python" ]; then
    skip="python3 has no onnx and numpy (apt-get install -y python3-onnx python3-numpy)"
elif ! (. "$root/scripts/setup.sh" && nnclass_setup_ort "$ort_dir") >"$TMP/npm.log" 2>&1; then
    skip="npm could not install onnxruntime-node: $(tail -1 "$TMP/npm.log")"
else
    skip=""
fi
if [ -n "$skip" ]; then
    echo "SKIPPED: the ONNX checker and ONNX Runtime comparison: $skip"
    finish && exit 77 # ctest reports the test as skipped
    exit 1
fi

# Every kind of network: the shipped models, and one small model per
# activation, with one and two hidden layers, and the perceptron.
make_subset train 3000 "$TMP/train3k"
train() {
    local name=$1
    shift
    "$NNCLASS" train --images "$TMP/train3k-images.idx.gz" --labels "$TMP/train3k-labels.idx.gz" \
        --epochs 2 --quiet -o "$TMP/$name.nnc" "$@" >/dev/null
    check "train $name" [ $? -eq 0 ]
}
train relu --activation relu
train sigmoid --activation sigmoid --hidden 32
train tanh --activation tanh --hidden 24,12
train perceptron --activation step --layers 784,10
train cnn --layers 28x28,conv3x3x4-same,pool2,conv3x3x6:tanh,pool2,16:sigmoid,10
train cnn1 --layers 28x28,conv5x5x3,pool2,10
train lstm --layers 28x28,lstm12,10
train gru --layers 28x28,bigru6-seq,gru5,10
train rnn --layers 28x28,birnn7-seq,16,10
train crnn --layers 28x28,conv3x3x2-same,pool2,lstm6x2,10
models="mnist fashion relu sigmoid tanh perceptron cnn cnn1 lstm gru rnn crnn"
for m in mnist-cnn fashion-cnn mnist-lstm; do
    [ -f "$DATA/models/$m.nnc" ] && models="$models $m"
done
for m in $models; do
    [ -f "$DATA/models/$m.nnc" ] && cp "$DATA/models/$m.nnc" "$TMP/"
done

for name in $models; do
    "$NNCLASS" export "$TMP/$name.nnc" -o "$TMP/$name.onnx" 2>"$TMP/err"
    check "$name: export onnx" [ $? -eq 0 ]
    "$NNCLASS" export "$TMP/$name.nnc" -o "$TMP/$name.npz" 2>"$TMP/err"
    check "$name: export npz" [ $? -eq 0 ]
    "$NNCLASS" predict --model "$TMP/$name.nnc" --probs --format json "$images" >"$TMP/$name.jsonl"
    check "$name: predict --probs" [ $? -eq 0 ]
    NODE_PATH="$ort_dir/node_modules" node "$here/ort_run.js" "$TMP/$name.onnx" "$images" \
        "$TMP/$name.f32" 2>"$TMP/err"
    check "$name: ONNX Runtime runs the model ($(head -c 200 "$TMP/err"))" [ $? -eq 0 ]
    if "$python" "$here/export_check.py" "$TMP/$name.onnx" "$TMP/$name.npz" "$TMP/$name.jsonl" \
        "$images" "$TMP/$name.f32" 10; then pass; else fail "$name: exported models disagree"; fi
done

# Autoencoders: a reconstruction, not probabilities (predict refuses them).
train ae --layers 28x28,32,784:none,recon --optimizer adam --lr 0.003
train cae --layers 28x28,conv3x3x4-same,pool2,conv3x3x2-same:tanh,pool2,up2,conv3x3x4-same,up2:sigmoid,conv3x3x1-same:none,recon \
    --optimizer adam --lr 0.003
for name in ae cae; do
    "$NNCLASS" export "$TMP/$name.nnc" -o "$TMP/$name.onnx" 2>"$TMP/err"
    check "$name: export onnx" [ $? -eq 0 ]
    "$NNCLASS" export "$TMP/$name.nnc" -o "$TMP/$name.npz" 2>"$TMP/err"
    check "$name: export npz" [ $? -eq 0 ]
    "$NNCLASS" eval --model "$TMP/$name.nnc" --format json --data-dir "$DATA" >"$TMP/$name.json"
    check "$name: eval" [ $? -eq 0 ]
    NODE_PATH="$ort_dir/node_modules" node "$here/ort_run.js" "$TMP/$name.onnx" "$images" \
        "$TMP/$name.f32" 2>"$TMP/err"
    check "$name: ONNX Runtime runs the model ($(head -c 200 "$TMP/err"))" [ $? -eq 0 ]
    if "$python" "$here/export_check.py" "$TMP/$name.onnx" "$TMP/$name.npz" "$TMP/$name.json" \
        "$images" "$TMP/$name.f32" recon; then pass; else fail "$name: exported models disagree"; fi
done
finish
