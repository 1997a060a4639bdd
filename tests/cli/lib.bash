# lib.bash - helpers for the CLI tests (sourced; not a test itself).
# Each test runs as: bash tests/cli/NAME.sh NNCLASS_BINARY DATA_DIR
set -u
NNCLASS=$1
DATA=$2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nnclass-cli-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
failures=0
checks=0

pass() { checks=$((checks + 1)); }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL: $*" >&2; }

# check DESCRIPTION COMMAND...: the command must succeed.
check() {
    local what=$1
    shift
    if "$@"; then pass; else fail "$what"; fi
}

# not COMMAND...: succeeds when the command fails (for check).
not() { ! "$@"; }

# run_nn ARGS...: runs nnclass, stdout -> $TMP/out, stderr -> $TMP/err, status -> $status
run_nn() {
    "$NNCLASS" "$@" >"$TMP/out" 2>"$TMP/err"
    status=$?
}

# expect_status N DESCRIPTION: the last run_nn exited with N.
expect_status() {
    if [ "$status" -eq "$1" ]; then pass; else
        fail "$2: exit $status, expected $1; stderr: $(head -c 300 "$TMP/err")"
    fi
}

# expect_error N PATTERN DESCRIPTION: exit N, nothing on stdout, exactly one
# stderr line that starts with "nnclass: " and contains PATTERN.
expect_error() {
    expect_status "$1" "$3"
    if [ -s "$TMP/out" ]; then fail "$3: stdout is not empty"; else pass; fi
    local lines
    lines=$(wc -l <"$TMP/err")
    if [ "$lines" -eq 1 ] && grep -q "^nnclass: " "$TMP/err" && grep -qF -- "$2" "$TMP/err"; then
        pass
    else
        fail "$3: stderr should be one 'nnclass: ...$2...' line, got: $(head -c 300 "$TMP/err")"
    fi
}

# make_subset SPLIT N PREFIX: writes PREFIX-images.idx / PREFIX-labels.idx (raw)
# and their .gz twins with the first N images of a real MNIST split.
make_subset() {
    local split=$1 n=$2 prefix=$3
    local hex
    hex=$(printf '%08x' "$n")
    local count="\\x${hex:0:2}\\x${hex:2:2}\\x${hex:4:2}\\x${hex:6:2}"
    {
        printf '\x00\x00\x08\x03'
        printf "$count"
        printf '\x00\x00\x00\x1c\x00\x00\x00\x1c'
        gzip -dc "$DATA/mnist/$split-images-idx3-ubyte.gz" | tail -c +17 | head -c $((n * 784))
    } >"$prefix-images.idx"
    {
        printf '\x00\x00\x08\x01'
        printf "$count"
        gzip -dc "$DATA/mnist/$split-labels-idx1-ubyte.gz" | tail -c +9 | head -c "$n"
    } >"$prefix-labels.idx"
    gzip -9nc "$prefix-images.idx" >"$prefix-images.idx.gz"
    gzip -9nc "$prefix-labels.idx" >"$prefix-labels.idx.gz"
}

# train_small MODEL: a quick model from 3000 training images.
train_small() {
    [ -f "$TMP/train3k-images.idx" ] || make_subset train 3000 "$TMP/train3k"
    "$NNCLASS" train --images "$TMP/train3k-images.idx.gz" --labels "$TMP/train3k-labels.idx.gz" \
        --epochs 2 --quiet -o "$1" >/dev/null
}

finish() {
    echo "$((checks - failures)) passed, $failures failed"
    [ "$failures" -eq 0 ]
}
