#!/usr/bin/env bash
# Installs what nnclass needs to build and test, when it is missing.
# As root it runs apt-get; otherwise it prints the exact command and stops.
# Sourced by test.sh, demo.sh and bench.sh.
set -euo pipefail

nnclass_setup() {
    local need=()
    command -v cmake >/dev/null 2>&1 || need+=(cmake)
    command -v cc >/dev/null 2>&1 || need+=(gcc)
    command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
    command -v make >/dev/null 2>&1 || need+=(make)
    command -v python3 >/dev/null 2>&1 || need+=(python3)  # CLI tests parse JSON
    [ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
    pkg-config --exists openblas 2>/dev/null || need+=(libopenblas-dev)
    pkg-config --exists cmocka 2>/dev/null || need+=(libcmocka-dev)
    pkg-config --exists libpng 2>/dev/null || need+=(libpng-dev)
    [ -e /usr/include/jpeglib.h ] || need+=(libjpeg62-turbo-dev)
    local p
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
    done
    [ ${#need[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        echo "nnclass: installing ${need[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq "${need[@]}" >&2
    else
        echo "nnclass: missing packages; run this, then try again:" >&2
        echo "  sudo apt-get install -y ${need[*]}" >&2
        exit 1
    fi
}
