"""System calls per proxied request, rig builds against nginx, counted by the kernel.

usage: /usr/bin/python3 bench/proxy_syscalls.py [--rate] BINARY... [nginx]
For each named rig binary (and nginx, when "nginx" is among the names): bench/proxy.py's setup
(a backend nginx; the proxy: rig with RIG_SHARDS=1 and an API to the backend, or nginx with one
worker), a 1 s warm-up, then 3 s of load while `perf stat` counts the proxy's system calls
from the kernel's tracepoints: in all, those that failed with EAGAIN (a read that found
nothing), and the ones a proxy makes per request. Load: wrk -t1 -c50 (saturation, proxy.py's
PROXY_CONNECTIONS), or with --rate h2load at 5000 requests/s over 10 connections (proxy.py's
fixed rate, PROXY_RATE and PROXY_RATE_CONNECTIONS).

`strace -c` hides the reads that find nothing: it slows the proxy so much that every read
finds its data. The tracepoints cost little enough that the counts are the proxy's own.
Needs perf and root (tracepoints).
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proxy as P  # noqa: E402

CALLS = ["recvfrom", "sendmsg", "writev", "sendto", "read", "write", "epoll_wait", "epoll_ctl",
         "timerfd_settime", "getsockopt"]


def load(url, rate):
    """3 s of load; the requests made. (proxy.h2load_rate warms up inside its run, whose
    requests perf would count and its log would not.)"""
    if not rate:
        return P.wrk(url, P.CONNECTIONS, 3)["requests"]
    out = subprocess.run(["h2load", "--h1", "-t1", "-c%d" % P.RATE_CONNECTIONS,
                          "--rps=%d" % (P.RATE // P.RATE_CONNECTIONS), "-D3", url],
                         check=True, capture_output=True, text=True).stdout
    return int(re.search(r"requests: (\d+) total", out).group(1))


def count(name, rate):
    proc, backend, url, worker = P.start_proxied_backend(name)
    try:
        P.wrk(url, 50, 1)
        out = os.path.join(P.SCRATCH, "perf.txt")
        events = ["-e", "raw_syscalls:sys_enter", "-e", "raw_syscalls:sys_exit",
                  "--filter", "ret == -11"]
        for call in CALLS:
            events += ["-e", "syscalls:sys_enter_" + call]
        perf = subprocess.Popen(["perf", "stat", "-x,", "-o", out, *events, "-p", str(worker)])
        time.sleep(0.5)  # perf attaches
        requests = load(url, rate)
        perf.send_signal(2)
        perf.wait()
    finally:
        P.stop(proc)
        P.stop(backend)
    counts = {}
    with open(out) as f:
        for line in f:
            fields = line.split(",")
            if len(fields) > 2 and fields[0].strip().isdigit():
                counts[fields[2]] = int(fields[0])
    per = {"all": counts["raw_syscalls:sys_enter"] / requests,
           "EAGAIN": counts["raw_syscalls:sys_exit"] / requests}
    for call in CALLS:
        per[call] = counts.get("syscalls:sys_enter_" + call, 0) / requests
    return requests, per


def main(args):
    rate = "--rate" in args
    names = [a for a in args if a != "--rate"]
    if not names:
        sys.exit(__doc__)
    for name in names:
        requests, per = count(name, rate)
        shown = "  ".join("%s %.2f" % (k, v) for k, v in per.items() if v >= 0.005)
        print("%-24s %7d requests   per request: %s" % (os.path.basename(name), requests, shown),
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
