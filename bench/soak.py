#!/usr/bin/python3
"""Soak: many SSE subscribers, steady publishing and constant churn for a long time (issue 15).

Starts rig (or uses a running one with --port/--api-port/--pid), opens --connections SSE
subscribers spread over --processes worker processes (each binds its own 127.0.0.x source
address), publishes --rate events/s over one keep-alive connection, and replaces --churn of
the connections per second (a clean close and a new connect). Every event carries its
sequence number and publish time, so each subscriber checks that it saw every event from its
first on (zero loss) and the workers report a latency histogram per minute. The parent samples
rig's resident memory and descriptor count every 10 s. At the end publishing stops, every
surviving subscriber must have the last event, all connections close, and the descriptor count
must return to its baseline.

Verdict (printed, and in --json): RSS drift after warm-up (mean of the last minute against the
mean of the first minute after warm-up) < 2%, no fd leak, zero lost events, per-minute p99.

  nice -n 5 /usr/bin/python3 bench/soak.py --rig build/rig --connections 15000 --minutes 30

Python standard library only; run with /usr/bin/python3.
"""

import argparse
import http.client
import json
import os
import random
import re
import resource
import select
import selectors
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

EVENT_TYPE = "soak.tick"
SEQ_RE = re.compile(rb'"seq":(\d+),"t":([0-9.]+)')
BUCKET = 1e-4  # latency histogram resolution: 0.1 ms
MAX_BUCKET = 200000  # 20 s


# ---------------------------------------------------------------------------------------------
# Worker: holds SSE connections, replaces some each second, reports per minute.


class Sub:
    __slots__ = ("sock", "state", "buf", "last", "first", "received")

    def __init__(self, sock):
        self.sock = sock
        self.state = "connecting"
        self.buf = b""
        self.last = None
        self.first = None
        self.received = 0


