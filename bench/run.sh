#!/usr/bin/env bash
# make bench: rig, nginx+nchan and Pushpin side by side on loopback, same scenarios, same
# load tool (build/rig-bench), one run; results in build/bench-results/, report in
# docs/benchmarks.md. BENCH_QUICK=1 runs every scenario at a smaller scale. Naming scenarios
# (bench/run.sh fanout ingest) reruns only those and re-renders the report with the rest.
#
# The headline scenarios (idle connect ingest ingest_batch ws_fanout tls h2 idle_tls) run
# BENCH_REPEAT times (default 3, or 1 with BENCH_QUICK=1), each repetition against a freshly
# started server, targets interleaved; report.py shows the median and the range. Runs on one
# VM differ by up to 50%, so one run proves little.
#
# TLS scenarios use a self-signed certificate made here (BENCH_TLS_KEY: an `openssl req
# -newkey` argument, default EC P-256) and start rig with HTTPS_CERTFILE/HTTPS_KEYFILE; a rig
# without an HTTPS listener is skipped (logged), not failed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/build/bench-results
SCRATCH=$(mktemp -d /tmp/rig-bench.XXXXXX)
BENCH=$ROOT/build/rig-bench
QUICK=${BENCH_QUICK:-0}
mkdir -p "$OUT"
if [ $# -eq 0 ]; then rm -f "$OUT"/*.json "$OUT"/*.txt; fi

if [ "$QUICK" = 1 ]; then
  IDLE_N=5000; MULTI_N=20000; MULTI_PROCS=3; FAN_N=2000; FAN_SMALL_N=500; STEP=3; CONNECT_N=5000
  INGEST_S=4
  INDEX_SIZES="1000 10000 100000"
  REPEAT=${BENCH_REPEAT:-1}
  INGEST_RUNS=${BENCH_INGEST_RUNS:-1}
  TLS_N=2000; H2_CONNS=20; H2_STREAMS=50; WS_N=2000; MID_RATE=50; DRAIN=2
  H2_RATES=100,200,400,800,1600
else
  IDLE_N=19000; MULTI_N=100000; MULTI_PROCS=6; FAN_N=10000; FAN_SMALL_N=2000; STEP=5
  CONNECT_N=19000; INGEST_S=10
  INDEX_SIZES="1000 100000 1000000"
  REPEAT=${BENCH_REPEAT:-3}
  # Every ingest figure (HTTP single and batch, Kafka, NATS) is the median of this many runs.
  INGEST_RUNS=${BENCH_INGEST_RUNS:-5}
  # 10,000 subscribers: TLS connections, HTTP/2 streams (100 x 100), WebSockets. MID_RATE
  # events/s to 10,000 is 100,000 deliveries/s, below what rig and nchan reached at
  # saturation over plain HTTP/1.1 in earlier runs (1.1M/s and 135k/s).
  TLS_N=10000; H2_CONNS=100; H2_STREAMS=100; WS_N=10000; MID_RATE=10; DRAIN=3
  # Rising steps after MID_RATE, until p99 passes 1 s or an event is lost (a stream that
  # falls RIG_MAX_QUEUE_BYTES behind is reset): the highest clean step is the saturation row.
  H2_RATES=20,40,80,120,160,240
fi
RATES=5,10,20,30,40,60,80,120,160,240,320,480,640,960,1280
INGEST_BATCHES=${BENCH_INGEST_BATCHES:-10 100}  # events per request in the batch ingest rows
# Every event is the same ~200-byte CloudEvent for every server: rig delivers the posted JSON
# byte for byte (it carries "time", so rig inserts nothing), and nchan and Pushpin are given
# that same JSON to send as the SSE data, so delivered bytes compare as well as events.
PAD=50

PIDS=()
REP=1  # the repetition being run (see out_json)
# The ephemeral port range is widened for the run and put back after it: left wide, client
# sockets take ports like 4000 that servers started later on this machine want to bind.
PORT_RANGE_BEFORE=$(sysctl -n net.ipv4.ip_local_port_range 2>/dev/null | tr '\t' ' ' || true)
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  pkill -f "$SCRATCH" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$SCRATCH"
  if [ -n "$PORT_RANGE_BEFORE" ]; then
    sysctl -qw net.ipv4.ip_local_port_range="$PORT_RANGE_BEFORE" 2>/dev/null || true
  fi
}
trap cleanup EXIT

