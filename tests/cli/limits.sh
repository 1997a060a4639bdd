# Signals and resource limits: no temporary file survives a signal or a
# file-size limit, and each ends the way it should (the signal's own exit
# status; a write error with one line naming the file); an address-space
# limit too small for OpenBLAS is "out of memory", not an endless spin; and
# --threads is capped at the CPUs the process may use.
. "$(dirname "$0")/lib.bash"

make_subset t10k 2000 "$TMP/s"
IMG="$TMP/s-images.idx"
OUT="$TMP/o"
mkdir -p "$OUT"
no_temp() { [ -z "$(ls "$OUT" | grep -F '.tmp.')" ]; }

# wait_for_temp: waits (at most 10 s) until a temporary file is in $OUT.
wait_for_temp() {
    for _ in $(seq 100); do
        no_temp || return 0
        sleep 0.1
    done
    return 1
}

# A closed pipe on standard output (SIGPIPE) while --save-input is written.
"$NNCLASS" predict --save-input "$OUT/s.idx" "$IMG" "$IMG" "$IMG" 2>"$TMP/err" | head -1 >/dev/null
st=${PIPESTATUS[0]}
check "SIGPIPE: exit status $st is 141" [ "$st" -eq 141 ]
check "SIGPIPE: no temporary file" no_temp
check "SIGPIPE: no saved input" [ ! -e "$OUT/s.idx" ]
check "SIGPIPE: quiet" [ ! -s "$TMP/err" ]

# SIGINT, SIGTERM and SIGHUP while predict waits for more input with its
# --save-input file open. Job control on: a script's background job would
# otherwise start with SIGINT ignored (and an ignored signal stays ignored).
mkfifo "$TMP/fifo"
set -m
for sig in INT TERM HUP; do
    "$NNCLASS" predict --save-input "$OUT/s.idx" "$TMP/fifo" >/dev/null 2>"$TMP/err" &
    pid=$!
    exec 3>"$TMP/fifo"
    cat "$IMG" >&3
    check "SIG$sig: the temporary file appears" wait_for_temp
    kill -s "$sig" "$pid"
    wait "$pid"
    st=$?
    exec 3>&-
    check "SIG$sig: exit status $st is 128+signal" [ "$st" -eq $((128 + $(kill -l "$sig"))) ]
    check "SIG$sig: no temporary file" no_temp
    check "SIG$sig: no saved input" [ ! -e "$OUT/s.idx" ]
done
set +m

# A signal ignored by the caller (nohup) stays ignored: the run completes.
nohup "$NNCLASS" predict --save-input "$OUT/s.idx" "$TMP/fifo" >/dev/null 2>"$TMP/err" &
pid=$!
exec 3>"$TMP/fifo"
cat "$IMG" >&3
check "nohup: the temporary file appears" wait_for_temp
kill -s HUP "$pid"
exec 3>&-
wait "$pid"
st=$?
check "nohup: SIGHUP ignored, exit status $st is 0" [ "$st" -eq 0 ]
check "nohup: input saved" cmp -s "$IMG" "$OUT/s.idx"
rm -f "$OUT/s.idx"

# A file-size limit (ulimit -f, SIGXFSZ): exit 1 and one line naming the
# file, for every command that writes one; no temporary file.
"$NNCLASS" train --images "$IMG" --labels "$TMP/s-labels.idx" --epochs 2 --quiet \
    --log "$TMP/log.jsonl" -o "$TMP/m.nnc" >/dev/null || fail "training the test model"