class Worker:
    def __init__(self, a):
        self.port = a.port
        self.source = a.source
        self.target = a.connections
        self.churn_per_s = a.connections * a.churn
        self.sel = selectors.DefaultSelector()
        self.subs = {}
        self.request = ("GET /_rig/v1/connection/sse?subscriptions=%s HTTP/1.1\r\n"
                        "Host: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
                        % urllib.parse.quote(json.dumps([{"eventType": EVENT_TYPE}]))).encode()
        self.max_connecting = a.max_connecting
        self.connecting = 0
        self.hist = {}
        self.received = 0
        self.lost = 0
        self.out_of_order = 0
        self.dropped = 0  # closed by rig (not by us)
        self.connect_failures = 0
        self.opened = 0
        self.closed_by_us = 0
        self.lossy_subs = 0
        self.failure_causes = {}

    def open_one(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((self.source, 0))
        except OSError:
            pass
        try:
            s.connect(("127.0.0.1", self.port))
        except BlockingIOError:
            pass
        except OSError as e:
            self.fail("connect: " + e.strerror)
            s.close()
            return
        sub = Sub(s)
        self.subs[s.fileno()] = sub
        self.connecting += 1
        self.opened += 1
        self.sel.register(s, selectors.EVENT_WRITE, sub)

    def fail(self, why):
        self.connect_failures += 1
        self.failure_causes[why] = self.failure_causes.get(why, 0) + 1

    def finish(self, sub, by_us, final=None):
        if sub.state == "connecting":
            self.connecting -= 1
        if final is not None and sub.last is not None and sub.last < final:
            self.lost += final - sub.last
            self.lossy_subs += 1
        self.sel.unregister(sub.sock)
        del self.subs[sub.sock.fileno()]
        sub.sock.close()
        if by_us:
            self.closed_by_us += 1
        else:
            self.dropped += 1

    def on_event(self, sub, mask):
        if sub.state == "connecting":
            err = sub.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self.fail("connect: " + os.strerror(err))
                self.finish(sub, True)
                self.closed_by_us -= 1
                return
            sub.sock.send(self.request)
            sub.state = "head"
            self.connecting -= 1
            self.sel.modify(sub.sock, selectors.EVENT_READ, sub)
            return
        try:
            data = sub.sock.recv(262144)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.finish(sub, False)
            return
        now = time.time()
        if sub.state == "head":
            sub.buf += data
            end = sub.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not sub.buf.startswith(b"HTTP/1.1 200"):
                self.fail("answer: " + sub.buf[:12].decode(errors="replace"))
                self.finish(sub, True)
                self.closed_by_us -= 1
                return
            data = sub.buf[end + 4:]
            sub.buf = b""
            sub.state = "stream"
        buf = sub.buf + data if sub.buf else data
        cut = buf.rfind(b"\n\n")
        if cut < 0:
            sub.buf = buf
            return
        sub.buf = buf[cut + 2:]
        hist = self.hist
        for seq_b, t_b in SEQ_RE.findall(buf, 0, cut + 2):
            seq = int(seq_b)
            if sub.last is None:
                sub.first = seq
            elif seq != sub.last + 1:
                if seq <= sub.last:
                    self.out_of_order += 1
                    continue
                self.lost += seq - sub.last - 1
                self.lossy_subs += 1
            sub.last = seq
            sub.received += 1
            self.received += 1
            b = int((now - float(t_b)) / BUCKET)
            if b > MAX_BUCKET:
                b = MAX_BUCKET
            hist[b] = hist.get(b, 0) + 1

    def streaming(self):
        return [s for s in self.subs.values() if s.state == "stream"]

    def report(self, kind, **extra):
        line = {"kind": kind, "t": time.time(), "subs": len(self.subs),
                "streaming": sum(1 for s in self.subs.values() if s.state == "stream"),
                "received": self.received, "lost": self.lost, "lossy_subs": self.lossy_subs,
                "out_of_order": self.out_of_order, "dropped": self.dropped,
                "connect_failures": self.connect_failures, "opened": self.opened,
                "closed_by_us": self.closed_by_us, "hist": self.hist,
                "failure_causes": self.failure_causes}
        line.update(extra)
        self.hist = {}
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()

    def run(self):
        """Commands on stdin, one per line: 'churn' starts replacing connections, 'final N'
        checks every subscriber has seq N, reports and closes everything, 'exit'."""
        self.sel.register(sys.stdin, selectors.EVENT_READ, None)
        churning = False
        next_churn = time.monotonic() + 1.0
        next_report = time.monotonic() + 60.0
        debt = 0.0
        ready_sent = False
        while True:
            # keep the population at the target, with a bounded number of connects in flight
            while len(self.subs) < self.target and self.connecting < self.max_connecting:
                self.open_one()
            if not ready_sent and len(self.streaming()) >= self.target:
                self.report("ready")
                ready_sent = True
            now = time.monotonic()
            timeout = max(0.0, min(next_churn, next_report) - now)
            for key, mask in self.sel.select(timeout):
                if key.data is None:
                    line = sys.stdin.readline()
                    if not line or line.startswith("exit"):
                        return
                    if line.startswith("churn"):
                        churning = True
                        next_report = time.monotonic() + 60.0
                        self.hist = {}
                    elif line.startswith("final"):
                        final = int(line.split()[1])
                        for sub in list(self.subs.values()):
                            self.finish(sub, True, final if sub.state == "stream" else None)
                        self.target = 0
                        self.report("final")
                    continue
                self.on_event(key.data, mask)
            now = time.monotonic()
            if now >= next_churn:
                next_churn += 1.0
                if churning and self.target:
                    debt += self.churn_per_s
                    n = int(debt)
                    debt -= n
                    live = self.streaming()
                    for sub in random.sample(live, min(n, len(live))):
                        self.finish(sub, True)
            if now >= next_report:
                next_report += 60.0
                if churning:
                    self.report("minute")


# ---------------------------------------------------------------------------------------------
# Parent


def proc_sample(pid):
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    fds = len(os.listdir("/proc/%d/fd" % pid))
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return {"rss": rss, "fds": fds, "cpu": cpu}


def start_rig(binary, shards, extra_env):
    env = dict(os.environ)
    env.update({"INBOUND_PORT": "0", "API_HTTP_PORT": "0", "RIG_BIND_ADDRESS": "127.0.0.1",
                "RIG_API_BIND_ADDRESS": "127.0.0.1", "RIG_READY_FILE": "/dev/stdout",
                "RIG_SHARDS": str(shards), "LOG_LEVEL": "warning",
                # the churn alone is 9,000 connects a minute at 15,000 connections
                "MAX_CONNECTIONS_PER_MINUTE": "0"})
    env.update(extra_env)
    log = open("/tmp/soak-rig-%d.log" % os.getpid(), "wb")
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=log)
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    if not ready:
        proc.kill()
        raise SystemExit("rig did not report ready")
    info = json.loads(proc.stdout.readline())
    return proc, info["inbound_port"], info["api_port"]


def percentile(hist, q):
    total = sum(hist.values())
    if total == 0:
        return None
    want = q * total
    acc = 0
    for b in sorted(hist):
        acc += hist[b]
        if acc >= want:
            return (b + 1) * BUCKET * 1000.0  # ms, upper edge of the bucket
    return None


def merge(into, hist):
    for k, v in hist.items():
        k = int(k)
        into[k] = into.get(k, 0) + v


