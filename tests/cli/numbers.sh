# CLI tests of `nnclass pack --numbers`: the two files (strips as IDX, the
# numbers as text) agree in count and shape; the same options give the same
# bytes, another seed other numbers, a smaller count the first numbers of a
# larger one; --digits and --split are obeyed; --png writes pages that
# nnclass reads back as images; bad options are usage errors (exit 2).
. "$(dirname "$0")/lib.bash"

# strip_bytes FILE: the decompressed IDX file's size.
strip_bytes() { gzip -dc "$1" | wc -c; }

run_nn pack --numbers --count 50 --seed 7 -o "$TMP/a"
expect_status 0 "pack --numbers"
check "nothing on stdout" [ ! -s "$TMP/out" ]
check "a summary on stderr" grep -q "^nnclass: composed 50 numbers of test digits" "$TMP/err"
check "the strips are gzip" gzip -t "$TMP/a-images-idx3-ubyte.gz"
check "50 strips of 32x128" [ "$(strip_bytes "$TMP/a-images-idx3-ubyte.gz")" -eq $((16 + 50 * 4096)) ]
check "IDX header: images, 50 x 32 x 128" \
    [ "$(gzip -dc "$TMP/a-images-idx3-ubyte.gz" | head -c 16 | od -An -tx1 | tr -d ' \n')" = \
      "00000803000000320000002000000080" ]
check "50 numbers" [ "$(wc -l <"$TMP/a-numbers.txt")" -eq 50 ]
check "each line 1 to 8 digits" [ "$(grep -cE '^[0-9]{1,8}$' "$TMP/a-numbers.txt")" -eq 50 ]
check "lengths vary" [ "$(awk '{ print length($0) }' "$TMP/a-numbers.txt" | sort -u | wc -l)" -ge 5 ]

"$NNCLASS" pack --numbers --count 50 --seed 7 -o "$TMP/b" 2>/dev/null
check "same options, same strips" cmp -s "$TMP/a-images-idx3-ubyte.gz" "$TMP/b-images-idx3-ubyte.gz"
check "same options, same numbers" cmp -s "$TMP/a-numbers.txt" "$TMP/b-numbers.txt"
"$NNCLASS" pack --numbers --count 50 --seed 8 -o "$TMP/c" 2>/dev/null
check "another seed, other numbers" not cmp -s "$TMP/a-numbers.txt" "$TMP/c-numbers.txt"
"$NNCLASS" pack --numbers --count 20 --seed=7 -o "$TMP/d" 2>/dev/null
check "20 numbers: the first 20 of 50" cmp -s "$TMP/d-numbers.txt" <(head -20 "$TMP/a-numbers.txt")
check "20 strips: the first 20 of 50" \
    cmp -s <(gzip -dc "$TMP/d-images-idx3-ubyte.gz" | tail -c +17) \
           <(gzip -dc "$TMP/a-images-idx3-ubyte.gz" | tail -c +17 | head -c $((20 * 4096)))

run_nn pack --numbers --count 30 --digits 3 -o "$TMP/e"
expect_status 0 "--digits 3"
check "--digits 3: every number 3 digits" [ "$(grep -cE '^[0-9]{3}$' "$TMP/e-numbers.txt")" -eq 30 ]
run_nn pack --count 40 --digits 2-4 --numbers -o "$TMP/f"
expect_status 0 "--digits 2-4 (options before --numbers)"
check "--digits 2-4: 2 to 4 digits" [ "$(grep -cE '^[0-9]{2,4}$' "$TMP/f-numbers.txt")" -eq 40 ]
for split in train val; do
    run_nn pack --numbers --split $split --count 20 -o "$TMP/$split"
    expect_status 0 "--split $split"
    check "--split $split: other digits than test's" \
        not cmp -s "$TMP/$split-images-idx3-ubyte.gz" "$TMP/d-images-idx3-ubyte.gz"
done
check "train and val differ" not cmp -s "$TMP/train-numbers.txt" "$TMP/val-numbers.txt"

# Pages: PNG files, one per number, that nnclass reads as images.
run_nn pack --numbers --count 3 --seed 2 --png "$TMP/pages" -o "$TMP/p"
expect_status 0 "--png"
check "three pages" [ "$(ls "$TMP/pages" | tr '\n' ' ')" = "00000.png 00001.png 00002.png " ]
check "a page is a PNG" [ "$(head -c 8 "$TMP/pages/00000.png" | od -An -tx1 | tr -d ' \n')" = \
    "89504e470d0a1a0a" ]
run_nn predict --model "$DATA/models/mnist.nnc" "$TMP/pages/00001.png"
expect_status 0 "a page reads as an image"
"$NNCLASS" pack --numbers --count 3 --seed 2 --png "$TMP/pages2" -o "$TMP/p2" 2>/dev/null
check "pages are reproducible" cmp -s "$TMP/pages/00002.png" "$TMP/pages2/00002.png"
: >"$TMP/plainfile"
run_nn pack --numbers --count 3 --png "$TMP/plainfile" -o "$TMP/p3"
expect_error 2 "not a folder" "--png on a file"
check "nothing written after a refused --png" [ ! -e "$TMP/p3-numbers.txt" ]

# Usage errors: exit 2, one line, nothing written.
bad() {
    local what=$1 pattern=$2
    shift 2
    run_nn pack "$@"
    expect_error 2 "$pattern" "$what"
}
bad "--count 0" "--count" --numbers --count 0 -o "$TMP/x"
bad "--count over the cap" "--count" --numbers --count 100001 -o "$TMP/x"
bad "--count not a number" "--count" --numbers --count ten -o "$TMP/x"
bad "--split unknown" "--split" --numbers --split dev -o "$TMP/x"
bad "--digits 0-3" "--digits" --numbers --digits 0-3 -o "$TMP/x"
bad "--digits 5-2" "--digits" --numbers --digits 5-2 -o "$TMP/x"
bad "--digits 9" "--digits" --numbers --digits 9 -o "$TMP/x"
bad "--digits 3-" "--digits" --numbers --digits 3- -o "$TMP/x"
bad "--seed not a number" "--seed" --numbers --seed x -o "$TMP/x"
bad "no -o" "-o PREFIX" --numbers --count 3
bad "-o ending in /" "ends in '/'" --numbers -o "$TMP/"
bad "a folder with --numbers" "takes no folder" --numbers "$TMP" -o "$TMP/x"
bad "--count without --numbers" "--count: only with --numbers" --count 3 "$TMP" -o "$TMP/x"
bad "an option of folders" "unknown option" --numbers --skip-bad -o "$TMP/x"
check "nothing written by the refused runs" [ -z "$(ls "$TMP" | grep '^x-')" ]

# The MNIST files missing: a data error naming the file.
mkdir -p "$TMP/empty"
run_nn pack --numbers --count 3 --data-dir "$TMP/empty" -o "$TMP/x"
expect_error 1 "t10k-images-idx3-ubyte.gz: not found" "no MNIST in --data-dir"

run_nn pack --help
check "--help shows the test-set command" \
    grep -qF "nnclass pack --numbers --split test --count 10000 --seed 1 -o numbers-test" "$TMP/out"
finish