run_fsize() {
    (ulimit -f 4; exec "$NNCLASS" "$@") >"$TMP/out" 2>"$TMP/err"
    status=$?
}
run_fsize export "$TMP/m.nnc" -o "$OUT/m.onnx"
expect_error 1 "m.onnx: cannot write: File too large" "ulimit -f: export"
run_fsize plot -o "$OUT/p.svg" "$TMP/log.jsonl"
expect_error 1 "p.svg: cannot write: File too large" "ulimit -f: plot"
run_fsize predict --save-input "$OUT/s.idx" "$IMG"
status_out=$status
: >"$TMP/out" # predict prints its lines before the save fails
status=$status_out
expect_error 1 "s.idx: cannot write: File too large" "ulimit -f: predict --save-input"
run_fsize train --images "$IMG" --labels "$TMP/s-labels.idx" --epochs 1 --quiet -o "$OUT/m.nnc"
expect_error 1 "m.nnc: cannot write: File too large" "ulimit -f: train"
check "ulimit -f: no temporary file" no_temp
check "ulimit -f: no output file" [ -z "$(ls "$OUT")" ]

# An address-space limit that leaves no room for OpenBLAS's buffer (128 MiB
# per computing thread): exit 1, "out of memory", promptly (timeout stands
# guard over a spin). Sanitizer builds cannot start under ulimit -v: skipped.
if (ulimit -v 1048576 && "$NNCLASS" --version) >/dev/null 2>&1; then
    run_vlimited() {
        (ulimit -v 150000; exec timeout -k 5 120 "$NNCLASS" "$@") >"$TMP/out" 2>"$TMP/err"
        status=$?
    }
    run_vlimited train --images "$IMG" --labels "$TMP/s-labels.idx" --epochs 1 --quiet \
        -o "$OUT/m.nnc"
    expect_error 1 "out of memory" "ulimit -v: train"
    run_vlimited eval --model "$TMP/m.nnc" --images "$IMG" --labels "$TMP/s-labels.idx"
    expect_error 1 "out of memory" "ulimit -v: eval"
    run_vlimited predict --model "$TMP/m.nnc" "$IMG"
    expect_error 1 "out of memory" "ulimit -v: predict"
    check "ulimit -v: no output file" [ -z "$(ls "$OUT")" ]
else
    echo "note: binary does not start under ulimit -v (sanitizer build): skipped" >&2
fi

# --threads beyond the CPUs this process may use: capped, said once on
# stderr (not with --quiet), the results unchanged.
cpus=$(nproc)
if [ "$cpus" -lt 256 ]; then
    run_nn eval --model "$TMP/m.nnc" --images "$IMG" --labels "$TMP/s-labels.idx" --threads 1
    head -1 "$TMP/out" >"$TMP/one.txt"
    run_nn eval --model "$TMP/m.nnc" --images "$IMG" --labels "$TMP/s-labels.idx" --threads 256
    expect_status 0 "--threads 256: eval"
    check "--threads 256: same accuracy" cmp -s "$TMP/one.txt" <(head -1 "$TMP/out")
    check "--threads 256: one line says so" \
        [ "$(grep -c "^nnclass: --threads: 256 is more than the $cpus CPU" "$TMP/err")" -eq 1 ]
    run_nn predict --model "$TMP/m.nnc" --threads 256 --quiet "$IMG"
    check "--threads 256 --quiet: nothing on stderr" [ ! -s "$TMP/err" ]
    run_nn train --images "$IMG" --labels "$TMP/s-labels.idx" --epochs 1 --quiet \
        --threads 256 -o "$TMP/t256.nnc"
    expect_status 0 "--threads 256: train"
    run_nn train --images "$IMG" --labels "$TMP/s-labels.idx" --epochs 1 --quiet \
        --threads 1 -o "$TMP/t1.nnc"
    check "--threads 256: the same model as --threads 1" cmp -s "$TMP/t1.nnc" "$TMP/t256.nnc"
fi
if command -v taskset >/dev/null && taskset -c 0 true 2>/dev/null; then
    taskset -c 0 "$NNCLASS" eval --model "$TMP/m.nnc" --images "$IMG" \
        --labels "$TMP/s-labels.idx" --threads 2 >"$TMP/out" 2>"$TMP/err"
    check "taskset -c 0: --threads 2 capped at 1" \
        grep -q "^nnclass: --threads: 2 is more than the 1 CPU this process may use; using 1" \
        "$TMP/err"
fi

finish
