# CLI tests of what surrounds the program: --version, the man page (its
# option lists equal the --help texts') and the bash completion.
. "$(dirname "$0")/lib.bash"
build=$(dirname "$NNCLASS")
root=$(cd "$(dirname "$0")/../.." && pwd)

run_nn --version
expect_status 0 "--version"
check "version: release line" grep -Eq '^nnclass [0-9]+\.[0-9]+\.[0-9]+$' "$TMP/out"
check "version: commit line" grep -Eq '^commit  ([0-9a-f]{12}(-dirty)?|unknown)$' "$TMP/out"
check "version: OpenBLAS configuration" grep -Eq '^blas    OpenBLAS [0-9]+\.[0-9]+' "$TMP/out"
check "version: OpenBLAS core" grep -Eq '^core    [A-Za-z0-9_]+$' "$TMP/out"
check "version: the vector path" grep -Eq '^vector  (x86-64-v[34]|baseline)$' "$TMP/out"
check "version: the CPU" grep -Eq '^cpu     .+$' "$TMP/out"
if [ "$(uname -m)" = x86_64 ] && grep -qw avx512f /proc/cpuinfo 2>/dev/null &&
    grep -qw avx512vl /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo &&
    grep -qw avx512dq /proc/cpuinfo && grep -qw avx512cd /proc/cpuinfo; then
    check "version: the AVX-512 path on an AVX-512 CPU" \
        grep -Eq '^vector  (x86-64-v4|baseline)$' "$TMP/out"
fi
# OPENBLAS_CORETYPE decides the core line: what a forced kernel set says.
if grep -qw avx /proc/cpuinfo 2>/dev/null; then
    OPENBLAS_CORETYPE=Sandybridge "$NNCLASS" --version >"$TMP/out"
    check "version: OPENBLAS_CORETYPE=Sandybridge shows" grep -q '^core    Sandybridge$' "$TMP/out"
fi
if git -C "$root" rev-parse HEAD >/dev/null 2>&1; then
    head=$(git -C "$root" rev-parse --short=12 HEAD)
    check "version: the commit is the tree's" grep -q "^commit  $head" "$TMP/out"
fi
check "LICENSE" grep -q "MIT License" "$root/LICENSE"

# The commands nnclass --help lists.
commands=$("$NNCLASS" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on { exit }')
check "commands listed" [ -n "$commands" ]

# help_options CMD: the options of `nnclass CMD --help`, sorted.
help_options() {
    "$NNCLASS" "$1" --help | awk '
        /^ +-/ { line = $0; sub(/^ +/, "", line); n = index(line, "  ")
                 if (n > 0) line = substr(line, 1, n - 1)
                 while (match(line, /--?[A-Za-z][A-Za-z0-9-]*/)) {
                     print substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH) } }' |
        sort -u
}
# man_options CMD: the options of the man page's section of CMD, sorted.
man_options() {
    local upper
    upper=$(echo "$1" | tr a-z A-Z)
    awk -v sec=".SH \"NNCLASS $upper\"" '
        $0 == sec { on = 1; next } on && /^\.SH / { exit }
        on && prev == ".TP" { line = $0; gsub(/\\-/, "-", line); gsub(/\\f[BRI]/, "", line)
                              while (match(line, /--?[A-Za-z][A-Za-z0-9-]*/)) {
                                  print substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH) } }
        { prev = $0 }' "$build/nnclass.1" | sort -u
}

check "man page built" [ -s "$build/nnclass.1" ]
for c in $commands; do
    help_options "$c" >"$TMP/help.$c"
    man_options "$c" >"$TMP/man.$c"
    check "$c: --help lists options" [ -s "$TMP/help.$c" ]
    if cmp -s "$TMP/help.$c" "$TMP/man.$c"; then pass; else
        fail "$c: the man page's options differ from --help: $(diff "$TMP/help.$c" "$TMP/man.$c" | tr '\n' ' ')"
    fi
done
if command -v man >/dev/null 2>&1; then
    MANWIDTH=80 man -l "$build/nnclass.1" >"$TMP/man.txt" 2>"$TMP/man.err"
    check "man -l renders the page" [ $? -eq 0 ]
    check "man -l: no warnings" [ ! -s "$TMP/man.err" ]
    check "man -l: NAME section" grep -q "nnclass - classify handwritten digits" "$TMP/man.txt"
    for c in $commands; do
        check "man -l: section of $c" grep -q "^NNCLASS $(echo "$c" | tr a-z A-Z)$" "$TMP/man.txt"
    done
else
    echo "man not installed: the rendering check is skipped (apt-get install -y man-db)"
fi

# complete WORDS...: runs the completion function on the words (the last is
# the one being completed) in a fresh bash; prints COMPREPLY sorted, one a line.
complete_words() {
    local preload=$1
    shift
    PATH="$build:$PATH" bash -c '
        [ -n "$1" ] && . "$1"
        . "$2"; shift 2
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        _nnclass nnclass "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$preload" "$root/completion/nnclass.bash" "$@"
}
preloads=("")
[ -f /usr/share/bash-completion/bash_completion ] &&
    preloads+=(/usr/share/bash-completion/bash_completion)
for pre in "${preloads[@]}"; do
    how=${pre:+with bash-completion}
    how=${how:-plain bash}
    check "completion ($how): commands" \
        [ "$(complete_words "$pre" nnclass "" | grep -c -E "^($(echo $commands | tr ' ' '|'))$")" \
          -eq "$(echo $commands | wc -w)" ]
    check "completion ($how): 'ev' is eval" [ "$(complete_words "$pre" nnclass ev)" = eval ]
    complete_words "$pre" nnclass train - >"$TMP/comp"
    check "completion ($how): train's options are --help's" \
        [ "$(sort -u "$TMP/comp")" = "$(cat "$TMP/help.train")" ]
    check "completion ($how): --activation values" \
        [ "$(complete_words "$pre" nnclass train --activation "" | tr '\n' ' ')" = "relu sigmoid step tanh " ]
    check "completion ($how): predict --format values" \
        [ "$(complete_words "$pre" nnclass predict --format "" | tr '\n' ' ')" = "csv json tsv " ]
    check "completion ($how): eval --format values" \
        [ "$(complete_words "$pre" nnclass eval --format "" | tr '\n' ' ')" = "csv json text " ]
    check "completion ($how): --dataset values" \
        [ "$(complete_words "$pre" nnclass eval --dataset f)" = fashion ]
    # every model of the data folder whose name starts so (mnist, and mnist-cnn)
    want=$(cd "$DATA/models" && for f in mni*.nnc; do echo "${f%.nnc}"; done | sort)
    check "completion ($how): model names" \
        [ "$(NNCLASS_DATA="$DATA" complete_words "$pre" nnclass eval --model mni)" = "$want" ]
done
finish
