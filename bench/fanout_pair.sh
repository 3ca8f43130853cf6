#!/usr/bin/env bash
# bench/fanout_pair.sh RIG_BINARY LABEL: bench/run.sh's fanout200 scenario at BENCH_QUICK scale
# (2,000 SSE subscribers, 200 events/s for 10 s), rig only.
# Used to compare two builds (before/after a change) in interleaved pairs: results in
# $OUT/<label>.json (rig-bench JSON: delivered/s, server CPU µs per delivery).
set -euo pipefail
RIG=$1; LABEL=$2; PORT=24100
Q=$(/usr/bin/python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe=""))' '[{"eventType":"fanout200"}]')
BODY='{"specversion":"1.0","type":"fanout200","source":"/rig-bench","id":"{seq}","time":"2026-01-01T00:00:00Z","data":{"seq":{seq},"ts":{ts},"pad":"{pad}"}}'
env MAX_CONNECTIONS_PER_MINUTE=0 INBOUND_PORT=$PORT API_HTTP_PORT=24110 LOG_LEVEL=warn "$RIG" 2>>${OUT:-/tmp}/rig-fanout.log &
PID=$!
for _ in $(seq 200); do ss -Hltn "sport = :$PORT" | grep -q LISTEN && break; sleep 0.05; done
${RIG_BENCH:-build/rig-bench} --label "$LABEL" --sub-url "http://127.0.0.1:$PORT/_rig/v1/connection/sse?subscriptions=$Q" \
  --connections 2000 --processes 2 --pub-url "http://127.0.0.1:$PORT/_rig/v1/events" \
  --pub-body "$BODY" --pub-content-type application/json --payload 50 --rates 200 --step-seconds 10 \
  --server-pids "$PID" --json "${OUT:-/tmp}/$LABEL.json"
kill $PID; wait $PID || true