class Workers:
    def __init__(self, a, port):
        self.procs = []
        per = [a.connections // a.processes] * a.processes
        for i in range(a.connections % a.processes):
            per[i] += 1
        for k, n in enumerate(per):
            cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--port", str(port),
                   "--connections", str(n), "--churn", str(a.churn),
                   "--source", "127.0.0.%d" % (2 + k), "--max-connecting",
                   str(a.max_connecting)]
            self.procs.append(subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                               stdout=subprocess.PIPE, text=True, bufsize=1))

    def send(self, line):
        for p in self.procs:
            p.stdin.write(line + "\n")
            p.stdin.flush()

    def read_all(self, kind, timeout, on_other=None):
        """One report of `kind` from every worker."""
        out = [None] * len(self.procs)
        deadline = time.monotonic() + timeout
        while any(o is None for o in out):
            left = deadline - time.monotonic()
            if left <= 0:
                raise SystemExit("workers did not report %s in time" % kind)
            ready, _, _ = select.select([p.stdout for p in self.procs], [], [], left)
            for r in ready:
                i = [p.stdout for p in self.procs].index(r)
                line = r.readline()
                if not line:
                    raise SystemExit("worker %d exited" % i)
                msg = json.loads(line)
                if msg["kind"] == kind:
                    out[i] = msg
                elif on_other:
                    on_other(i, msg)
        return out

    def stop(self):
        for p in self.procs:
            try:
                p.stdin.write("exit\n")
                p.stdin.flush()
            except OSError:
                pass
        for p in self.procs:
            p.wait(timeout=30)


