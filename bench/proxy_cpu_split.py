"""Where a proxied request's CPU goes: user vs kernel time of the proxy, per request.

usage: /usr/bin/python3 bench/proxy_cpu_split.py rig|nginx [SECONDS]
A backend nginx (bench/proxy.py's), then rig (RIG_SHARDS=1, an API to the backend) or nginx as
a reverse proxy (one worker); wrk -t1 -c50 for SECONDS (default 5) after a 1 s warm-up; prints
req/s, p50, and the proxy's user and system CPU µs per request from /proc/<pid>/stat (nginx:
its worker). PERF=1 also records `perf record` of the proxy into /tmp/proxy-perf.data, with
PERF_OPTIONS (default -g).
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proxy as P  # noqa: E402


def ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


def main():
    mode = sys.argv[1]
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    P.SCRATCH = tempfile.mkdtemp()
    bport = P.free_port()
    backend = P.start_nginx("backend", P.BACKEND_HTTP.format(port=bport))
    P.wait_port(bport)
    if mode == "rig":
        cfg = P.api_config("b", bport, [{"id": "e", "method": "GET", "path_regex": "/.*"}])
        proc, port = P.start_rig({"PROXY_CONFIG_FILE": cfg})
        worker = proc.pid
    else:
        port = P.free_port()
        proc = P.start_nginx("proxy", P.PROXY_HTTP.format(port=port, backend=bport))
        P.wait_port(port)
        worker = P.process_tree(proc.pid)[-1]
    url = "http://127.0.0.1:%d/x" % port
    P.wrk(url, 50, 1)
    perf = None
    if os.environ.get("PERF"):
        options = os.environ.get("PERF_OPTIONS", "-g").split()
        perf = subprocess.Popen(["perf", "record"] + options +
                                ["-o", "/tmp/proxy-perf.data", "-p", str(worker)],
                                stderr=subprocess.DEVNULL)
    u0, s0 = ticks(worker)
    r = P.wrk(url, 50, seconds)
    u1, s1 = ticks(worker)
    if perf:
        perf.send_signal(2)
        perf.wait()
    hz = os.sysconf("SC_CLK_TCK")
    n = r["requests"]
    print("%s %d req/s p50 %.3f ms  user %.2f µs/req  system %.2f µs/req  non-2xx %d"
          % (mode, r["requests_per_s"], r["p50_ms"], (u1 - u0) * 1e6 / hz / n,
             (s1 - s0) * 1e6 / hz / n, r["non_2xx"]))
    P.stop(proc)
    P.stop(backend)


if __name__ == "__main__":
    main()
