#!/usr/bin/env bash
# make bench: rig, nginx+nchan and Pushpin side by side on loopback, same scenarios, same
# load tool (build/rig-bench), one run; results in build/bench-results/, report in
# docs/benchmarks.md. BENCH_QUICK=1 runs every scenario at a smaller scale. Naming scenarios
# (bench/run.sh fanout ingest) reruns only those and re-renders the report with the rest.
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
else
  IDLE_N=19000; MULTI_N=100000; MULTI_PROCS=6; FAN_N=10000; FAN_SMALL_N=2000; STEP=5
  CONNECT_N=19000; INGEST_S=10
  INDEX_SIZES="1000 100000 1000000"
fi
RATES=5,10,20,30,40,60,80,120,160,240,320,480,640,960,1280

PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  pkill -f "$SCRATCH" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$SCRATCH"
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

# --- servers ------------------------------------------------------------------------------
RIG_PORT=24000
start_rig() {  # start_rig [extra env...]; sets RIG_PID
  env MAX_CONNECTIONS_PER_MINUTE=0 INBOUND_PORT=$RIG_PORT API_HTTP_PORT=0 LOG_LEVEL=warn \
      RIG_BIND_ADDRESS=0.0.0.0 "$@" "$ROOT/build/rig" 2>>"$SCRATCH/rig.log" &
  RIG_PID=$!
  PIDS+=("$RIG_PID")
  wait_port $RIG_PORT
}

NCHAN_PORT=24090
start_nchan() {
  mkdir -p "$SCRATCH/nchan/logs" "$SCRATCH/nchan/tmp"
  sed -e "s|@DIR@|$SCRATCH/nchan|g" -e "s|@PORT@|$NCHAN_PORT|g" bench/peers/nchan.conf.in \
    > "$SCRATCH/nchan/nginx.conf"
  nginx -p "$SCRATCH/nchan" -c "$SCRATCH/nchan/nginx.conf" 2>>"$SCRATCH/nchan.log" &
  NCHAN_PID=$!
  PIDS+=("$NCHAN_PID")
  wait_port $NCHAN_PORT
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
PUSHPIN_PROCS=condure,zurl,pushpin-proxy,pushpin-handler

# --- per-target parameters --------------------------------------------------------------
enc() { /usr/bin/python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe=""))' "$1"; }
target_args() {  # target_args TARGET CHANNEL -> fills SUB PUB BODY CTYPE MATCH PAD
  local t=$1 ch=$2
  case $t in
    rig)
      SUB="http://127.0.0.1:$RIG_PORT/_rig/v1/connection/sse?subscriptions=$(enc "[{\"eventType\":\"$ch\"}]")"
      PUB="http://127.0.0.1:$RIG_PORT/_rig/v1/events"
      BODY="{\"specversion\":\"1.0\",\"type\":\"$ch\",\"source\":\"bench\",\"id\":\"{seq}\",\"data\":{\"seq\":{seq},\"ts\":{ts},\"pad\":\"{pad}\"}}"
      CTYPE=application/json; MATCH=rig; PAD=90 ;;
    nchan)
      SUB="http://127.0.0.1:$NCHAN_PORT/sub/$ch"
      PUB="http://127.0.0.1:$NCHAN_PORT/pub/$ch"
      BODY='{"seq":{seq},"ts":{ts},"pad":"{pad}"}'
      CTYPE=application/json; MATCH=nginx; PAD=155 ;;
    pushpin)
      SUB="http://127.0.0.1:$PUSHPIN_PORT/stream/$ch"
      PUB="http://127.0.0.1:$PUSHPIN_PUB/publish/"
      BODY='{"items":[{"channel":"'"$ch"'","formats":{"http-stream":{"content":"event: message\ndata: {\"seq\":{seq},\"ts\":{ts},\"pad\":\"{pad}\"}\n\n"}}}]}'
      CTYPE=application/json; MATCH=$PUSHPIN_PROCS; PAD=140 ;;
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

# --- scenarios ----------------------------------------------------------------------------
idle() {  # idle TARGET
  target_args "$1" idle
  "$BENCH" --mode idle --label "$1" --sub-url "$SUB" --connections $IDLE_N --processes 2 \
    --hold-seconds 3 --server-match "$MATCH" --json "$OUT/idle-$1.json" | tee -a "$OUT/log.txt"
}

fanout() {  # fanout TARGET
  target_args "$1" fanout
  "$BENCH" --label "$1" --sub-url "$SUB" --connections $FAN_N --processes 2 --pub-url "$PUB" \
    --pub-body "$BODY" --pub-content-type $CTYPE --payload $PAD --rates 200 --step-seconds 10 \
    --server-match "$MATCH" --json "$OUT/fanout200-$1.json" | tee -a "$OUT/log.txt"
  "$BENCH" --label "$1" --sub-url "$SUB" --connections $FAN_N --processes 2 --pub-url "$PUB" \
    --pub-body "$BODY" --pub-content-type $CTYPE --payload $PAD --rates $RATES \
    --step-seconds $STEP --max-p99-ms 50 --server-match "$MATCH" \
    --json "$OUT/fanout-$1.json" | tee -a "$OUT/log.txt"
}

