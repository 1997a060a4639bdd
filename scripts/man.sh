#!/bin/sh
# Writes the nnclass(1) man page from the program's own --help texts, so the
# page cannot drift from them: the command list comes from `nnclass --help`,
# each command's section from `nnclass COMMAND --help`, and the fixed parts
# (data folder, environment, exit status) from docs/nnclass.1.in.
# Usage: scripts/man.sh NNCLASS_BINARY TEMPLATE OUTPUT
set -eu
bin=$1
template=$2
out=$3
version=$("$bin" --version | sed -n '1s/^nnclass //p')
commands=$("$bin" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on { exit }')

# roff-escapes one help text and turns its layout into man macros: the
# "Usage:" line becomes the synopsis, "  --opt ARG   text" lines become tagged
# paragraphs (continuation lines join them), "Heading:" lines subheadings.
to_roff() {
    awk '
    function esc(s) {
        gsub(/\\/, "\\e", s)
        gsub(/-/, "\\-", s)
        sub(/^[.\047]/, "\\\\\\&&", s)
        return s
    }
    NR == 1 && /^Usage: / {
        sub(/^Usage: /, "")
        print ".PP"
        print ".B " esc($0)
        print ".PP"
        next
    }
    /^$/ { print ".PP"; intag = 0; next }
    /^  +-/ || /^  --/ {
        line = $0
        sub(/^ +/, "", line)
        # the option part ends at the first run of two spaces
        n = index(line, "  ")
        if (n > 0) { opt = substr(line, 1, n - 1); text = substr(line, n); sub(/^ +/, "", text) }
        else { opt = line; text = "" }
        print ".TP"
        print "\\fB" esc(opt) "\\fR"
        if (text != "") print esc(text)
        intag = 1
        next
    }
    intag && /^      +/ { line = $0; sub(/^ +/, "", line); print esc(line); next }
    /^[A-Z][A-Za-z -]*:$/ { print ".SS " esc($0); intag = 0; next }
    /^  [^ -]/ { line = $0; sub(/^ +/, "", line); print ".IP"; print esc(line); print ".PP"; intag = 0; next }
    { line = $0; sub(/^ +/, "", line); print esc(line); intag = 0 }
    '
}

{
    sed -e "s/@VERSION@/$version/" -e '/^@COMMANDS@$/,$d' "$template"
    for c in $commands; do
        echo ".SH \"NNCLASS $(echo "$c" | tr a-z A-Z)\""
        "$bin" "$c" --help | to_roff
    done
    sed -e '1,/^@COMMANDS@$/d' "$template"
} >"$out.tmp"
mv "$out.tmp" "$out"
