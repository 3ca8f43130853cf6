"""What the broker consumption benchmarks share (kafka_consume.py, nats_consume.py): rig's CPU
time from /proc, SSE subscribers whose constraint never holds, and the sampling of rig's
rig_consumed_events_total counter until consumption has ended."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

# How often the consumed count is read. Each read is a /metrics scrape that costs rig CPU
# (~0.5 ms at 10,000 connections) counted against the events consumed meanwhile: read every
# 10 ms, it was ~4% of the CPU per event. The count and the CPU are read together, so the rate
# and the CPU per event cover the same window whatever the period.
POLL_S = float(os.environ.get("POLL_MS", "50")) / 1000
STILL_SAMPLES = max(2, int(1.0 / POLL_S))  # the count unchanged for a second: consumption ended


def thread_cpu(pid):
    """{thread id: (name, CPU seconds)} for the process's threads: their run times in
    /proc/<pid>/task/*/schedstat (nanoseconds, where /proc/<pid>/stat counts 10 ms clock ticks,
    ~1% of a one-second run) and their names (rig names its threads: rig-kafka-in,
    rig-shard-0, ...; librdkafka's are rdk:*)."""
    out, tasks = {}, "/proc/%d/task" % pid
    for tid in os.listdir(tasks):
        try:
            with open("%s/%s/schedstat" % (tasks, tid)) as f:
                ns = int(f.read().split()[0])
            with open("%s/%s/comm" % (tasks, tid)) as f:
                out[tid] = (f.read().strip(), ns / 1e9)
        except (FileNotFoundError, ProcessLookupError):
            pass  # the thread ended meanwhile
    return out


def cpu_seconds(pid):
    """CPU time of the process (all its threads), in seconds."""
    return sum(seconds for _, seconds in thread_cpu(pid).values())


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def consumed(api_port, source, topic):
    m = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % api_port).read().decode()
    v = re.search(r'rig_consumed_events_total\{source="%s",topic="%s"\} (\d+)'
                  % (source, re.escape(topic)), m)
    return int(v.group(1)) if v else 0


def connect_subscribers(port, count, event_type):
    """Opens `count` SSE connections to `event_type`, each constrained to a value of its own
    that no event carries (requests first, answers after: connecting is not what is measured),
    and returns their sockets once each has been answered 200."""
    socks = []
    for i in range(count):
        subs = urllib.parse.quote(json.dumps(
            [{"eventType": event_type, "oneOf": [{"name": "nobody%d" % i}]}]))
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(("GET /_rig/v1/connection/sse?subscriptions=%s HTTP/1.1\r\n"
                   "Host: bench\r\n\r\n" % subs).encode())
        socks.append(s)
    for s in socks:
        head = b""
        while b"\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                sys.exit("a subscriber was disconnected before its answer")
            head += chunk
        if b" 200 " not in head.split(b"\r\n")[0]:
            sys.exit("a subscriber was refused: %r" % head[:200])
    return socks


def report(out_path, result, clients):
    """Prints the run's result, writes it to `out_path` and closes the subscribers."""
    print(json.dumps(result))
    with open(out_path, "w") as f:
        json.dump(result, f)
    for c in clients:
        c.close()


def start_profile(rig_pid):
    """With PERF_DATA=FILE in the environment, `perf record`s rig (options from PERF_OPTIONS,
    default -F 2999 -g) from now until stop_profile(): only the consumption, not the start-up
    and the subscribers' connecting. Returns the perf process or None."""
    out = os.environ.get("PERF_DATA")
    if not out:
        return None
    opts = os.environ.get("PERF_OPTIONS", "-F 2999 -g").split()
    perf = subprocess.Popen(["perf", "record", *opts, "-o", out, "-p", str(rig_pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # perf prints nothing until it stops; give it its first samples' worth of time to attach.
    time.sleep(0.5)
    return perf


def stop_profile(perf):
    if perf is not None:
        perf.send_signal(signal.SIGINT)
        perf.wait()


def measure_consumption(rig_pid, api_port, source, topic, expected, timeout=120):
    """Samples the consumed count and rig's CPU every POLL_MS until the count has stood still
    for a second; returns (seconds, events/s, rig CPU µs per event, {thread name: its CPU µs per
    event}) between the count's first and last change, and exits unless `expected` messages
    were consumed."""
    samples = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        samples.append((time.time(), consumed(api_port, source, topic), thread_cpu(rig_pid)))
        if (len(samples) > STILL_SAMPLES and samples[-1][1] == samples[-STILL_SAMPLES][1]
                and samples[-1][1] > 0):
            break
        time.sleep(POLL_S)
    total = samples[-1][1]
    if total != expected:
        sys.exit("consumed %d of %d messages" % (total, expected))
    first = next(s for s in samples if s[1] > 0)
    last = next(s for s in samples if s[1] == total)
    seconds = last[0] - first[0]
    events = last[1] - first[1]
    rate = events / seconds if seconds > 0 else 0
    by_thread = {}
    for tid, (name, cpu) in last[2].items():
        by_thread[name] = by_thread.get(name, 0) + cpu - first[2].get(tid, (name, 0))[1]
    cpu_us = sum(by_thread.values()) * 1e6 / events if events > 0 else 0
    by_thread = {name: round(cpu * 1e6 / events, 3) for name, cpu in
                 sorted(by_thread.items(), key=lambda kv: -kv[1]) if events > 0 and cpu > 0}
    return seconds, rate, cpu_us, by_thread
