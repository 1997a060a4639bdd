# CLI tests of conv autoencoders and code maps: a small conv/pool/up2
# autoencoder trains and lowers its loss (the same bytes for 1 and 2
# threads), info, eval, export and reconstruct take it, the shapes it
# refuses say why; plot --codes maps a 2-unit code layer (valid XML, one dot
# per image, coloured by class, deterministic) and refuses what it cannot.
. "$(dirname "$0")/lib.bash"

make_subset train 1000 "$TMP/tr"
make_subset t10k 300 "$TMP/te"
T=(--images "$TMP/tr-images.idx.gz" --labels "$TMP/tr-labels.idx.gz")
E=(--images "$TMP/te-images.idx.gz" --labels "$TMP/te-labels.idx.gz")
CAE=28x28,conv3x3x4-same,pool2,conv3x3x4-same,pool2,up2,conv3x3x4-same,up2,conv3x3x1-same:none,recon

# --- a small conv autoencoder trains and its loss falls
run_nn train --layers "$CAE" --optimizer adam --lr 0.003 --batch 32 "${T[@]}" --epochs 3 \
    --threads 1 -o "$TMP/cae.nnc" --log "$TMP/cae.jsonl"
expect_status 0 "train a conv autoencoder"
first=$(sed -n '1s/.*"loss":\([0-9.]*\).*/\1/p' "$TMP/cae.jsonl")
last=$(sed -n '3s/.*"loss":\([0-9.]*\).*/\1/p' "$TMP/cae.jsonl")
check "the loss falls from epoch 1 ($first) to epoch 3 ($last)" \
    awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a) }'
check "well below a blank guess (0.69 per pixel)" awk -v b="$last" 'BEGIN { exit !(b < 0.3) }'
"$NNCLASS" train --layers "$CAE" --optimizer adam --lr 0.003 --batch 32 "${T[@]}" --epochs 3 \
    --threads 2 --quiet -o "$TMP/cae2.nnc" >/dev/null 2>&1
check "same bytes for 1 and 2 threads" cmp -s "$TMP/cae.nnc" "$TMP/cae2.nnc"