log() { printf '\n=== %s\n' "$*" >&2; }

# Loopback tuning, as on any load-test box (not persistent; needs root).
sysctl -qw net.ipv4.ip_local_port_range="1024 65000" 2>/dev/null || true
# ...but never hand out the servers' fixed ports below as ephemeral ones: a client socket in
# TIME_WAIT on 24000 made the next server's bind fail ("port 24000 did not open").
sysctl -qw net.ipv4.ip_local_reserved_ports="24000-24999" 2>/dev/null || true
sysctl -qw net.core.somaxconn=65535 2>/dev/null || true
sysctl -qw net.ipv4.tcp_max_syn_backlog=65535 2>/dev/null || true
sysctl -qw net.ipv4.tcp_tw_reuse=1 2>/dev/null || true

wait_port() {  # by listing listeners: connecting could fail on ports left in TIME_WAIT
  for _ in $(seq 200); do
    ss -Hltn "sport = :$1" | grep -q LISTEN && return 0
    sleep 0.05
  done
  echo "port $1 did not open" >&2
  return 1
}

stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# out_json NAME: where this repetition's result goes: NAME.json for the first, NAME.repK.json
# for the K-th (report.py reads them all). The first also drops an earlier run's repetitions.
out_json() {
  if [ "$REP" = 1 ]; then rm -f "$OUT/$1".rep*.json; echo "$OUT/$1.json"; else echo "$OUT/$1.rep$REP.json"; fi
}

# A self-signed certificate for 127.0.0.1 and localhost, for rig's and nginx's TLS listeners.
TLS_DIR=$SCRATCH/tls
mkdir -p "$TLS_DIR"
TLS_KEY_SPEC=${BENCH_TLS_KEY:-ec -pkeyopt ec_paramgen_curve:prime256v1}
# shellcheck disable=SC2086  # TLS_KEY_SPEC is several arguments
openssl req -x509 -newkey $TLS_KEY_SPEC -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$TLS_DIR/key.pem" \
  -out "$TLS_DIR/cert.pem" 2>/dev/null
CERT=$TLS_DIR/cert.pem; KEY=$TLS_DIR/key.pem

# --- servers ------------------------------------------------------------------------------
RIG_PORT=24000; RIG_TLS_PORT=24001
start_rig() {  # start_rig [extra env...]; sets RIG_PID
  env MAX_CONNECTIONS_PER_MINUTE=0 INBOUND_PORT=$RIG_PORT API_HTTP_PORT=0 LOG_LEVEL=warn \
      RIG_BIND_ADDRESS=0.0.0.0 "$@" "$ROOT/build/rig" 2>>"$SCRATCH/rig.log" &
  RIG_PID=$!
  PIDS+=("$RIG_PID")
  wait_port $RIG_PORT
}

# rig with its HTTPS listener (HTTP/2 by ALPN); fails (rig stopped) if that never opens,
# which is what a rig without HTTPS support does.
start_rig_tls() {
  start_rig HTTPS_CERTFILE="$CERT" HTTPS_KEYFILE="$KEY" INBOUND_HTTPS_PORT=$RIG_TLS_PORT \
    API_HTTPS_PORT=0
  if ! wait_port $RIG_TLS_PORT 2>/dev/null; then
    stop_pid "$RIG_PID"
    return 1
  fi
}

NCHAN_PORT=24090; NCHAN_TLS_PORT=24091; NCHAN_H2C_PORT=24092
start_nchan() {
  mkdir -p "$SCRATCH/nchan/logs" "$SCRATCH/nchan/tmp"
  sed -e "s|@DIR@|$SCRATCH/nchan|g" -e "s|@PORT@|$NCHAN_PORT|g" \
      -e "s|@TLS_PORT@|$NCHAN_TLS_PORT|g" -e "s|@H2C_PORT@|$NCHAN_H2C_PORT|g" \
      -e "s|@CERT@|$CERT|g" -e "s|@KEY@|$KEY|g" bench/peers/nchan.conf.in \
    > "$SCRATCH/nchan/nginx.conf"
  nginx -p "$SCRATCH/nchan" -c "$SCRATCH/nchan/nginx.conf" 2>>"$SCRATCH/nchan.log" &
  NCHAN_PID=$!
  PIDS+=("$NCHAN_PID")
  wait_port $NCHAN_PORT
  wait_port $NCHAN_TLS_PORT
}

