"""Renders docs/benchmarks.md from the JSON that bench/run.sh collected.

usage: report.py RESULTS_DIR > docs/benchmarks.md
"""
import json
import os
import sys

DIR = sys.argv[1]
TARGETS = ["rig", "nchan", "pushpin"]
HERE = os.path.dirname(os.path.abspath(__file__))


def load(name):
    path = os.path.join(DIR, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def ratio(a, b):
    if not a or not b:
        return "—"
    return "%.2f×" % (a / b)


def num(v, fmt="%.0f"):
    return "—" if v is None else fmt % v


def step_table(results):
    """One row per rate step and server, then a blank line."""
    w("| server | target/s | published/s | delivered/s | p50 ms | p99 ms | lost | out of order | server CPU % |")
    w("|---|---|---|---|---|---|---|---|---|")
    for t in TARGETS:
        for s in (results[t] or {}).get("steps", []):
            w("| %s | %s | %.0f | %.0f | %.2f | %.2f | %d | %d | %.0f |" % (
                t, s["rate"], s["publish_rate"], s["delivered_per_s"], s["p50_ms"], s["p99_ms"],
                s["lost"], s["out_of_order"], s["server_cpu_pct"]))
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
w("make bench            # installs nginx, libnginx-mod-nchan, pushpin, wrk if missing; ~15 min")
w("BENCH_QUICK=1 make bench   # every scenario at a smaller scale, ~5 min")
w("```")
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
                 ("pushpin", "Pushpin (Debian)")):
    w("| %s | %s |" % (label, m.get(k, "?")))
w("")
w("Everything runs on loopback, and the servers share the machine's cores with the load")
w("tool (rig-bench subscriber processes, its publisher, wrk), as the issue prescribes. Each")
w("subscriber process binds its own 127.0.0.x source address. Latency is publish → receive,")
w("from a monotonic timestamp the publisher puts into each event; publishing is open-loop")
w("(pipelined on one keep-alive connection, so a slow answer does not hide queueing).")
w("")

# --- summary ---------------------------------------------------------------------------
idle = {t: load("idle-%s.json" % t) for t in TARGETS}
fan = {t: load("fanout-%s.json" % t) for t in TARGETS}
fan200 = {t: load("fanout200-%s.json" % t) for t in TARGETS}
fan2k = {t: load("fanout2k-%s.json" % t) for t in TARGETS}
ingest = {t: load("ingest-%s.json" % t) for t in TARGETS}
connect = {t: load("connect-%s.json" % t) for t in TARGETS}
multi = load("idle-multi-rig.json")

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


sat = {t: saturation(fan[t], fan200[t]) for t in TARGETS}
p99_200 = {t: (fan200[t]["steps"][0]["p99_ms"] if fan200[t] else None) for t in TARGETS}
rps = {t: (ingest[t]["requests_per_s"] if ingest[t] else None) for t in TARGETS}
rss = {t: (idle[t]["rss_per_connection"] if idle[t] else None) for t in TARGETS}

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


