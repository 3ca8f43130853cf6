"""Peers for the event-source tests: a Kafka cluster (librdkafka's mock, tests/support/kafka_mock),
a real nats-server with a raw-protocol publisher, and kinesalite with a small Kinesis JSON API
client (and dynalite, DynamoDB, for the Kinesis lease table). Standard library only.

Every wait is a blocking read with a timeout (select) or a repeated blocking request bounded by
a deadline, never a sleep. Each launcher is a context manager, and `close()` is idempotent, so
tests can register it with addCleanup.
"""

import base64
import functools
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

from rig_harness import HERE, TIMEOUT, Rig, SseClient, log_bytes, quote

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
KAFKA_MOCK = os.environ.get("RIG_KAFKA_MOCK",
                            os.path.join(REPO, "build", "tests", "kafka_mock"))
KINESALITE_DIR = os.environ.get("RIG_KINESALITE_DIR", os.path.join(REPO, "tests", "kinesis"))
NATS_SERVER = os.environ.get("RIG_NATS_SERVER") or shutil.which("nats-server") or \
    "/usr/sbin/nats-server"
NODE = os.environ.get("RIG_NODE") or shutil.which("node") or "/usr/bin/node"


_handed_out = set()


def free_port():
    """A TCP port that was free a moment ago on 127.0.0.1 and that this process has not handed
    out before. A port reserved for a server that has not bound it yet is free to the kernel,
    which hands it out again: a NATS server once got the route port reserved for the next one
    as its client port, and the next one died (test_cluster's fail-over test)."""
    if len(_handed_out) > 20000:
        _handed_out.clear()
    while True:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


def as_bytes(value):
    """bytes for a message value: dicts/lists are JSON-encoded, str is UTF-8."""
    if value is None:
        return b""
    if isinstance(value, (dict, list)):
        value = json.dumps(value)
    if isinstance(value, str):
        value = value.encode()
    return value


class Closing:
    """`with peer:` closes the peer at the end of the block."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class LineReader:
    """Reads lines from a pipe's file descriptor with a timeout (select + os.read: no hidden
    buffering that select could not see)."""

    def __init__(self, stream):
        self.fd = stream.fileno()
        self.buf = b""
        self.seen = []  # every line read, for error messages

    def readline(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self.fd], [], [], max(0.0, remaining))
            if not ready:
                raise TimeoutError("no line within %.1fs (seen so far: %r)" % (timeout, self.seen))
            chunk = os.read(self.fd, 65536)
            if not chunk:
                raise EOFError("pipe closed (seen so far: %r)" % (self.seen,))
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        text = line.decode("utf-8", "replace").rstrip("\r")
        self.seen.append(text)
        return text

    def read_until(self, predicate, timeout=TIMEOUT):
        """Reads lines until one satisfies `predicate`; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.readline(max(0.0, deadline - time.monotonic()))
            if predicate(line):
                return line


def _terminate(proc, timeout=10):
    """SIGTERM, then SIGKILL if it does not go; reaps the process. Returns its exit code."""
    if proc is None:
        return None
    if proc.poll() is None:
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


# -- Kafka ----------------------------------------------------------------------------------

