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
# "Usage:" line becomes the synopsis, "  --opt ARG   text" lines (indented
# at most 6 spaces) become tagged paragraphs whose continuation lines join
# them, lines indented past the paragraph's text column (a table inside an
# option's text) stay as they are laid out, "Heading:" lines subheadings.
to_roff() {
    awk '
    function esc(s) {
        gsub(/\\/, "\\e", s)
        gsub(/-/, "\\-", s)
        sub(/^[.\047]/, "\\\\\\&&", s)
        return s
    }
    function indent(s) { match(s, /^ */); return RLENGTH }
    function endpre() { if (pre) { print ".fi"; pre = 0 } }
    NR == 1 && /^Usage: / {
        sub(/^Usage: /, "")
        print ".PP"
        print ".B " esc($0)
        print ".PP"
        next
    }
    { ind = indent($0) }
    /^$/ { endpre(); print ".PP"; intag = 0; next }
    ind >= 2 && ind <= 6 && substr($0, ind + 1, 1) == "-" {
        endpre()
        line = substr($0, ind + 1)
        # the option part ends at the first run of two spaces
        n = index(line, "  ")
        if (n > 0) {
            opt = substr(line, 1, n - 1); text = substr(line, n)
            col = ind + n - 1 + indent(text); sub(/^ +/, "", text)
        } else { opt = line; text = ""; col = -1 }
        print ".TP"
        print "\\fB" esc(opt) "\\fR"
        if (text != "") print esc(text)
        intag = 1
        next
    }
    intag && ind > 6 && col < 0 { col = ind }
    intag && ind > col && col > 6 {
        if (!pre) { print ".nf"; pre = 1 }
        print esc(substr($0, col + 1))
        next
    }
    intag && ind > 6 { endpre(); line = $0; sub(/^ +/, "", line); print esc(line); next }
    { endpre() }
    /^[A-Z][A-Za-z -]*:$/ { print ".SS " esc($0); intag = 0; next }
    /^  [^ -]/ { line = $0; sub(/^ +/, "", line); print ".IP"; print esc(line); print ".PP"; intag = 0; next }
    { line = $0; sub(/^ +/, "", line); print esc(line); intag = 0 }
    END { endpre() }
    '
}

# The "Examples:" block of `nnclass --help` as the EXAMPLES section: each
# command line (indented 2) in bold, its explanation (indented more) below.
examples_roff() {
    awk '
    function esc(s) {
        gsub(/\\/, "\\e", s)
        gsub(/-/, "\\-", s)
        sub(/^[.\047]/, "\\\\\\&&", s)
        return s
    }
    function close_text() { if (text) { print ".RE"; text = 0 } }
    /^Examples:$/ { on = 1; print ".SH EXAMPLES"; next }
    on && /^$/ { exit }
    on && /^  [^ ]/ {
        close_text(); line = $0; sub(/^ +/, "", line); print ".PP"; print ".B " esc(line); next
    }
    on && /^   / {
        if (!text) { print ".RS"; text = 1 }
        line = $0; sub(/^ +/, "", line); print esc(line); next
    }
    END { close_text() }
    '
}

{
    sed -e "s/@VERSION@/$version/" -e '/^@COMMANDS@$/,$d' "$template"
    for c in $commands; do
        echo ".SH \"NNCLASS $(echo "$c" | tr a-z A-Z)\""
        "$bin" "$c" --help | to_roff
    done
    # the EXAMPLES section goes before SEE ALSO, as man-pages(7) orders them
    sed -e '1,/^@COMMANDS@$/d' -e '/^\.SH SEE ALSO/,$d' "$template"
    "$bin" --help | examples_roff
    sed -n -e '/^\.SH SEE ALSO/,$p' "$template"
} >"$out.tmp"
mv "$out.tmp" "$out"
