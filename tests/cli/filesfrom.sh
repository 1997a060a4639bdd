# CLI tests of predict --files-from LIST (and -0/--null): the names in the
# list are processed exactly as if they were operands (file column, -H,
# errors per file going on to the next), read from a file or standard
# input, more of them than a command line holds, in flat memory.
. "$(dirname "$0")/lib.bash"

make_subset t10k 5 "$TMP/a"
make_subset t10k 3 "$TMP/b"
M=(--model "$DATA/models/mnist.nnc")
A="$TMP/a-images.idx"
B="$TMP/b-images.idx.gz"

# The same lines as the operands, from a file and from standard input.
"$NNCLASS" predict "${M[@]}" "$A" "$B" "$A" >"$TMP/want"
printf '%s\n' "$A" "$B" "$A" >"$TMP/list"
run_nn predict "${M[@]}" --files-from "$TMP/list"
expect_status 0 "--files-from a file"
check "--files-from: the operands' lines" cmp -s "$TMP/out" "$TMP/want"
"$NNCLASS" predict "${M[@]}" --files-from - <"$TMP/list" >"$TMP/out" 2>"$TMP/err"
check "--files-from -: the operands' lines" cmp -s "$TMP/out" "$TMP/want"
printf '%s\0' "$A" "$B" "$A" >"$TMP/list0"
run_nn predict "${M[@]}" -0 --files-from "$TMP/list0"
check "-0: the operands' lines" cmp -s "$TMP/out" "$TMP/want"
run_nn predict "${M[@]}" --null --files-from="$TMP/list0" --format csv
"$NNCLASS" predict "${M[@]}" --format csv "$A" "$B" "$A" >"$TMP/want.csv"
check "--null, CSV: the operands' lines and header" cmp -s "$TMP/out" "$TMP/want.csv"
printf '%s' "$A" >"$TMP/one" # no newline after the last name
run_nn predict "${M[@]}" --files-from "$TMP/one"
check "one name: no file column, as one operand" \
    [ "$status" -eq 0 ] && [ "$(awk -F'\t' 'NF != 3' "$TMP/out" | wc -l)" -eq 0 ] &&
    [ "$(wc -l <"$TMP/out")" -eq 5 ]
run_nn predict "${M[@]}" -H --files-from "$TMP/one"
check "one name with -H: the file column" [ "$(cut -f1 "$TMP/out" | sort -u)" = "$A" ]
run_nn predict "${M[@]}" --no-filename --files-from "$TMP/list"
check "--no-filename" [ "$(awk -F'\t' 'NF != 3' "$TMP/out" | wc -l)" -eq 0 ]
: >"$TMP/empty-list"
run_nn predict "${M[@]}" --files-from "$TMP/empty-list"
check "an empty list: nothing, exit 0" [ "$status" -eq 0 ] && [ ! -s "$TMP/out" ]

# Names with a space, a tab or a newline: -0 reads them whole.
odd="$TMP/odd name"$'\t'"with"$'\n'"newline.idx"
cp "$A" "$odd"
printf '%s\0' "$odd" "$A" >"$TMP/odd0"
run_nn predict "${M[@]}" -0 --files-from "$TMP/odd0"
check "-0: a name with a newline" [ "$status" -eq 0 ] && [ "$(wc -l <"$TMP/out")" -eq 10 ]
check "-0: the name escaped in its column" grep -qF 'odd name\twith\nnewline.idx' "$TMP/out"

# A bad entry or a missing file is an error for that entry; the rest go on.
printf '%s\n\n%s\n%s\n' "$A" "$TMP/missing.idx" "$B" >"$TMP/bad-list"
run_nn predict "${M[@]}" --files-from "$TMP/bad-list"
expect_status 1 "bad entries in the list"
check "bad entries: the good files' lines" [ "$(wc -l <"$TMP/out")" -eq 8 ]
check "bad entries: the empty entry named" \
    grep -q "^nnclass: --files-from $TMP/bad-list: entry 2: empty file name" "$TMP/err"
check "bad entries: the missing file named" grep -q "^nnclass: $TMP/missing.idx: " "$TMP/err"
check "bad entries: two messages" [ "$(wc -l <"$TMP/err")" -eq 2 ]
printf '%s\n-\n' "$A" | "$NNCLASS" predict "${M[@]}" --files-from - >"$TMP/out" 2>"$TMP/err"
check "'-' in a list read from stdin: exit 1" [ $? -eq 1 ]
check "'-' in a list read from stdin: said so" grep -q "entry 2: '-' cannot be read" "$TMP/err"
head -c 5000 /dev/zero | tr '\0' x >"$TMP/long-list"
run_nn predict "${M[@]}" --files-from "$TMP/long-list"
expect_error 1 "entry 1: file name longer than 4096 bytes" "a name longer than any path"
printf '%s\0\n' "$A" >"$TMP/nul-list"
run_nn predict "${M[@]}" --files-from "$TMP/nul-list"
expect_error 1 "entry 1: file name with a NUL byte" "a NUL byte in a newline list"