class KafkaMock(Closing):
    """tests/support/kafka_mock: one mock broker, the given topics with one partition each.

    produce(topic, value, headers) waits for the mock's "ok" (the producer flushes, so the
    message is in the log when it returns). down()/up() stop and resume the broker."""

    def __init__(self, *topics):
        self.topics = topics
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([KAFKA_MOCK] + list(topics), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log)
        self.out = LineReader(self.proc.stdout)
        try:
            line = self.out.readline()
        except (TimeoutError, EOFError) as e:
            log = self.stderr()
            self.close()
            raise AssertionError("kafka_mock did not start: %s\n%s" % (e, log))
        assert line.startswith("bootstrap "), line
        self.bootstrap = line.split(" ", 1)[1].strip()

    def stderr(self):
        return log_bytes(self.log).decode("utf-8", "replace")

    def command(self, line, timeout=TIMEOUT + 30):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        answer = self.out.readline(timeout)
        if answer != "ok":
            raise AssertionError("kafka_mock: %r -> %r\n%s" % (line[:200], answer, self.stderr()))
        return answer

    def produce(self, topic, value, headers=None):
        """value: bytes, str, dict/list (JSON) or None (empty); headers: a dict or a list of
        (name, value) pairs, values str or bytes."""
        if isinstance(headers, dict):
            headers = list(headers.items())
        head = ";".join("%s=%s" % (name, b64(v)) for name, v in headers) if headers else "-"
        body = as_bytes(value)
        self.command("produce %s %s %s" % (topic, head, b64(body) if body else "-"))

    def down(self):
        self.command("down")

    def up(self):
        self.command("up")

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()  # EOF ends it cleanly
                self.proc.wait(timeout=10)
            except (subprocess.TimeoutExpired, BrokenPipeError, OSError):
                _terminate(self.proc)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.log.close()


# -- NATS -----------------------------------------------------------------------------------

