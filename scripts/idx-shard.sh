#!/usr/bin/env bash
# Splits an IDX image file (gzip or raw) into shards of at most N images,
# each a complete IDX file, for running `nnclass predict` on several
# processes (GNU parallel, xargs -P). Reads the input once, as a stream.
# Prints one line per shard: the index of its first image, a space, its path;
# that offset is what `nnclass predict --offset` takes so that the shards'
# indexes are the positions in the whole file.
# Usage: scripts/idx-shard.sh IMAGES N PREFIX   (writes PREFIX-000.idx, PREFIX-001.idx, ...)
set -euo pipefail
if [ $# -ne 3 ]; then
    echo "usage: $0 IMAGES N PREFIX" >&2
    exit 2
fi
in=$1 per=$2 prefix=$3
case $per in '' | *[!0-9]* | 0) echo "idx-shard: N must be a positive whole number" >&2; exit 2 ;; esac

read_input() {
    if [ "$(head -c 2 "$in" | od -An -tx1 | tr -d ' \n')" = 1f8b ]; then gzip -dc "$in"; else cat "$in"; fi
}
# be32 VALUE: the four big-endian bytes of VALUE as printf escapes.
be32() {
    printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) \
        $(($1 >> 8 & 255)) $(($1 & 255))
}

read_input | {
    h=($(head -c 16 | od -An -tu1))
    if [ ${#h[@]} -ne 16 ] || [ "${h[0]} ${h[1]} ${h[2]} ${h[3]}" != "0 0 8 3" ]; then
        echo "idx-shard: $in: not an IDX image file (magic 00 00 08 03)" >&2
        exit 1
    fi
    count=$((h[4] << 24 | h[5] << 16 | h[6] << 8 | h[7]))
    rows=$((h[8] << 24 | h[9] << 16 | h[10] << 8 | h[11]))
    cols=$((h[12] << 24 | h[13] << 16 | h[14] << 8 | h[15]))
    size=$((rows * cols))
    shard=0
    for ((first = 0; first < count; first += per)); do
        n=$((count - first < per ? count - first : per))
        out=$(printf '%s-%03d.idx' "$prefix" "$shard")
        {
            printf '\x00\x00\x08\x03'
            printf "$(be32 "$n")$(be32 "$rows")$(be32 "$cols")"
            head -c $((n * size))
        } >"$out"
        if [ "$(stat -c %s "$out")" -ne $((16 + n * size)) ]; then
            echo "idx-shard: $in: truncated: shard $shard is short" >&2
            exit 1
        fi
        echo "$first $out"
        shard=$((shard + 1))
    done
}
