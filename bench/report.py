"""Renders docs/benchmarks.md from the JSON that bench/run.sh collected.

A scenario run several times (BENCH_REPEAT) has one file per repetition, NAME.json and
NAME.repK.json; every number taken from those is shown as its median with the range of the
repetitions in brackets, and verdicts use the medians.

usage: report.py RESULTS_DIR > docs/benchmarks.md
"""
import glob
import json
import os
import re
import statistics
import sys

DIR = sys.argv[1]
TARGETS = ["rig", "nchan", "pushpin"]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import proxy as proxy_bench  # noqa: E402  (the API gateway section renders itself)


def load(name):
    path = os.path.join(DIR, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def load_reps(name):
    """Every repetition of a result: NAME.json, then NAME.rep2.json, NAME.rep3.json, ..."""
    runs = [load(name + ".json")] if os.path.exists(os.path.join(DIR, name + ".json")) else []
    reps = glob.glob(os.path.join(DIR, glob.escape(name) + ".rep*.json"))
    for path in sorted(reps, key=lambda p: int(re.search(r"\.rep(\d+)\.json$", p).group(1))):
        with open(path) as f:
            runs.append(json.load(f))
    return runs


def ratio(a, b):
    if not a or not b:
        return "—"
    return "%.2f×" % (a / b)


def num(v, fmt="%.0f"):
    return "—" if v is None else fmt % v


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def mr(values, fmt="%.0f"):
    """Median and, for several runs, the range: "8315 (7012–9420)"."""
    values = [v for v in values if v is not None]
    if not values:
        return "—"
    if len(values) == 1 or fmt % min(values) == fmt % max(values):
        return fmt % values[0]
    return "%s (%s–%s)" % (fmt % statistics.median(values), fmt % min(values), fmt % max(values))


def step_of(result, rate):
    return next((s for s in (result or {}).get("steps", []) if s["rate"] == rate), None)


def step_values(runs, rate, key):
    """`key` of the step at `rate` in each run that has it."""
    out = []
    for r in runs:
        s = step_of(r, rate)
        if s is not None and s.get(key) is not None:
            out.append(s[key])
    return out


def mb(v):
    return None if v is None else v / 1e6


def step_table(results):
    """One row per rate step and server, then a blank line."""
    w("| server | target/s | published/s | delivered/s | delivered MB/s | p50 ms | p99 ms | lost | out of order | server CPU % | server CPU µs per delivery |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for t in TARGETS:
        for s in (results[t] or {}).get("steps", []):
            w("| %s | %s | %.0f | %.0f | %s | %.2f | %.2f | %d | %d | %.0f | %s |" % (
                t, s["rate"], s["publish_rate"], s["delivered_per_s"],
                num(mb(s.get("delivered_bytes_per_s")), "%.1f"), s["p50_ms"], s["p99_ms"],
                s["lost"], s["out_of_order"], s["server_cpu_pct"],
                num(s.get("server_cpu_us_per_delivered"), "%.2f")))
    w("")


def rep_step_table(rows):
    """Fixed-rate steps of repeated runs: one row per (label, runs) and step, medians (range)."""
    w("| server | subscribers | target/s | published/s | delivered/s | delivered MB/s | p50 ms | p99 ms | lost | server CPU µs per delivery |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for label, runs in rows:
        if not runs:
            continue
        for s in runs[0]["steps"]:
            rate = s["rate"]
            w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                label, "{:,}".format(runs[0]["ready"]), rate,
                mr(step_values(runs, rate, "publish_rate")),
                mr(step_values(runs, rate, "delivered_per_s")),
                mr([mb(v) for v in step_values(runs, rate, "delivered_bytes_per_s")], "%.1f"),
                mr(step_values(runs, rate, "p50_ms"), "%.1f"),
                mr(step_values(runs, rate, "p99_ms"), "%.1f"),
                mr(step_values(runs, rate, "lost")),
                mr(step_values(runs, rate, "server_cpu_us_per_delivered"), "%.2f")))
    w("")


def sustainable(result):
    """Highest delivered/s among steps with p99 < 50 ms and nothing lost."""
    if not result:
        return None, None
    best = None
    for s in result["steps"]:
        if s["p99_ms"] < 50 and s["lost"] == 0 and s["out_of_order"] == 0:
            if best is None or s["delivered_per_s"] > best["delivered_per_s"]:
                best = s
    return (best["delivered_per_s"], best) if best else (None, None)


out = []
w = out.append
m = load("machine.json") or {}
w("# Benchmarks")
w("")
w("rig against nginx+nchan and Pushpin, on the same machine, in the same run, driven by the same")
w("load tool (`build/rig-bench`, `bench/rig_bench/`) with the same scenarios. Reproduce with:")
w("")
w("```sh")
w("make bench            # installs nginx, libnginx-mod-nchan, pushpin, wrk if missing; ~40 min")
w("BENCH_QUICK=1 make bench   # every scenario at a smaller scale, once, ~8 min")
w("bench/run.sh h2 tls     # only the named scenarios; the report keeps the other results")
w("```")
w("")
w("The headline scenarios (idle, connect, ingest, ingest_batch, ws_fanout, tls, h2, idle_tls)")
w("run `BENCH_REPEAT` times (default 3), the servers taking turns, each run against a freshly")
w("started server: one run on these VMs can be off by 50%, so they are reported as the median")
w("with the range of the runs in brackets.")
w("")
w("`bench/run.sh` starts each server with the configuration in `bench/peers/` (nchan: 2 nginx")
w("workers; Pushpin: its runner with condure, zurl, proxy and handler, `message_rate` raised, and")
w("an nginx GRIP backend), runs each scenario against it, stops it, and renders this file with")
w("`bench/report.py` from `build/bench-results/*.json`.")
w("")
w("| machine | |")
w("|---|---|")
for k, label in (("date", "run"), ("cpu", "CPU"), ("cores", "cores"), ("memory_gib", "memory (GiB)"),
                 ("kernel", "kernel"), ("os", "OS"), ("fd_limit", "file descriptors per process"),
                 ("rig", "rig commit"), ("nginx", "nginx"), ("nchan", "nchan (Debian)"),
                 ("pushpin", "Pushpin (Debian)"), ("openssl", "OpenSSL"),
                 ("tls_key", "TLS certificate key"), ("repeat", "runs per headline scenario")):
    w("| %s | %s |" % (label, m.get(k, "?")))
w("")
w("Everything runs on loopback, and the servers share the machine's cores with the load")
w("tool (rig-bench subscriber processes, its publisher, wrk), as the issue prescribes. Each")
w("subscriber process binds its own 127.0.0.x source address. Latency is publish → receive,")
w("from a monotonic timestamp the publisher puts into each event; publishing is open-loop")
w("(pipelined on one keep-alive connection, so a slow answer does not hide queueing).")
w("")

# --- summary ---------------------------------------------------------------------------
idle_runs = {t: load_reps("idle-%s" % t) for t in TARGETS}
fan = {t: load("fanout-%s.json" % t) for t in TARGETS}
fan200 = {t: load("fanout200-%s.json" % t) for t in TARGETS}
fan2k = {t: load("fanout2k-%s.json" % t) for t in TARGETS}
ingest_runs = {t: load_reps("ingest-%s" % t) for t in TARGETS}
connect_runs = {t: load_reps("connect-%s" % t) for t in TARGETS}
multi = load("idle-multi-rig.json")

# Batch ingest (rig): ingest-batchN-rig for each batch size N.
batch_runs = {}
for path in glob.glob(os.path.join(DIR, "ingest-batch*-rig.json")):
    n = int(re.search(r"ingest-batch(\d+)-rig\.json$", path).group(1))
    batch_runs[n] = load_reps("ingest-batch%d-rig" % n)
batch_sizes = sorted(batch_runs)

# WebSocket vs SSE fan-out, TLS handshakes, HTTP/2 vs HTTP/1.1 over TLS, idle TLS/h2 memory.
PEERS = ["rig", "nchan"]
ws_runs = {(t, k): load_reps("ws-%s-%s" % (t, k)) for t in PEERS for k in ("sse", "ws")}
tls_runs = {t: load_reps("tls-%s" % t) for t in PEERS}
H2_VARIANTS = [("h2", "HTTP/2 over TLS"), ("h1", "HTTP/1.1 over TLS"), ("h2c", "HTTP/2 cleartext")]
h2_runs = {(t, v): load_reps("h2-%s-%s" % (t, v)) for t in PEERS for v, _ in H2_VARIANTS}
idle_tls_runs = {t: load_reps("idletls-%s-h1" % t) for t in PEERS}
idle_h2_one = {t: load_reps("idletls-%s-h2x1" % t) for t in PEERS}
idle_h2_many = {}
for t in PEERS:
    found = [p for p in glob.glob(os.path.join(DIR, "idletls-%s-h2x*.json" % t))
             if re.search(r"-h2x(\d+)\.json$", p) and not p.endswith("-h2x1.json")]
    idle_h2_many[t] = load_reps(os.path.basename(found[0])[:-5]) if found else []

sus = {t: sustainable(fan[t])[0] for t in TARGETS}
sus2k = {t: sustainable(fan2k[t])[0] for t in TARGETS}


def saturation(*results):
    """Highest delivered/s in any step, whatever the latency."""
    best = None
    for r in results:
        for s in (r or {}).get("steps", []):
            if best is None or s["delivered_per_s"] > best:
                best = s["delivered_per_s"]
    return best


def per_event_cpu_us(r):
    events = r["requests"] * r.get("events_per_request", 1)
    return r["server_cpu_s"] / events * 1e6 if events else None


def per_request_cpu_us(r):
    return r["server_cpu_s"] / r["requests"] * 1e6 if r["requests"] else None


def events_per_s(r):
    """Events the server accepted (2xx) per second."""
    ok = 1 - r["non_2xx"] / r["requests"] if r["requests"] else 0
    return r["requests_per_s"] * r.get("events_per_request", 1) * ok


def connect_cpu_us(r):
    if "server_cpu_us_per_connect" in r:
        return r["server_cpu_us_per_connect"]
    return None


def idle_per_stream(one, many):
    """Memory per additional HTTP/2 stream: (RSS with S streams per connection − RSS with 1)
    / (connections × (S − 1)), each run against a freshly started server."""
    if not one or not many:
        return []
    base = median([r["rss_held"] - r["rss_before"] for r in one])
    out = []
    for r in many:
        extra = r["ready"] - r["connected"]
        if extra > 0:
            out.append((r["rss_held"] - r["rss_before"] - base) / extra)
    return out


sat = {t: saturation(fan[t], fan200[t]) for t in TARGETS}
p99_200 = {t: (fan200[t]["steps"][0]["p99_ms"] if fan200[t] else None) for t in TARGETS}
rps = {t: median([r["requests_per_s"] for r in ingest_runs[t]]) for t in TARGETS}
rss = {t: median([r["rss_per_connection"] for r in idle_runs[t]]) for t in TARGETS}
# A batch row counts only if the server took every batch.
batch_eps = {n: median([events_per_s(r) for r in runs if r["non_2xx"] == 0])
             for n, runs in batch_runs.items()}
best_batch = max((n for n in batch_sizes if batch_eps[n]), key=lambda n: batch_eps[n], default=None)
ws_sat = {key: [max(s["delivered_per_s"] for s in r["steps"]) for r in runs if r.get("steps")]
          for key, runs in ws_runs.items()}
# Saturation: the best step that lost nothing (a stream that falls too far behind is reset).
h2_sat = {key: [max([s["delivered_per_s"] for s in r["steps"] if s.get("lost", 0) == 0] or [0])
                for r in runs if r.get("steps")]
          for key, runs in h2_runs.items()}
hs = {t: [r["connect_rate"] for r in tls_runs[t]] for t in PEERS}
tls_conn_mem = {t: [r["rss_per_connection"] for r in idle_tls_runs[t]] for t in PEERS}
h2_stream_mem = {t: idle_per_stream(idle_h2_one[t], idle_h2_many[t]) for t in PEERS}

index = []
for name in sorted(os.listdir(DIR)):
    if name.startswith("index-") and not name.startswith("index-rss") and name.endswith(".json"):
        r = load(name)
        size = int(name[len("index-"):-len(".json")])
        rss_info = load("index-rss-%d.json" % size) or {}
        step = r["steps"][0]
        mx = r["steps"][-1]
        cpu_per_event = (step["server_cpu_pct"] / 100 * step["seconds"] / step["published"] * 1e6
                         if step["published"] else None)
        index.append((size, cpu_per_event, step, mx, rss_info.get("rss_kb")))
index.sort()


def verdict(ok):
    return "met" if ok else "**missed**"


def rep_note(runs_by_target):
    n = max((len(v) for v in runs_by_target.values()), default=0)
    return " (median of %d runs)" % n if n > 1 else ""


w("## Summary against the targets")
w("")
if (m.get("repeat") or 1) > 1:
    w("A row that says \"median of N runs\" ran N times, each time against a freshly started")
    w("server, the servers taking turns; the sections below give the range of the runs.")
    w("")
w("| target | rig | nchan | Pushpin | verdict |")
w("|---|---|---|---|---|")
w("| ≤ 4 KiB user-space RSS per idle SSE connection%s | %s B | %s B | %s B | %s |" % (
    rep_note(idle_runs), num(rss["rig"]), num(rss["nchan"]), num(rss["pushpin"]),
    verdict(rss["rig"] is not None and rss["rig"] <= 4096)))
n10k = next((fan[t]["ready"] for t in TARGETS if fan[t]), 10000)
n2k = next((fan2k[t]["ready"] for t in TARGETS if fan2k[t]), 2000)
ok_fan = sus["rig"] and sus["nchan"] and sus["pushpin"] and sus["rig"] >= 2 * sus["nchan"] and \
    sus["rig"] >= 10 * sus["pushpin"]
w("| fan-out to %s subscribers, max delivered events/s with p99 < 50 ms: ≥ 2× nchan, ≥ 10× Pushpin | %s | %s | %s | %s |" % (
    "{:,}".format(n10k), num(sus["rig"]) if sus["rig"] else "none", num(sus["nchan"]) if sus["nchan"] else "none",
    num(sus["pushpin"]) if sus["pushpin"] else "none",
    verdict(ok_fan) if (sus["rig"] or sus["nchan"]) else "**missed** (no server reaches p99 < 50 ms here)"))
w("| ... the same, delivered events/s at saturation (any latency) | %s | %s (rig %s) | %s (rig %s) | %s |" % (
    num(sat["rig"]), num(sat["nchan"]), ratio(sat["rig"], sat["nchan"]), num(sat["pushpin"]),
    ratio(sat["rig"], sat["pushpin"]),
    verdict(sat["rig"] and sat["nchan"] and sat["pushpin"] and sat["rig"] >= 2 * sat["nchan"] and sat["rig"] >= 10 * sat["pushpin"])))
ok_fan2k = sus2k["rig"] and sus2k["nchan"] and sus2k["rig"] >= 2 * sus2k["nchan"] and \
    (not sus2k["pushpin"] or sus2k["rig"] >= 10 * sus2k["pushpin"])
w("| fan-out to %s subscribers, max delivered events/s with p99 < 50 ms | %s | %s (rig %s) | %s | %s |" % (
    "{:,}".format(n2k), num(sus2k["rig"]), num(sus2k["nchan"]), ratio(sus2k["rig"], sus2k["nchan"]),
    num(sus2k["pushpin"]) if sus2k["pushpin"] else "none", verdict(ok_fan2k)))
ok_lat = p99_200["rig"] is not None and p99_200["rig"] <= 5 and \
    (p99_200["nchan"] is None or p99_200["rig"] <= p99_200["nchan"])
w("| p99 latency at 200 events/s: ≤ nchan's and ≤ 5 ms | %s ms | %s ms | %s ms | %s |" % (
    num(p99_200["rig"], "%.1f"), num(p99_200["nchan"], "%.1f"), num(p99_200["pushpin"], "%.1f"),
    verdict(ok_lat)))
ok_ing = rps["rig"] and rps["rig"] >= 100000 and rps["nchan"] and rps["rig"] >= 1.5 * rps["nchan"]
w("| ingest ≥ 100k events/s and ≥ 1.5× nchan's publish endpoint, one event per request%s | %s | %s (rig %s) | %s | %s |" % (
    rep_note(ingest_runs), num(rps["rig"]), num(rps["nchan"]), ratio(rps["rig"], rps["nchan"]),
    num(rps["pushpin"]), verdict(ok_ing)))
if batch_runs:
    if best_batch:
        b_eps = batch_eps[best_batch]
        ok_b = b_eps >= 100000 and rps["nchan"] and b_eps >= 1.5 * rps["nchan"]
        w("| ... the same, rig publishing batches of %d events per request (batch mode counts)%s | %s | %s (rig %s) | — | %s |" % (
            best_batch, rep_note(batch_runs), num(b_eps), num(rps["nchan"]),
            ratio(b_eps, rps["nchan"]), verdict(ok_b)))
    else:
        w("| ... the same, rig publishing batches (batch mode counts) | refused | %s | — | **missed** (rig answered non-2xx to every batch) |" % (
            num(rps["nchan"])))
cr = {t: median([r["connect_rate"] for r in connect_runs[t]]) for t in TARGETS}
ccpu = {t: median([connect_cpu_us(r) for r in connect_runs[t]]) for t in TARGETS}
w("| connect rate ≥ 20,000/s (server CPU µs per connection)%s | %s (%s µs) | %s (%s µs; rig %s) | %s (%s µs) | %s |" % (
    rep_note(connect_runs), num(cr["rig"]), num(ccpu["rig"], "%.0f"), num(cr["nchan"]),
    num(ccpu["nchan"], "%.0f"), ratio(cr["rig"], cr["nchan"]), num(cr["pushpin"]),
    num(ccpu["pushpin"], "%.0f"), verdict(cr["rig"] and cr["rig"] >= 20000)))
if any(ws_runs.values()):
    rig_ws, rig_sse = median(ws_sat[("rig", "ws")]), median(ws_sat[("rig", "sse")])
    n_ws = next((r[0]["ready"] for r in ws_runs.values() if r), 0)
    w("| WebSocket fan-out to %s subscribers within 20%% of SSE, delivered events/s at saturation%s | WS %s, SSE %s (WS/SSE %s) | WS %s, SSE %s | — | %s |" % (
        "{:,}".format(n_ws), rep_note(ws_runs), num(rig_ws), num(rig_sse), ratio(rig_ws, rig_sse),
        num(median(ws_sat[("nchan", "ws")])), num(median(ws_sat[("nchan", "sse")])),
        verdict(rig_ws and rig_sse and rig_ws >= 0.8 * rig_sse) if (rig_ws and rig_sse) else "not run"))
if any(h2_runs.values()):
    rig_h2, rig_h1 = median(h2_sat[("rig", "h2")]), median(h2_sat[("rig", "h1")])
    nch_h2, nch_h1 = median(h2_sat[("nchan", "h2")]), median(h2_sat[("nchan", "h1")])
    first = next((r[0] for (t, v), r in h2_runs.items() if v == "h2" and r), None)
    shape = ("%s SSE streams over %s HTTP/2 connections" % (
        "{:,}".format(first["subscribers"]), "{:,}".format(first["connections"]))
        if first else "SSE streams over HTTP/2")
    w("| %s vs as many HTTP/1.1 connections, both TLS: delivered events/s at the best step with nothing lost%s | h2 %s, h1 %s (h2/h1 %s) | h2 %s, h1 %s (rig h2 %s) | — | %s |" % (
        shape, rep_note(h2_runs), num(rig_h2), num(rig_h1), ratio(rig_h2, rig_h1), num(nch_h2),
        num(nch_h1), ratio(rig_h2, nch_h2), "no target" if rig_h2 else "not run (rig has no HTTPS)"))
if any(tls_runs.values()):
    w("| TLS handshakes/s (full handshake + SSE request)%s | %s | %s (rig %s) | — | %s |" % (
        rep_note(tls_runs), num(median(hs["rig"])), num(median(hs["nchan"])),
        ratio(median(hs["rig"]), median(hs["nchan"])),
        "no target" if hs["rig"] else "not run (rig has no HTTPS)"))
if any(idle_tls_runs.values()) or any(h2_stream_mem.values()):
    w("| user-space RSS per idle TLS connection (SSE over HTTP/1.1)%s | %s B | %s B | — | %s |" % (
        rep_note(idle_tls_runs), num(median(tls_conn_mem["rig"])), num(median(tls_conn_mem["nchan"])),
        "no target" if tls_conn_mem["rig"] else "not run (rig has no HTTPS)"))
    w("| user-space RSS per idle HTTP/2 stream (SSE)%s | %s B | %s B | — | %s |" % (
        rep_note(idle_h2_many), num(median(h2_stream_mem["rig"])), num(median(h2_stream_mem["nchan"])),
        "no target" if h2_stream_mem["rig"] else "not run (rig has no HTTPS)"))
if index:
    costs = [c for _, c, _, _, _ in index if c]
    flat = max(costs) / min(costs) - 1 if costs else None
    w("| publish cost within 20%% from %s to %s subscriptions | %s | — | — | %s |" % (
        "{:,}".format(index[0][0]), "{:,}".format(index[-1][0]),
        ("+%.0f%%" % (flat * 100)) if flat is not None else "—",
        verdict(flat is not None and flat <= 0.2)))
# Broker consumption: the runs of each case (plain, matched, users), per broker.
CONSUME_CASES = ("plain", "matched", "users")
consume_runs = {b: {c: load_reps("%s-%s" % (b, c)) for c in CONSUME_CASES} for b in ("kafka", "nats")}
kafka = consume_runs["kafka"]
if kafka["plain"] or kafka["users"]:
    plain_eps = median([r["events_per_s"] for r in kafka["plain"]])
    users_eps = median([r["events_per_s"] for r in kafka["users"]])
    users_cpu = median([r.get("cpu_us_per_event") for r in kafka["users"]])
    w("| Kafka: events/s consumed per node, no subscribers: ≥ 1,000,000%s | %s | — | — | %s |" % (
        rep_note({"rig": kafka["plain"]}), num(plain_eps),
        verdict(plain_eps is not None and plain_eps >= 1000000)))
    w("| Kafka: events/s consumed and matched, 10,000 constrained subscribers: ≥ 700,000%s | %s | — | — | %s |" % (
        rep_note({"rig": kafka["users"]}), num(users_eps),
        verdict(users_eps is not None and users_eps >= 700000)))
    w("| Kafka: rig CPU per event consumed, parsed and matched, 10,000 constrained subscribers: ≤ 1 µs%s | %s µs | — | — | %s |" % (
        rep_note({"rig": kafka["users"]}), num(users_cpu, "%.2f"),
        verdict(users_cpu is not None and users_cpu <= 1.0)))
for row in proxy_bench.summary_rows(DIR):
    w(row)
w("")
w("Verdicts are computed from this run's numbers; see the notes at the end for what limits")
w("each one on this machine. \"no target\": the issue asks for the comparison, not a threshold.")
w("")

# --- scenarios -------------------------------------------------------------------------
section = [0]


def heading(title):
    section[0] += 1
    w("## %d. %s" % (section[0], title))


heading("Idle connections")
w("")
w("As many SSE connections as one server process can hold here (the per-process limit is")
w("20,000 file descriptors), each subscribed to one channel, held for 3 s. RSS per connection")
w("is (RSS while holding − RSS before connecting) / connections, summed over the server's")
w("processes.")
w("")
w("| server | connections | RSS before | RSS holding | RSS per connection |")
w("|---|---|---|---|---|")
for t in TARGETS + ["multi"]:
    runs = [multi] if t == "multi" and multi else idle_runs.get(t, [])
    if not runs:
        continue
    w("| %s | %s | %s MiB | %s MiB | %s B |" % (
        runs[0]["label"], "{:,}".format(runs[0]["ready"]),
        mr([r["rss_before"] / 1048576 for r in runs], "%.1f"),
        mr([r["rss_held"] / 1048576 for r in runs], "%.1f"),
        mr([r["rss_per_connection"] for r in runs])))
w("")
if multi:
    w("The last row is several rig processes (`RIG_SHARDS=1` each) sharing the public port with")
    w("`SO_REUSEPORT`: the kernel spreads the connections over them, %s in all on this box." % (
        "{:,}".format(multi["ready"])))
    w("")

heading("Fan-out")
w("")
n_fan = next((fan[t]["ready"] for t in TARGETS if fan[t]), 0)
w("%s SSE subscribers of one channel; events of about 200 bytes (the same CloudEvent JSON for" %
  "{:,}".format(n_fan))
w("every server: what rig delivers as the SSE data, nchan and Pushpin are given to publish, so")
w("delivered MB/s, the event JSON without framing, compares as well as events/s). First 10 s")
w("at a fixed 200 events/s, then steps of rising rate until p99 exceeds 50 ms or an event is")
w("lost.")
w("")
w("**At 200 events/s:**")
w("")
w("| server | published/s | delivered/s | delivered MB/s | p50 ms | p99 ms | p99.9 ms | max ms | lost | server CPU % | server CPU µs per delivery |")
w("|---|---|---|---|---|---|---|---|---|---|---|")
for t in TARGETS:
    r = fan200[t]
    if not r:
        continue
    s = r["steps"][0]
    w("| %s | %.0f | %.0f | %s | %.2f | %.2f | %.2f | %.2f | %d | %.0f | %s |" % (
        t, s["publish_rate"], s["delivered_per_s"], num(mb(s.get("delivered_bytes_per_s")), "%.1f"),
        s["p50_ms"], s["p99_ms"], s["p999_ms"], s["max_ms"], s["lost"], s["server_cpu_pct"],
        num(s.get("server_cpu_us_per_delivered"), "%.2f")))
w("")
w("**Rising rate** (server CPU %% is of one core; the machine has %s):" % m.get("cores", "?"))
w("")
step_table(fan)
w("Max sustainable delivered events/s (p99 < 50 ms, nothing lost): rig %s, nchan %s, Pushpin %s;"
  % (num(sus["rig"]), num(sus["nchan"]), num(sus["pushpin"])))
w("rig/nchan %s, rig/Pushpin %s." % (ratio(sus["rig"], sus["nchan"]), ratio(sus["rig"], sus["pushpin"])))
w("")

w("**The same with %s subscribers:**" % "{:,}".format(n2k))
w("")
step_table(fan2k)
w("Max sustainable delivered events/s (p99 < 50 ms, nothing lost): rig %s, nchan %s, Pushpin %s;"
  % (num(sus2k["rig"]), num(sus2k["nchan"]), num(sus2k["pushpin"]) if sus2k["pushpin"] else "none"))
w("rig/nchan %s." % ratio(sus2k["rig"], sus2k["nchan"]))
w("")

heading("Ingest")
w("")
w("`wrk -t1 -c32` POSTing an event nobody subscribes to, keep-alive, for the scenario's")
w("duration: rig `POST /_rig/v1/events` (a CloudEvent), nchan `POST /pub/<channel>` (the same")
w("CloudEvent as the message), Pushpin `POST /publish/` (its HTTP publish API, the same")
w("CloudEvent as the SSE data). The batch rows post N CloudEvents per request to rig as")
w("`application/cloudevents-batch+json`; events/s counts events, not requests.")
w("")
w("| server | events per request | requests/s | events/s | non-2xx | server CPU µs per request | server CPU µs per event |")
w("|---|---|---|---|---|---|---|")
ingest_rows = [(t, ingest_runs[t]) for t in TARGETS] + \
    [("rig, batches", batch_runs[n]) for n in batch_sizes]
for label, runs in ingest_rows:
    if not runs:
        continue
    w("| %s | %d | %s | %s | %s | %s | %s |" % (
        label, runs[0].get("events_per_request", 1), mr([r["requests_per_s"] for r in runs]),
        mr([events_per_s(r) for r in runs]), mr([r["non_2xx"] for r in runs]),
        mr([per_request_cpu_us(r) for r in runs], "%.1f"),
        mr([per_event_cpu_us(r) for r in runs], "%.1f")))
w("")
line = "rig/nchan, events/s: %s one event per request" % ratio(rps["rig"], rps["nchan"])
if best_batch:
    line += ", %s with batches of %d" % (ratio(batch_eps[best_batch], rps["nchan"]), best_batch)
w(line + ".")
if batch_runs and not best_batch:
    w("rig answered the batches with errors (non-2xx above), so none of their events counts.")
w("")

heading("Connect rate")
w("")
w("New SSE connections as fast as 4 client processes can open them (1,000 in flight each),")
w("until the count below; the rate is connections / time until the last one got the first")
w("bytes of its stream. Server CPU is the server's user + system time over the connects.")
w("")
w("| server | connections | connections/s | server CPU µs per connection |")
w("|---|---|---|---|")
for t in TARGETS:
    runs = connect_runs[t]
    if runs:
        w("| %s | %s | %s | %s |" % (t, "{:,}".format(runs[0]["ready"]),
                                     mr([r["connect_rate"] for r in runs]),
                                     mr([connect_cpu_us(r) for r in runs])))
w("")

if any(tls_runs.values()) or any(h2_runs.values()) or any(idle_tls_runs.values()):
    heading("TLS and HTTP/2")
    w("")
    w("rig's HTTPS listener (`INBOUND_HTTPS_PORT`, HTTP/2 by ALPN \"h2\") against nginx+nchan's")
    w("(`listen ... ssl http2`), both with the same self-signed certificate (%s, OpenSSL %s)." % (
        m.get("tls_key", "?"), m.get("openssl", "?")))
    w("rig-bench resumes no TLS sessions, so every connection is a full handshake; it speaks")
    w("HTTP/2 through libnghttp2 with Chrome's flow-control windows. Events are published over")
    w("plain HTTP as in the other scenarios.")
    w("")
    if not tls_runs["rig"] and (tls_runs["nchan"] or h2_runs[("nchan", "h2")]):
        w("rig opened no HTTPS listener in this run, so only nchan's rows are here.")
        w("")
    if any(tls_runs.values()):
        w("**Handshakes:** new TLS connections, each a full handshake and an SSE request, from 2")
        w("client processes (100 in flight each); the rate counts until the first bytes of the")
        w("stream.")
        w("")
        w("| server | connections | handshakes/s | server CPU µs per handshake |")
        w("|---|---|---|---|")
        for t in PEERS:
            runs = tls_runs[t]
            if runs:
                w("| %s | %s | %s | %s |" % (t, "{:,}".format(runs[0]["ready"]),
                                             mr([r["connect_rate"] for r in runs]),
                                             mr([connect_cpu_us(r) for r in runs])))
        w("")
    if any(h2_runs.values()):
        first = next((r[0] for (t, v), r in h2_runs.items() if v == "h2" and r), None)
        if first:
            w("**Fan-out over HTTP/2 and HTTP/1.1, both TLS:** %s SSE streams over %s HTTP/2" % (
                "{:,}".format(first["subscribers"]), "{:,}".format(first["connections"])))
            w("connections (%d streams each), against as many HTTP/1.1 connections; a fixed rate," %
              first["streams_per_connection"])
            w("then as fast as the server takes events.")
            w("")
        rows = []
        for t in PEERS:
            for v, name in H2_VARIANTS:
                rows.append(("%s, %s" % (t, name), h2_runs[(t, v)]))
        rep_step_table(rows)
    if any(idle_tls_runs.values()) or any(idle_h2_one.values()):
        w("**Idle memory:** RSS per idle connection or stream, held for 3 s, each case against a")
        w("freshly started server. Per HTTP/2 stream: (RSS with S streams per connection − RSS")
        w("with one) / (connections × (S − 1)). The plain-HTTP idle SSE connection is in section 1.")
        w("")
        w("| server | case | connections | streams | RSS per connection | RSS per stream |")
        w("|---|---|---|---|---|---|")
        for t in PEERS:
            if idle_tls_runs[t]:
                runs = idle_tls_runs[t]
                w("| %s | SSE over HTTP/1.1 over TLS | %s | — | %s B | — |" % (
                    t, "{:,}".format(runs[0]["ready"]), mr([r["rss_per_connection"] for r in runs])))
            if idle_h2_one[t]:
                runs = idle_h2_one[t]
                w("| %s | HTTP/2, one SSE stream per connection | %s | %s | %s B | — |" % (
                    t, "{:,}".format(runs[0]["connected"]), "{:,}".format(runs[0]["ready"]),
                    mr([(r["rss_held"] - r["rss_before"]) / r["connected"] for r in runs
                        if r["connected"]])))
            if idle_h2_many[t]:
                runs = idle_h2_many[t]
                w("| %s | HTTP/2, %d SSE streams per connection | %s | %s | — | %s B |" % (
                    t, runs[0]["streams_per_connection"], "{:,}".format(runs[0]["connected"]),
                    "{:,}".format(runs[0]["ready"]), mr(h2_stream_mem[t])))
        w("")

if any(ws_runs.values()):
    heading("WebSocket fan-out")
    w("")
    n_ws = next((r[0]["ready"] for r in ws_runs.values() if r), 0)
    w("%s subscribers of one channel over WebSocket, next to the same over SSE (both plain" %
      "{:,}".format(n_ws))
    w("HTTP/1.1, the same events): a fixed rate, then as fast as the server takes events.")
    w("")
    rep_step_table([("%s %s" % (t, k.upper()), ws_runs[(t, k)]) for t in PEERS for k in ("sse", "ws")])
    rig_ws, rig_sse = median(ws_sat[("rig", "ws")]), median(ws_sat[("rig", "sse")])
    w("rig WebSocket/SSE at saturation: %s (target: ≥ 0.80×)." % ratio(rig_ws, rig_sse))
    w("")

if index:
    heading("Index growth (rig)")
    w("")
    w("1,000 subscribers of the published type, plus idle connections holding N subscriptions")
    w("to other types (1,000 per connection, each a different type). Publishing at 200 events/s,")
    w("then as fast as possible. The cost per event should not grow with N.")
    w("")
    w("| unrelated subscriptions | rig RSS | server CPU µs per event (200/s) | p50 ms | p99 ms | max delivered/s |")
    w("|---|---|---|---|---|---|")
    for size, cost, step, mx, rss_kb in index:
        w("| %s | %s | %s | %.2f | %.2f | %.0f |" % (
            "{:,}".format(size), ("%.0f MiB" % (rss_kb / 1024)) if rss_kb else "—",
            num(cost, "%.1f"), step["p50_ms"], step["p99_ms"], mx["delivered_per_s"]))
    w("")

def consumption_table(runs_by_case):
    w("| case | subscribers | runs | events per run | events/s | rig CPU µs per event |")
    w("|---|---|---|---|---|---|")
    for case in CONSUME_CASES:
        runs = runs_by_case[case]
        if runs:
            w("| %s | %s | %d | %s | %s | %s |" % (
                runs[0]["label"], "{:,}".format(runs[0]["subscribers"]), len(runs),
                "{:,}".format(runs[0]["consumed"]), mr([r["events_per_s"] for r in runs]),
                mr([r.get("cpu_us_per_event") for r in runs], "%.2f")))
    w("")


if any(kafka.values()):
    heading("Kafka consumption (rig)")
    w("")
    w("One node consuming a topic of 64 partitions that a librdkafka mock cluster")
    w("(`build/tests/kafka_mock`, real sockets, same machine) holds: the topic is filled, the")
    w("subscribers connect, then rig consumes it from the earliest offset: parse (structured")
    w("CloudEvents of ~200 bytes), match, publish. Every subscriber subscribes to the event type")
    w("with a constraint on `/data/name` that holds for none of the events, each with a value of")
    w("its own (\"events of this type for this user\"), so the number is the consumer and")
    w("matching path, not delivery. The run fails unless every message arrives. The rate and")
    w("rig's CPU (utime + stime from `/proc/<pid>/stat`) are taken between the first and the last")
    w("change of `rig_consumed_events_total`; median (range) of the runs, a fresh rig per run.")
    w("(`bench/kafka_consume.py OUT LABEL SUBSCRIBERS`)")
    w("")
    consumption_table(kafka)

if any(consume_runs["nats"].values()):
    heading("NATS consumption (rig)")
    w("")
    w("The same event and subscribers, from a subject of a real nats-server on loopback: rig")
    w("subscribes (`NATS_SOURCE_TOPICS`), its subscribers connect, then one publisher writes the")
    w("events over a raw socket as fast as the server takes them (bench/nats_consume.py; the")
    w("publisher, in Python, shares the two cores). Same counter, same CPU measure.")
    w("(`bench/nats_consume.py OUT LABEL SUBSCRIBERS`, `MESSAGES` 500,000)")
    w("")
    consumption_table(consume_runs["nats"])

cluster_blacklist = load("cluster-blacklist.json")
cluster_publish = load("cluster-publish.json")
cluster_fanout = load("cluster-fanout.json")
if cluster_blacklist or cluster_publish or cluster_fanout:
    heading("Cluster on NATS (rig)")
    w("")
    w("`bench/cluster.py` (`make bench` scenario `cluster`, or `/usr/bin/python3 bench/cluster.py")
    w("blacklist publish fanout`): a real nats-server with JetStream on loopback, rig nodes as")
    w("separate processes on the same two cores. CPU from `/proc/<pid>/stat` around each run.")
    w("")
if cluster_fanout:
    w("**Fan-out across the cluster.** SSE subscribers spread evenly over the nodes (one shard")
    w("each; rig-bench subscriber process k connects to node k mod n from its own 127.0.0.x),")
    w("events published to the first node at a fixed rate: every event crosses the backplane to")
    w("every node. Baseline: the same subscribers on one node without cluster mode (one node's")
    w("share when they are more than one process can hold: 20,000 descriptors), at the same rate.")
    w("The p99 difference is what the backplane adds (publish → NATS → node), on a box where the")
    w("nodes, nats-server and the load tool share two cores. Every subscriber takes every event,")
    w("so a case costs subscribers × rate deliveries per second; this box writes about 1M/s, so")
    w("100,000 subscribers are driven at a few events/s, and the backplane's own latency is")
    w("measured in a light case, where no core is saturated.")
    w("")
    w("| setup | subscribers | rate /s | delivered /s | p50 ms | p99 ms | p99.9 ms | lost | out of order | rig CPU µs per delivery (all nodes) |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for case in cluster_fanout:
        for r in (case["cluster"], case["baseline"]):
            for st in r.get("steps", []):
                w("| %s | %s | %s | %.0f | %.2f | %.2f | %.2f | %d | %d | %.2f |" % (
                    r["label"], "{:,}".format(r["ready"]), st["rate"], st["delivered_per_s"],
                    st["p50_ms"], st["p99_ms"], st["p999_ms"], st["lost"], st["out_of_order"],
                    st["server_cpu_us_per_delivered"]))
    w("")
    for case in cluster_fanout:
        c, b = case["cluster"].get("steps"), case["baseline"].get("steps")
        if c and b and case["cluster"]["ready"] == case["baseline"]["ready"]:
            w("- %s subscribers at %s events/s: the backplane adds %.2f ms to p99 (%.2f vs %.2f)." % (
                "{:,}".format(case["cluster"]["ready"]), c[0]["rate"],
                c[0]["p99_ms"] - b[0]["p99_ms"], c[0]["p99_ms"], b[0]["p99_ms"]))
        elif c and b:
            w("- %s subscribers at %s events/s: %.2f µs of rig CPU per delivery across the cluster,"
              " %.2f on one node; the latency is the time this box takes to write %s sockets per"
              " event (all processes share two cores), not the backplane's." % (
                  "{:,}".format(case["cluster"]["ready"]), c[0]["rate"],
                  c[0]["server_cpu_us_per_delivered"], b[0]["server_cpu_us_per_delivered"],
                  "{:,}".format(case["cluster"]["ready"])))
    w("")
if cluster_publish:
    w("**What the order guarantee costs.** A 202 in cluster mode means the NATS server has the")
    w("event (a flush, shared by concurrent publishers). One publisher posting events one after")
    w("the other on a keep-alive connection, each waiting for its 202; median (range) of the runs:")
    w("")
    w("| sequential publishing | runs | events/s | p50 ms | p99 ms | rig CPU µs per event (all nodes) | nats-server CPU µs per event |")
    w("|---|---|---|---|---|---|---|")
    for row in cluster_publish:
        runs = row["runs"]
        w("| %s | %d | %s | %s | %s | %s | %s |" % (
            row["label"], len(runs), mr([r["rate"] for r in runs]),
            mr([r["p50_ms"] for r in runs], "%.3f"), mr([r["p99_ms"] for r in runs], "%.3f"),
            mr([r["rig_cpu_us_per_event"] for r in runs], "%.1f"),
            mr([r["nats_cpu_us_per_event"] for r in runs], "%.1f")))
    w("")
if cluster_blacklist:
    w("**Blacklist propagation.** %d sessions, each with an SSE connection on node a and one on" %
      cluster_blacklist["entries"])
    w("node c, blacklisted on node b: time from the POST until both connections have received")
    w("`rig.session_killed` (the request's round trip included).")
    w("")
    w("| entries | p50 ms | p99 ms | max ms |")
    w("|---|---|---|---|")
    w("| %d | %.2f | %.2f | %.2f |" % (cluster_blacklist["entries"], cluster_blacklist["p50_ms"],
                                      cluster_blacklist["p99_ms"], cluster_blacklist["max_ms"]))
    w("")

proxy_section = proxy_bench.markdown(section[0] + 1, DIR)
if proxy_section:
    section[0] += 1
    w(proxy_section)
    w("")
    # What the tables say, the earlier rounds and the runs by hand (kept as written).
    proxy_notes = os.path.join(HERE, "proxy_notes.md")
    if os.path.exists(proxy_notes):
        with open(proxy_notes) as f:
            w(f.read().rstrip())
        w("")

# Sections measured by scripts of their own, outside `make bench` (kept as written).
for manual in ("history.md", "metrics_cost.md", "slow_consumer.md", "ingest_cpu.md", "brokers.md"):
    path = os.path.join(HERE, manual)
    if os.path.exists(path):
        with open(path) as f:
            w(f.read().rstrip())
        w("")

notes = os.path.join(HERE, "notes.md")
if os.path.exists(notes):
    with open(notes) as f:
        w(f.read().rstrip())
    w("")
print("\n".join(out))
