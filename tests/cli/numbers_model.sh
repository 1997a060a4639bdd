# numbers_model.sh - the shipped number reader, data/models/mnist-numbers.nnc:
# it reads at least 90 % of the first 200 test numbers (composed from MNIST
# test digits) exactly. It reads 189 of them (94.5 %) and 97.31 % of all
# 10,000 with the kernels that made it; the bar leaves room for other CPUs'
# kernels, which move a few borderline readings.
source "$(dirname "$0")/lib.bash"

run_nn eval --model mnist-numbers --count 200 --format json
expect_status 0 "eval of the shipped number reader"
check "the shipped reader reads >= 90 % of 200 test numbers" python3 - "$TMP/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["total"] == 200, r
assert r["accuracy"] >= 0.90, r
assert r["digit_error_rate"] <= 0.025, r
PY
run_nn info mnist-numbers
expect_status 0 "info of the shipped number reader"
check "info shows the CTC output" grep -q "ctc" "$TMP/out"

finish
