"""Cluster benchmarks (issue 10): what the NATS backplane costs and how fast it carries.

Scenarios (each starts its own nats-server with JetStream and its own rig processes):

  blacklist  3 nodes. 100 times: a session with an SSE connection on node a and one on node c;
             the session is blacklisted on node b; the time until both connections have
             received rig.session_killed. Reports p50/p99/max in ms.
  publish    Sequential publishing, each POST waiting for its 202 on a keep-alive connection
             (what a publisher that needs its order everywhere does): one node without cluster
             mode, one node of a 3-node cluster, and round-robin over the 3 nodes. Reports
             requests/s, p50/p99 latency and rig + nats-server CPU-µs per event from /proc.
  fanout     For each case, SSE connections spread over NODES cluster nodes (one shard each),
             events published to the first node at a fixed rate, with build/rig-bench; then
             the same subscribers on one node without cluster mode (one node's share when
             they are more than one process can hold), the same rate. The difference in p99
             is what the backplane adds.

usage: /usr/bin/python3 bench/cluster.py SCENARIO [...]
env:   FANOUT_NODES (6), FANOUT_CASES (100000:2,60:100: subscribers:events per second),
       FANOUT_SECONDS (10), PUBLISH_EVENTS (2000), BLACKLIST_ENTRIES (100), BENCH_REPEAT (3)
Results are printed as Markdown tables (and JSON lines to build/bench-results/cluster-*.json).
"""

import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

from peers import NatsServer  # noqa: E402
from rig_harness import (KeepAlivePublisher, Rig, SseClient, make_event,  # noqa: E402
                         make_jwt, quote)

COOKIE = "cluster-bench"
SECRET = "cluster-bench-secret"
RESULTS = os.path.join(ROOT, "build", "bench-results")


def cluster_env(nats, name, **extra):
    env = {"RIG_CLUSTER_NATS": "nats://127.0.0.1:%d" % nats.port, "NODE_COOKIE": COOKIE,
           "RIG_NODE_ID": name, "JWT_SECRET_KEY": SECRET, "LOG_LEVEL": "warn",
           "MAX_CONNECTIONS_PER_MINUTE": "0"}
    env.update(extra)
    return env


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def save(name, record):
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "cluster-%s.json" % name), "w") as f:
        json.dump(record, f)


def blacklist():
    entries = int(os.environ.get("BLACKLIST_ENTRIES", "100"))
    with NatsServer(jetstream=True) as nats:
        nodes = [Rig(env=cluster_env(nats, n)).start() for n in "abc"]
        try:
            a, b, c = nodes
            times = []
            for i in range(entries):
                session = "bench-session-%d-%d" % (os.getpid(), i)
                jwt = make_jwt({"jti": session}, secret=SECRET)
                clients = [SseClient(rig, "jwt=" + quote(jwt)) for rig in (a, c)]
                for client in clients:
                    client.connect_events()
                t0 = time.monotonic()
                status, _, body = b.request("POST", "/v3/session-blacklist",
                                            {"sessionId": session, "validityInSeconds": 600},
                                            api=True)
                assert status == 201, body
                for client in clients:
                    ev = client.next_event()
                    assert ev["type"] == "rig.session_killed", ev
                times.append((time.monotonic() - t0) * 1000)
                for client in clients:
                    client.close()
        finally:
            for rig in nodes:
                rig.stop()
    record = {"entries": entries, "p50_ms": pct(times, 50), "p99_ms": pct(times, 99),
              "max_ms": max(times)}
    save("blacklist", record)
    print("| blacklist entries | p50 ms | p99 ms | max ms |\n|---|---|---|---|")
    print("| %d | %.2f | %.2f | %.2f |" % (entries, record["p50_ms"], record["p99_ms"],
                                          record["max_ms"]))


def run_publish(label, publish_to, pids):
    """Publishes PUBLISH_EVENTS events one after the other, each waiting for its 202."""
    events = int(os.environ.get("PUBLISH_EVENTS", "2000"))
    publishers = [KeepAlivePublisher(rig) for rig in publish_to]
    latencies = []
    try:
        for i in range(50):  # warm-up
            status, _ = publishers[i % len(publishers)].publish(make_event("bench.order", "w%d" % i))
            assert status == 202, status
        cpu0 = {pid: cpu_seconds(pid) for pid in pids.values()}
        t0 = time.monotonic()
        for i in range(events):
            start = time.monotonic()
            status, body = publishers[i % len(publishers)].publish(
                make_event("bench.order", "e%d" % i))
            assert status == 202, body
            latencies.append((time.monotonic() - start) * 1000)
        elapsed = time.monotonic() - t0
        cpu = {name: (cpu_seconds(pid) - cpu0[pid]) * 1e6 / events for name, pid in pids.items()}
    finally:
        for p in publishers:
            p.close()
    return {"label": label, "events": events, "rate": events / elapsed,
            "p50_ms": pct(latencies, 50), "p99_ms": pct(latencies, 99),
            "rig_cpu_us_per_event": sum(v for k, v in cpu.items() if k != "nats"),
            "nats_cpu_us_per_event": cpu.get("nats", 0.0)}


