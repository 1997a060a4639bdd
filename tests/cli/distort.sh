# CLI tests of train's distortions that model other writers (--elastic,
# --affine, --stroke, --blur, --distort-share): the same model for any
# thread count, for a dense net and a conv net; a different model than
# without them; in the recipe; bad values refused.
. "$(dirname "$0")/lib.bash"

make_subset train 600 "$TMP/t"
T=(--images "$TMP/t-images.idx.gz" --labels "$TMP/t-labels.idx.gz" -q)
ALL=(--elastic 2 --affine default --stroke 1 --blur)

"$NNCLASS" train "${T[@]}" --epochs 2 -o "$TMP/plain.nnc" >/dev/null
for net in "--hidden 64" "--layers 28x28,conv5x5x4,pool2,10"; do
    run_nn train "${T[@]}" $net --epochs 2 "${ALL[@]}" --threads 1 -o "$TMP/a.nnc"
    expect_status 0 "train $net with every distortion"
    "$NNCLASS" train "${T[@]}" $net --epochs 2 "${ALL[@]}" --threads 2 -o "$TMP/b.nnc" >/dev/null
    check "$net: the same model for 1 and 2 threads" cmp -s "$TMP/a.nnc" "$TMP/b.nnc"
done
# A conv net's threads distort only their own parts of each minibatch: with
# 3 threads (on a machine with 3 CPUs or more) the parts fall unevenly, and
# the model is still the same.
"$NNCLASS" train "${T[@]}" --layers 28x28,conv5x5x4,pool2,10 --epochs 2 "${ALL[@]}" \
    --threads 3 -o "$TMP/c.nnc" >/dev/null
check "conv net: the same model for 1 and 3 threads" cmp -s "$TMP/a.nnc" "$TMP/c.nnc"
for opt in "--elastic 2" "--affine rotate=15" "--stroke 1" "--blur"; do
    run_nn train "${T[@]}" --epochs 2 $opt -o "$TMP/d.nnc"
    expect_status 0 "train $opt"
    check "$opt changes the model" not cmp -s "$TMP/d.nnc" "$TMP/plain.nnc"
done
run_nn info "$TMP/a.nnc"
check "the recipe names the distortions" \
    grep -q "elastic=2 affine=10/0.1/0.3/0.1 stroke=1 blur" "$TMP/out"
# --distort-share: half of the images distorted is a third model, named in
# the recipe; a share of 1 is every image, the model of no share at all.
run_nn train "${T[@]}" --epochs 2 --stroke 1 --distort-share 0.5 -o "$TMP/h.nnc"
expect_status 0 "train --distort-share 0.5"
"$NNCLASS" train "${T[@]}" --epochs 2 --stroke 1 -o "$TMP/f.nnc" >/dev/null
"$NNCLASS" train "${T[@]}" --epochs 2 --stroke 1 --distort-share 1 -o "$TMP/f1.nnc" >/dev/null
check "--distort-share 0.5 changes the model" not cmp -s "$TMP/h.nnc" "$TMP/f.nnc"
check "--distort-share 0.5 still distorts" not cmp -s "$TMP/h.nnc" "$TMP/plain.nnc"
check "--distort-share 1 is every image" cmp -s "$TMP/f1.nnc" "$TMP/f.nnc"
run_nn info "$TMP/h.nnc"
check "the recipe names the share" grep -q "stroke=1 share=0.5" "$TMP/out"
"$NNCLASS" train "${T[@]}" --epochs 2 --stroke 1 --distort-share 0 -o "$TMP/z.nnc" >/dev/null
check "--distort-share 0 turns the distortions off" cmp -s "$TMP/z.nnc" "$TMP/plain.nnc"
# The default network on --dataset mnist takes the shipped mnist.nnc's
# distortions; a network named, or other data, the plain images.
mkdir -p "$TMP/dd/mnist"
make_subset t10k 300 "$TMP/dd/small"
for split in train t10k; do
    cp "$TMP/dd/small-images.idx.gz" "$TMP/dd/mnist/$split-images-idx3-ubyte.gz"
    cp "$TMP/dd/small-labels.idx.gz" "$TMP/dd/mnist/$split-labels-idx1-ubyte.gz"
done
M=(--data-dir "$TMP/dd" --epochs 1 -q)
"$NNCLASS" train "${M[@]}" -o "$TMP/m.nnc" >/dev/null
check "default network on mnist: the recipe's distortions" \
    grep -q " elastic=1 affine=10/0.1/0.3/0.1 share=0.5 " <("$NNCLASS" info "$TMP/m.nnc")
for opt in "--layers 784,16,10" "--hidden 16" "--activation relu" "--distort-share 0"; do
    "$NNCLASS" train "${M[@]}" $opt -o "$TMP/m2.nnc" >/dev/null
    check "default network on mnist $opt: no distortion" \
        not grep -q "elastic=" <("$NNCLASS" info "$TMP/m2.nnc")
done
"$NNCLASS" train "${M[@]}" --stroke 1 -o "$TMP/m3.nnc" >/dev/null
check "default network on mnist --stroke 1: added to the recipe's" \
    grep -q " elastic=1 affine=10/0.1/0.3/0.1 stroke=1 share=0.5 " <("$NNCLASS" info "$TMP/m3.nnc")
"$NNCLASS" train "${T[@]}" --epochs 1 -o "$TMP/m4.nnc"
check "--images: no distortion" not grep -q "elastic=" <("$NNCLASS" info "$TMP/m4.nnc")
# --augment's shifts go on as before, with the distortions after them.
run_nn train "${T[@]}" --epochs 1 --augment 2 --elastic 1 -o "$TMP/s.nnc"
expect_status 0 "--augment with --elastic"

for bad in "--elastic -1" "--elastic 9" "--elastic x" "--stroke 5" "--affine spin=3" \
    "--affine rotate=100" "--affine scale=0.9" "--affine ," "--distort-share -1" \
    "--distort-share 1.5" "--distort-share x"; do
    run_nn train "${T[@]}" $bad -o "$TMP/x.nnc"
    expect_error 2 "${bad%% *}" "train $bad"
done
check "no model after a refusal" [ ! -e "$TMP/x.nnc" ]
finish
