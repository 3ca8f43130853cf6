"""Rig builds and nginx as the proxy, in turns: req/s and the proxy's CPU per request.

usage: /usr/bin/python3 bench/proxy_cpu_compare.py RUNS BINARY... [nginx]
For each of RUNS rounds, each named rig binary (and nginx, when "nginx" is among the names)
serves bench/proxy.py's setup in turn: a backend nginx, the proxy (rig with RIG_SHARDS=1 and
an API to the backend, or nginx with one worker), wrk -t1 -c50 for 5 s after a 1 s warm-up.
Prints per run: req/s, p50, the proxy's user and system CPU µs per request
(/proc/<pid>/stat), its involuntary context switches per request (all threads) and the
machine's idle share during the run; then median (range) per binary. Several builds
measured in turns share the machine's moods, which one-at-a-time series do not.
"""
import glob
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proxy as P  # noqa: E402


def counters(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    preempted = 0
    for task in glob.glob("/proc/%d/task/*/status" % pid):
        with open(task) as f:
            for line in f:
                if line.startswith("nonvoluntary_ctxt_switches"):
                    preempted += int(line.split()[1])
    return int(fields[11]), int(fields[12]), preempted


def machine_idle():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[3] + v[4], sum(v)


def run(name, seconds=5):
    proc, backend, url, worker = P.start_proxied_backend(name)
    P.wrk(url, 50, 1)
    u0, s0, p0 = counters(worker)
    i0, t0 = machine_idle()
    r = P.wrk(url, 50, seconds)
    i1, t1 = machine_idle()
    u1, s1, p1 = counters(worker)
    P.stop(proc)
    P.stop(backend)
    n = r["requests"]
    hz = os.sysconf("SC_CLK_TCK")
    return {"rps": r["requests_per_s"], "p50": r["p50_ms"], "user": (u1 - u0) * 1e6 / hz / n,
            "system": (s1 - s0) * 1e6 / hz / n, "preempted": (p1 - p0) / n,
            "idle": (i1 - i0) / (t1 - t0), "non_2xx": r["non_2xx"]}


def main():
    runs = int(sys.argv[1])
    names = sys.argv[2:]
    results = {n: [] for n in names}
    for _ in range(runs):
        for n in names:
            r = run(n)
            results[n].append(r)
            print("%-24s %7.0f req/s  p50 %.3f ms  user %.2f  system %.2f µs/req  "
                  "preempted %.2f/req  idle %.2f  non-2xx %d"
                  % (os.path.basename(n), r["rps"], r["p50"], r["user"], r["system"],
                     r["preempted"], r["idle"], r["non_2xx"]), flush=True)
    for n in names:
        def stat(key, v=results[n]):
            xs = [x[key] for x in v]
            return "%.2f (%.2f–%.2f)" % (statistics.median(xs), min(xs), max(xs))
        print("%-24s req/s %s  user %s  system %s" % (os.path.basename(n), stat("rps"),
                                                      stat("user"), stat("system")))


if __name__ == "__main__":
    main()