# The list itself: missing or a folder is exit 1; usage errors are exit 2.
run_nn predict "${M[@]}" --files-from "$TMP/no-such-list"
expect_error 1 "--files-from $TMP/no-such-list: No such file" "a missing list"
run_nn predict "${M[@]}" --files-from "$TMP"
expect_error 1 "is a directory" "a folder as the list"
run_nn predict "${M[@]}" --files-from "$TMP/list" "$A"
expect_error 2 "--files-from" "--files-from with operands"
run_nn predict "${M[@]}" --files-from "$TMP/list" --dataset mnist
expect_error 2 "--files-from" "--files-from with --dataset"
run_nn predict "${M[@]}" -0 "$A"
expect_error 2 "-0/--null goes with --files-from" "-0 without --files-from"
run_nn predict "${M[@]}" --save-input "$TMP/list" --files-from "$TMP/list"
expect_error 2 "--save-input" "--save-input over the list"
cp "$A" "$TMP/c.idx"
printf '%s\n' "$A" "$TMP/c.idx" >"$TMP/save-list"
run_nn predict "${M[@]}" --save-input "$TMP/c.idx" --files-from "$TMP/save-list"
check "--save-input over a listed file: exit 2" [ "$status" -eq 2 ]
check "--save-input over a listed file: not written" cmp -s "$A" "$TMP/c.idx"
printf '%s\n' "$A" "$B" >"$TMP/save-list"
run_nn predict "${M[@]}" --save-input "$TMP/seen.idx" --files-from "$TMP/save-list"
check "--save-input with a list: 8 images saved" \
    [ "$status" -eq 0 ] && [ "$(stat -c %s "$TMP/seen.idx")" -eq $((16 + 8 * 784)) ]

# More names than a command line holds, in no more memory than a few.
printf '\x00\x00\x08\x03\x00\x00\x00\x01\x00\x00\x00\x1c\x00\x00\x00\x1c' >"$TMP/one.idx"
head -c 784 "$TMP/a-images.idx" >>"$TMP/one.idx"
long="$TMP/$(printf 'd%.0s' $(seq 100))"
mkdir -p "$long"
cp "$TMP/one.idx" "$long/one.idx"
max=$(getconf ARG_MAX)
n=$((max / ${#long} + 1000))
yes "$long/one.idx" | head -n "$n" >"$TMP/many"
check "the list ($(stat -c %s "$TMP/many") bytes) is over ARG_MAX ($max)" \
    [ "$(stat -c %s "$TMP/many")" -gt "$max" ]
head -n 10 "$TMP/many" >"$TMP/few"
# peak_kb COMMAND...: peak RSS in kB, exit status and lines of output. A
# sanitizer build keeps freed memory in quarantine, which would look like
# growth: it is turned off for the measure.
peak_kb() {
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
    python3 -c 'import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode, r.stdout.count(b"\n"))' "$@"
}
read -r small rc_few n_few < <(peak_kb "$NNCLASS" predict "${M[@]}" --files-from "$TMP/few")
read -r big rc_many n_many < <(peak_kb "$NNCLASS" predict "${M[@]}" --files-from "$TMP/many")
check "10 names: 10 lines" [ "$rc_few" -eq 0 ] && [ "$n_few" -eq 10 ]
check "$n names: $n lines" [ "$rc_many" -eq 0 ] && [ "$n_many" -eq "$n" ]
slack=1024
if ! (ulimit -v 1048576 && "$NNCLASS" --version) >/dev/null 2>&1; then
    slack=4096 # a sanitizer build: its allocator keeps pages of its own as files come and go
fi
check "$n names in no more memory than 10 ($big kB vs $small kB)" [ "$big" -le $((small + slack)) ]

# Documented, and completed with file names.
run_nn predict --help
check "--help: --files-from and -0" grep -q -- "--files-from LIST" "$TMP/out" &&
    grep -q -- "-0, --null" "$TMP/out"
root=$(cd "$(dirname "$0")/../.." && pwd)
comp=$(cd "$TMP" && bash -c '. "$1"; COMP_WORDS=(nnclass predict --files-from li); COMP_CWORD=3
    _nnclass nnclass li --files-from; printf "%s\n" "${COMPREPLY[@]}"' _ "$root/completion/nnclass.bash")
check "completion: --files-from offers files ($comp)" [ "$(echo "$comp" | sort | head -1)" = list ]

finish
