#!/usr/bin/python3
"""Connection churn (issue 15, "Resources"): SSE, WebSocket and long-poll connections opened
and closed in waves, then rig must be back where it started.

Worker processes (each binding its own 127.0.0.x source address) open a wave of connections
at once — a third each SSE, WebSocket and long-poll, all subscribed — wait until every one is
established and subscribed (SSE and WebSocket: rig.subscriptions_set arrived; long poll: the
connect answer), close them all, and start the next wave, until --total connections were
made. The long-poll sessions are abandoned, never polled again: they must expire after
RIG_LONGPOLL_SESSION_TTL_MS (--lp-ttl-ms here) and free their memory.

Afterwards rig's descriptor count (/proc/<pid>/fd) must return to its baseline and the
long-poll gauge to 0; resident memory is reported at the start, after the first wave has
settled (warm), at the peak, and once everything settled. One wave first warms up rig so that
the comparison is warm against warm.

  nice -n 5 /usr/bin/python3 bench/churn.py --total 200000 --wave 2000 --processes 4

run_waves() is also used by tests/e2e/test_churn.py (a lean version under ctest).
Python standard library only; run with /usr/bin/python3.
"""

import argparse
import base64
import json
import os
import select
import selectors
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

SUBS = urllib.parse.quote(json.dumps([{"eventType": "churn.x"}]))
KINDS = ("sse", "ws", "lp")


def request_for(kind):
    if kind == "sse":
        return ("GET /_rig/v1/connection/sse?subscriptions=%s HTTP/1.1\r\nHost: x\r\n"
                "Accept: text/event-stream\r\n\r\n" % SUBS).encode()
    if kind == "ws":
        key = base64.b64encode(os.urandom(16)).decode()
        return ("GET /_rig/v1/connection/ws?subscriptions=%s HTTP/1.1\r\nHost: x\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n" % (SUBS, key)).encode()
    return ("GET /_rig/v1/connection/longpolling?subscriptions=%s HTTP/1.1\r\nHost: x\r\n\r\n"
            % SUBS).encode()


