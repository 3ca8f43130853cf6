"""HTTP ingest in rig CPU per event (issue 16): POST /_rig/v1/events with wrk -t1 -c32 for
SECONDS, one event per request or a batch of N (application/cloudevents-batch+json), nobody
subscribed; rig's CPU is its threads' run times (/proc/<pid>/task/*/schedstat) around the wrk
run. Each binary
given is started fresh per run and the binaries take turns, RUNS times; prints one JSON line per
run and a summary (median and range) per binary and case.

usage: ingest_cpu.py BINARY [BINARY...]
env:   RUNS (5), SECONDS (5), BATCHES ("1 100"), RIG_SHARDS (rig's default when unset)
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

from ingest_common import cpu_seconds

RUNS, SECONDS = int(os.environ.get("RUNS", "5")), int(os.environ.get("SECONDS", "5"))
BATCHES = [int(b) for b in os.environ.get("BATCHES", "1 100").split()]
EVENT = {"specversion": "1.0", "type": "bench.ingest", "source": "bench", "id": "1",
         "data": {"name": "alice", "pad": "x" * 90}}


def run(binary, per_request):
    env = dict(os.environ, INBOUND_PORT="0", API_HTTP_PORT="0", RIG_READY_FILE="/dev/stdout",
               LOG_LEVEL="error", MAX_CONNECTIONS_PER_MINUTE="0")
    rig = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, text=True)
    try:
        ports = json.loads(rig.stdout.readline())
        if per_request == 1:
            body, ctype = json.dumps(EVENT), "application/cloudevents+json"
        else:
            body = json.dumps([dict(EVENT, id=str(i)) for i in range(per_request)])
            ctype = "application/cloudevents-batch+json"
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            lua.write('wrk.method = "POST"\nwrk.body = [==[%s]==]\n'
                      'wrk.headers["Content-Type"] = "%s"\n' % (body, ctype))
        before = cpu_seconds(rig.pid)
        out = subprocess.run(["wrk", "-t1", "-c32", "-d%ds" % SECONDS, "-s", lua.name,
                              "http://127.0.0.1:%d/_rig/v1/events" % ports["inbound_port"]],
                             capture_output=True, text=True, check=True).stdout
        cpu = cpu_seconds(rig.pid) - before
        os.unlink(lua.name)
        requests = int(next(l for l in out.splitlines() if "requests in" in l).split()[0])
        if "Non-2xx" in out:
            sys.exit("non-2xx answers:\n" + out)
        events = requests * per_request
        return {"binary": binary, "events_per_request": per_request,
                "events_per_s": events / SECONDS, "cpu_us_per_event": cpu * 1e6 / events}
    finally:
        rig.terminate()
        rig.wait()


def main():
    binaries = sys.argv[1:]
    results = []
    for _ in range(RUNS):
        for per in BATCHES:
            for b in binaries:
                r = run(b, per)
                print(json.dumps(r), flush=True)
                results.append(r)
    for per in BATCHES:
        for b in binaries:
            rs = [r for r in results if r["binary"] == b and r["events_per_request"] == per]
            eps = [r["events_per_s"] for r in rs]
            cpu = [r["cpu_us_per_event"] for r in rs]
            print("| %s | %d | %.0f (%.0f–%.0f) | %.2f (%.2f–%.2f) |" % (
                b, per, statistics.median(eps), min(eps), max(eps),
                statistics.median(cpu), min(cpu), max(cpu)))


main()
