"""Kinesis consumption benchmark (report only): records/s per shard that one rig node reads
from kinesalite, with and without the lease table (dynalite).

kinesalite and dynalite (tests/kinesis, in memory) start on free ports; a stream of SHARDS
shards is filled with RECORDS structured CloudEvents of ~200 bytes (PutRecords, 500 a call);
then rig starts and reads it from TRIM_HORIZON. The rate is rig_consumed_events_total between
its first and its last change, divided by the shards; the run fails unless every record was
consumed. kinesalite (one Node.js process, LevelDB in memory) is the limit, not rig. rig's
CPU per record (utime + stime from /proc/<pid>/stat between the same two changes) is printed
with it.

usage: kinesis_consume.py [leases|plain]...
env:   RECORDS (default 20,000), SHARDS (default 1)
"""
import base64
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid

from ingest_common import consumed, cpu_seconds, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, "tests", "kinesis")
RIG = os.environ.get("RIG_BINARY", os.path.join(ROOT, "build", "rig"))
RECORDS, SHARDS = int(os.environ.get("RECORDS", "20000")), int(os.environ.get("SHARDS", "1"))
STILL_SAMPLES = 200  # the count unchanged for this many 10 ms samples: consumption has ended


def start_peer(script, banner):
    proc = subprocess.Popen(["node", script, "0"], cwd=PEERS, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith(banner):
        sys.exit("%s did not start: %r" % (script, line))
    return proc, "http://127.0.0.1:%s/" % line.strip().rsplit(":", 1)[1]


def call(endpoint, target, body, content_type="application/x-amz-json-1.1"):
    req = urllib.request.Request(endpoint, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": content_type, "X-Amz-Target": target,
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDTEST/20240101/us-east-1/kinesis/"
                         "aws4_request, SignedHeaders=content-type;host, Signature=00",
        "X-Amz-Date": "20240101T000000Z"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        data = resp.read()
    return json.loads(data) if data.strip() else {}


def fill(kinesis, stream):
    call(kinesis, "Kinesis_20131202.CreateStream", {"StreamName": stream, "ShardCount": SHARDS})
    while call(kinesis, "Kinesis_20131202.DescribeStream",
               {"StreamName": stream})["StreamDescription"]["StreamStatus"] != "ACTIVE":
        pass
    for start in range(0, RECORDS, 500):
        batch = []
        for i in range(start, min(start + 500, RECORDS)):
            ev = {"specversion": "1.0", "type": "bench.kinesis", "source": "bench",
                  "id": "e%d" % i, "data": {"name": "user%d" % (i % 1000), "n": i}}
            batch.append({"Data": base64.b64encode(json.dumps(ev).encode()).decode(),
                          "PartitionKey": "k%d" % i})
        res = call(kinesis, "Kinesis_20131202.PutRecords", {"StreamName": stream, "Records": batch})
        if res.get("FailedRecordCount"):
            sys.exit("PutRecords failed: %r" % res)


def run(mode, kinesis, dynamodb):
    stream = "bench-" + uuid.uuid4().hex[:8]
    fill(kinesis, stream)
    api_port = free_port()
    env = dict(os.environ, INBOUND_PORT=str(free_port()), API_HTTP_PORT=str(api_port),
               RIG_BIND_ADDRESS="127.0.0.1", RIG_API_BIND_ADDRESS="127.0.0.1", LOG_LEVEL="warn",
               KINESIS_ENABLED="true", KINESIS_STREAM=stream, KINESIS_AWS_REGION="us-east-1",
               KINESIS_ENDPOINT=kinesis, AWS_ACCESS_KEY_ID="AKIDBENCH",
               AWS_SECRET_ACCESS_KEY="bench", RIG_KINESIS_ITERATOR="TRIM_HORIZON",
               RIG_KINESIS_POLL_MS="200", RIG_READY_FILE="/dev/stdout")
    if mode == "leases":
        env.update(KINESIS_APP_NAME="bench-" + uuid.uuid4().hex[:8],
                   KINESIS_DYNAMODB_ENDPOINT=dynamodb)
    rig = subprocess.Popen([RIG], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    rig.stdout.readline()  # ready
    try:
        first = last = None
        count, still = 0, 0
        while still < STILL_SAMPLES or first is None:
            n = consumed(api_port, "kinesis", stream)
            now, cpu = time.monotonic(), cpu_seconds(rig.pid)
            if n != count:
                if first is None:
                    first, first_count, first_cpu = now, n, cpu
                last, last_cpu, count, still = now, cpu, n, 0
            else:
                still += 1
            time.sleep(0.01)  # sampling period of the counter, not synchronisation
        if count != RECORDS:
            sys.exit("%s: consumed %d of %d" % (mode, count, RECORDS))
        seconds = max(last - first, 1e-3)
        cpu_us = (last_cpu - first_cpu) * 1e6 / max(count - first_count, 1)
        print("%-7s shards=%d records=%d seconds=%.2f records/s/shard=%.0f rig_cpu_us/record=%.2f"
              % (mode, SHARDS, RECORDS, seconds, RECORDS / seconds / SHARDS, cpu_us))
    finally:
        rig.terminate()
        rig.wait()


def main():
    kin, kinesis = start_peer("start.js", "kinesalite listening on ")
    dyn, dynamodb = start_peer("dynalite.js", "dynalite listening on ")
    try:
        for mode in sys.argv[1:] or ["plain", "leases"]:
            run(mode, kinesis, dynamodb)
    finally:
        for p in (kin, dyn):
            p.terminate()
            p.wait()


if __name__ == "__main__":
    main()
