#!/usr/bin/env bash
# Build the scenario-loader fuzz target with libFuzzer and run it briefly on the
# seed corpus (CI runs this; see fuzz/README.md for longer runs).
set -euo pipefail
seconds=${1:-30}
cd "$(dirname "$0")/.."
if ! command -v clang >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends clang >/dev/null
fi
mkdir -p build-fuzz
clang -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Iinclude -I. fuzz/fuzz_loader.c runner/scenario_load.c devices/regfile.c -lyaml -o build-fuzz/fuzz_loader
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
if ! build-fuzz/fuzz_loader -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/" "$work/corpus" fuzz/corpus/loader >"$work/log" 2>&1; then
  tail -n 60 "$work/log"
  echo "fuzz: the loader crashed, leaked or hung; the input is above" >&2
  exit 1
fi
runs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$' || echo "?")
echo "fuzz: loader ran ${seconds}s, ${runs} inputs, no crash, leak or timeout"
