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
registry in this process (http.server). The result also has rig's CPU time per event, in
all and by thread (run times from /proc/<pid>/task/*/schedstat between the first and the last
change of the count, read every POLL_MS, default 50).

usage: kafka_consume.py OUT_JSON LABEL SUBSCRIBERS
env:   MESSAGES (default 1,000,000; the mock keeps ~5 MB per partition, 64 partitions)
       FORMAT   json (default) or avro
       PERF_DATA, PERF_OPTIONS  perf record rig during the consumption (bench/ingest_common.py)
"""
import base64
import io
import json
import os
import subprocess
import sys
import threading

from ingest_common import (connect_subscribers, measure_consumption, report, start_profile,
                           stop_profile)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MOCK = os.path.join(ROOT, "build", "tests", "kafka_mock")
RIG = os.environ.get("RIG_BINARY", os.path.join(ROOT, "build", "rig"))
out_path, label, subscribers = sys.argv[1], sys.argv[2], int(sys.argv[3])
MESSAGES, PARTITIONS = int(os.environ.get("MESSAGES", "1000000")), 64
FORMAT = os.environ.get("FORMAT", "json")


def command(mock, line):
    mock.stdin.write(line + "\n")
    mock.stdin.flush()
    answer = mock.stdout.readline()
    if not answer.startswith("ok"):
        sys.exit("kafka_mock: %s: %s" % (line.split()[0], answer.strip()))


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
clients = connect_subscribers(ports["inbound_port"], subscribers, "bench.kafka")
perf = start_profile(rig.pid)
command(mock, "up")

seconds, rate, cpu_us, by_thread = measure_consumption(rig.pid, ports["api_port"], "kafka",
                                                       "bench", MESSAGES)
stop_profile(perf)
report(out_path, {"label": label, "format": FORMAT, "subscribers": subscribers,
                  "consumed": MESSAGES, "seconds": seconds, "events_per_s": rate,
                  "cpu_us_per_event": cpu_us, "cpu_us_per_event_by_thread": by_thread,
                  "message_bytes": len(value)}, clients)
rig.terminate()
rig.wait()
mock.stdin.close()
mock.wait()