PUSHPIN_PORT=24099; PUSHPIN_PUB=24561; GRIP_PORT=24100
start_pushpin() {
  mkdir -p "$SCRATCH/pushpin/run" "$SCRATCH/pushpin/log"
  sed -e "s|@DIR@|$SCRATCH/pushpin|g" -e "s|@PORT@|$PUSHPIN_PORT|g" \
      -e "s|@PUBLISH_PORT@|$PUSHPIN_PUB|g" -e "s|@ZMQ_BASE@|2456|g" bench/peers/pushpin.conf.in \
    > "$SCRATCH/pushpin/pushpin.conf"
  echo "* 127.0.0.1:$GRIP_PORT" > "$SCRATCH/pushpin/routes"
  mkdir -p "$SCRATCH/grip/tmp"
  sed -e "s|@DIR@|$SCRATCH/grip|g" -e "s|@PORT@|$GRIP_PORT|g" bench/peers/grip_backend.conf.in \
    > "$SCRATCH/grip/nginx.conf"
  nginx -p "$SCRATCH/grip" -c "$SCRATCH/grip/nginx.conf" 2>>"$SCRATCH/grip.log" &
  GRIP_PID=$!
  PIDS+=("$GRIP_PID")
  pushpin --config "$SCRATCH/pushpin/pushpin.conf" >>"$SCRATCH/pushpin.log" 2>&1 &
  PUSHPIN_PID=$!
  PIDS+=("$PUSHPIN_PID")
  wait_port $PUSHPIN_PORT
  wait_port $PUSHPIN_PUB
  wait_port $GRIP_PORT
}

# --- per-target parameters --------------------------------------------------------------
enc() { /usr/bin/python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe=""))' "$1"; }
# cloud_event TYPE: the event every server delivers, as a rig-bench body template ({seq},
# {ts} and {pad} are filled per event).
cloud_event() {
  printf '{"specversion":"1.0","type":"%s","source":"/rig-bench","id":"{seq}","time":"2026-01-01T00:00:00Z","data":{"seq":{seq},"ts":{ts},"pad":"{pad}"}}' "$1"
}
# target_args TARGET CHANNEL -> fills SUB PUB BODY CTYPE, and for the TLS-capable
# targets TLS_SUB (the same subscription over https://) and WS_SUB (WebSocket)
target_args() {
  local t=$1 ch=$2 event
  event=$(cloud_event "$ch")
  TLS_SUB=""; WS_SUB=""
  case $t in
    rig)
      local q
      q="subscriptions=$(enc "[{\"eventType\":\"$ch\"}]")"
      SUB="http://127.0.0.1:$RIG_PORT/_rig/v1/connection/sse?$q"
      TLS_SUB="https://127.0.0.1:$RIG_TLS_PORT/_rig/v1/connection/sse?$q"
      WS_SUB="ws://127.0.0.1:$RIG_PORT/_rig/v1/connection/ws?$q"
      PUB="http://127.0.0.1:$RIG_PORT/_rig/v1/events"
      BODY=$event
      CTYPE=application/json ;;
    nchan)
      SUB="http://127.0.0.1:$NCHAN_PORT/sub/$ch"
      TLS_SUB="https://127.0.0.1:$NCHAN_TLS_PORT/sub/$ch"
      WS_SUB="ws://127.0.0.1:$NCHAN_PORT/ws/$ch"
      PUB="http://127.0.0.1:$NCHAN_PORT/pub/$ch"
      BODY=$event  # nchan sends the published body as the SSE data / WebSocket message
      CTYPE=application/json ;;
    pushpin)
      SUB="http://127.0.0.1:$PUSHPIN_PORT/stream/$ch"
      PUB="http://127.0.0.1:$PUSHPIN_PUB/publish/"
      # The SSE message Pushpin sends, with the CloudEvent as its data, JSON-quoted into the
      # publish request (quoting leaves the {seq} {ts} {pad} placeholders as they are).
      BODY=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"items": [{"channel": sys.argv[1], "formats": {"http-stream": {"content": "event: message\ndata: " + sys.argv[2] + "\n\n"}}}]}, separators=(",", ":")))' "$ch" "$event")
      CTYPE=application/json ;;
  esac
}

