#!/usr/bin/env bash
# Install the Debian packages vmfault needs, and only those missing.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libunicorn-dev libcapstone-dev libzydis-dev libyaml-dev
      libcriterion-dev binutils-aarch64-linux-gnu binutils-arm-linux-gnueabihf device-tree-compiler)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
