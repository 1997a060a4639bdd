# CLI tests of the class count: labels must be below it (train --classes,
# else the dataset's 10), the same rule for eval against the model's count,
# and a data set of more classes one flag away.
. "$(dirname "$0")/lib.bash"

make_subset train 300 "$TMP/s"

# set_label IN OUT INDEX VALUE: a copy of the raw label file IN with the
# label at INDEX set to VALUE.
set_label() {
    python3 - "$@" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[8 + int(sys.argv[3])] = int(sys.argv[4])
open(sys.argv[2], "wb").write(b)
EOF
}

# train_on LABELS ARGS...: one quick epoch on the subset's images.
train_on() {
    local labels=$1
    shift
    run_nn train --images "$TMP/s-images.idx" --labels "$labels" --epochs 1 --batch 32 \
        --quiet "$@"
}

# --- A label at or over the class count is a data error, not an extra output.
for v in 10 255; do
    set_label "$TMP/s-labels.idx" "$TMP/bad$v.idx" 3 "$v"
    train_on "$TMP/bad$v.idx" -o "$TMP/never.nnc"
    expect_error 1 "$TMP/bad$v.idx: label $v at index 3 is not below the class count 10 (--classes)" \
        "train: label $v among 10 classes"
    check "label $v: no model written" [ ! -e "$TMP/never.nnc" ]
done
# The first bad label is the one named.
set_label "$TMP/bad10.idx" "$TMP/bad2.idx" 7 12
train_on "$TMP/bad2.idx" -o "$TMP/never.nnc"
expect_error 1 "label 10 at index 3 is not" "train: the first bad label"
# --classes lowers the count too.
train_on "$TMP/s-labels.idx" --classes 5 -o "$TMP/never.nnc"
expect_error 1 "is not below the class count 5 (--classes)" "train --classes 5 on digits"
# A known dataset has its own count: --classes below it meets its labels.
run_nn train --dataset mnist --data-dir "$DATA" --classes 9 --epochs 1 -o "$TMP/never.nnc"
expect_error 1 "is not below the class count 9 (--classes)" "train --dataset mnist --classes 9"

# --- --classes: a number from 2 to what a label byte holds.
for bad in 0 1 257 ten; do
    train_on "$TMP/s-labels.idx" --classes "$bad" -o "$TMP/never.nnc"
    expect_error 2 "--classes" "train --classes $bad"
done
# An output layer that is not the class count says how to change it.
train_on "$TMP/s-labels.idx" --layers 784,12 -o "$TMP/never.nnc"
expect_error 2 "--classes N sets the count" "--layers 784,12 without --classes"

# --- 47 classes (as EMNIST balanced): one flag away, a 47-output network.
python3 - "$TMP/s-labels.idx" "$TMP/l47.idx" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
for i in range(8, len(b)):
    b[i] = (i - 8) % 47
open(sys.argv[2], "wb").write(b)
EOF
train_on "$TMP/l47.idx" -o "$TMP/never.nnc"
expect_error 1 "label 10 at index 10 is not below the class count 10" "47 labels without --classes"
train_on "$TMP/l47.idx" --classes 47 -o "$TMP/m47.nnc"
expect_status 0 "train --classes 47"
run_nn info --format json "$TMP/m47.nnc"
check "47 outputs" grep -q '"layers":\[784,16,47\].*"classes":47' "$TMP/out"
train_on "$TMP/l47.idx" --classes 47 --layers 784,47 -o "$TMP/m47b.nnc"
expect_status 0 "train --classes 47 --layers 784,47"
train_on "$TMP/l47.idx" --classes 47 --arch cnn --epochs 1 --augment 0 -o "$TMP/c47.nnc"
expect_status 0 "train --classes 47 --arch cnn"
run_nn info --format json "$TMP/c47.nnc"
check "cnn: 47 outputs" grep -q '"classes":47' "$TMP/out"
# Fewer classes than the digits: labels 0..2 with --classes 3.
python3 - "$TMP/s-labels.idx" "$TMP/l3.idx" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
for i in range(8, len(b)):
    b[i] %= 3
open(sys.argv[2], "wb").write(b)
EOF
train_on "$TMP/l3.idx" --classes 3 -o "$TMP/m3.nnc"
expect_status 0 "train --classes 3"

# --- eval checks the labels against the model's class count, by the same rule.
run_nn eval --model "$TMP/m47.nnc" --images "$TMP/s-images.idx" --labels "$TMP/l47.idx"
expect_status 0 "eval of the 47-class model"
run_nn eval --model "$TMP/m3.nnc" --images "$TMP/s-images.idx" --labels "$TMP/s-labels.idx"
expect_error 1 "s-labels.idx: label 5 at index 0 is not below the class count 3 (the model $TMP/m3.nnc)" \
    "eval: a label over the model's classes"

finish