with_target() {  # with_target TARGET command...: start the server, run, stop
  local t=$1; shift
  case $t in
    rig) start_rig; "$@" "$t"; stop_pid "$RIG_PID" ;;
    nchan) start_nchan; "$@" "$t"; stop_pid "$NCHAN_PID" ;;
    pushpin) start_pushpin; "$@" "$t"; stop_pid "$PUSHPIN_PID"; stop_pid "$GRIP_PID" ;;
  esac
  sleep 1
}

# with_tls_target TARGET command...: the same, with the server's TLS listener up; rig without
# HTTPS support is skipped (once per run: the result files say "not run" by their absence).
RIG_TLS_MISSING=0
with_tls_target() {
  local t=$1; shift
  case $t in
    rig)
      if [ "$RIG_TLS_MISSING" = 1 ]; then return 0; fi
      if ! start_rig_tls; then
        RIG_TLS_MISSING=1
        log "rig opened no HTTPS listener on $RIG_TLS_PORT (no HTTPS support?): its TLS and HTTP/2 runs are skipped"
        sleep 1
        return 0
      fi
      "$@" "$t"; stop_pid "$RIG_PID" ;;
    nchan) start_nchan; "$@" "$t"; stop_pid "$NCHAN_PID" ;;
  esac
  sleep 1
}

