#!/usr/bin/env bash
# What the event history costs the ingest path (issue 12): one rig (RIG_SHARDS=1), events
# nobody subscribes to (the worst case: with history on they are built and kept, with it off
# they are dropped unbuilt), posted by wrk one per request and 100 per request; then the
# batches again with one SSE reader of their type (every event matched and sent: history
# adds only the ring). History on (default) and off (RIG_HISTORY_SIZE=0) alternately, RUNS
# times each, a fresh rig per run.
# Prints req/s and rig's CPU seconds per 1000 events for every run.
# usage: bench/history_cost.sh [RUNS] [SECONDS]   env: RIG (default build/rig)
set -euo pipefail
RUNS=${1:-3}
SECS=${2:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RIG=${RIG:-$ROOT/build/rig}
PORT=17300
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
one='{"specversion":"1.0","type":"com.example.nobody","source":"/bench","id":"e1","data":{"message":"hello world","n":1}}'
batch=$(/usr/bin/python3 -c '
import json
print(json.dumps([{"specversion":"1.0","type":"com.example.nobody","source":"/bench","id":"e%d" % i,
                   "data":{"message":"hello world","n":i}} for i in range(100)]))')
printf 'wrk.method = "POST"\nwrk.body = [==[%s]==]\nwrk.headers["Content-Type"] = "application/json"\n' "$one" > "$SCRATCH/one.lua"
printf 'wrk.method = "POST"\nwrk.body = [==[%s]==]\nwrk.headers["Content-Type"] = "application/cloudevents-batch+json"\n' "$batch" > "$SCRATCH/batch.lua"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run() {  # run LABEL HISTORY_SIZE LUA EVENTS_PER_REQUEST [subscribed]
  INBOUND_PORT=$PORT API_HTTP_PORT=$((PORT + 1)) RIG_BIND_ADDRESS=127.0.0.1 \
    RIG_API_BIND_ADDRESS=127.0.0.1 RIG_SHARDS=1 RIG_HISTORY_SIZE=$2 RIG_LOG_LEVEL=warn \
    "$RIG" > "$SCRATCH/rig.log" 2>&1 &
  local pid=$! reader=
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/_rig/health" && break; sleep 0.1; done
  if [ "${5:-}" = subscribed ]; then  # one SSE reader of the type: every event is matched and sent
    curl -sN "http://127.0.0.1:$PORT/_rig/v1/connection/sse?subscriptions=%5B%7B%22eventType%22%3A%22com.example.nobody%22%7D%5D" > /dev/null &
    reader=$!
    for _ in $(seq 50); do
      curl -s "http://127.0.0.1:$((PORT + 1))/metrics" | grep -q '^rig_subscriptions_total 1' && break
      sleep 0.1
    done
  fi
  local before after
  before=$(ticks $pid)
  wrk -t1 -c32 -d${SECS}s -s "$3" "http://127.0.0.1:$PORT/_rig/v1/events" > "$SCRATCH/wrk.txt"
  after=$(ticks $pid)
  [ -n "$reader" ] && kill "$reader" 2>/dev/null
  kill $pid; wait $pid 2>/dev/null || true
  awk -v label="$1" -v per="$4" -v b="$before" -v a="$after" -v hz="$(getconf CLK_TCK)" '
    /Requests\/sec/ {rps = $2} /requests in/ {n = $1}
    END {printf "%-22s %10.0f req/s %10.0f events/s %8.4f cpu-s/1000 events\n",
         label, rps, rps * per, (a - b) / hz / (n * per) * 1000}' "$SCRATCH/wrk.txt"
}
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), rig $RIG"
for i in $(seq "$RUNS"); do
  run "one, history on" 10000 "$SCRATCH/one.lua" 1
  run "one, history off" 0 "$SCRATCH/one.lua" 1
  run "batch100, history on" 10000 "$SCRATCH/batch.lua" 100
  run "batch100, history off" 0 "$SCRATCH/batch.lua" 100
  run "batch100 sent, on" 10000 "$SCRATCH/batch.lua" 100 subscribed
  run "batch100 sent, off" 0 "$SCRATCH/batch.lua" 100 subscribed
done