run_nn info "$TMP/cae.nnc"
expect_status 0 "info of a conv autoencoder"
check "info shows the table" grep -q "^architecture  $CAE " "$TMP/out"
check "info has the upsample rows" [ "$(grep -c ' upsample 14x14x4 \| upsample 28x28x4 ' "$TMP/out")" -eq 2 ]
run_nn eval --model "$TMP/cae.nnc" "${E[@]}" --format json
expect_status 0 "eval of a conv autoencoder"
check "eval gives its loss" grep -q '"count":300,"reconstruction_loss":0\.' "$TMP/out"
run_nn reconstruct "$TMP/cae.nnc" "$TMP/te-images.idx.gz" --count 3 -o "$TMP/r.svg"
expect_status 0 "reconstruct with a conv autoencoder"
check "three pairs" [ "$(grep -c '<g id="pair-' "$TMP/r.svg")" -eq 3 ]
run_nn export "$TMP/cae.nnc" -o "$TMP/cae.onnx"
expect_status 0 "export of a conv autoencoder to ONNX"
check "ONNX: upsampling as Resize" grep -q 'Resize' "$TMP/cae.onnx"
run_nn export "$TMP/cae.nnc" -o "$TMP/cae.npz"
expect_status 0 "export of a conv autoencoder to npz"
run_nn train --arch conv-autoencoder --help
check "--arch conv-autoencoder is in the help" grep -q 'conv-autoencoder' "$TMP/out"

# --- shapes that do not fit, each said
bad_layers() { # LAYERS WORDS DESCRIPTION
    run_nn train --layers "$1" "${T[@]}" --epochs 1 --quiet -o "$TMP/bad.nnc"
    expect_error 2 "$2" "$3"
    check "$3: no model written" [ ! -e "$TMP/bad.nnc" ]
}
bad_layers 28x28,conv3x3x4-same,pool2,pool2,pool2,up2,up2,up2,conv3x3x1-same:none,recon \
    "2x2 pooling of a 7x7 input: its sides must be even" "pooling an odd side"
bad_layers 28x28,conv3x3x4-same,pool2,pool2,up2,conv3x3x1-same:none,recon \
    "reconstruction has 196 values but the input 784" "a decoder one up2 short"
bad_layers 28x28,conv3x3x4-same,pool2,up2,conv3x3x2-same,recon \
    "one-channel image" "recon after two channels"
bad_layers 28x28,64,up2,784:none,recon "needs an image" "up2 after a dense layer"
bad_layers 28x28,conv3x3x4-same,up3,conv3x3x1-same:none,recon "'up3'" "up3"
bad_layers 28x28,conv3x3x1-same,up2:swish,recon "unknown activation" "up2:swish"
run_nn train --arch conv-autoencoder --layers 28x28,up2,conv3x3x1-same,pool2:none,recon \
    "${T[@]}" --epochs 1 --threads 1 --quiet -o "$TMP/odd.nnc"
expect_status 0 "--layers wins over the recipe's, an up2 first"

# --- plot --codes: the code map of a 2-unit layer
run_nn train --layers 28x28,32,2:none,32,784:none,recon --optimizer adam --lr 0.003 \
    "${T[@]}" --epochs 2 --threads 1 --quiet -o "$TMP/code.nnc"
expect_status 0 "train an autoencoder with a 2-unit code"
run_nn plot --codes "$TMP/code.nnc" "${E[@]}" -o "$TMP/map.svg"
expect_status 0 "plot --codes"
check "nothing printed" [ ! -s "$TMP/out" ]
check "the map is well-formed XML" xmllint --noout "$TMP/map.svg"
check "the map renders" rsvg-convert -o "$TMP/map.png" "$TMP/map.svg"
check "one dot per image" [ "$(grep -c '^<circle cx=.* r="1.7"/>$' "$TMP/map.svg")" -eq 300 ]
# Each class's group holds as many dots as the labels have images of it.
counts=$(tail -c +9 "$TMP/te-labels.idx" | od -An -v -tu1 | tr -s ' ' '\n' | grep . | sort -n |
    uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
drawn=$(awk '/^<g id="class-/ { split($2, a, "-"); k = a[2] + 0; n = 0; next }
             /^<circle cx=/ { n++ } /^<\/g>/ && k != "" { printf "%s:%s ", k, n; k = "" }' \
    "$TMP/map.svg")
check "dots per class = images per class ($drawn)" [ "$counts" = "$drawn" ]
check "ten colours" [ "$(grep -o '<g id="class-[0-9]*" fill="#[0-9a-f]*"' "$TMP/map.svg" |
    sed 's/.*fill=//' | sort -u | wc -l)" -eq 10 ]
check "a legend with the counts" grep -q '>0 (' "$TMP/map.svg"
check "the subtitle names the layer" grep -q 'layer 2, on 300 of ' "$TMP/map.svg"
"$NNCLASS" plot --codes "$TMP/code.nnc" "${E[@]}" -o "$TMP/map2.svg"
check "the map is deterministic" cmp -s "$TMP/map.svg" "$TMP/map2.svg"
run_nn plot --codes "$TMP/code.nnc" "${E[@]}" --count 50 -o "$TMP/map50.svg"
expect_status 0 "plot --codes --count 50"
check "--count thins to 50 dots" [ "$(grep -c '^<circle cx=.* r="1.7"/>$' "$TMP/map50.svg")" -eq 50 ]

# --- what plot --codes refuses
run_nn plot --codes "$TMP/cae.nnc" "${E[@]}" -o "$TMP/no.svg"
expect_error 1 "no layer of 2 units" "a net without a 2-unit layer"
check "no picture written" [ ! -e "$TMP/no.svg" ]
train_small "$TMP/cls.nnc" || fail "training a classifier"
run_nn plot --codes "$TMP/cls.nnc" "${E[@]}" -o "$TMP/no.svg"
expect_error 1 "has 16" "a classifier's 16-unit layer"
run_nn plot --codes "$TMP/code.nnc" --images "$TMP/te-images.idx.gz" -o "$TMP/no.svg"
expect_error 2 "--labels" "--images without --labels"
run_nn plot --codes "$TMP/code.nnc" --weights "$TMP/code.nnc" -o "$TMP/no.svg"
expect_error 2 "one of" "--codes with --weights"
run_nn plot --codes "$TMP/code.nnc" "${E[@]}" --count 0 -o "$TMP/no.svg"
expect_error 2 "--count" "--count 0"
run_nn plot --codes "$TMP/code.nnc" "${E[@]}"
expect_error 2 "-o" "no -o"
run_nn plot --codes "$TMP/missing.nnc" "${E[@]}" -o "$TMP/no.svg"
expect_error 1 "missing.nnc" "a missing model"
head -c 100 "$TMP/code.nnc" >"$TMP/short.nnc"
run_nn plot --codes "$TMP/short.nnc" "${E[@]}" -o "$TMP/no.svg"
expect_error 1 "short.nnc" "a truncated model"
make_subset t10k 299 "$TMP/fewer"
run_nn plot --codes "$TMP/code.nnc" --images "$TMP/te-images.idx.gz" \
    --labels "$TMP/fewer-labels.idx.gz" -o "$TMP/no.svg"
expect_error 1 "fewer-labels" "images and labels of different counts"
head -c 1000 "$TMP/te-images.idx" >"$TMP/cut.idx"
run_nn plot --codes "$TMP/code.nnc" --images "$TMP/cut.idx" --labels "$TMP/te-labels.idx" \
    -o "$TMP/no.svg"
check "truncated images: an error, not a crash" [ "$status" -eq 1 ]
check "no picture after the errors" [ ! -e "$TMP/no.svg" ]
finish