# --- scenarios ----------------------------------------------------------------------------
# The server's processes, measured by exact pid (not by name: other rigs and nginxes may run
# on a shared machine).
descendants() { local p; for p in $(pgrep -P "$1" || true); do echo "$p"; descendants "$p"; done; }
server_pids() {  # server_pids TARGET -> comma-separated pids of the running server
  case $1 in
    rig) echo "$RIG_PID" ;;
    nchan) { echo "$NCHAN_PID"; descendants "$NCHAN_PID"; } | paste -sd, ;;
    pushpin) descendants "$PUSHPIN_PID" | paste -sd, ;;  # condure, zurl, proxy, handler
  esac
}
cpu_ticks() {  # cpu_ticks PID,PID...: user+system clock ticks so far
  local p
  for p in ${1//,/ }; do awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || true; done |
    awk '{s+=$1} END {print s+0}'
}

idle() {  # idle TARGET
  target_args "$1" idle
  "$BENCH" --mode idle --label "$1" --sub-url "$SUB" --connections $IDLE_N --processes 2 \
    --hold-seconds 3 --server-pids "$(server_pids "$1")" --json "$(out_json "idle-$1")" \
    | tee -a "$OUT/log.txt"
}

fanout() {  # fanout TARGET
  target_args "$1" fanout200
  "$BENCH" --label "$1" --sub-url "$SUB" --connections $FAN_N --processes 2 --pub-url "$PUB" \
    --pub-body "$BODY" --pub-content-type $CTYPE --payload $PAD --rates 200 --step-seconds 10 \
    --server-pids "$(server_pids "$1")" --json "$OUT/fanout200-$1.json" | tee -a "$OUT/log.txt"
  target_args "$1" fanout
  "$BENCH" --label "$1" --sub-url "$SUB" --connections $FAN_N --processes 2 --pub-url "$PUB" \
    --pub-body "$BODY" --pub-content-type $CTYPE --payload $PAD --rates $RATES \
    --step-seconds $STEP --max-p99-ms 50 --server-pids "$(server_pids "$1")" \
    --json "$OUT/fanout-$1.json" | tee -a "$OUT/log.txt"
}

fanout_small() {  # fanout_small TARGET: the same with 2,000 subscribers
  target_args "$1" fanout
  "$BENCH" --label "$1" --sub-url "$SUB" --connections $FAN_SMALL_N --processes 2 --pub-url "$PUB" \
    --pub-body "$BODY" --pub-content-type $CTYPE --payload $PAD --rates $RATES \
    --step-seconds $STEP --max-p99-ms 50 --server-pids "$(server_pids "$1")" \
    --json "$OUT/fanout2k-$1.json" | tee -a "$OUT/log.txt"
}

connect_rate() {  # connect_rate TARGET
  target_args "$1" connect
  "$BENCH" --mode connect --label "$1" --sub-url "$SUB" --connections $CONNECT_N --processes 4 \
    --max-connecting 1000 --server-pids "$(server_pids "$1")" \
    --json "$(out_json "connect-$1")" | tee -a "$OUT/log.txt"
}

# wrk_post TARGET NAME EVENTS_PER_REQUEST BODY: POST BODY with wrk -t1 -c32 for INGEST_S
# seconds, keep-alive; writes NAME's JSON with requests and accepted (2xx) events per second
# and the server's CPU time.
wrk_post() {
  local t=$1 name=$2 per=$3 body=$4
  cat > "$SCRATCH/post.lua" <<LUA
wrk.method = "POST"
wrk.body = [==[$body]==]
wrk.headers["Content-Type"] = "$CTYPE"
LUA
  local pids before after
  pids=$(server_pids "$t")
  before=$(cpu_ticks "$pids")
  wrk -t1 -c32 -d${INGEST_S}s -s "$SCRATCH/post.lua" "$PUB" > "$SCRATCH/wrk-$name.txt"
  after=$(cpu_ticks "$pids")
  tee -a "$OUT/log.txt" < "$SCRATCH/wrk-$name.txt"
  local rps total non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$SCRATCH/wrk-$name.txt")
  total=$(awk '/requests in/ {print $1}' "$SCRATCH/wrk-$name.txt")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$SCRATCH/wrk-$name.txt")
  WRK_NON2XX=${non2xx:-0}
  # awk, not bc: bc writes .5 for 0.5, which is not JSON
  local eps cpu
  eps=$(awk -v r="$rps" -v p="$per" -v t="$total" -v n="$WRK_NON2XX" \
    'BEGIN {printf "%.2f", t ? r * p * (t - n) / t : 0}')
  cpu=$(awk -v a="$after" -v b="$before" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", (a - b) / hz}')
  echo "{\"label\":\"$t\",\"requests_per_s\":$rps,\"requests\":$total,\"non_2xx\":$WRK_NON2XX,\"events_per_request\":$per,\"events_per_s\":$eps,\"server_cpu_s\":$cpu}" \
    > "$(out_json "$name")"
}

# fill_event TEMPLATE SEQ: one event of the template with its placeholders filled
fill_event() {
  local pad
  pad=$(printf 'x%.0s' $(seq $PAD))
  echo "$1" | sed -e "s/{seq}/$2/g" -e 's/{ts}/1/g' -e "s/{pad}/$pad/"
}

ingest() {  # ingest TARGET: POST events nobody subscribes to, one per request
  target_args "$1" ingest
  wrk_post "$1" "ingest-$1" 1 "$(fill_event "$BODY" 1)"
}

ingest_batch() {  # ingest_batch rig: the same with INGEST_BATCHES events per request
  target_args "$1" ingest
  CTYPE=application/cloudevents-batch+json
  local n event
  event=$(fill_event "$BODY" '{seq}')
  for n in $INGEST_BATCHES; do
    wrk_post "$1" "ingest-batch$n-$1" "$n" "$(/usr/bin/python3 -c '
import sys
n, event = int(sys.argv[1]), sys.argv[2]
print("[" + ",".join(event.replace("{seq}", str(i)) for i in range(n)) + "]")' "$n" "$event")"
    if [ "$WRK_NON2XX" != 0 ]; then
      log "ingest_batch: $1 refused batches of $n: $(curl -s -H "Content-Type: $CTYPE" -d '[]' "$PUB")"
    fi
  done
}

# ws_fanout TARGET: SSE and WebSocket fan-out to WS_N subscribers, at MID_RATE events/s and
# as fast as the server takes them.
ws_fanout() {
  local kind url
  for kind in sse ws; do
    target_args "$1" "ws$kind"
    url=$SUB; [ $kind = ws ] && url=$WS_SUB
    "$BENCH" --label "$1 ${kind^^}" --sub-url "$url" --connections $WS_N --processes 2 \
      --pub-url "$PUB" --pub-body "$BODY" --pub-content-type $CTYPE --payload $PAD \
      --rates $MID_RATE,max --step-seconds $STEP --drain-seconds $DRAIN \
      --server-pids "$(server_pids "$1")" --json "$(out_json "ws-$1-$kind")" \
      | tee -a "$OUT/log.txt"
  done
}

tls_connect() {  # tls_connect TARGET: full TLS handshakes + SSE requests per second
  target_args "$1" tlsconnect
  "$BENCH" --mode connect --label "$1" --sub-url "$TLS_SUB" --insecure \
    --connections $TLS_N --processes 2 --max-connecting 100 --ready-timeout 120 \
    --server-pids "$(server_pids "$1")" --json "$(out_json "tls-$1")" | tee -a "$OUT/log.txt"
}

# h2_run TARGET VARIANT: H2_CONNS x H2_STREAMS SSE streams over HTTP/2 with TLS (ALPN h2;
# VARIANT h2), as many HTTP/1.1 connections over TLS (h1), or, for rig when its plain port
# answers it, cleartext HTTP/2 with prior knowledge (h2c). A fresh server per variant: the
# backlog of one run's fastest step must not slow the next.
h2_run() {
  local t=$1 variant=$2 args
  target_args "$t" "h2$variant"
  case $variant in
    h2) args=(--sub-url "$TLS_SUB" --insecure --h2 --connections "$H2_CONNS"
              --streams-per-connection "$H2_STREAMS") ;;
    h1) args=(--sub-url "$TLS_SUB" --insecure --connections "$((H2_CONNS * H2_STREAMS))") ;;
    h2c)
      [ "$t" = rig ] || return 0
      if [ "$(curl -s -o /dev/null --http2-prior-knowledge -m 1 -w '%{http_version}' "$SUB" || true)" != 2 ]; then
        log "rig does not answer HTTP/2 with prior knowledge on its plain port: no h2c run"
        return 0
      fi
      args=(--sub-url "$SUB" --h2 --connections "$H2_CONNS" --streams-per-connection "$H2_STREAMS") ;;
  esac
  "$BENCH" --label "$t $variant" "${args[@]}" --processes 2 --ready-timeout 120 \
    --pub-url "$PUB" --pub-body "$BODY" --pub-content-type $CTYPE --payload $PAD \
    --rates $MID_RATE,$H2_RATES --max-p99-ms 1000 --step-seconds $STEP --drain-seconds $DRAIN \
    --server-pids "$(server_pids "$t")" --json "$(out_json "h2-$t-$variant")" \
    | tee -a "$OUT/log.txt"
}
h2_h2() { h2_run "$1" h2; }
h2_h1() { h2_run "$1" h1; }
h2_h2c() { h2_run "$1" h2c; }

