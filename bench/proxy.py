"""API gateway benchmark (issue 11, make bench scenario "proxy"): rig's reverse proxy against
direct requests and against nginx as a reverse proxy, and rig's kafka target with
`response_from: kafka`.

  http   A backend nginx (one worker, `return 200` of a small body, keep-alive) on loopback.
         Taking turns, BENCH_REPEAT times each, a freshly started server per run: wrk straight
         to the backend; wrk through rig (RIG_SHARDS=1, an API whose target is the backend);
         wrk through nginx (one worker, proxy_pass to an upstream keep-alive pool, HTTP/1.1).
         Then the same three at a fixed request rate with h2load (--rps, per-request log), since
         latency at saturation mostly measures queueing. CPU of the proxy (and of the backend)
         from /proc/<pid>/stat around each run.
  kafka  A librdkafka mock cluster (kafka_mock), bench/proxy_responder answering every event
         on the request topic with its correlation id on PROXY_KAFKA_RESPONSE_TOPICS, and rig
         with an endpoint `target: kafka, response_from: kafka`: wrk POSTs CloudEvents at
         KAFKA_CLIENTS concurrent connections; every 200 is a completed request/response pair.
         Then the same rig's kafka target without a response (202s).

usage: /usr/bin/python3 bench/proxy.py [http] [kafka]      (both when none is named)
       /usr/bin/python3 bench/proxy.py --markdown N        (section N of docs/benchmarks.md
                                                            from the saved results)
env:   RIG_BINARY (build/rig), KAFKA_MOCK (build/tests/kafka_mock), PROXY_RESPONDER
       (build/proxy_responder), BENCH_RESULTS (build/bench-results), BENCH_REPEAT (5),
       PROXY_SECONDS (10), PROXY_CONNECTIONS (50), PROXY_RATE (5000 requests/s in all, over
       PROXY_RATE_CONNECTIONS=10), PROXY_RATE_SECONDS (5), KAFKA_CLIENTS (1,100,1000),
       KAFKA_SECONDS (5), KAFKA_REPEAT (3), PROXY_IDLE_POLL (0; 1: the fixed-rate runs hold
       /dev/cpu_dma_latency at 0, so idle vCPUs poll instead of halting: root only)
Results: BENCH_RESULTS/proxy-http.json and proxy-kafka.json.
"""

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RIG = os.environ.get("RIG_BINARY", os.path.join(ROOT, "build", "rig"))
KAFKA_MOCK = os.environ.get("KAFKA_MOCK", os.path.join(ROOT, "build", "tests", "kafka_mock"))
RESPONDER = os.environ.get("PROXY_RESPONDER", os.path.join(ROOT, "build", "proxy_responder"))
RESULTS = os.environ.get("BENCH_RESULTS", os.path.join(ROOT, "build", "bench-results"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
SECONDS = int(os.environ.get("PROXY_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("PROXY_CONNECTIONS", "50"))
RATE = int(os.environ.get("PROXY_RATE", "5000"))
RATE_CONNECTIONS = int(os.environ.get("PROXY_RATE_CONNECTIONS", "10"))
RATE_SECONDS = int(os.environ.get("PROXY_RATE_SECONDS", "5"))
IDLE_POLL = os.environ.get("PROXY_IDLE_POLL", "0") == "1"
KAFKA_CLIENTS = [int(c) for c in os.environ.get("KAFKA_CLIENTS", "1,100,1000").split(",")]
KAFKA_SECONDS = int(os.environ.get("KAFKA_SECONDS", "5"))
KAFKA_REPEAT = int(os.environ.get("KAFKA_REPEAT", "3"))
BODY = "hello from the backend\n"
SCRATCH = None  # a temporary directory for configurations and logs, made by main()
STARTED = []  # every process this script started, stopped by pid at the end

EVENT = json.dumps({"specversion": "1.0", "type": "bench.proxy", "source": "/bench",
                    "id": "1", "data": {"pad": "x" * 100}})


# --- processes ------------------------------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("port %d did not open" % port)


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc in STARTED:
        STARTED.remove(proc)


def spawn(cmd, **kw):
    proc = subprocess.Popen(cmd, **kw)
    STARTED.append(proc)
    return proc


def process_tree(pid):
    pids = [pid]
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            for child in f.read().split():
                pids += process_tree(int(child))
    except OSError:
        pass
    return pids


def cpu_seconds(pid):
    """user + system CPU seconds of pid and its descendants (nginx: master and worker)."""
    total = 0
    for p in process_tree(pid):
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


NGINX_COMMON = """worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy; fastcgi_temp_path {dir}/fcgi;
  uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
{http}
}}
"""

BACKEND_HTTP = """  server {{
    listen 127.0.0.1:{port};
    location / {{ default_type text/plain; return 200 "%s"; }}
  }}""" % BODY.replace("\n", "\\n")

# nginx as the reverse proxy peer: one worker (= RIG_SHARDS=1), HTTP/1.1 to an upstream
# keep-alive pool, as nginx's documentation recommends for proxying with keep-alive.
PROXY_HTTP = """  upstream backend {{
    server 127.0.0.1:{backend};
    keepalive 64;
    keepalive_requests 1000000;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }}
  }}"""


def start_nginx(name, http):
    d = os.path.join(SCRATCH, name)
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_COMMON.format(dir=d, http=http))
    return spawn(["nginx", "-p", d, "-c", conf], stdout=subprocess.DEVNULL,
                 stderr=open(os.path.join(d, "stderr"), "w"))


def start_rig(env, binary=None):
    full = dict(os.environ, INBOUND_PORT="0", API_HTTP_PORT="0", RIG_BIND_ADDRESS="127.0.0.1",
                RIG_API_BIND_ADDRESS="127.0.0.1", RIG_READY_FILE="/dev/stdout",
                RIG_SHARDS="1", LOG_LEVEL="warn", MAX_CONNECTIONS_PER_MINUTE="0")
    full.update(env)
    log = open(os.path.join(SCRATCH, "rig.log"), "a")
    rig = spawn([binary or RIG], env=full, stdout=subprocess.PIPE, stderr=log, text=True)
    line = rig.stdout.readline()
    if not line:
        sys.exit("rig exited before it was ready; see " + log.name)
    ports = json.loads(line)
    return rig, ports["inbound_port"]


def start_proxied_backend(name):
    """A backend nginx and, in front of it, the proxy `name`: a rig binary (RIG_SHARDS=1, an API
    for every path) or "nginx" (one worker). Returns (proxy, backend, url, the proxy's worker
    pid); stop both with stop()."""
    global SCRATCH
    SCRATCH = SCRATCH or tempfile.mkdtemp(prefix="rig-proxy-bench.")
    bport = free_port()
    backend = start_nginx("backend", BACKEND_HTTP.format(port=bport))
    wait_port(bport)
    if name == "nginx":
        port = free_port()
        proc = start_nginx("proxy", PROXY_HTTP.format(port=port, backend=bport))
        wait_port(port)
        worker = process_tree(proc.pid)[-1]
    else:
        config = api_config("b", bport, [{"id": "e", "method": "GET", "path_regex": "/.*"}])
        proc, port = start_rig({"PROXY_CONFIG_FILE": config}, name)
        worker = proc.pid
    return proc, backend, "http://127.0.0.1:%d/x" % port, worker


def api_config(api_id, port, endpoints):
    return json.dumps([{"id": api_id, "name": api_id,
                        "version_data": {"default": {"endpoints": endpoints}},
                        "proxy": {"target_url": "127.0.0.1", "port": port, "use_env": False}}])


# --- load tools -----------------------------------------------------------------------------
def to_ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url, connections, seconds, script=None):
    cmd = ["wrk", "-t1", "-c%d" % connections, "-d%ds" % seconds, "--latency"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], check=True, capture_output=True, text=True).stdout
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"requests": total, "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)",
                                                                 out).group(1)),
            "p50_ms": to_ms(lat["50"]), "p99_ms": to_ms(lat["99"]),
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(1).strip() if errors else ""}


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def h2load_rate(url, seconds):
    """RATE requests/s in all over RATE_CONNECTIONS keep-alive HTTP/1.1 connections; latency of
    every request from h2load's per-request log (its summary has no percentiles)."""
    log = os.path.join(SCRATCH, "h2load.log")
    per_client = max(1, RATE // RATE_CONNECTIONS)
    subprocess.run(["h2load", "--h1", "-t1", "-c%d" % RATE_CONNECTIONS, "--rps=%d" % per_client,
                    "-D%d" % seconds, "--warm-up-time=1", "--log-file=" + log, url],
                   check=True, capture_output=True, text=True)
    with open(log) as f:
        rows = [line.split("\t") for line in f if line.strip()]
    os.remove(log)
    lat = [int(r[2]) / 1000.0 for r in rows]
    ok = sum(1 for r in rows if r[1].startswith("2"))
    start = min(int(r[0]) for r in rows)
    end = max(int(r[0]) + int(r[2]) for r in rows)
    return {"requests": len(rows), "non_2xx": len(rows) - ok,
            "requests_per_s": len(rows) / ((end - start) / 1e6),
            "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99), "p999_ms": pct(lat, 99.9),
            "max_ms": max(lat)}


class idle_poll:
    """While open, with PROXY_IDLE_POLL=1: the kernel's PM QoS latency request at 0 µs, so an
    idle CPU polls (cpuidle's poll state) rather than halts, and a wake-up costs no exit to the
    hypervisor. Tells whether the added latency at a fixed rate is the proxy's or the wake-ups'."""

    def __enter__(self):
        self.fd = None
        if IDLE_POLL:
            self.fd = os.open("/dev/cpu_dma_latency", os.O_WRONLY)
            os.write(self.fd, (0).to_bytes(4, "little"))
        return self

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)  # the request lasts as long as the descriptor is open


