#!/usr/bin/env bash
# Install vmfault from BUILD into a scratch prefix, then build and run a consumer
# with the CMake package and, separately, with pkg-config.
set -euo pipefail
build=$1; src=$2
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$src/tests/consumer" -B "$work/b" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/b" >/dev/null
"$work/b/consumer"
pcdir=$(dirname "$(find "$work/prefix" -name vmfault.pc | head -1)")
cc "$src/tests/consumer/consumer.c" $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs vmfault) -o "$work/consumer-pc"
"$work/consumer-pc"