fanout_small() {  # fanout_small TARGET: the same with 2,000 subscribers
  target_args "$1" fanout
  "$BENCH" --label "$1" --sub-url "$SUB" --connections $FAN_SMALL_N --processes 2 --pub-url "$PUB" \
    --pub-body "$BODY" --pub-content-type $CTYPE --payload $PAD --rates $RATES \
    --step-seconds $STEP --max-p99-ms 50 --server-match "$MATCH" \
    --json "$OUT/fanout2k-$1.json" | tee -a "$OUT/log.txt"
}

connect_rate() {  # connect_rate TARGET
  target_args "$1" connect
  "$BENCH" --mode connect --label "$1" --sub-url "$SUB" --connections $CONNECT_N --processes 4 \
    --max-connecting 1000 --server-match "$MATCH" --json "$OUT/connect-$1.json" \
    | tee -a "$OUT/log.txt"
}

ingest() {  # ingest TARGET: POST events nobody subscribes to, keep-alive, wrk
  target_args "$1" ingest
  local body
  body=$(echo "$BODY" | sed -e 's/{seq}/1/g' -e 's/{ts}/1/g' -e "s/{pad}/$(printf 'x%.0s' $(seq $PAD))/")
  cat > "$SCRATCH/post.lua" <<LUA
wrk.method = "POST"
wrk.body = [[$body]]
wrk.headers["Content-Type"] = "$CTYPE"
LUA
  local pids before after
  pids=$(for n in ${MATCH//,/ }; do pgrep -x "$n" || true; done | tr '\n' ' ')
  before=$(for p in $pids; do awk '{print $14+$15}' /proc/$p/stat; done | awk '{s+=$1} END {print s+0}')
  wrk -t1 -c32 -d${INGEST_S}s -s "$SCRATCH/post.lua" "$PUB" > "$SCRATCH/wrk-$1.txt"
  after=$(for p in $pids; do awk '{print $14+$15}' /proc/$p/stat; done | awk '{s+=$1} END {print s+0}')
  cat "$SCRATCH/wrk-$1.txt" | tee -a "$OUT/log.txt"
  local rps total non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$SCRATCH/wrk-$1.txt")
  total=$(awk '/requests in/ {print $1}' "$SCRATCH/wrk-$1.txt")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$SCRATCH/wrk-$1.txt")
  echo "{\"label\":\"$1\",\"requests_per_s\":$rps,\"requests\":$total,\"non_2xx\":${non2xx:-0},\"server_cpu_s\":$(echo "($after-$before)/100" | bc -l)}" \
    > "$OUT/ingest-$1.json"
}

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
    --server-match rig --ready-timeout 120 --json "$OUT/idle-multi-rig.json" | tee -a "$OUT/log.txt"
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
      --step-seconds $STEP --server-match rig --json "$OUT/index-$size.json" \
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
    echo "\"fd_limit\": $(ulimit -n)"
    echo "}"
  } > "$OUT/machine.json"
}

# Scenarios to run: all by default, or those named on the command line
# (idle connect fanout fanout2k ingest multi index kafka).
ONLY=" ${*:-idle connect fanout fanout2k ingest multi index kafka} "
want() { [[ "$ONLY" == *" $1 "* ]]; }

machine
for t in rig nchan pushpin; do
  if want idle; then log "idle: $t"; with_target $t idle; fi
  if want connect; then log "connect rate: $t"; with_target $t connect_rate; fi
  if want fanout; then log "fan-out: $t"; with_target $t fanout; fi
  if want fanout2k; then log "fan-out, fewer subscribers: $t"; with_target $t fanout_small; fi
  if want ingest; then log "ingest: $t"; with_target $t ingest; fi
done
if want multi; then log "idle: several rig processes"; multi_process_idle; fi
if want kafka; then
  log "kafka consumption: rig"
  /usr/bin/python3 bench/kafka_consume.py "$OUT/kafka-plain.json" "no subscribers" 0 | tee -a "$OUT/log.txt"
  /usr/bin/python3 bench/kafka_consume.py "$OUT/kafka-matched.json" "20 subscribers, matched" 20 | tee -a "$OUT/log.txt"
  /usr/bin/python3 bench/kafka_consume.py "$OUT/kafka-users.json" "10,000 subscribers, one value each" 10000 | tee -a "$OUT/log.txt"
fi
if want index; then log "index growth: rig"; index_growth; fi
/usr/bin/python3 bench/report.py "$OUT" > docs/benchmarks.md
log "wrote docs/benchmarks.md"