def publish():
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    labels = ["1 node, no cluster", "3-node cluster, all to one node",
              "3-node cluster, round-robin"]
    runs = {label: [] for label in labels}
    for _ in range(repeat):  # the setups take turns, each run on fresh processes
        single = Rig(env={"LOG_LEVEL": "warn", "MAX_CONNECTIONS_PER_MINUTE": "0"}).start()
        try:
            runs[labels[0]].append(run_publish(labels[0], [single], {"rig": single.proc.pid}))
        finally:
            single.stop()
        with NatsServer(jetstream=True) as nats:
            nodes = [Rig(env=cluster_env(nats, n)).start() for n in "abc"]
            try:
                pids = {"rig-" + n: rig.proc.pid for n, rig in zip("abc", nodes)}
                pids["nats"] = nats.proc.pid
                runs[labels[1]].append(run_publish(labels[1], nodes[:1], pids))
                runs[labels[2]].append(run_publish(labels[2], nodes, pids))
            finally:
                for rig in nodes:
                    rig.stop()
    rows = [{"label": label, "runs": runs[label]} for label in labels]
    save("publish", rows)
    print("| sequential publishing (each waits for its 202) | run | events/s | p50 ms | p99 ms | "
          "rig CPU µs per event (all nodes) | nats-server CPU µs per event |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        for i, r in enumerate(row["runs"]):
            print("| %s | %d | %.0f | %.3f | %.3f | %.1f | %.1f |" % (
                row["label"], i + 1, r["rate"], r["p50_ms"], r["p99_ms"],
                r["rig_cpu_us_per_event"], r["nats_cpu_us_per_event"]))


def rig_bench(label, sub_urls, connections, pub_url, rate, out):
    seconds = os.environ.get("FANOUT_SECONDS", "10")
    event = ('{"specversion":"1.0","type":"bench.fanout","source":"/rig-bench","id":"{seq}",'
             '"time":"2026-01-01T00:00:00Z","data":{"seq":{seq},"ts":{ts},"pad":"{pad}"}}')
    cmd = [os.path.join(ROOT, "build", "rig-bench"), "--label", label,
           "--sub-url", ",".join(sub_urls), "--connections", str(connections),
           "--pub-url", pub_url, "--pub-body", event, "--payload", "200",
           "--rates", str(rate), "--step-seconds", seconds, "--server-match", "rig",
           "--json", out, "--ready-timeout", "180"]
    subprocess.run(cmd, check=True)
    with open(out) as f:
        return json.load(f)


def fanout():
    """FANOUT_CASES: subscribers:rate pairs. Every subscriber takes every event, so a case
    costs subscribers x rate deliveries per second; this two-core box writes about 1M/s."""
    nodes_n = int(os.environ.get("FANOUT_NODES", "6"))
    cases = [tuple(int(x) for x in c.split(":"))
             for c in os.environ.get("FANOUT_CASES", "100000:2,60:100").split(",")]
    query = "subscriptions=" + quote([{"eventType": "bench.fanout"}])
    os.makedirs(RESULTS, exist_ok=True)
    results = []
    for subscribers, rate in cases:
        with NatsServer(jetstream=True) as nats:
            nodes = [Rig(env=cluster_env(nats, "n%d" % i), shards=1).start()
                     for i in range(nodes_n)]
            try:
                urls = ["http://127.0.0.1:%d/_rig/v1/connection/sse?%s" % (r.port, query)
                        for r in nodes]
                cluster = rig_bench("%d-node cluster" % nodes_n, urls, subscribers,
                                    "http://127.0.0.1:%d/_rig/v1/events" % nodes[0].port, rate,
                                    os.path.join(RESULTS, "cluster-fanout-run.json"))
            finally:
                for rig in nodes:
                    rig.stop()
        # The same subscribers on one node where one process can hold them, else one node's
        # share (the per-process limit is 20,000 file descriptors).
        alone = subscribers if subscribers <= 15000 else subscribers // nodes_n
        single = Rig(env={"LOG_LEVEL": "warn", "MAX_CONNECTIONS_PER_MINUTE": "0"},
                     shards=1).start()
        try:
            url = "http://127.0.0.1:%d/_rig/v1/connection/sse?%s" % (single.port, query)
            baseline = rig_bench("1 node, no cluster", [url], alone,
                                 "http://127.0.0.1:%d/_rig/v1/events" % single.port, rate,
                                 os.path.join(RESULTS, "cluster-fanout-run.json"))
        finally:
            single.stop()
        results.append({"nodes": nodes_n, "cluster": cluster, "baseline": baseline})
    os.remove(os.path.join(RESULTS, "cluster-fanout-run.json"))
    save("fanout", results)


if __name__ == "__main__":
    scenarios = {"blacklist": blacklist, "publish": publish, "fanout": fanout}
    for name in sys.argv[1:] or ["blacklist", "publish"]:
        scenarios[name]()