# idle_tls TARGET: idle memory per TLS connection (HTTP/1.1 SSE), per HTTP/2 connection with
# one stream, and with H2_STREAMS streams (the difference is the memory per stream).
idle_tls() {
  target_args "$1" idletls
  "$BENCH" --mode idle --label "$1 h1" --sub-url "$TLS_SUB" --insecure --connections $TLS_N \
    --processes 2 --max-connecting 100 --hold-seconds 3 --ready-timeout 120 \
    --server-pids "$(server_pids "$1")" --json "$(out_json "idletls-$1-h1")" \
    | tee -a "$OUT/log.txt"
}
idle_h2() {  # idle_h2 TARGET STREAMS (a fresh server each: RSS before must be the idle one)
  target_args "$1" idleh2
  "$BENCH" --mode idle --label "$1 h2 x$2" --sub-url "$TLS_SUB" --insecure --h2 \
    --connections $H2_CONNS --streams-per-connection "$2" --processes 2 --hold-seconds 3 \
    --server-pids "$(server_pids "$1")" --json "$(out_json "idletls-$1-h2x$2")" \
    | tee -a "$OUT/log.txt"
}
idle_h2_one() { idle_h2 "$1" 1; }
idle_h2_many() { idle_h2 "$1" $H2_STREAMS; }

