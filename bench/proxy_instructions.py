"""Instructions per proxied request: rig's user-space work on the proxy path, counted exactly.

usage: /usr/bin/python3 bench/proxy_instructions.py [RIG_BINARY] [REQUESTS]
A backend nginx (bench/proxy.py's), rig (RIG_SHARDS=1, an API to the backend) under
valgrind's callgrind; h2load --h1 sends 1000 warm-up GETs, callgrind's counters are zeroed,
then REQUESTS (default 3000) GETs over IR_CONNS connections (default 1); prints the
instructions (callgrind's Ir, all of rig's threads) per request and the profile's path, for
callgrind_annotate. Unlike CPU time on a shared machine this does not move with the load,
so two builds compare run against run; what still varies (a few percent) is how often a
read finds nothing and waits. The kernel's share of the work is not in it: measure that
with bench/proxy_cpu_split.py.
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proxy as P  # noqa: E402


def h2load(url, requests, connections):
    out = subprocess.run(["h2load", "--h1", "-n", str(requests), "-c", str(connections),
                          "-m", "1", url], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"(\d+) succeeded", out).group(1))


def main():
    rig_binary = sys.argv[1] if len(sys.argv) > 1 else P.RIG
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    connections = int(os.environ.get("IR_CONNS", "1"))
    P.SCRATCH = tempfile.mkdtemp()
    bport = P.free_port()
    backend = P.start_nginx("backend", P.BACKEND_HTTP.format(port=bport))
    P.wait_port(bport)
    config = P.api_config("b", bport, [{"id": "e", "method": "GET", "path_regex": "/.*"}])
    profile = os.path.join(P.SCRATCH, "callgrind.out")
    env = dict(os.environ, INBOUND_PORT="0", API_HTTP_PORT="0", RIG_BIND_ADDRESS="127.0.0.1",
               RIG_API_BIND_ADDRESS="127.0.0.1", RIG_READY_FILE="/dev/stdout", RIG_SHARDS="1",
               LOG_LEVEL="warn", MAX_CONNECTIONS_PER_MINUTE="0", PROXY_CONFIG_FILE=config)
    rig = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + profile +
                            ".%p", rig_binary], env=env, stdout=subprocess.PIPE,
                           stderr=open(os.path.join(P.SCRATCH, "valgrind.log"), "w"), text=True)
    P.STARTED.append(rig)
    ports = json.loads(rig.stdout.readline())
    url = "http://127.0.0.1:%d/x" % ports["inbound_port"]
    h2load(url, 1000, connections)
    subprocess.run(["callgrind_control", "-z", str(rig.pid)], capture_output=True, check=True)
    done = h2load(url, requests, connections)
    subprocess.run(["callgrind_control", "-d", str(rig.pid)], capture_output=True, check=True)
    dump = profile + ".%d.1" % rig.pid
    for _ in range(100):
        if os.path.exists(dump) and os.path.getsize(dump) > 0:
            break
        time.sleep(0.1)
    time.sleep(0.5)  # the dump is written, then closed
    total = None
    with open(dump) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                total = int(line.split()[1])
    print("%s: %d requests, %.0f instructions per request (%s)"
          % (rig_binary, done, total / done, dump))
    P.stop(rig)
    P.stop(backend)


if __name__ == "__main__":
    main()