def run_parent(a):
    rig_proc = None
    if a.port:
        port, api_port, pid = a.port, a.api_port, a.pid
    else:
        rig_proc, port, api_port = start_rig(a.rig, a.shards, dict(kv.split("=", 1)
                                                                    for kv in a.env))
        pid = rig_proc.pid
    base = proc_sample(pid)
    print("rig pid %d, baseline rss %.1f MiB, fds %d" % (pid, base["rss"] / 2**20, base["fds"]),
          flush=True)
    t_start = time.time()
    workers = Workers(a, port)
    workers.read_all("ready", a.ready_timeout)
    connected = proc_sample(pid)
    print("%d connections after %.1f s: rss %.1f MiB, fds %d" % (
        a.connections, time.time() - t_start, connected["rss"] / 2**20, connected["fds"]),
        flush=True)

    pub = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    seq = 0
    publish_failures = 0
    samples = []
    minutes = []
    workers.send("churn")
    t0 = time.monotonic()
    end = t0 + a.minutes * 60.0
    next_pub = t0
    next_sample = t0
    worker_out = [p.stdout for p in workers.procs]
    minute_msgs = [[] for _ in workers.procs]
    while True:
        now = time.monotonic()
        # the workers' last minute report comes just after the end: wait for it (bounded)
        if now >= end and (len(minutes) >= int(a.minutes) or now >= end + 20.0):
            break
        if now >= next_pub and now < end:
            seq += 1
            body = json.dumps({"specversion": "1.0", "type": EVENT_TYPE, "id": str(seq),
                               "source": "soak", "time": "2026-12-04T00:00:00Z",
                               "data": {"seq": seq, "t": time.time()}},
                              separators=(",", ":"))
            try:
                pub.request("POST", "/_rig/v1/events", body=body,
                            headers={"Content-Type": "application/json"})
                resp = pub.getresponse()
                resp.read()
                if resp.status != 202 and resp.status != 200:
                    publish_failures += 1
            except (OSError, http.client.HTTPException):
                publish_failures += 1
                pub.close()
                pub = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            next_pub += 1.0 / a.rate
        if now >= next_sample:
            s = proc_sample(pid)
            s["t"] = now - t0
            samples.append(s)
            next_sample += 10.0
        timeout = max(0.0, min(next_pub if now < end else end + 20.0, next_sample, end if now < end else end + 20.0) - time.monotonic())
        ready, _, _ = select.select(worker_out, [], [], timeout)
        for r in ready:
            i = worker_out.index(r)
            msg = json.loads(r.readline())
            minute_msgs[i].append(msg)
            if all(minute_msgs):
                merged = {}
                row = {"minute": len(minutes) + 1, "received": 0, "lost": 0, "dropped": 0,
                       "connect_failures": 0, "opened": 0, "streaming": 0}
                for lst in minute_msgs:
                    m = lst.pop(0)
                    merge(merged, m["hist"])
                    for k in ("received", "lost", "dropped", "connect_failures", "opened",
                              "streaming"):
                        row[k] += m[k]
                row["p50_ms"] = percentile(merged, 0.50)
                row["p99_ms"] = percentile(merged, 0.99)
                row["max_ms"] = percentile(merged, 1.0)
                last = samples[-1]
                row["rss_mib"] = round(last["rss"] / 2**20, 2)
                row["fds"] = last["fds"]
                minutes.append(row)
                print("minute %2d: p50 %.1f ms p99 %.1f ms max %.1f ms, received %d (cumulative), "
                      "lost %d, dropped %d, connects %d (failed %d), rss %.1f MiB, fds %d" % (
                          row["minute"], row["p50_ms"] or 0, row["p99_ms"] or 0,
                          row["max_ms"] or 0, row["received"], row["lost"], row["dropped"],
                          row["opened"], row["connect_failures"], row["rss_mib"], row["fds"]),
                      flush=True)

    # drain: subscribers must see the last event, then everything closes
    time.sleep(a.drain_seconds)
    pub.close()
    workers.send("final %d" % seq)
    finals = workers.read_all("final", 120, lambda i, m: None)
    workers.stop()
    settled = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        settled = proc_sample(pid)
        if settled["fds"] <= base["fds"]:
            break
        time.sleep(0.5)

    def mean(xs):
        return sum(xs) / len(xs) if xs else 0.0

    warm = [s for s in samples if s["t"] >= a.warmup_minutes * 60.0]
    first_min = [s["rss"] for s in warm if s["t"] < a.warmup_minutes * 60.0 + 60.0]
    last_min = [s["rss"] for s in warm if s["t"] >= samples[-1]["t"] - 60.0]
    drift = (mean(last_min) - mean(first_min)) / mean(first_min) * 100.0 if first_min else None
    totals = {k: sum(f[k] for f in finals) for k in ("received", "lost", "lossy_subs",
                                                     "out_of_order", "dropped",
                                                     "connect_failures", "opened",
                                                     "closed_by_us")}
    causes = {}
    for f in finals:
        for k, v in f["failure_causes"].items():
            causes[k] = causes.get(k, 0) + v
    totals["failure_causes"] = causes
    p99s = [m["p99_ms"] for m in minutes if m["p99_ms"] is not None]
    result = {
        "command": " ".join(sys.argv),
        "connections": a.connections, "processes": a.processes, "rate": a.rate,
        "churn_per_s": a.churn, "minutes": a.minutes, "warmup_minutes": a.warmup_minutes,
        "events_published": seq, "publish_failures": publish_failures,
        "baseline": base, "connected": connected, "after_close": settled,
        "rss_first_minute_after_warmup_mib": round(mean(first_min) / 2**20, 2),
        "rss_last_minute_mib": round(mean(last_min) / 2**20, 2),
        "rss_drift_percent": round(drift, 3) if drift is not None else None,
        "rss_max_after_warmup_mib": round(max((s["rss"] for s in warm), default=0) / 2**20, 2),
        "fds_max": max(s["fds"] for s in samples), "fds_min": min(s["fds"] for s in samples),
        "totals": totals, "per_minute": minutes,
        "p99_ms_median": sorted(p99s)[len(p99s) // 2] if p99s else None,
        "p99_ms_min": min(p99s) if p99s else None, "p99_ms_max": max(p99s) if p99s else None,
        "samples": samples,
    }
    result["verdict"] = {
        "rss_drift_below_2_percent": drift is not None and abs(drift) < 2.0,
        "no_fd_leak": settled is not None and settled["fds"] <= base["fds"],
        "zero_lost_events": totals["lost"] == 0 and totals["dropped"] == 0
        and publish_failures == 0,
    }
    summary = {k: v for k, v in result.items() if k not in ("samples", "per_minute")}
    print(json.dumps(summary, indent=1))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)
    if rig_proc is not None:
        rig_proc.send_signal(signal.SIGTERM)
        rig_proc.wait(timeout=60)
    return 0 if all(result["verdict"].values()) else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rig", default="build/rig", help="rig binary to start (build/rig)")
    p.add_argument("--shards", type=int, default=2)
    p.add_argument("--env", action="append", default=[], help="KEY=VALUE for rig")
    p.add_argument("--port", type=int, help="use a running rig: its public port")
    p.add_argument("--api-port", type=int)
    p.add_argument("--pid", type=int)
    p.add_argument("--connections", type=int, default=15000)
    p.add_argument("--processes", type=int, default=4)
    p.add_argument("--rate", type=float, default=2.0, help="events/s, each to every subscriber")
    p.add_argument("--churn", type=float, default=0.01, help="fraction replaced per second")
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--warmup-minutes", type=float, default=5.0)
    p.add_argument("--drain-seconds", type=float, default=3.0)
    p.add_argument("--ready-timeout", type=float, default=300.0)
    p.add_argument("--max-connecting", type=int, default=128)
    p.add_argument("--json", help="write the full result here")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--source", default="127.0.0.2", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        Worker(a).run()
        return 0
    return run_parent(a)


if __name__ == "__main__":
    sys.exit(main())
