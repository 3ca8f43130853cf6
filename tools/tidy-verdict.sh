#!/bin/bash
# Usage: tools/tidy-verdict.sh LOG — the verdict on a clang-tidy run's output (make tidy).
# Fails on any diagnostic located in src/ and on a translation unit clang-tidy could not
# process. Diagnostics located outside the repository are counted, not failed: clang-analyzer
# 14 reports paths that run through Asio's coroutine frames (awaitable.hpp, any_executor.hpp),
# which it cannot follow, and no NOLINT can reach a system header. docs/reliability.md lists
# them.
set -euo pipefail
log=$1
root=$(cd "$(dirname "$0")/.." && pwd)
plain=$(sed -E 's/\x1b\[[0-9;]*m//g' "$log")
diag='^[^ ]+:[0-9]+:[0-9]+: (warning|error): '
ours=$(grep -E "$diag" <<<"$plain" | grep -E "^$root/src/" | sort -u || true)
others=$(grep -E "$diag" <<<"$plain" | grep -vE "^$root/" | sort -u || true)
broken=$(grep -E '^Error while processing' <<<"$plain" | sort -u || true)
if [ -n "$others" ]; then
  echo "tidy: $(wc -l <<<"$others") distinct report(s) located in third-party headers (not failed):"
  sed -E 's/^/  /' <<<"$others"
fi
if [ -n "$ours" ] || [ -n "$broken" ]; then
  echo "tidy: FAILED — $(grep -c . <<<"$ours" || true) diagnostic(s) in src/:"
  [ -z "$ours" ] || sed -E 's/^/  /' <<<"$ours"
  [ -z "$broken" ] || echo "$broken"
  exit 1
fi
echo "tidy: clean (no diagnostic in src/)"
