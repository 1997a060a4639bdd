#!/usr/bin/env bash
# Puts Fashion-MNIST into data/fashion/ under the four standard MNIST names
# (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
# t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz), for
# `nnclass train --dataset fashion`. The folder is not committed.
#
# Source: the Debian package dataset-fashion-mnist, which installs exactly
# these four gzipped files in /usr/share/datasets/fashion-mnist/. When that
# folder exists it is used; otherwise the package is fetched without root
# (apt-get download) and unpacked into a temporary folder (dpkg-deb -x).
# NNCLASS_FASHION_SRC=DIR uses another folder holding the files (gzipped or
# raw). Each file's content is checked against its SHA-256 (of the raw IDX
# bytes, so recompressing does not matter) and stored as BGZF
# (scripts/bgzf.py), which every gzip reader reads. Idempotent: files
# that are present, verify and are BGZF are left alone; ones that verify but
# are plain gzip are recompressed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/data/fashion"
installed=/usr/share/datasets/fashion-mnist

declare -A sha=(
    [train-images-idx3-ubyte]=c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888
    [train-labels-idx1-ubyte]=bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9
    [t10k-images-idx3-ubyte]=5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b
    [t10k-labels-idx1-ubyte]=0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34
)
names=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte
       t10k-labels-idx1-ubyte)

die() {
    echo "fetch-fashion: $*" >&2
    exit 1
}

# content_sha FILE: SHA-256 of the raw IDX bytes of a gzipped or raw file.
content_sha() {
    if [ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' \n')" = 1f8b ]; then
        gzip -dc "$1" | sha256sum | cut -d' ' -f1
    else
        sha256sum <"$1" | cut -d' ' -f1
    fi
}

verified() { # name: the .gz is in data/fashion and its content has the right hash
    [ -f "$dest/$1.gz" ] && [ "$(content_sha "$dest/$1.gz")" = "${sha[$1]}" ]
}

# to_bgzf FROM NAME: FROM (raw or gzipped) into data/fashion/NAME.gz as BGZF,
# atomically.
to_bgzf() {
    python3 "$root/scripts/bgzf.py" "$1" "$dest/$2.gz.tmp"
    mv "$dest/$2.gz.tmp" "$dest/$2.gz"
}

missing=()
for name in "${names[@]}"; do
    if ! verified "$name"; then
        missing+=("$name")
    elif ! python3 "$root/scripts/bgzf.py" --check "$dest/$name.gz"; then
        to_bgzf "$dest/$name.gz" "$name"
        echo "data/fashion/$name.gz: recompressed as BGZF"
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "data/fashion: all four files present, verified and BGZF"
    exit 0
fi

tmp=""
trap '[ -z "$tmp" ] || rm -rf "$tmp"' EXIT
if [ -n "${NNCLASS_FASHION_SRC:-}" ]; then
    src=$NNCLASS_FASHION_SRC
    [ -d "$src" ] || die "NNCLASS_FASHION_SRC=$src is not a folder"
elif [ -d "$installed" ]; then
    src=$installed
else
    command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 ||
        die "needs apt-get and dpkg-deb (Debian or Ubuntu), or the package installed:" \
            "apt-get install dataset-fashion-mnist"
    tmp=$(mktemp -d)
    echo "fetch-fashion: downloading the Debian package dataset-fashion-mnist" >&2
    (cd "$tmp" && apt-get download dataset-fashion-mnist) >"$tmp/apt.log" 2>&1 || {
        cat "$tmp/apt.log" >&2
        die "apt-get download dataset-fashion-mnist failed (is the package list current?" \
            "try apt-get update)"
    }
    debs=("$tmp"/dataset-fashion-mnist_*.deb)
    [ -f "${debs[0]}" ] || die "apt-get download left no .deb file"
    dpkg-deb -x "${debs[0]}" "$tmp/root"
    src="$tmp/root$installed"
    [ -d "$src" ] || die "the package has no ${installed#/} folder"
fi

mkdir -p "$dest"
for name in "${missing[@]}"; do
    if [ -f "$src/$name.gz" ]; then
        from="$src/$name.gz"
    elif [ -f "$src/$name" ]; then
        from="$src/$name"
    else
        die "$src: neither $name.gz nor $name is there"
    fi
    got=$(content_sha "$from")
    [ "$got" = "${sha[$name]}" ] || die "$from: SHA-256 of the content $got, expected ${sha[$name]}"
    to_bgzf "$from" "$name"
    echo "data/fashion/$name.gz: written and verified"
done
