#!/usr/bin/python3
"""The healthy subscribers' latency while subscribers that never read are around (issue 15).

Each run starts a fresh rig and measures one rig-bench fan-out step (--connections SSE
subscribers, --rate events/s of --payload bytes); in the "with" runs --stalled extra SSE
subscribers of the same events never read a byte (4 KiB receive buffers) and reconnect as soon
as rig cuts them off at RIG_MAX_QUEUE_BYTES, so that some are
always filling up (rig's own disconnect counter tells when). A stalled subscriber is cut after about 4 MB (1 MiB queued in rig, the rest
in the kernel's buffers), so the defaults (100 events/s of 4 KB) cut each one every ~10 s. Runs alternate without/with (the order flips each round); the result is the
median (range) p99 of each, and their ratio (goal: within 20%). With --baseline equal the
runs without stalled subscribers have as many extra subscribers that do read, and the same
/metrics polling, so that only the stalling differs.

  /usr/bin/python3 bench/slow_consumer.py --runs 3 [--baseline equal]

Needs build/rig and build/rig-bench. Python standard library only.
"""

import argparse
import json
import os
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_rig(binary, env_extra):
    env = dict(os.environ)
    env.update({"INBOUND_PORT": "0", "API_HTTP_PORT": "0", "RIG_BIND_ADDRESS": "127.0.0.1",
                "RIG_API_BIND_ADDRESS": "127.0.0.1", "RIG_READY_FILE": "/dev/stdout",
                "RIG_SHARDS": "2", "LOG_LEVEL": "warning", "MAX_CONNECTIONS_PER_MINUTE": "0"})
    env.update(env_extra)
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    if not ready:
        proc.kill()
        raise SystemExit("rig did not report ready")
    info = json.loads(proc.stdout.readline())
    return proc, info["inbound_port"], info["api_port"]


class Stallers(threading.Thread):
    """`n` SSE subscribers that never read. Each time rig counts a slow-consumer disconnect
    the oldest one is replaced (they fill at the same pace, so the oldest is cut first; the
    client cannot see the cut itself: rig's FIN waits behind the data it never reads)."""

    def __init__(self, port, api_port, query, n):
        super().__init__(daemon=True)
        self.port, self.api_port, self.n = port, api_port, n
        self.request = ("GET /_rig/v1/connection/sse?%s HTTP/1.1\r\nHost: x\r\n"
                        "Accept: text/event-stream\r\n\r\n" % query).encode()
        self.stop = threading.Event()
        self.cut = 0
        self.socks = []

    def open_one(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", self.port))
        s.sendall(self.request)
        return s

    def run(self):
        self.socks = [self.open_one() for _ in range(self.n)]
        while not self.stop.wait(0.2):
            cut = slow_disconnects(self.api_port)
            for _ in range(int(cut) - self.cut):
                self.socks.pop(0).close()
                self.socks.append(self.open_one())
            self.cut = int(cut)
        for s in self.socks:
            s.close()


class Readers(Stallers):
    """The equal-load baseline (--baseline equal): `n` SSE subscribers of the same events that
    do read (and discard) everything, and the same /metrics polling as Stallers, so that the
    run "without" differs from the run "with" only in that these subscribers keep up."""

    def run(self):
        socks = []
        for _ in range(self.n):
            s = socket.create_connection(("127.0.0.1", self.port))  # default receive buffer
            s.sendall(self.request)
            socks.append(s)
        next_poll = time.monotonic()
        while not self.stop.is_set():
            readable, _, _ = select.select(socks, [], [], 0.05)
            for s in readable:
                s.recv(1 << 16)
            if time.monotonic() >= next_poll:
                slow_disconnects(self.api_port)
                next_poll += 0.2
        for s in socks:
            s.close()


def slow_disconnects(api_port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % api_port, timeout=30) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("rig_slow_consumer_disconnects_total "):
                return float(line.split()[1])
    return 0.0


def one_run(a, stalled):
    proc, port, api_port = start_rig(a.rig, {})
    try:
        query = "subscriptions=" + urllib.parse.quote(json.dumps([{"eventType": "slow"}]))
        stallers = None
        if stalled:
            stallers = Stallers(port, api_port, query, a.stalled)
        elif a.baseline == "equal":
            stallers = Readers(port, api_port, query, a.stalled)
        if stallers:
            stallers.start()
        body = ('{"specversion":"1.0","type":"slow","source":"/rig-bench","id":"{seq}",'
                '"time":"2026-01-01T00:00:00Z","data":{"seq":{seq},"ts":{ts},"pad":"{pad}"}}')
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run([a.bench, "--label", "with" if stalled else "without",
                            "--sub-url", "http://127.0.0.1:%d/_rig/v1/connection/sse?%s"
                            % (port, query), "--connections", str(a.connections),
                            "--processes", "1", "--pub-url",
                            "http://127.0.0.1:%d/_rig/v1/events" % port, "--pub-body", body,
                            "--payload", str(a.payload), "--rates", str(a.rate),
                            "--step-seconds", str(a.seconds), "--server-pids", str(proc.pid),
                            "--json", out.name], check=True, stdout=subprocess.DEVNULL)
            step = json.load(open(out.name))["steps"][0]
        cut = 0
        if stallers:
            stallers.stop.set()
            stallers.join()
            cut = stallers.cut
        return {"p99_ms": step["p99_ms"], "p50_ms": step["p50_ms"], "lost": step["lost"],
                "delivered": step["delivered"], "cut_seen": cut,
                "slow_consumer_disconnects": slow_disconnects(api_port)}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rig", default=os.path.join(ROOT, "build", "rig"))
    p.add_argument("--bench", default=os.path.join(ROOT, "build", "rig-bench"))
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--connections", type=int, default=100)
    p.add_argument("--stalled", type=int, default=10)
    p.add_argument("--rate", type=int, default=100)
    p.add_argument("--payload", type=int, default=4000)
    p.add_argument("--seconds", type=int, default=30)
    p.add_argument("--baseline", choices=("bare", "equal"), default="bare",
                   help="runs without stalled subscribers: bare (only the measured ones) or "
                        "equal (as many extra subscribers that read, and the same /metrics "
                        "polling)")
    p.add_argument("--json")
    a = p.parse_args()
    results = {"without": [], "with": []}
    for r in range(a.runs):
        order = (False, True) if r % 2 == 0 else (True, False)
        for stalled in order:
            res = one_run(a, stalled)
            key = "with" if stalled else "without"
            results[key].append(res)
            print("run %d %-7s p50 %.2f ms p99 %.2f ms lost %d cut %s" % (
                r + 1, key, res["p50_ms"], res["p99_ms"], res["lost"],
                res["slow_consumer_disconnects"]), flush=True)
    summary = {}
    for key, runs in results.items():
        p99 = [x["p99_ms"] for x in runs]
        summary[key] = {"p99_median_ms": statistics.median(p99), "p99_min_ms": min(p99),
                        "p99_max_ms": max(p99), "lost": sum(x["lost"] for x in runs)}
    ratio = summary["with"]["p99_median_ms"] / summary["without"]["p99_median_ms"]
    summary["ratio"] = round(ratio, 3)
    summary["within_20_percent"] = ratio <= 1.2
    summary["command"] = " ".join(sys.argv)
    print(json.dumps(summary, indent=1))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"summary": summary, "runs": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
