# CLI tests of what surrounds the program: --version, the man page (its
# option lists equal the --help texts'), the bash completion, and the
# documentation (the commands README.md and docs/ show exist as shown).
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
    # A table inside an option's text keeps its lines, and a recipe's options
    # inside --arch's text are not tagged paragraphs of their own.
    check "man -l: --layers table, one kind a line" \
        grep -Eq '^ +pool2 +2x2 max pooling, stride 2$' "$TMP/man.txt"
    check "man -l: --arch's recipe inside its paragraph" \
        grep -Eq '^ {8,}--epochs [0-9]+ --batch [0-9]+ --lr [0-9.]+ --augment [0-9]+$' "$TMP/man.txt"
    check "man -l: no recipe line taken for an option" not grep -Eq '^       --epochs [0-9]' "$TMP/man.txt"
    check "man -l: EXAMPLES section" grep -q '^EXAMPLES$' "$TMP/man.txt"
    check "man -l: EXAMPLES before SEE ALSO" \
        [ "$(grep -n '^EXAMPLES$' "$TMP/man.txt" | cut -d: -f1)" -lt "$(grep -n '^SEE ALSO$' "$TMP/man.txt" | cut -d: -f1)" ]
else
    echo "man not installed: the rendering check is skipped (apt-get install -y man-db)"
fi

# The documentation: every `nnclass COMMAND ...` shown in README.md and
# docs/*.md (code blocks and inline code) names a command that exists and
# uses only options its --help lists.
# doc_commands FILE...: one line per nnclass command shown, tab-separated:
# FILE:LINE, the word after nnclass, 1 when it is typed at a prompt ("$ ")
# or opens an inline code span, and the options that follow it up to the
# end of the shell command (a pipe, a redirection, ;, &&, a comment).
doc_commands() {
    awk '
        function scan(text, where, opens,    rest, word, prompted, opts, tok, n, i, t) {
            prompted = opens
            if (text ~ /^[ \t]*\$ /) { sub(/^[ \t]*\$ /, "", text); prompted = 1 }
            while (match(text, /(^|[^A-Za-z0-9_.\/-])(build\/)?nnclass[ \t]+/)) {
                if (substr(text, 1, RSTART + RLENGTH - 1) !~ /^[ \t]*(build\/)?nnclass[ \t]+$/) prompted = 0
                rest = substr(text, RSTART + RLENGTH); text = rest
                if (!match(rest, /^-?-?[a-z][a-z0-9-]*/)) continue
                word = substr(rest, 1, RLENGTH); rest = substr(rest, RLENGTH + 1)
                opts = ""
                if (word ~ /^-/) { opts = word; word = "-" }
                n = split(rest, tok, /[ \t]+/)
                for (i = 1; i <= n; i++) {
                    t = tok[i]
                    if (t == "|" && tok[i + 1] ~ /^-/) continue   # a synopsis: [-H | --no-filename]
                    if (t ~ /^(\||\|\||&&|;|#)/ || t ~ /^[0-9]*[<>]/ || t ~ /^\)/) break
                    if (match(t, /^\[?--?[A-Za-z][A-Za-z0-9-]*/)) {
                        t = substr(t, 1, RLENGTH); sub(/^\[/, "", t); opts = opts " " t
                    }
                }
                printf "%s\t%s\t%d\t%s\n", where, word, prompted, opts
                last = word
                prompted = 0
            }
        }
        FNR == 1 { code = 0; joined = "" }
        /^[ \t]*```/ { code = !code; joined = ""; last = ""; next }
        code {
            line = $0
            # the indented lines of a synopsis go on with the command above
            if (last != "" && last != "-" && line ~ /^[ \t]+\[/) { scan("nnclass " last " " line, FILENAME ":" FNR, 0); next }
            if (line ~ /\\$/) { sub(/\\$/, "", line); if (joined == "") start = FNR; joined = joined line " "; next }
            if (joined != "") { line = joined line; joined = ""; here = start } else here = FNR
            scan(line, FILENAME ":" here, 0)
            next
        }
        {
            n = split($0, part, "`")
            for (i = 2; i <= n; i += 2)
                scan(part[i], FILENAME ":" FNR, part[i] ~ /^(build\/)?nnclass /)
        }' "$@"
}
"$NNCLASS" --help | awk '/^ +-/ { for (i = 1; i <= NF; i++) if ($i ~ /^-/) { sub(/,$/, "", $i); print $i } }' |
    sort -u >"$TMP/help.-"
check "top-level --help lists options" grep -qx -- "--version" "$TMP/help.-"
docs=("$root/README.md" "$root"/docs/*.md)
doc_commands "${docs[@]}" >"$TMP/doc-commands"
check "the documentation shows nnclass commands" [ "$(grep -c . "$TMP/doc-commands")" -gt 20 ]
while IFS=$'\t' read -r where word prompted opts; do
    where=${where#"$root/"}
    if [ "$word" != "-" ] && ! echo "$commands" | grep -qx -- "$word"; then
        # prose such as "nnclass is", or program output; a typed command must exist
        if [ "$prompted" = 1 ]; then fail "$where: 'nnclass $word': no such command"; else pass; fi
        continue
    fi
    for o in $opts; do
        if grep -qx -- "$o" "$TMP/help.$word"; then pass; else
            fail "$where: 'nnclass ${word#-} ... $o': no such option (nnclass ${word#-} --help)"
        fi
    done
done <"$TMP/doc-commands"
for c in $commands; do
    check "the documentation shows nnclass $c" grep -q "	$c	" "$TMP/doc-commands"
done

# README.md is a front page; the guide is in docs/, and its links lead there.
check "README.md: at most 350 lines" [ "$(wc -l <"$root/README.md")" -le 350 ]
grep -o '](docs/[^)#]*' "$root/README.md" | sed 's/^](//' | sort -u >"$TMP/readme-links"
check "README.md links to the guide" [ -s "$TMP/readme-links" ]
while read -r link; do
    check "README.md: link $link exists" [ -e "$root/$link" ]
done <"$TMP/readme-links"

# Every example of `nnclass --help` (the man page's EXAMPLES) uses options its
# command has.
"$NNCLASS" --help | awk '/^Examples:$/ { on = 1; next } on && /^  nnclass / { print }' >"$TMP/examples"
check "--help has examples" [ -s "$TMP/examples" ]
while read -r _ cmd rest; do
    set -f # the examples' globs are text here
    for word in $rest; do
        case $word in -*) ;; *) continue ;; esac
        opt=${word%%=*}
        check "example of $cmd: $opt is an option of $cmd" grep -qx -- "$opt" <(help_options "$cmd")
    done
    set +f
done <"$TMP/examples"

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
