# CLI test of `cmake --install`: the installed binary finds its data and
# models in <prefix>/share/nnclass relative to itself, also after the prefix
# has moved, and never the source tree's data/.
. "$(dirname "$0")/lib.bash"
build=$(cd "$(dirname "$NNCLASS")" && pwd)
unset NNCLASS_DATA

cmake --install "$build" --prefix "$TMP/prefix" >"$TMP/install.log" 2>&1
check "cmake --install into a temporary prefix" [ $? -eq 0 ]
for f in bin/nnclass share/nnclass/mnist/t10k-images-idx3-ubyte.gz \
         share/nnclass/models/mnist.nnc share/man/man1/nnclass.1 \
         share/bash-completion/completions/nnclass share/doc/nnclass/LICENSE; do
    check "installed $f" [ -f "$TMP/prefix/$f" ]
done

check "installed bin/nnclass-idx-shard, executable" [ -x "$TMP/prefix/bin/nnclass-idx-shard" ]

# Move the prefix and run from another folder: it must use the moved share folder.
mv "$TMP/prefix" "$TMP/moved"
mkdir "$TMP/elsewhere"
cd "$TMP/elsewhere" || exit 1
bin="$TMP/moved/bin/nnclass"
"$bin" eval >"$TMP/out" 2>"$TMP/err"
check "moved prefix: eval exits 0" [ $? -eq 0 ]
check "moved prefix: eval accuracy" grep -Eq '^accuracy 0\.9[0-9]{3} \(9[0-9]{3}/10000\)$' "$TMP/out"
check "moved prefix: eval uses the moved model" \
    grep -q "^model $TMP/moved/share/nnclass/models/mnist.nnc$" "$TMP/out"
check "moved prefix: eval reads the moved data" \
    grep -q "^data  $TMP/moved/share/nnclass/mnist/t10k-images-idx3-ubyte.gz$" "$TMP/out"
gzip -dc "$TMP/moved/share/nnclass/mnist/t10k-images-idx3-ubyte.gz" | "$bin" predict - >"$TMP/out" 2>"$TMP/err"
check "moved prefix: predict exits 0" [ $? -eq 0 ]
check "moved prefix: predict prints 10000 lines" [ "$(wc -l <"$TMP/out")" -eq 10000 ]
# The scale-out recipe with the installed programs alone: shard, classify
# each shard at its offset, and get the lines of one process reading the
# file back. (Not those of the stream above: a stream is cut into other
# batches, whose sums may round a printed confidence the other way.)
"$TMP/moved/bin/nnclass-idx-shard" "$TMP/moved/share/nnclass/mnist/t10k-images-idx3-ubyte.gz" \
    4000 "$TMP/part" >"$TMP/shards" 2>"$TMP/err"
"$bin" predict "$TMP/moved/share/nnclass/mnist/t10k-images-idx3-ubyte.gz" >"$TMP/out"
check "installed idx-shard: three shards" [ "$(wc -l <"$TMP/shards")" -eq 3 ]
while read -r offset path; do
    "$bin" predict --offset "$offset" "$path"
done <"$TMP/shards" >"$TMP/sharded"
check "installed idx-shard: the shards' lines are one process's" cmp -s "$TMP/sharded" "$TMP/out"
"$bin" info "$TMP/moved/share/nnclass/models/mnist.nnc" >"$TMP/out" 2>"$TMP/err"
check "moved prefix: info exits 0" [ $? -eq 0 ]
check "moved prefix: info architecture" grep -q "^architecture  784-16-10" "$TMP/out"

# With its share folder gone it does not fall back on the source tree's data:
# it says where it looked and how to point it elsewhere.
mv "$TMP/moved/share/nnclass" "$TMP/hidden"
"$bin" eval >"$TMP/out" 2>"$TMP/err"
check "no data: eval exits 1" [ $? -eq 1 ]
check "no data: one error line" [ "$(wc -l <"$TMP/err")" -eq 1 ]
check "no data: names --data-dir" grep -q -- "--data-dir" "$TMP/err"
check "no data: names NNCLASS_DATA" grep -q "NNCLASS_DATA" "$TMP/err"
check "no data: names the folder tried" grep -qF "$TMP/moved/share/nnclass" "$TMP/err"
check "no data: does not use the source tree" not grep -qF "$DATA" "$TMP/err"
"$bin" eval --data-dir "$TMP/hidden" >"$TMP/out" 2>"$TMP/err"
check "no data: --data-dir finds it" [ $? -eq 0 ]
NNCLASS_DATA="$TMP/hidden" "$bin" predict "$TMP/hidden/mnist/t10k-images-idx3-ubyte.gz" \
    >"$TMP/out" 2>"$TMP/err"
check "no data: NNCLASS_DATA finds it" [ "$(wc -l <"$TMP/out")" -eq 10000 ]

# DESTDIR stages the tree under another root; the staged copy runs as well.
DESTDIR="$TMP/stage" cmake --install "$build" --prefix /opt/nnclass >/dev/null 2>&1
check "DESTDIR install" [ -x "$TMP/stage/opt/nnclass/bin/nnclass" ]
"$TMP/stage/opt/nnclass/bin/nnclass" predict --top 1 \
    "$TMP/stage/opt/nnclass/share/nnclass/mnist/t10k-images-idx3-ubyte.gz" >"$TMP/out" 2>"$TMP/err"
check "DESTDIR copy: predict with the default model" [ "$(wc -l <"$TMP/out")" -eq 10000 ]
finish
