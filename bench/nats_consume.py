"""NATS consumption benchmark (issue 16): how fast one rig node consumes, parses and matches
CloudEvents from a NATS subject, and at what CPU cost per event.

A real nats-server on a free port; rig subscribes to the subject `bench` (NATS_SOURCE_TOPICS)
and its SSE subscribers connect (each constrained to a value no event carries, as in
kafka_consume.py); then one publisher writes MESSAGES copies of the same ~200-byte structured
CloudEvent over a raw socket as fast as the server takes them. The rate and rig's CPU per event
(run times from /proc/<pid>/task/*/schedstat, in all and by thread) are taken between the
first and the last change of rig_consumed_events_total (read every POLL_MS, default 50); the
run fails unless every message was consumed.

usage: nats_consume.py OUT_JSON LABEL SUBSCRIBERS
env:   MESSAGES (default 500,000), RIG_BINARY (default build/rig)
       PERF_DATA, PERF_OPTIONS  perf record rig during the consumption (bench/ingest_common.py)
"""
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from ingest_common import (connect_subscribers, free_port, measure_consumption, report,
                           start_profile, stop_profile)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RIG = os.environ.get("RIG_BINARY", os.path.join(ROOT, "build", "rig"))
out_path, label, subscribers = sys.argv[1], sys.argv[2], int(sys.argv[3])
MESSAGES = int(os.environ.get("MESSAGES", "500000"))
CHUNK = 1000  # messages per write

event = {"specversion": "1.0", "type": "bench.kafka", "source": "bench", "id": "1",
         "data": {"name": "alice", "pad": "x" * 90}}
value = json.dumps(event).encode()


def publish(port):
    """PUBs MESSAGES copies of the event, CHUNK per write, then a PING to wait for the server
    to have taken them all."""
    s = socket.create_connection(("127.0.0.1", port))
    s.recv(4096)  # INFO
    s.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\n')
    one = b"PUB bench %d\r\n%s\r\n" % (len(value), value)
    sent = 0
    while sent < MESSAGES:
        n = min(CHUNK, MESSAGES - sent)
        s.sendall(one * n)
        sent += n
    s.sendall(b"PING\r\n")
    answer = b""
    while b"PONG" not in answer:
        answer += s.recv(4096)
    s.close()


def wait_connected(api_port):
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            body = urllib.request.urlopen(
                "http://127.0.0.1:%d/health/sources" % api_port).read().decode()
            if json.loads(body)["sources"]["nats"]["connected"]:
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.05)
    sys.exit("rig's NATS source did not connect")


nats_port = free_port()
nats = subprocess.Popen(["nats-server", "-a", "127.0.0.1", "-p", str(nats_port)],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
env = dict(os.environ, NATS_SERVERS="127.0.0.1:%d" % nats_port, NATS_SOURCE_TOPICS="bench",
           EXTRACTORS=json.dumps({"bench.kafka": {"name": {"stable_field_index": 0,
                                                           "event": {"json_pointer": "/data/name"}}}}),
           MAX_CONNECTIONS_PER_MINUTE="0", INBOUND_PORT="0", API_HTTP_PORT="0",
           RIG_READY_FILE="/dev/stdout", LOG_LEVEL="error")
rig = subprocess.Popen([RIG], env=env, stdout=subprocess.PIPE, text=True)
try:
    ports = json.loads(rig.stdout.readline())
    wait_connected(ports["api_port"])
    clients = connect_subscribers(ports["inbound_port"], subscribers, "bench.kafka")
    perf = start_profile(rig.pid)
    publisher = threading.Thread(target=publish, args=(nats_port,))
    publisher.start()
    seconds, rate, cpu_us, by_thread = measure_consumption(rig.pid, ports["api_port"], "nats",
                                                           "bench", MESSAGES)
    stop_profile(perf)
    publisher.join()
    report(out_path, {"label": label, "subscribers": subscribers, "consumed": MESSAGES,
                      "seconds": seconds, "events_per_s": rate, "cpu_us_per_event": cpu_us,
                      "cpu_us_per_event_by_thread": by_thread, "message_bytes": len(value)},
           clients)
finally:
    rig.terminate()
    rig.wait()
    nats.terminate()
    nats.wait()
