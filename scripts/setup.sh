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
    # the tests check every SVG picture with xmllint and render it with rsvg-convert
    command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
    command -v rsvg-convert >/dev/null 2>&1 || need+=(librsvg2-bin)
    [ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
    [ -e /usr/include/libdeflate.h ] || need+=(libdeflate-dev)
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

# nnclass_setup_ort DIR: makes sure DIR/node_modules holds onnxruntime-node
# (the version in tests/cli/onnxruntime-node.version), for the test that runs
# exported ONNX models. `npm install --ignore-scripts`: the package ships its
# CPU binaries, no install script is needed. Returns 1 when npm cannot.
nnclass_setup_ort() {
    local dir=$1 here
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    [ -d "$dir/node_modules/onnxruntime-node" ] && return 0
    command -v npm >/dev/null 2>&1 || return 1
    npm install --prefix "$dir" --ignore-scripts --no-audit --no-fund \
        "onnxruntime-node@$(cat "$here/tests/cli/onnxruntime-node.version")" >&2
}
