"""Holds idle SSE connections to rig whose subscriptions fill the index with many event types
that no benchmark event matches (for the index-growth scenario).

usage: index_filler.py PORT TOTAL_SUBSCRIPTIONS [PER_CONNECTION]
Prints "ready <n>" once every connection has its subscriptions, then holds them until stdin
closes or it is killed.
"""
import json
import socket
import sys
import urllib.parse

port, total = int(sys.argv[1]), int(sys.argv[2])
per_conn = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
conns = []
made = 0
while made < total:
    n = min(per_conn, total - made)
    subs = [{"eventType": "filler.%d" % (made + i)} for i in range(n)]
    made += n
    query = urllib.parse.quote(json.dumps(subs, separators=(",", ":")), safe="")
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(("GET /_rig/v1/connection/sse?subscriptions=%s HTTP/1.1\r\nHost: x\r\n\r\n"
               % query).encode())
    conns.append(s)
for s in conns:
    data = b""
    # rig.subscriptions_set is the second event: the subscriptions are in the index.
    while data.count(b"rig.subscriptions_set") < 1:
        chunk = s.recv(1 << 20)
        if not chunk:
            sys.exit("connection closed: %r" % data[:300])
        data += chunk
print("ready %d" % made, flush=True)
sys.stdin.read()