class NatsServer(Closing):
    """A real nats-server on 127.0.0.1. start() waits for "Server is ready" in its log;
    stop() sends SIGTERM and waits. It can be started again on the same port."""

    def __init__(self, port=None, start=True, jetstream=False, name=None, cluster_port=None,
                 routes=()):
        """With `jetstream`, JetStream is on with a store directory that survives restarts of
        this server. `name`, `cluster_port` and `routes` (ports of other servers' cluster
        listeners) make it a member of a NATS cluster."""
        self.port = port or free_port()
        self.proc = None
        self.logs = []
        self.store = tempfile.mkdtemp(prefix="rig-nats-") if jetstream else None
        self.name = name
        self.cluster_port = cluster_port
        self.routes = routes
        if start:
            self.start()

    @property
    def address(self):
        return "127.0.0.1:%d" % self.port

    def start(self):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        args = [NATS_SERVER, "-a", "127.0.0.1", "-p", str(self.port)]
        if self.store:
            args += ["-js", "-sd", self.store]
        if self.name:
            args += ["-n", self.name]
        if self.cluster_port:
            args += ["--cluster_name", "rig-e2e",
                     "--cluster", "nats://127.0.0.1:%d" % self.cluster_port]
            if self.routes:
                args += ["--routes", ",".join("nats://127.0.0.1:%d" % p for p in self.routes)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        ready = threading.Event()
        proc = self.proc

        def drain():  # keeps the log (and the pipe from filling up); flags readiness
            for raw in proc.stderr:
                line = raw.decode("utf-8", "replace").rstrip()
                self.logs.append(line)
                if "Server is ready" in line:
                    ready.set()
            proc.stderr.close()

        threading.Thread(target=drain, daemon=True).start()
        if not ready.wait(TIMEOUT):
            self.stop()
            raise AssertionError("nats-server did not start on %d:\n%s"
                                 % (self.port, "\n".join(self.logs)))
        return self

    def stderr(self):
        return "\n".join(self.logs)

    def stop(self):
        if self.proc is not None:
            _terminate(self.proc)

    def close(self):
        self.stop()
        if self.store:
            shutil.rmtree(self.store, ignore_errors=True)


class NatsPublisher(Closing):
    """Publishes with the raw NATS text protocol (headers enabled). flush() is PING → PONG."""

    def __init__(self, port, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.buf = b""
        info = self._read_line()
        assert info.startswith(b"INFO "), info
        self.info = json.loads(info[5:])
        self.sock.sendall(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,'
                          b'"name":"rig-e2e"}\r\n')
        self.flush()

    def _read_line(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while b"\r\n" not in self.buf:
            ready, _, _ = select.select([self.sock], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError("nats: no answer within %.1fs" % timeout)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("nats: connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def publish(self, subject, payload, headers=None):
        """payload: bytes, str or dict/list (JSON). headers: dict or list of (name, value)
        pairs; when given, the message is sent with HPUB."""
        data = as_bytes(payload)
        if headers:
            if isinstance(headers, dict):
                headers = list(headers.items())
            head = ("NATS/1.0\r\n" + "".join("%s: %s\r\n" % kv for kv in headers) +
                    "\r\n").encode()
            self.sock.sendall(b"HPUB %s %d %d\r\n" % (subject.encode(), len(head),
                                                      len(head) + len(data)) + head + data +
                              b"\r\n")
        else:
            self.sock.sendall(b"PUB %s %d\r\n" % (subject.encode(), len(data)) + data + b"\r\n")

    def flush(self, timeout=TIMEOUT):
        """Waits until the server has processed everything sent so far."""
        self.sock.sendall(b"PING\r\n")
        while True:
            line = self._read_line(timeout)
            if line == b"PONG":
                return
            if line.startswith(b"-ERR"):
                raise AssertionError("nats: %r" % line)
            if line == b"PING":
                self.sock.sendall(b"PONG\r\n")
            # INFO updates and +OK are ignored

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# -- Kinesis --------------------------------------------------------------------------------

class _AwsFake(Closing):
    """A Node.js fake of an AWS JSON API (tests/kinesis/<script>) on 127.0.0.1, started and
    called alike: kinesalite and dynalite check that a signature is present, not that it is
    valid. Subclasses name the script, the banner it prints, the service and the API target."""

    script = name = service = target = content_type = ""

    def __init__(self, port=0):
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([NODE, self.script, str(port)], cwd=KINESALITE_DIR,
                                     stdout=subprocess.PIPE, stderr=self.log)
        try:
            line = LineReader(self.proc.stdout).read_until(
                lambda l: l.startswith(self.name + " listening on "))
        except (TimeoutError, EOFError) as e:
            log = self.stderr()
            self.close()
            raise AssertionError("%s did not start: %s\n%s" % (self.name, e, log))
        self.port = int(line.rsplit(":", 1)[1])
        self.endpoint = "http://127.0.0.1:%d/" % self.port

    def stderr(self):
        return log_bytes(self.log).decode("utf-8", "replace")

    def call(self, action, body):
        """One API call; returns the decoded JSON answer ({} for an empty body). Fails on any
        status but 200."""
        req = urllib.request.Request(
            self.endpoint, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": self.content_type,
                     "X-Amz-Target": self.target + "." + action,
                     "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDTEST/20240101/"
                                      "us-east-1/%s/aws4_request, "
                                      "SignedHeaders=content-type;host, Signature=00"
                                      % self.service,
                     "X-Amz-Date": "20240101T000000Z"})
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
                data = resp.read()
        except urllib.error.HTTPError as e:
            raise AssertionError("%s %s %r -> %d %s" % (self.service, action, body, e.code,
                                                        e.read().decode("utf-8", "replace")))
        return json.loads(data) if data.strip() else {}

    def close(self):
        _terminate(self.proc)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.log.close()


class Kinesalite(_AwsFake):
    """kinesalite (in memory) through tests/kinesis/start.js, with the Kinesis JSON API calls
    the tests need. `port`: listen there (e.g. to restart on the same port), else on a free
    one."""

    script, name, service = "start.js", "kinesalite", "kinesis"
    target, content_type = "Kinesis_20131202", "application/x-amz-json-1.1"

    def describe(self, stream):
        return self.call("DescribeStream", {"StreamName": stream})["StreamDescription"]

    def wait_active(self, stream, timeout=TIMEOUT):
        """Repeats DescribeStream until the stream is ACTIVE; returns its description."""
        deadline = time.monotonic() + timeout
        while True:
            desc = self.describe(stream)
            if desc["StreamStatus"] == "ACTIVE":
                return desc
            if time.monotonic() > deadline:
                raise AssertionError("stream %s not ACTIVE: %r" % (stream, desc))

    def create_stream(self, stream, shards=1):
        self.call("CreateStream", {"StreamName": stream, "ShardCount": shards})
        return self.wait_active(stream)

    def put(self, stream, data, partition_key="pk", explicit_hash_key=None):
        """PutRecord; data as bytes/str/dict. Returns {"ShardId", "SequenceNumber"}."""
        body = {"StreamName": stream, "PartitionKey": partition_key, "Data": b64(as_bytes(data))}
        if explicit_hash_key is not None:
            body["ExplicitHashKey"] = str(explicit_hash_key)
        return self.call("PutRecord", body)

    def records(self, stream):
        """Every record of every shard of `stream`, from TRIM_HORIZON to the shard's end now
        (GetShardIterator + GetRecords until an empty answer), in shard order: a list of
        {"ShardId", "PartitionKey", "Data" (bytes)}."""
        out = []
        for shard in self.describe(stream)["Shards"]:
            iterator = self.call("GetShardIterator", {
                "StreamName": stream, "ShardId": shard["ShardId"],
                "ShardIteratorType": "TRIM_HORIZON"})["ShardIterator"]
            while iterator:
                answer = self.call("GetRecords", {"ShardIterator": iterator, "Limit": 1000})
                if not answer["Records"]:
                    break
                for r in answer["Records"]:
                    out.append({"ShardId": shard["ShardId"], "PartitionKey": r["PartitionKey"],
                                "Data": base64.b64decode(r["Data"])})
                iterator = answer.get("NextShardIterator")
        return out

    def split_shard(self, stream, shard_id, new_starting_hash_key):
        self.call("SplitShard", {"StreamName": stream, "ShardToSplit": shard_id,
                                 "NewStartingHashKey": str(new_starting_hash_key)})
        return self.wait_active(stream)

class Dynalite(_AwsFake):
    """dynalite (DynamoDB in memory) through tests/kinesis/dynalite.js, for the Kinesis lease
    table, with the DynamoDB JSON API calls the tests need."""

    script, name, service = "dynalite.js", "dynalite", "dynamodb"
    target, content_type = "DynamoDB_20120810", "application/x-amz-json-1.0"

    def tables(self):
        return self.call("ListTables", {}).get("TableNames", [])

    def leases(self, table):
        """The lease table's items as {shard id: {attribute: plain value}}."""
        out = {}
        for item in self.call("Scan", {"TableName": table, "ConsistentRead": True})["Items"]:
            plain = {k: next(iter(v.values())) for k, v in item.items()}
            out[plain["leaseKey"]] = plain
        return out


# -- rig-side helpers -----------------------------------------------------------------------

def source_health(rig):
    """(status, JSON body) of GET :api/health/sources."""
    status, _, body = rig.request("GET", "/health/sources", headers=rig.api_headers(), api=True)
    return status, json.loads(body)


def wait_source(rig, name, predicate, timeout=TIMEOUT, what=None):
    """Repeats GET /health/sources (one blocking request each) until predicate(status code,
    the source's entry) is true; returns (status, entry)."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        status, body = source_health(rig)
        entry = body.get("sources", {}).get(name)
        last = (status, body)
        if entry is not None and predicate(status, entry):
            return status, entry
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s (last: %r)"
                                 % (what or "source %s state" % name, last))


def wait_kafka_assigned(rig, timeout=30):
    """Waits until rig's Kafka consumer has partitions assigned (the group has formed)."""
    return wait_source(rig, "kafka",
                       lambda status, e: e.get("connected") and
                       e.get("assigned_partitions", 0) > 0,
                       timeout, "kafka partitions to be assigned")


def consumed_metric(source, topic, failed=False):
    name = "rig_consumed_events_failed_total" if failed else "rig_consumed_events_total"
    return '%s{source="%s",topic="%s"}' % (name, source, topic)


def event_id(ev):
    return ev.get("id", ev.get("eventID"))


def read_ids_until(client, marker_id, timeout=TIMEOUT * 2):
    """Reads events from an SseClient until the one with id `marker_id`; returns the ids
    received before it (the marker excluded), the events, and their data as sent (text)."""
    deadline = time.monotonic() + timeout
    ids, events, texts = [], [], []
    while True:
        ev = client.next_event(max(0.0, deadline - time.monotonic()))
        if str(event_id(ev)) == str(marker_id):
            return ids, events, texts
        ids.append(str(event_id(ev)))
        events.append(ev)
        texts.append(sse_data_text(client.raw_messages[-1]))


def received(client):
    """(id, data text) of every message the SseClient has read so far, in arrival order."""
    out = []
    for block in client.raw_messages:
        ids = [line[4:] for line in block.split("\n") if line.startswith("id: ")]
        out.append((ids[0] if ids else None, sse_data_text(block)))
    return out


def sse_data_text(block):
    """The data of one raw SSE message block, as rig sent it."""
    return "\n".join(line[6:] if line.startswith("data: ") else line[5:]
                     for line in block.split("\n") if line.startswith("data:"))


# -- a base class for the source tests ------------------------------------------------------

class SourceTestCase(unittest.TestCase):
    """Helpers shared by the source tests. Rigs and peers registered with `watch()` (or started
    through `start_rig`) have their logs printed when a test fails."""

    class_watched = ()
    test_watched = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name, fn in list(vars(cls).items()):
            if name.startswith("test") and callable(fn):
                setattr(cls, name, _dump_logs_on_failure(fn))

    @classmethod
    def watch_class(cls, obj):
        cls.class_watched = tuple(cls.class_watched) + (obj,)
        return obj

    def watch(self, obj):
        self.test_watched = tuple(self.test_watched) + (obj,)
        return obj

    @classmethod
    def start_class_rig(cls, env):
        """A rig for the whole class, stopped (exit 0 checked) by a class cleanup."""
        rig = Rig(env=env)
        cls.watch_class(rig)
        rig.start()
        cls.addClassCleanup(rig.stop)
        return rig

    def start_rig(self, env):
        """A rig for this test, stopped (exit 0 checked) by a cleanup."""
        rig = Rig(env=env)
        self.watch(rig)
        rig.start()
        self.addCleanup(rig.stop)
        return rig

    def sse(self, rig, subscriptions):
        """A connected SSE client that has seen rig.subscriptions_set."""
        client = SseClient(rig, "subscriptions=" + quote(subscriptions))
        self.addCleanup(client.close)
        self.assertEqual(client.status, 200, client.body)
        client.connect_events()
        return client

    def assert_ids_before_marker(self, client, marker_id, expected, timeout=TIMEOUT * 2):
        """The client receives exactly the events with ids `expected` (in that order), then the
        marker. Returns the received events (marker excluded)."""
        ids, events, _ = read_ids_until(client, marker_id, timeout)
        self.assertEqual(ids, [str(i) for i in expected])
        return events

    def collect_ids(self, client, expected, timeout=TIMEOUT * 2):
        """Reads events until every id in `expected` has arrived (in any order); fails on an
        unexpected or repeated id. Returns {id: event}."""
        want = {str(i) for i in expected}
        got = {}
        deadline = time.monotonic() + timeout
        while set(got) != want:
            ev = client.next_event(max(0.0, deadline - time.monotonic()))
            eid = str(event_id(ev))
            self.assertIn(eid, want - set(got), "unexpected or repeated event %r (so far %r)"
                          % (ev, sorted(got)))
            got[eid] = ev
        return got


def _dump_logs_on_failure(fn):
    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        try:
            return fn(self, *args, **kwargs)
        except BaseException:
            for obj in tuple(self.class_watched) + tuple(self.test_watched):
                try:
                    print("---- %s log ----\n%s" % (type(obj).__name__, obj.stderr()))
                except Exception as e:  # a closed log file: nothing to show
                    print("---- %s log unavailable: %r" % (type(obj).__name__, e))
            raise
    return wrapper
