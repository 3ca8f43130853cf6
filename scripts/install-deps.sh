#!/usr/bin/env bash
# Installs the Debian packages of deps/debian-packages.txt that are missing, and Node.js
# (for the browser test) when no `node` is on PATH. Quiet when everything is present.
# With --bench, also the packages listed after the "# [bench]" line.
set -euo pipefail
cd "$(dirname "$0")/.."

with_bench=0
[ "${1:-}" = "--bench" ] && with_bench=1

missing=()
while read -r pkg; do
  [ -z "$pkg" ] && continue
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done < <(if [ $with_bench = 1 ]; then cat deps/debian-packages.txt; else sed '/^# \[bench\]/,$d' deps/debian-packages.txt; fi |
          sed -e 's/#.*//' -e 's/[[:space:]]//g')

# Node.js may come from Debian or from elsewhere (nodesource); only install it when absent.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