multi_process_idle() {  # rig only: several rig processes on one port (SO_REUSEPORT)
  local pids=()
  for _ in $(seq $MULTI_PROCS); do
    env MAX_CONNECTIONS_PER_MINUTE=0 INBOUND_PORT=$RIG_PORT API_HTTP_PORT=0 LOG_LEVEL=warn \
        RIG_SHARDS=1 "$ROOT/build/rig" 2>>"$SCRATCH/rig.log" &
    pids+=("$!"); PIDS+=("$!")
  done
  wait_port $RIG_PORT
  sleep 0.5
  target_args rig idle
  local procs=$(( (MULTI_N + 14999) / 15000 ))
  "$BENCH" --mode idle --label "rig x$MULTI_PROCS processes" --sub-url "$SUB" \
    --connections $MULTI_N --processes $procs --max-connecting 512 --hold-seconds 3 \
    --server-pids "$(IFS=,; echo "${pids[*]}")" --ready-timeout 120 \
    --json "$OUT/idle-multi-rig.json" | tee -a "$OUT/log.txt"
  for p in "${pids[@]}"; do stop_pid "$p"; done
  sleep 1
}

index_growth() {  # rig only: same matching subscribers, growing unrelated subscriptions
  for size in $INDEX_SIZES; do
    start_rig RIG_MAX_HEADER_BYTES=1048576
    /usr/bin/python3 bench/index_filler.py $RIG_PORT "$size" 1000 > "$SCRATCH/filler.out" \
      < <(sleep 100000) &
    local filler=$!
    PIDS+=("$filler")
    while ! grep -q ready "$SCRATCH/filler.out" 2>/dev/null; do sleep 0.2; done
    target_args rig fanout
    "$BENCH" --label "rig, $size subscriptions" --sub-url "$SUB" --connections 1000 \
      --processes 1 --pub-url "$PUB" --pub-body "$BODY" --payload $PAD --rates 200,max \
      --step-seconds $STEP --server-pids "$RIG_PID" --json "$OUT/index-$size.json" \
      | tee -a "$OUT/log.txt"
    grep -E "^(VmRSS)" /proc/$RIG_PID/status | awk -v s=$size '{print "{\"size\":" s ",\"rss_kb\":" $2 "}"}' \
      > "$OUT/index-rss-$size.json"
    kill "$filler" 2>/dev/null || true
    stop_pid "$RIG_PID"
    sleep 1
  done
}

machine() {
  {
    echo "{"
    echo "\"date\": \"$(date -u +%Y-%m-%dT%H:%MZ)\","
    echo "\"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')\","
    echo "\"cores\": $(nproc),"
    echo "\"memory_gib\": $(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo),"
    echo "\"kernel\": \"$(uname -r)\","
    echo "\"os\": \"$(. /etc/os-release; echo "$PRETTY_NAME")\","
    echo "\"rig\": \"$(git rev-parse --short HEAD)\","
    echo "\"nginx\": \"$(nginx -v 2>&1 | sed 's/.*nginx\///')\","
    echo "\"nchan\": \"$(dpkg-query -W -f='${Version}' libnginx-mod-nchan)\","
    echo "\"pushpin\": \"$(dpkg-query -W -f='${Version}' pushpin)\","
    echo "\"openssl\": \"$(openssl version | awk '{print $2}')\","
    echo "\"tls_key\": \"$(openssl x509 -in "$CERT" -noout -text | awk -F': ' '/Public Key Algorithm|ASN1 OID|Public-Key/ {printf "%s ", $2}' | sed 's/ $//')\","
    echo "\"repeat\": $REPEAT,"
    echo "\"quick\": $QUICK,"
    echo "\"fd_limit\": $(ulimit -n)"
    echo "}"
  } > "$OUT/machine.json"
}

# Scenarios to run: all by default, or those named on the command line (idle connect fanout
# fanout2k ingest ingest_batch ws_fanout tls h2 idle_tls multi index kafka nats cluster proxy).
ONLY=" ${*:-idle connect fanout fanout2k ingest ingest_batch ws_fanout tls h2 idle_tls multi index kafka nats cluster proxy} "
want() { [[ "$ONLY" == *" $1 "* ]]; }

