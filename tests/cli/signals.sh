# Signals and resource limits: no temporary file survives a signal or a
# file-size limit, and each ends the way it should (the signal's own exit
# status; a write error with one line naming the file).
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

finish