w("## Summary against the targets")
w("")
w("| target | rig | nchan | Pushpin | verdict |")
w("|---|---|---|---|---|")
w("| ≤ 4 KiB user-space RSS per idle SSE connection | %s B | %s B | %s B | %s |" % (
    num(rss["rig"]), num(rss["nchan"]), num(rss["pushpin"]),
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
w("| ingest ≥ 100k req/s and ≥ 1.5× nchan | %s | %s (rig %s) | %s | %s |" % (
    num(rps["rig"]), num(rps["nchan"]), ratio(rps["rig"], rps["nchan"]), num(rps["pushpin"]),
    verdict(ok_ing)))
cr = {t: (connect[t]["connect_rate"] if connect[t] else None) for t in TARGETS}
w("| connect rate ≥ 20,000/s | %s | %s | %s | %s |" % (
    num(cr["rig"]), num(cr["nchan"]), num(cr["pushpin"]), verdict(cr["rig"] and cr["rig"] >= 20000)))
if index:
    costs = [c for _, c, _, _, _ in index if c]
    flat = max(costs) / min(costs) - 1 if costs else None
    w("| publish cost within 20%% from %s to %s subscriptions | %s | — | — | %s |" % (
        "{:,}".format(index[0][0]), "{:,}".format(index[-1][0]),
        ("+%.0f%%" % (flat * 100)) if flat is not None else "—",
        verdict(flat is not None and flat <= 0.2)))
kafka = [r for r in (load("kafka-plain.json"), load("kafka-matched.json"),
                     load("kafka-users.json")) if r]
if kafka:
    loaded = min(r["events_per_s"] for r in kafka if r["subscribers"] > 0) if any(
        r["subscribers"] > 0 for r in kafka) else None
    w("| Kafka: events/s consumed and matched per node, index loaded: ≥ 500,000 | %s | — | — | %s |" % (
        num(loaded), verdict(loaded is not None and loaded >= 500000)))
w("")
w("Verdicts are computed from this run's numbers; see the notes at the end for what limits")
w("each one on this machine.")
w("")

# --- scenarios -------------------------------------------------------------------------
w("## 1. Idle connections")
w("")
w("As many SSE connections as one server process can hold here (the per-process limit is")
w("20,000 file descriptors), each subscribed to one channel, held for 3 s. RSS per connection")
w("is (RSS while holding − RSS before connecting) / connections, summed over the server's")
w("processes.")
w("")
w("| server | connections | RSS before | RSS holding | RSS per connection |")
w("|---|---|---|---|---|")
for t in TARGETS + ["multi"]:
    r = multi if t == "multi" else idle[t]
    if not r:
        continue
    w("| %s | %s | %.1f MiB | %.1f MiB | %.0f B |" % (
        r["label"], "{:,}".format(r["ready"]), r["rss_before"] / 1048576, r["rss_held"] / 1048576,
        r["rss_per_connection"]))
w("")
if multi:
    w("The last row is several rig processes (`RIG_SHARDS=1` each) sharing the public port with")
    w("`SO_REUSEPORT`: the kernel spreads the connections over them, %s in all on this box." % (
        "{:,}".format(multi["ready"])))
    w("")

w("## 2. Fan-out")
w("")
n_fan = next((fan[t]["ready"] for t in TARGETS if fan[t]), 0)
w("%s SSE subscribers of one channel; events of about 200 bytes. First 10 s at a fixed 200" %
  "{:,}".format(n_fan))
w("events/s, then steps of rising rate until p99 exceeds 50 ms or an event is lost.")
w("")
w("**At 200 events/s:**")
w("")
w("| server | published/s | delivered/s | p50 ms | p99 ms | p99.9 ms | max ms | lost | server CPU % |")
w("|---|---|---|---|---|---|---|---|---|")
for t in TARGETS:
    r = fan200[t]
    if not r:
        continue
    s = r["steps"][0]
    w("| %s | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f | %d | %.0f |" % (
        t, s["publish_rate"], s["delivered_per_s"], s["p50_ms"], s["p99_ms"], s["p999_ms"],
        s["max_ms"], s["lost"], s["server_cpu_pct"]))
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

w("## 3. Ingest")
w("")
w("`wrk -t1 -c32` POSTing an event nobody subscribes to, keep-alive, for the scenario's")
w("duration: rig `POST /_rig/v1/events` (a CloudEvent), nchan `POST /pub/<channel>`, Pushpin")
w("`POST /publish/` (its HTTP publish API).")
w("")
w("| server | requests/s | non-2xx | server CPU µs per request |")
w("|---|---|---|---|")
for t in TARGETS:
    r = ingest[t]
    if not r:
        continue
    w("| %s | %.0f | %d | %.1f |" % (t, r["requests_per_s"], r["non_2xx"],
                                     r["server_cpu_s"] / r["requests"] * 1e6 if r["requests"] else 0))
w("")
w("rig/nchan: %s." % ratio(rps["rig"], rps["nchan"]))
w("")

w("## 4. Connect rate")
w("")
w("New SSE connections as fast as 4 client processes can open them (1,000 in flight each),")
w("until the count below; the rate is connections / time until the last one got its first bytes.")
w("")
w("| server | connections | connections/s |")
w("|---|---|---|")
for t in TARGETS:
    r = connect[t]
    if r:
        w("| %s | %s | %.0f |" % (t, "{:,}".format(r["ready"]), r["connect_rate"]))
w("")

if index:
    w("## 5. Index growth (rig)")
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

if kafka:
    w("## 6. Kafka consumption (rig)")
    w("")
    w("One node consuming a topic of 64 partitions that a librdkafka mock cluster")
    w("(`build/tests/kafka_mock`, real sockets, same machine) holds: the topic is filled, the")
    w("subscribers connect, then rig consumes it from the earliest offset: parse (structured")
    w("CloudEvents of ~200 bytes), match, publish. Every subscriber subscribes to the event type")
    w("with a constraint on `/data/name` that holds for none of the events, each with a value of")
    w("its own (\"events of this type for this user\"), so the number is the consumer and")
    w("matching path, not delivery. The run fails unless every message arrives.")
    w("(`bench/kafka_consume.py OUT LABEL SUBSCRIBERS`)")
    w("")
    w("| case | subscribers | events consumed | seconds | events/s |")
    w("|---|---|---|---|---|")
    for r in kafka:
        w("| %s | %s | %s | %.2f | %.0f |" % (r["label"], "{:,}".format(r["subscribers"]),
                                              "{:,}".format(r["consumed"]), r["seconds"],
                                              r["events_per_s"]))
    w("")

notes = os.path.join(HERE, "notes.md")
if os.path.exists(notes):
    with open(notes) as f:
        w(f.read().rstrip())
    w("")
print("\n".join(out))
