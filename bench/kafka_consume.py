"""Kafka consumption benchmark (make bench, scenario "kafka"): how fast one rig node consumes,
parses and matches CloudEvents from Kafka.

A mock cluster (build/tests/kafka_mock, librdkafka's mock on real sockets) is filled first;
then rig starts, consumes the topic from the earliest offset, and the rate is taken from its
rig_consumed_events_total counter between the first and the last change.

usage: kafka_consume.py OUT_JSON LABEL SUBSCRIBERS
"""
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MOCK = os.path.join(ROOT, "build", "tests", "kafka_mock")
RIG = os.path.join(ROOT, "build", "rig")
out_path, label, subscribers = sys.argv[1], sys.argv[2], int(sys.argv[3])
MESSAGES, PARTITIONS = 500_000, 64

event = {"specversion": "1.0", "type": "bench.kafka", "source": "bench", "id": "1",
         "data": {"name": "alice", "pad": "x" * 90}}
mock = subprocess.Popen([MOCK, "bench:%d" % PARTITIONS], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, text=True)
bootstrap = mock.stdout.readline().split()[1]
import base64
mock.stdin.write("bulk bench %d %s\n" % (MESSAGES, base64.b64encode(json.dumps(event).encode()).decode()))
mock.stdin.flush()
assert mock.stdout.readline().startswith("ok")

env = dict(os.environ, KAFKA_BROKERS=bootstrap, KAFKA_SOURCE_TOPICS="bench",
           KAFKATOFILTER_KAFKA_GROUP_ID="bench-%d" % os.getpid(), RIG_KAFKA_OFFSET_RESET="earliest",
           EXTRACTORS=json.dumps({"bench.kafka": {"name": {"stable_field_index": 0,
                                                           "event": {"json_pointer": "/data/name"}}}}),
           MAX_CONNECTIONS_PER_MINUTE="0", INBOUND_PORT="0", API_HTTP_PORT="0",
           RIG_READY_FILE="/dev/stdout", LOG_LEVEL="warn")
rig = subprocess.Popen([RIG], env=env, stdout=subprocess.PIPE, text=True)
ports = json.loads(rig.stdout.readline())
clients = []
# Subscribers of the type whose constraint never holds: every event is matched, none sent.
for i in range(subscribers):
    subs = urllib.parse.quote(json.dumps([{"eventType": "bench.kafka", "oneOf": [{"name": "nobody%d" % i}]}]))
    r = urllib.request.urlopen("http://127.0.0.1:%d/_rig/v1/connection/sse?subscriptions=%s"
                               % (ports["inbound_port"], subs))
    r.read1(1)
    clients.append(r)

samples = []
deadline = time.time() + 60
while time.time() < deadline:
    m = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % ports["api_port"]).read().decode()
    v = re.search(r'rig_consumed_events_total\{source="kafka",topic="bench"\} (\d+)', m)
    samples.append((time.time(), int(v.group(1)) if v else 0))
    if len(samples) > 25 and samples[-1][1] == samples[-25][1] and samples[-1][1] > 0:
        break
    time.sleep(0.01)
moving = [s for s in samples if s[1] > 0]
first = moving[0]
last = next(s for s in samples if s[1] == samples[-1][1])
rate = (last[1] - first[1]) / (last[0] - first[0]) if last[0] > first[0] else 0
result = {"label": label, "subscribers": subscribers, "consumed": last[1],
          "seconds": last[0] - first[0], "events_per_s": rate}
print(json.dumps(result))
with open(out_path, "w") as f:
    json.dump(result, f)
for c in clients:
    c.close()
rig.terminate()
rig.wait()
mock.stdin.close()
mock.wait()