machine
# Headline scenarios: BENCH_REPEAT times, targets interleaved, a fresh server per run.
for REP in $(seq "$REPEAT"); do
  [ "$REPEAT" -gt 1 ] && log "repetition $REP of $REPEAT"
  for t in rig nchan pushpin; do
    if want idle; then log "idle: $t"; with_target $t idle; fi
    if want connect; then log "connect rate: $t"; with_target $t connect_rate; fi
  done
  for t in rig nchan; do
    if want ws_fanout; then log "WebSocket and SSE fan-out: $t"; with_target $t ws_fanout; fi
    if want tls; then log "TLS handshakes: $t"; with_tls_target $t tls_connect; fi
    if want h2; then
      log "HTTP/2 and HTTP/1.1 over TLS: $t"
      with_tls_target $t h2_h2
      with_tls_target $t h2_h1
      if [ $t = rig ]; then with_tls_target $t h2_h2c; fi
    fi
    if want idle_tls; then
      log "idle TLS and HTTP/2: $t"
      with_tls_target $t idle_tls
      with_tls_target $t idle_h2_one
      with_tls_target $t idle_h2_many
    fi
  done
done
# Ingest: INGEST_RUNS times, servers in turns, a fresh server per run.
for REP in $(seq "$INGEST_RUNS"); do
  [ "$INGEST_RUNS" -gt 1 ] && log "ingest repetition $REP of $INGEST_RUNS"
  for t in rig nchan pushpin; do
    if want ingest; then log "ingest: $t"; with_target $t ingest; fi
  done
  if want ingest_batch; then log "ingest, batches: rig"; with_target rig ingest_batch; fi
done
REP=1
for t in rig nchan pushpin; do
  if want fanout; then log "fan-out: $t"; with_target $t fanout; fi
  if want fanout2k; then log "fan-out, fewer subscribers: $t"; with_target $t fanout_small; fi
done
if want multi; then log "idle: several rig processes"; multi_process_idle; fi
# Broker consumption (kafka, nats): INGEST_RUNS runs of each case, rig's CPU per event with
# the rate (bench/kafka_consume.py, bench/nats_consume.py).
consume() {  # consume kafka|nats
  for REP in $(seq "$INGEST_RUNS"); do
    for c in "plain:no subscribers:0" "matched:20 subscribers, matched:20" \
             "users:10,000 subscribers, one value each:10000"; do
      IFS=: read -r name label subs <<< "$c"
      /usr/bin/python3 "bench/$1_consume.py" "$(out_json "$1-$name")" "$label" "$subs" | tee -a "$OUT/log.txt"
    done
  done
  REP=1
}
if want kafka; then log "kafka consumption: rig"; consume kafka; fi
if want nats; then log "nats consumption: rig"; consume nats; fi
if want index; then log "index growth: rig"; index_growth; fi
if want cluster; then
  log "cluster on NATS: rig"
  if [ -n "${BENCH_QUICK:-}" ]; then
    export FANOUT_CASES=${FANOUT_CASES:-12000:20,60:100} PUBLISH_EVENTS=${PUBLISH_EVENTS:-500} BENCH_REPEAT=${BENCH_REPEAT:-1}
  fi
  /usr/bin/python3 bench/cluster.py blacklist publish fanout 2>&1 | tee -a "$OUT/log.txt"
fi
if want proxy; then
  log "API gateway: rig and nginx as reverse proxies, kafka target with response_from kafka"
  if [ "$QUICK" = 1 ]; then
    export BENCH_REPEAT=${BENCH_REPEAT:-1} PROXY_SECONDS=${PROXY_SECONDS:-4} PROXY_RATE_SECONDS=${PROXY_RATE_SECONDS:-2} KAFKA_REPEAT=${KAFKA_REPEAT:-1}
  fi
  BENCH_RESULTS=$OUT /usr/bin/python3 bench/proxy.py http kafka 2>&1 | tee -a "$OUT/log.txt"
fi
/usr/bin/python3 bench/report.py "$OUT" > docs/benchmarks.md
log "wrote docs/benchmarks.md"