def established(kind, buf):
    """Whether `buf` (what the connection received so far) shows it connected and subscribed;
    raises ValueError on a refusal."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return False
    status = buf[9:12]
    if kind == "ws":
        if status != b"101":
            raise ValueError(buf[:12])
        return b"rig.subscriptions_set" in buf
    if status != b"200":
        raise ValueError(buf[:12])
    if kind == "sse":
        return b"rig.subscriptions_set" in buf
    head = buf[:end].lower()
    i = head.find(b"content-length:")
    if i < 0:
        return True
    length = int(head[i + 15:].split(b"\r\n", 1)[0])
    return len(buf) >= end + 4 + length


def run_waves(port, total, wave, source=None, max_connecting=256, timeout=60.0):
    """Opens `total` connections in waves of `wave` (kinds in turn); returns counts
    {"made": n, "failed": n, "failures": {why: n}}. Each wave is established, then closed."""
    made, failed, failures = 0, 0, {}
    kind_at = 0
    while made + failed < total:
        n = min(wave, total - made - failed)
        sel = selectors.DefaultSelector()
        pending = []  # (kind) to open
        for _ in range(n):
            pending.append(KINDS[kind_at % 3])
            kind_at += 1
        live = {}  # sock -> [kind, buf, state]
        done = []
        connecting = 0
        deadline = time.monotonic() + timeout
        while pending or connecting or any(v[2] != "done" for v in live.values()):
            while pending and connecting < max_connecting:
                kind = pending.pop()
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                if source:
                    s.bind((source, 0))
                try:
                    s.connect(("127.0.0.1", port))
                except BlockingIOError:
                    pass
                live[s] = [kind, b"", "connecting"]
                connecting += 1
                sel.register(s, selectors.EVENT_WRITE)
            left = deadline - time.monotonic()
            if left <= 0:
                for s, v in live.items():
                    if v[2] != "done":
                        failed += 1
                        failures["timeout"] = failures.get("timeout", 0) + 1
                        v[2] = "done"
                break
            for key, _ in sel.select(min(left, 1.0)):
                s = key.fileobj
                v = live[s]
                if v[2] == "connecting":
                    connecting -= 1
                    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        why = "connect: " + os.strerror(err)
                        failures[why] = failures.get(why, 0) + 1
                        failed += 1
                        v[2] = "done"
                        sel.unregister(s)
                        continue
                    s.sendall(request_for(v[0]))
                    v[2] = "reading"
                    sel.modify(s, selectors.EVENT_READ)
                    continue
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                v[1] += data
                try:
                    ok = established(v[0], v[1])
                except ValueError as e:
                    why = "answer: %s" % e
                    failures[why] = failures.get(why, 0) + 1
                    failed += 1
                    v[2] = "done"
                    sel.unregister(s)
                    continue
                if ok:
                    made += 1
                    v[2] = "done"
                    sel.unregister(s)
                elif not data:
                    failures["closed early"] = failures.get("closed early", 0) + 1
                    failed += 1
                    v[2] = "done"
                    sel.unregister(s)
        for s in live:
            s.close()
        sel.close()
    return {"made": made, "failed": failed, "failures": failures}


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def metrics(api_port):
    out = {}
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % api_port, timeout=30) as r:
        for line in r.read().decode().splitlines():
            if line and not line.startswith("#"):
                k, v = line.rsplit(" ", 1)
                out[k] = float(v)
    return out


LP_GAUGE = 'rig_connections{transport="longpolling"}'


def settle(pid, api_port, baseline_fds, timeout):
    """Polls (one metrics request per round) until the descriptors are back at the baseline
    and no long-poll session is left; returns (seconds, fds, long-poll sessions)."""
    t0 = time.monotonic()
    while True:
        m = metrics(api_port)
        fds = fd_count(pid)
        lp = m.get(LP_GAUGE, 0)
        if (fds <= baseline_fds and lp == 0) or time.monotonic() - t0 > timeout:
            return time.monotonic() - t0, fds, lp
        time.sleep(0.2)


def start_rig(binary, lp_ttl_ms):
    env = dict(os.environ)
    env.update({"INBOUND_PORT": "0", "API_HTTP_PORT": "0", "RIG_BIND_ADDRESS": "127.0.0.1",
                "RIG_API_BIND_ADDRESS": "127.0.0.1", "RIG_READY_FILE": "/dev/stdout",
                "RIG_SHARDS": "2", "LOG_LEVEL": "warning", "MAX_CONNECTIONS_PER_MINUTE": "0",
                "RIG_LONGPOLL_SESSION_TTL_MS": str(lp_ttl_ms)})
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    if not ready:
        proc.kill()
        raise SystemExit("rig did not report ready")
    info = json.loads(proc.stdout.readline())
    return proc, info["inbound_port"], info["api_port"]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rig", default="build/rig")
    p.add_argument("--total", type=int, default=200000)
    p.add_argument("--wave", type=int, default=2000, help="connections per wave (all processes)")
    p.add_argument("--processes", type=int, default=4)
    p.add_argument("--lp-ttl-ms", type=int, default=3000)
    p.add_argument("--json")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--source", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker:
        print(json.dumps(run_waves(a.port, a.total, a.wave, a.source)))
        return 0

    proc, port, api_port = start_rig(a.rig, a.lp_ttl_ms)
    pid = proc.pid
    try:
        base_fds, base_rss = fd_count(pid), rss(pid)
        # Warm-up wave, settled: what a warm rig with nothing connected holds.
        run_waves(port, a.wave, a.wave)
        settle(pid, api_port, base_fds, a.lp_ttl_ms / 1000.0 * 4 + 30)
        warm_rss = rss(pid)
        t0 = time.monotonic()
        workers = [subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--worker", "--port", str(port),
             "--total", str(a.total // a.processes), "--wave", str(a.wave // a.processes),
             "--source", "127.0.0.%d" % (2 + k)], stdout=subprocess.PIPE, text=True)
            for k in range(a.processes)]
        peak_rss, peak_fds = 0, 0
        while any(w.poll() is None for w in workers):
            peak_rss, peak_fds = max(peak_rss, rss(pid)), max(peak_fds, fd_count(pid))
            time.sleep(0.2)
        results = [json.loads(w.stdout.read()) for w in workers]
        elapsed = time.monotonic() - t0
        made = sum(r["made"] for r in results)
        failed = sum(r["failed"] for r in results)
        failures = {}
        for r in results:
            for k, v in r["failures"].items():
                failures[k] = failures.get(k, 0) + v
        rss_before_settle = rss(pid)
        waited, fds, lp = settle(pid, api_port, base_fds, a.lp_ttl_ms / 1000.0 * 4 + 60)
        end_rss = rss(pid)
        m = metrics(api_port)
        out = {
            "command": " ".join(sys.argv), "total": a.total, "wave": a.wave,
            "processes": a.processes, "lp_ttl_ms": a.lp_ttl_ms,
            "made": made, "failed": failed, "failures": failures,
            "seconds": round(elapsed, 1), "connections_per_s": round(made / elapsed),
            "fds_baseline": base_fds, "fds_peak": peak_fds, "fds_after": fds,
            "longpoll_sessions_after": lp, "settle_seconds": round(waited, 1),
            "rss_baseline_mib": round(base_rss / 2**20, 2),
            "rss_warm_mib": round(warm_rss / 2**20, 2),
            "rss_peak_mib": round(peak_rss / 2**20, 2),
            "rss_before_settle_mib": round(rss_before_settle / 2**20, 2),
            "rss_after_mib": round(end_rss / 2**20, 2),
            "rss_growth_over_warm_mib": round((end_rss - warm_rss) / 2**20, 2),
            "connections_opened_total": m.get("rig_connections_opened_total"),
        }
        out["ok"] = fds <= base_fds and lp == 0 and failed == 0
        print(json.dumps(out, indent=1))
        if a.json:
            with open(a.json, "w") as f:
                json.dump(out, f, indent=1)
        return 0 if out["ok"] else 1
    finally:
        proc.terminate()
        proc.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
