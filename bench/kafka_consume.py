"""Kafka consumption benchmark (make bench, scenario "kafka"): how fast one rig node consumes,
parses and matches CloudEvents from Kafka.

A mock cluster (build/tests/kafka_mock, librdkafka's mock on real sockets) is filled first and
its broker taken down; rig starts, its SSE subscribers connect, and then the broker comes back:
rig consumes the whole topic from the earliest offset. The rate is taken from its
rig_consumed_events_total counter between the first and the last change, and the run fails
unless every message was consumed.

Every subscriber subscribes to the benchmark's event type with a constraint that never holds,
each with a value of its own: every event goes through the subscription index of each shard,
none is sent.

FORMAT=avro: the same event as structured Avro in Confluent's wire format (magic byte and
schema id, no content type; encoded once by python3-avro), the schema served by a schema
registry in this process (http.server). The result also has rig's CPU time per event
(utime + stime from /proc/<pid>/stat between the first and the last change of the count).

usage: kafka_consume.py OUT_JSON LABEL SUBSCRIBERS
env:   MESSAGES (default 1,000,000; the mock keeps ~5 MB per partition, 64 partitions)
       FORMAT   json (default) or avro
"""
import base64
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MOCK = os.path.join(ROOT, "build", "tests", "kafka_mock")
RIG = os.path.join(ROOT, "build", "rig")
out_path, label, subscribers = sys.argv[1], sys.argv[2], int(sys.argv[3])
MESSAGES, PARTITIONS = int(os.environ.get("MESSAGES", "1000000")), 64
FORMAT = os.environ.get("FORMAT", "json")
STILL_SAMPLES = 100  # the count unchanged for this many 10 ms samples: consumption has ended


def command(mock, line):
    mock.stdin.write(line + "\n")
    mock.stdin.flush()
    answer = mock.stdout.readline()
    if not answer.startswith("ok"):
        sys.exit("kafka_mock: %s: %s" % (line.split()[0], answer.strip()))


def consumed(api_port):
    m = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % api_port).read().decode()
    v = re.search(r'rig_consumed_events_total\{source="kafka",topic="bench"\} (\d+)', m)
    return int(v.group(1)) if v else 0


def cpu_seconds(pid):
    """utime + stime of the process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


EVENT_SCHEMA = {
    "type": "record", "name": "Event", "fields": [
        {"name": "specversion", "type": "string"}, {"name": "type", "type": "string"},
        {"name": "source", "type": "string"}, {"name": "id", "type": "string"},
        {"name": "data", "type": {"type": "record", "name": "Data", "fields": [
            {"name": "name", "type": "string"}, {"name": "pad", "type": "string"}]}}]}


def start_registry():
    """A schema registry answering GET /schemas/ids/1; returns its port."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            ok = self.path == "/schemas/ids/1"
            body = json.dumps({"schema": json.dumps(EVENT_SCHEMA)} if ok else {}).encode()
            self.send_response(200 if ok else 404)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def avro_message(ev):
    import avro.io
    import avro.schema
    buf = io.BytesIO()
    avro.io.DatumWriter(avro.schema.parse(json.dumps(EVENT_SCHEMA))).write(
        ev, avro.io.BinaryEncoder(buf))
    return b"\x00\x00\x00\x00\x01" + buf.getvalue()


def connect_subscribers(port, count):
    """Opens `count` SSE connections (requests first, answers after: connecting is not what is
    measured) and returns their sockets once each has been answered 200."""
    socks = []
    for i in range(count):
        subs = urllib.parse.quote(json.dumps(
            [{"eventType": "bench.kafka", "oneOf": [{"name": "nobody%d" % i}]}]))
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


event = {"specversion": "1.0", "type": "bench.kafka", "source": "bench", "id": "1",
         "data": {"name": "alice", "pad": "x" * 90}}
mock = subprocess.Popen([MOCK, "bench:%d" % PARTITIONS], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, text=True)
bootstrap = mock.stdout.readline().split()[1]
value = avro_message(event) if FORMAT == "avro" else json.dumps(event).encode()
command(mock, "bulk bench %d %s" % (MESSAGES, base64.b64encode(value).decode()))
command(mock, "down")

env = dict(os.environ, KAFKA_BROKERS=bootstrap, KAFKA_SOURCE_TOPICS="bench",
           KAFKATOFILTER_KAFKA_GROUP_ID="bench-%d" % os.getpid(), RIG_KAFKA_OFFSET_RESET="earliest",
           EXTRACTORS=json.dumps({"bench.kafka": {"name": {"stable_field_index": 0,
                                                           "event": {"json_pointer": "/data/name"}}}}),
           MAX_CONNECTIONS_PER_MINUTE="0", INBOUND_PORT="0", API_HTTP_PORT="0",
           RIG_READY_FILE="/dev/stdout", LOG_LEVEL="error")
if FORMAT == "avro":
    env["KAFKA_SCHEMA_REGISTRY_HOST"] = "127.0.0.1:%d" % start_registry()
rig = subprocess.Popen([RIG], env=env, stdout=subprocess.PIPE, text=True)
ports = json.loads(rig.stdout.readline())
clients = connect_subscribers(ports["inbound_port"], subscribers)
command(mock, "up")

samples = []
deadline = time.time() + 120
while time.time() < deadline:
    samples.append((time.time(), consumed(ports["api_port"]), cpu_seconds(rig.pid)))
    if (len(samples) > STILL_SAMPLES and samples[-1][1] == samples[-STILL_SAMPLES][1]
            and samples[-1][1] > 0):
        break
    time.sleep(0.01)
total = samples[-1][1]
if total != MESSAGES:
    sys.exit("consumed %d of %d messages" % (total, MESSAGES))
first = next(s for s in samples if s[1] > 0)
last = next(s for s in samples if s[1] == total)
rate = (last[1] - first[1]) / (last[0] - first[0]) if last[0] > first[0] else 0
cpu_us = (last[2] - first[2]) * 1e6 / (last[1] - first[1]) if last[1] > first[1] else 0
result = {"label": label, "format": FORMAT, "subscribers": subscribers, "consumed": total,
          "seconds": last[0] - first[0], "events_per_s": rate, "cpu_us_per_event": cpu_us,
          "message_bytes": len(value)}
print(json.dumps(result))
with open(out_path, "w") as f:
    json.dump(result, f)
for c in clients:
    c.close()
rig.terminate()
rig.wait()
mock.stdin.close()
mock.wait()