def measured(pids, run):
    """run() with the CPU seconds of each named pid around it, per 1000 requests."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    result = run()
    n = max(1, result["requests"])
    for name, pid in pids.items():
        result["%s_cpu_s_per_1000" % name] = (cpu_seconds(pid) - before[name]) * 1000.0 / n
    return result


# --- scenarios ------------------------------------------------------------------------------
def http():
    backend_port = free_port()
    backend = start_nginx("backend", BACKEND_HTTP.format(port=backend_port))
    wait_port(backend_port)
    direct_url = "http://127.0.0.1:%d/bench" % backend_port
    got = urllib.request.urlopen(direct_url).read().decode()
    assert got == BODY, got
    config = api_config("bench", backend_port,
                        [{"id": "bench-get", "method": "GET", "path_regex": "/bench"}])

    def with_target(target, run):
        """Starts the target (a fresh proxy per run), runs, stops; the result with CPU."""
        if target == "direct":
            return measured({"backend": backend.pid}, lambda: run(direct_url))
        if target == "rig":
            proxy, port = start_rig({"PROXY_CONFIG_FILE": config})
        else:
            port = free_port()
            proxy = start_nginx("proxy", PROXY_HTTP.format(port=port, backend=backend_port))
            wait_port(port)
        url = "http://127.0.0.1:%d/bench" % port
        try:
            got = urllib.request.urlopen(url).read().decode()
            assert got == BODY, "%s answered %r" % (target, got)
            return measured({"proxy": proxy.pid, "backend": backend.pid}, lambda: run(url))
        finally:
            stop(proxy)

    targets = ["direct", "rig", "nginx"]
    record = {"rig_binary": RIG, "load_before": os.getloadavg(), "connections": CONNECTIONS,
              "seconds": SECONDS,
              "rate": RATE, "rate_connections": RATE_CONNECTIONS, "rate_seconds": RATE_SECONDS,
              "idle_poll": IDLE_POLL,
              "repeat": REPEAT, "body_bytes": len(BODY),
              "saturation": {t: [] for t in targets}, "fixed_rate": {t: [] for t in targets}}
    try:
        for rep in range(REPEAT):
            for t in targets:
                r = with_target(t, lambda url: wrk(url, CONNECTIONS, SECONDS))
                record["saturation"][t].append(r)
                print("saturation %d %s: %s" % (rep + 1, t, json.dumps(r)), flush=True)
        with idle_poll():
            for rep in range(REPEAT):
                for t in targets:
                    r = with_target(t, lambda url: h2load_rate(url, RATE_SECONDS))
                    record["fixed_rate"][t].append(r)
                    print("rate %d %s: %s" % (rep + 1, t, json.dumps(r)), flush=True)
    finally:
        stop(backend)
    record["load_after"] = os.getloadavg()
    save("proxy-http.json", record)


def kafka():
    for path in (KAFKA_MOCK, RESPONDER):
        if not os.access(path, os.X_OK):
            sys.exit("%s is missing (build it, or set KAFKA_MOCK / PROXY_RESPONDER)" % path)
    record = {"rig_binary": RIG, "load_before": os.getloadavg(), "seconds": KAFKA_SECONDS,
              "repeat": KAFKA_REPEAT,
              "event_bytes": len(EVENT), "pairs": {}, "accepted": []}
    body = os.path.join(SCRATCH, "post.lua")
    with open(body, "w") as f:
        f.write('wrk.method = "POST"\nwrk.body = [==[%s]==]\n'
                'wrk.headers["Content-Type"] = "application/json"\n' % EVENT)
    config = api_config("events", 1, [
        {"id": "ask", "method": "POST", "path_regex": "/ask", "target": "kafka",
         "topic": "proxy-requests", "response_from": "kafka"},
        {"id": "publish", "method": "POST", "path_regex": "/publish", "target": "kafka",
         "topic": "proxy-events"}])
    for rep in range(KAFKA_REPEAT):
        # A fresh cluster, responder and rig per run: nothing left over from the last one.
        mock = spawn([KAFKA_MOCK, "proxy-requests:4", "proxy-responses:4", "proxy-events:4",
                      "rig-unused"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                     stderr=open(os.path.join(SCRATCH, "mock.log"), "a"))
        bootstrap = mock.stdout.readline().split()[1]
        responder = spawn([RESPONDER, bootstrap, "proxy-requests", "proxy-responses"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert responder.stdout.readline().strip() == "ready"
        rig, port = start_rig({
            "PROXY_CONFIG_FILE": config, "KAFKA_BROKERS": bootstrap,
            "KAFKA_SOURCE_TOPICS": "rig-unused", "PROXY_KAFKA_RESPONSE_TOPICS": "proxy-responses",
            "PROXY_KAFKA_RESPONSE_KAFKA_GROUP_ID": "bench-%d-%d" % (os.getpid(), rep),
            "PROXY_KAFKA_RESPONSE_TIMEOUT": "10000"})
        try:
            # Ready when one request has come back answered (the response consumer's group
            # has formed); an answer lost before that times out and is retried.
            deadline = time.time() + 60
            while True:
                req = urllib.request.Request("http://127.0.0.1:%d/ask" % port, EVENT.encode(),
                                             {"Content-Type": "application/json"})
                try:
                    if urllib.request.urlopen(req, timeout=15).status == 200:
                        break
                except OSError:
                    pass
                if time.time() > deadline:
                    sys.exit("no answer through the kafka target within 60 s")
            pids = {"rig": rig.pid, "responder": responder.pid, "mock": mock.pid}
            for clients in KAFKA_CLIENTS:
                r = measured(pids, lambda: wrk("http://127.0.0.1:%d/ask" % port, clients,
                                               KAFKA_SECONDS, body))
                r["clients"] = clients
                record["pairs"].setdefault(str(clients), []).append(r)
                print("kafka pairs %d, %d clients: %s" % (rep + 1, clients, json.dumps(r)),
                      flush=True)
            r = measured(pids, lambda: wrk("http://127.0.0.1:%d/publish" % port,
                                           max(KAFKA_CLIENTS), KAFKA_SECONDS, body))
            r["clients"] = max(KAFKA_CLIENTS)
            record["accepted"].append(r)
            print("kafka 202s %d: %s" % (rep + 1, json.dumps(r)), flush=True)
        finally:
            stop(rig)
            responder.stdin.close()
            responder.wait(timeout=15)
            STARTED.remove(responder)
            mock.stdin.close()
            mock.wait(timeout=15)
            STARTED.remove(mock)
    record["load_after"] = os.getloadavg()
    save("proxy-kafka.json", record)


def save(name, record):
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, name), "w") as f:
        json.dump(record, f, indent=1)


# --- report ---------------------------------------------------------------------------------
def mr(values, fmt="%.0f"):
    """Median and, for several runs, the range: "8315 (7012–9420)"."""
    if not values:
        return "—"
    m = fmt % statistics.median(values)
    lo, hi = fmt % min(values), fmt % max(values)
    return m if lo == hi else "%s (%s–%s)" % (m, lo, hi)


def load_result(name, results=RESULTS):
    path = os.path.join(results, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def med(runs, key):
    return statistics.median(r[key] for r in runs) if runs else None


def summary_rows(results=RESULTS):
    """Rows of the summary table in docs/benchmarks.md (target | rig | nchan | Pushpin | verdict)."""
    rows = []
    h = load_result("proxy-http.json", results)
    if h:
        s = h["saturation"]
        rig, ngx, direct = (med(s[t], "requests_per_s") for t in ("rig", "nginx", "direct"))
        fr = h["fixed_rate"]
        added = med(fr["rig"], "p50_ms") - med(fr["direct"], "p50_ms")
        added_ngx = med(fr["nginx"], "p50_ms") - med(fr["direct"], "p50_ms")
        ok = rig >= ngx and added * 1000 <= 100
        rows.append(
            "| API gateway: proxied GET req/s ≥ nginx as a reverse proxy (one core each), and "
            "≤ 100 µs added p50 at %d req/s (median of %d runs) | %.0f, +%.0f µs | nginx %.0f "
            "(rig %.2f×), +%.0f µs | — | %s |" % (
                h["rate"], h["repeat"], rig, added * 1000, ngx, rig / ngx, added_ngx * 1000,
                "met" if ok else "**missed**"))
    k = load_result("proxy-kafka.json", results)
    if k and k["pairs"]:
        clients = max(k["pairs"], key=int)
        rows.append("| API gateway: request/response pairs/s through a kafka target with "
                    "`response_from: kafka`, %s clients (median of %d runs) | %.0f | — | — | "
                    "no target |" % (clients, k["repeat"],
                                     med(k["pairs"][clients], "requests_per_s")))
    return rows


def markdown(section, results=RESULTS):
    h = load_result("proxy-http.json", results)
    k = load_result("proxy-kafka.json", results)
    if not h and not k:
        return ""
    out = ["## %d. API gateway (proxy)" % section, ""]
    w = out.append
    if h:
        s, fr = h["saturation"], h["fixed_rate"]
        w("`bench/proxy.py http` (`make bench` scenario `proxy`): a backend nginx (one worker,")
        w("`return 200` of a %d-byte body, keep-alive) on loopback; wrk `-t1 -c%d -d%ds --latency`"
          % (h["body_bytes"], h["connections"], h["seconds"]))
        w("straight to it, through rig (`RIG_SHARDS=1`, an API whose target is the backend) and")
        w("through nginx as a reverse proxy (one worker, `proxy_pass` to an upstream with")
        w("`keepalive 64`, `proxy_http_version 1.1`). The three take turns, %d runs each, a"
          % h["repeat"])
        w("freshly started proxy per run; median (range). CPU from `/proc/<pid>/stat` around each")
        w("run (nginx: master and worker). wrk, the proxy and the backend share the two cores, so")
        w("the proxied rates are what is left of the machine after the backend and wrk; the")
        w("comparison between the proxies is the point. Load average %.2f before, %.2f after"
          % (h["load_before"][0], h["load_after"][0]))
        w("(other engineers' builds share this machine).")
        w("")
        w("**At saturation** (%d connections):" % h["connections"])
        w("")
        w("| path | req/s | p50 ms | p99 ms | added p50 ms | added p99 ms | proxy CPU s per 1000 requests | backend CPU s per 1000 |")
        w("|---|---|---|---|---|---|---|---|")
        d50, d99 = med(s["direct"], "p50_ms"), med(s["direct"], "p99_ms")
        for t, label in (("direct", "direct to the backend"), ("rig", "through rig"),
                         ("nginx", "through nginx")):
            runs = s[t]
            proxy = t != "direct"
            w("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                label, mr([r["requests_per_s"] for r in runs]),
                mr([r["p50_ms"] for r in runs], "%.3f"), mr([r["p99_ms"] for r in runs], "%.3f"),
                "%.3f" % (med(runs, "p50_ms") - d50) if proxy else "—",
                "%.3f" % (med(runs, "p99_ms") - d99) if proxy else "—",
                mr([r["proxy_cpu_s_per_1000"] for r in runs], "%.4f") if proxy else "—",
                mr([r["backend_cpu_s_per_1000"] for r in runs], "%.4f")))
        w("")
        w("**At a fixed rate** (h2load `--h1 -c%d --rps %d` per connection = %d req/s, %d s,"
          % (h["rate_connections"], h["rate"] // h["rate_connections"], h["rate"],
             h["rate_seconds"]))
        w("latency of every request from its `--log-file`): what the proxy adds when nothing queues%s."
          % (" (idle vCPUs polling, `PROXY_IDLE_POLL=1`)" if h.get("idle_poll") else ""))
        w("")
        w("| path | req/s | p50 ms | p99 ms | p99.9 ms | added p50 µs | added p99 µs | proxy CPU s per 1000 requests |")
        w("|---|---|---|---|---|---|---|---|")
        d50, d99 = med(fr["direct"], "p50_ms"), med(fr["direct"], "p99_ms")
        for t, label in (("direct", "direct to the backend"), ("rig", "through rig"),
                         ("nginx", "through nginx")):
            runs = fr[t]
            proxy = t != "direct"
            w("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                label, mr([r["requests_per_s"] for r in runs]),
                mr([r["p50_ms"] for r in runs], "%.3f"), mr([r["p99_ms"] for r in runs], "%.3f"),
                mr([r["p999_ms"] for r in runs], "%.3f"),
                "%.0f" % ((med(runs, "p50_ms") - d50) * 1000) if proxy else "—",
                "%.0f" % ((med(runs, "p99_ms") - d99) * 1000) if proxy else "—",
                mr([r["proxy_cpu_s_per_1000"] for r in runs], "%.4f") if proxy else "—"))
        bad = sum(r["non_2xx"] for t in s for r in s[t] + fr[t])
        w("")
        w("Non-2xx answers in all these runs: %d." % bad)
        w("")
    if k:
        w("**Kafka target with `response_from: kafka`** (`bench/proxy.py kafka`): a librdkafka")
        w("mock cluster (`kafka_mock`, 4 partitions per topic), `bench/proxy_responder` (C++,")
        w("librdkafka) answering each event on the request topic with a 200 carrying its")
        w("`rig-correlation` on `PROXY_KAFKA_RESPONSE_TOPICS`, and rig (`RIG_SHARDS=1`) with an")
        w("endpoint `target: kafka, response_from: kafka`. wrk POSTs a %d-byte CloudEvent at the"
          % k["event_bytes"])
        w("given number of keep-alive connections for %d s; a completed pair is a 200 with the"
          % k["seconds"])
        w("responder's body. The 202 row is the same rig's kafka target without a response. %d"
          % k["repeat"])
        w("runs, each on a fresh mock, responder and rig; median (range). Load average %.2f before,"
          % k["load_before"][0])
        w("%.2f after." % k["load_after"][0])
        w("")
        w("| case | clients | completed/s | p50 ms | p99 ms | non-2xx | rig CPU s per 1000 | responder CPU s per 1000 | mock broker CPU s per 1000 |")
        w("|---|---|---|---|---|---|---|---|---|")
        rows = [("request → Kafka → responder → Kafka → answer", runs)
                for _, runs in sorted(k["pairs"].items(), key=lambda kv: int(kv[0]))]
        rows.append(("kafka target, 202 only", k["accepted"]))
        for label, runs in rows:
            if not runs:
                continue
            w("| %s | %d | %s | %s | %s | %d | %s | %s | %s |" % (
                label, runs[0]["clients"], mr([r["requests_per_s"] for r in runs]),
                mr([r["p50_ms"] for r in runs], "%.2f"), mr([r["p99_ms"] for r in runs], "%.2f"),
                sum(r["non_2xx"] for r in runs),
                mr([r["rig_cpu_s_per_1000"] for r in runs], "%.4f"),
                mr([r["responder_cpu_s_per_1000"] for r in runs], "%.4f"),
                mr([r["mock_cpu_s_per_1000"] for r in runs], "%.4f")))
        w("")
    return "\n".join(out)


def main(args):
    if args[:1] == ["--markdown"]:
        print(markdown(int(args[1])))
        print("\n".join(summary_rows()))
        return
    global SCRATCH
    scenarios = {"http": http, "kafka": kafka}
    SCRATCH = tempfile.mkdtemp(prefix="rig-proxy-bench.")
    try:
        for name in args or ["http", "kafka"]:
            scenarios[name]()
    finally:
        for proc in list(STARTED):
            stop(proc)
        shutil.rmtree(SCRATCH, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
