"""Faults: the peers rig depends on fail and come back, and rig is stopped under load.

For each fault rig stays up (the public and internal ports keep answering), says what is wrong
where an operator looks (`GET :api/health/sources` 503 and `rig_source_connected` 0 for an event
source; the documented answer to the client for a check service or a JWK Set endpoint), recovers
by itself, and events published after the recovery reach a subscriber:

- Kafka broker down and back (librdkafka's mock cluster, tests/support/kafka_mock `down`/`up`);
- NATS server restarted on the same port;
- Kinesis endpoint down (kinesalite killed, restarted on the same port, stream recreated),
  and a shard iterator that expires (a fake Kinesis endpoint: kinesalite waits 5 minutes);
- the subscription/submission check service restarted, down (connection refused) and slow
  (beyond RIG_CHECK_TIMEOUT_MS), with a second client served meanwhile on the same shard;
- the JWK Set endpoint down at start and during a refresh;
- SIGTERM with 10,000 SSE connections while a publisher publishes.

The record of what rig does and what the operator sees is docs/reliability.md, "Faults".
Every wait is a blocking request or read bounded by a deadline (health, metrics, the log, a
socket), never a sleep; no timing is asserted beyond generous deadlines.
"""

import base64
import errno
import http.client
import http.server
import json
import os
import resource
import selectors
import socket
import threading
import time
import unittest

from peers import (KafkaMock, Kinesalite, NatsPublisher, NatsServer, SourceTestCase,
                   consumed_metric, free_port)
from rig_harness import (TIMEOUT, Rig, SseClient, check_json_error, make_event,
                         parse_metrics, quote)
import test_jwt as jwt_keys  # key and token helpers only (its tests are not collected here)

LOAD_CONNECTIONS = int(os.environ.get("RIG_FAULTS_CONNECTIONS", "10000"))


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def assert_rig_serves(test, rig):
    """rig is up: both ports answer."""
    test.assertEqual(rig.request("GET", "/_rig/health")[0], 200)
    test.assertEqual(rig.request("GET", "/health", headers=rig.api_headers(), api=True)[0], 200)


class ApiPoller:
    """Repeated GETs on rig's internal API over one keep-alive connection: polling until a
    state flips must not open a connection per round (thousands of sockets in TIME_WAIT run a
    shared machine out of ephemeral ports)."""

    def __init__(self, rig):
        self.rig = rig
        self.conn = None

    def get(self, path):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.rig.api_port,
                                                       timeout=TIMEOUT)
            try:
                self.conn.request("GET", path, headers=self.rig.api_headers())
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def wait(self, path, predicate, timeout=30, what="a condition"):
        """GETs `path` until predicate(status, body bytes) holds; returns (status, body)."""
        deadline = time.monotonic() + timeout
        while True:
            status, body = self.get(path)
            if predicate(status, body):
                return status, body
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for %s (last: %d %r)"
                                     % (what, status, body[:2000]))

    def wait_source(self, name, predicate, timeout=30, what=None):
        """GET /health/sources until predicate(status, the source's entry); returns both."""
        def check(status, body):
            entry = json.loads(body).get("sources", {}).get(name)
            return entry is not None and predicate(status, entry)
        status, body = self.wait("/health/sources", check, timeout,
                                 what or "source %s state" % name)
        return status, json.loads(body)["sources"][name]

    def wait_metric(self, name, value, timeout=30):
        self.wait("/metrics", lambda s, b: s == 200 and parse_metrics(b).get(name) == value,
                  timeout, "%s == %r" % (name, value))

    def wait_log(self, text, count=1, timeout=30):
        """Waits until rig's log holds `text` at least `count` times; each round is one
        blocking request to rig (which also shows it still answers)."""
        self.wait("/health", lambda s, b: self.rig.stderr().count(text) >= count, timeout,
                  "%d x %r in rig's log" % (count, text))

    def close(self):
        if self.conn is not None:
            self.conn.close()


# -- a service that can be stopped and started again on the same port -----------------------

class RestartableService:
    """An HTTP/1.1 keep-alive server on a fixed loopback port, standing in for a check service
    or a JWK Set endpoint. stop() closes the listener and every open connection (as a crashed
    or restarted service would); start() listens again on the same port. `respond(request)`
    returns (status, body); it may block to play a slow service."""

    def __init__(self, respond, port=None, start=True):
        self.port = port or free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.respond = respond
        self.requests = []
        self.cond = threading.Condition()
        self.server = None
        if start:
            self.start()

    def start(self):
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                req = {"method": self.command, "path": self.path, "body": body,
                       "headers": {k.lower(): v for k, v in self.headers.items()}}
                with service.cond:
                    service.requests.append(req)
                    service.cond.notify_all()
                status, payload = service.respond(req)
                payload = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    self.close_connection = True

            do_GET = do_POST = handle_any

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def __init__(self, *args):
                self.open = set()
                super().__init__(*args)

            def process_request(self, request, client_address):
                self.open.add(request)
                super().process_request(request, client_address)

            def shutdown_request(self, request):
                self.open.discard(request)
                super().shutdown_request(request)

        self.server = Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self):
        if self.server is None:
            return
        server, self.server = self.server, None
        server.shutdown()
        server.server_close()
        for sock in list(server.open):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def count(self):
        with self.cond:
            return len(self.requests)

    def wait_requests(self, n, timeout=TIMEOUT):
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.requests) >= n, timeout):
                raise AssertionError("service: expected %d request(s), got %d"
                                     % (n, len(self.requests)))


# -- event sources ----------------------------------------------------------------------------

class BrokerFaults(SourceTestCase):
    def start_rig(self, env):
        rig = super().start_rig(env)
        self.api = ApiPoller(rig)
        self.addCleanup(self.api.close)
        return rig

    def assert_reported_down(self, rig, source):
        status, entry = self.api.wait_source(source, lambda s, e: s == 503,
                                             what="%s reported down (503)" % source)
        self.assertFalse(entry["connected"], entry)
        self.assertTrue(entry["detail"], "a down source says why: %r" % entry)
        self.api.wait_metric('rig_source_connected{source="%s"}' % source, 0.0)
        assert_rig_serves(self, rig)

    def assert_reported_up(self, rig, source):
        status, entry = self.api.wait_source(source, lambda s, e: s == 200 and e["connected"],
                                             what="%s connected again" % source)
        self.assertEqual(entry["detail"], "")
        self.api.wait_metric('rig_source_connected{source="%s"}' % source, 1.0)

    def test_kafka_broker_down_and_back(self):
        kafka = self.watch(KafkaMock("faults"))
        self.addCleanup(kafka.close)
        rig = self.start_rig({"KAFKA_BROKERS": kafka.bootstrap, "KAFKA_SOURCE_TOPICS": "faults",
                              "KAFKATOFILTER_KAFKA_GROUP_ID": "rig-faults-%d" % os.getpid(),
                              "RIG_KAFKA_OFFSET_RESET": "earliest"})
        client = self.sse(rig, [{"eventType": "faults.kafka"}])
        self.api.wait_source("kafka", lambda s, e: e.get("assigned_partitions", 0) > 0,
                             what="kafka partitions assigned")
        kafka.produce("faults", compact(make_event("faults.kafka", "before")))
        self.assertEqual(client.next_event()["id"], "before")

        kafka.down()
        self.assert_reported_down(rig, "kafka")
        kafka.up()
        self.assert_reported_up(rig, "kafka")
        for eid in ("after1", "after2", "end"):
            kafka.produce("faults", compact(make_event("faults.kafka", eid)))
        self.assert_ids_before_marker(client, "end", ["after1", "after2"], timeout=40)
        m = rig.metrics()
        self.assertEqual(m[consumed_metric("kafka", "faults")], 4.0, m)

    def probe_until_delivered(self, rig, send, timeout=30):
        """At-most-once sources (NATS) lose what is published before rig's subscription is back
        on the server: publishes probes until one arrives."""
        probe = self.sse(rig, [{"eventType": "faults.probe"}])
        deadline = time.monotonic() + timeout
        n = 0
        while True:
            n += 1
            send(compact(make_event("faults.probe", "p%d" % n)))
            try:
                probe.next_event(timeout=0.5)
                break
            except TimeoutError:
                self.assertLess(time.monotonic(), deadline, "no probe came through rig")
        probe.close()

    def test_nats_server_restart(self):
        nats = self.watch(NatsServer())
        self.addCleanup(nats.stop)
        rig = self.start_rig({"NATS_SERVERS": nats.address, "NATS_SOURCE_TOPICS": "faults"})
        client = self.sse(rig, [{"eventType": "faults.nats"}])

        def send(pub):
            def go(payload):
                pub.publish("faults", payload)
                pub.flush()
            return go

        with NatsPublisher(nats.port) as pub:
            self.probe_until_delivered(rig, send(pub))
            send(pub)(compact(make_event("faults.nats", "before")))
            self.assertEqual(client.next_event()["id"], "before")
        nats.stop()
        self.assert_reported_down(rig, "nats")
        nats.start()  # same port
        self.assert_reported_up(rig, "nats")
        with NatsPublisher(nats.port) as pub:
            self.probe_until_delivered(rig, send(pub))
            for eid in ("after1", "after2", "end"):
                pub.publish("faults", compact(make_event("faults.nats", eid)))
            pub.flush()
            self.assert_ids_before_marker(client, "end", ["after1", "after2"])

    def test_kinesis_endpoint_down(self):
        kin = self.watch(Kinesalite())
        self.addCleanup(lambda: kin.close())
        port = kin.port
        kin.create_stream("faults", 1)
        rig = self.start_rig({"KINESIS_ENABLED": "true", "KINESIS_STREAM": "faults",
                              "KINESIS_AWS_REGION": "us-east-1",
                              "KINESIS_ENDPOINT": kin.endpoint,
                              "AWS_ACCESS_KEY_ID": "AKIDE2ETEST",
                              "AWS_SECRET_ACCESS_KEY": "e2e-secret",
                              "RIG_KINESIS_POLL_MS": "200",
                              "RIG_KINESIS_ITERATOR": "TRIM_HORIZON"})
        self.api.wait_source("kinesis", lambda s, e: s == 200 and e["connected"],
                             what="kinesis connected")
        client = self.sse(rig, [{"eventType": "faults.kinesis"}])
        kin.put("faults", compact(make_event("faults.kinesis", "before")))
        self.assertEqual(client.next_event()["id"], "before")

        kin.close()
        self.assert_reported_down(rig, "kinesis")
        kin = self.watch(Kinesalite(port=port))  # in memory: the stream is gone with it
        self.addCleanup(lambda: kin.close())
        kin.create_stream("faults", 1)
        self.assert_reported_up(rig, "kinesis")
        for eid in ("after1", "after2", "end"):
            kin.put("faults", compact(make_event("faults.kinesis", eid)))
        self.assert_ids_before_marker(client, "end", ["after1", "after2"], timeout=30)


class FakeKinesis:
    """The three Kinesis calls rig's reader makes, for one single-shard stream, with an
    iterator that expires on demand (`expire_next`): kinesalite expires iterators only after
    its real 5 minutes. Records are (sequence number, data); an iterator names the index of
    the next record to read. Every GetShardIterator request is kept in `positioned`."""

    SHARD = "shardId-000000000000"

    def __init__(self):
        self.records = []
        self.positioned = []
        self.expire_next = False
        self.lock = threading.Lock()
        self.service = RestartableService(self.answer)

    def put(self, data):
        with self.lock:
            self.records.append(("%020d" % (len(self.records) + 1), data))

    def answer(self, req):
        action = req["headers"]["x-amz-target"].split(".", 1)[1]
        body = json.loads(req["body"])
        with self.lock:
            if action == "ListShards":
                return 200, {"Shards": [{"ShardId": self.SHARD}]}
            if action == "GetShardIterator":
                self.positioned.append(body)
                kind = body["ShardIteratorType"]
                if kind == "TRIM_HORIZON":
                    index = 0
                elif kind == "AFTER_SEQUENCE_NUMBER":
                    index = [seq for seq, _ in self.records].index(
                        body["StartingSequenceNumber"]) + 1
                else:
                    index = len(self.records)
                return 200, {"ShardIterator": "it-%d" % index}
            if action == "GetRecords":
                if self.expire_next:
                    self.expire_next = False
                    return 400, {"__type": "ExpiredIteratorException",
                                 "message": "Iterator expired."}
                index = int(body["ShardIterator"][3:])
                out = [{"SequenceNumber": seq, "PartitionKey": "pk",
                        "Data": base64.b64encode(data.encode()).decode()}
                       for seq, data in self.records[index:]]
                return 200, {"Records": out, "MillisBehindLatest": 0,
                             "NextShardIterator": "it-%d" % len(self.records)}
        return 400, {"__type": "UnknownOperationException"}


class KinesisIteratorExpiry(SourceTestCase):
    def test_an_expired_iterator_resumes_after_the_last_record_read(self):
        # An outage (or back-pressure) longer than 5 min expires a shard's iterator; rig then
        # positions the shard again. From the start of the retention period (as it did) it
        # would send every retained event again.
        kin = FakeKinesis()
        self.addCleanup(kin.service.stop)
        rig = self.start_rig({"KINESIS_ENABLED": "true", "KINESIS_STREAM": "faults",
                              "KINESIS_AWS_REGION": "us-east-1",
                              "KINESIS_ENDPOINT": kin.service.url + "/",
                              "AWS_ACCESS_KEY_ID": "AKIDE2ETEST",
                              "AWS_SECRET_ACCESS_KEY": "e2e-secret",
                              "RIG_KINESIS_POLL_MS": "200",
                              "RIG_KINESIS_ITERATOR": "TRIM_HORIZON"})
        client = self.sse(rig, [{"eventType": "faults.expiry"}])
        for eid in ("e1", "e2"):
            kin.put(compact(make_event("faults.expiry", eid)))
        self.assertEqual([client.next_event()["id"] for _ in range(2)], ["e1", "e2"])
        kin.expire_next = True
        for eid in ("e3", "end"):
            kin.put(compact(make_event("faults.expiry", eid)))
        self.assert_ids_before_marker(client, "end", ["e3"])
        self.assertEqual(kin.positioned[-1]["ShardIteratorType"], "AFTER_SEQUENCE_NUMBER",
                         kin.positioned)
        self.assertIn("ExpiredIteratorException", rig.stderr())


# -- the external check service ---------------------------------------------------------------

SSE_DENIED = "Subscription denied (not authorized)."
SUBMISSION_DENIED = "Submission denied."


class CheckServiceFaults(unittest.TestCase):
    """SUBSCRIPTION_CHECK and SUBMISSION_CHECK point at a RestartableService; one shard, so that
    "a second client is served meanwhile" is on the shard that runs the waiting check."""

    def setUp(self):
        self.mode = {"hold": None}
        self.release = threading.Event()
        self.addCleanup(self.release.set)
        self.service = RestartableService(self.answer)
        self.addCleanup(self.service.stop)
        url = self.service.url + "/check"
        self.rig = Rig(env={"SUBSCRIPTION_CHECK": url, "SUBMISSION_CHECK": url,
                            "RIG_CHECK_TIMEOUT_MS": "1000"}, shards=1)
        self.rig.start()
        self.addCleanup(self.rig.stop)

    def answer(self, req):
        hold = self.mode["hold"]
        if hold is not None and hold(req):
            self.release.wait(30)
        return 200, {}

    def connect(self, event_type):
        client = SseClient(self.rig, "subscriptions=" + quote([{"eventType": event_type}]))
        self.addCleanup(client.close)
        return client

    def assert_allowed(self, event_type):
        client = self.connect(event_type)
        self.assertEqual(client.status, 200, client.body)
        client.connect_events()
        return client

    def assert_denied(self, event_type):
        client = self.connect(event_type)
        check_json_error(self, client.status, client.headers, client.body, 400,
                         equals=SSE_DENIED)

    def submit(self, eid):
        return self.rig.publish(make_event("faults.check", eid))

    def results(self):
        """{(check, result): count} of rig_check_results_total."""
        out = {}
        for name, value in self.rig.metrics().items():
            if name.startswith("rig_check_results_total{"):
                labels = dict(part.split("=") for part in name[name.index("{") + 1:-1].split(","))
                out[(labels["check"].strip('"'), labels["result"].strip('"'))] = value
        return out

    def delivered(self, client, eid):
        status, _, body = self.rig.publish(make_event("faults.check", eid), api=True)
        self.assertEqual(status, 202, body)
        self.assertEqual(client.next_event()["id"], eid)

    def test_restart_down_slow_and_back(self):
        # Two checks at once leave two pooled keep-alive connections to the service.
        both = threading.Barrier(2)
        self.mode["hold"] = lambda req: both.wait(TIMEOUT) and False
        clients = [None, None]
        threads = [threading.Thread(target=lambda i=i: clients.__setitem__(
            i, self.connect("faults.check"))) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual([c.status for c in clients], [200, 200])
        self.mode["hold"] = None
        watcher = clients[0]
        watcher.connect_events()

        # Restarted: both pooled connections are dead; the next check still gets through.
        self.service.stop()
        self.service.start()
        self.assert_allowed("faults.check")
        status, _, body = self.submit("after-restart")
        self.assertEqual(status, 202, body)
        self.assertEqual(watcher.next_event()["id"], "after-restart")

        # Down (connection refused): checked requests are denied, unchecked ones served; the
        # operator sees the failed checks in /metrics (and the reason in the log).
        before = self.results()
        self.assertEqual(before[("subscription", "failed")], 0, before)
        self.service.stop()
        self.assert_denied("faults.check")
        status, hdrs, body = self.submit("while-down")
        check_json_error(self, status, hdrs, body, 403, equals=SUBMISSION_DENIED)
        plain = SseClient(self.rig)
        self.addCleanup(plain.close)
        self.assertEqual(plain.status, 200)
        assert_rig_serves(self, self.rig)
        self.delivered(watcher, "internal-while-down")
        after = self.results()
        self.assertEqual(after[("subscription", "failed")], 1, after)
        self.assertEqual(after[("submission", "failed")], 1, after)
        self.assertEqual(after[("subscription", "allowed")], before[("subscription", "allowed")])

        # Slow: one check waits beyond the timeout; meanwhile another client's check on the same
        # shard is answered and that client receives events.
        self.service.start()
        self.mode["hold"] = lambda req: b"faults.slow" in req["body"]
        before = self.service.count()
        slow = {}
        t = threading.Thread(target=lambda: slow.setdefault("client", self.connect("faults.slow")))
        t.start()
        self.service.wait_requests(before + 1)
        fast = self.assert_allowed("faults.check")
        self.delivered(fast, "while-slow")
        t.join(TIMEOUT)
        self.assertFalse(t.is_alive(), "the slow check never ended")
        check_json_error(self, slow["client"].status, slow["client"].headers,
                         slow["client"].body, 400, equals=SSE_DENIED)
        self.release.set()
        self.assertEqual(self.results()[("subscription", "failed")], 2)  # the timeout

        # Back to normal: allowed again, submissions delivered.
        self.mode["hold"] = None
        self.assert_allowed("faults.slow")
        status, _, body = self.submit("after")
        self.assertEqual(status, 202, body)
        self.assertEqual(fast.next_event()["id"], "after")


# -- the JWK Set endpoint ---------------------------------------------------------------------

class JwksFaults(unittest.TestCase):
    def test_endpoint_down_at_start_and_during_a_refresh(self):
        k1, k2 = jwt_keys.private_key("rsa", "faults-1"), jwt_keys.private_key("rsa", "faults-2")
        keys = {"set": [jwt_keys.jwk(k1, "k1", "RS256")]}
        service = RestartableService(lambda req: (200, {"keys": keys["set"]}), start=False)
        self.addCleanup(service.stop)
        rig = Rig(env={"RIG_JWKS_URL": service.url + "/jwks", "RIG_JWKS_REFRESH_S": "10"})
        rig.start()
        self.addCleanup(rig.stop)
        t1 = jwt_keys.sign_token({"username": "alice"}, "RS256", k1, header={"kid": "k1"})
        t2 = jwt_keys.sign_token({"username": "alice"}, "RS256", k2, header={"kid": "k2"})

        def status(token):
            client = SseClient(rig, "jwt=" + quote(token))
            client.close()
            return client.status

        api = ApiPoller(rig)
        self.addCleanup(api.close)
        # Down at start: tokens are refused (no key to check them with), rig serves.
        failed = "jwks: fetching %s/jwks failed" % service.url
        api.wait_log(failed)
        self.assertEqual(status(t1), 400)
        assert_rig_serves(self, rig)
        m = rig.metrics()
        self.assertEqual((m["rig_jwks_keys"], m["rig_jwks_last_fetch_ok"]), (0, 0), m)
        self.assertGreaterEqual(m["rig_jwks_fetch_failures_total"], 1, m)
        service.start()
        service.wait_requests(1, timeout=30)  # the retry
        api.wait_log("jwks: loaded 1 key(s)")
        self.assertEqual(status(t1), 200)
        api.wait_metric("rig_jwks_last_fetch_ok", 1.0)
        self.assertEqual(rig.metrics()["rig_jwks_keys"], 1)

        # Down during a refresh: the keys already loaded stay in use.
        service.stop()
        api.wait_log(failed, rig.stderr().count(failed) + 1)
        self.assertEqual(status(t1), 200)
        api.wait_metric("rig_jwks_last_fetch_ok", 0.0)
        self.assertEqual(rig.metrics()["rig_jwks_keys"], 1)
        # Back with a rotated set: the new key is picked up (early refresh on an unknown kid,
        # or the retry), the withdrawn one is refused.
        keys["set"] = [jwt_keys.jwk(k2, "k2", "RS256")]
        loaded = rig.stderr().count("jwks: loaded 1 key(s)")
        service.start()
        status(t2)  # an unknown kid asks for an early refresh
        api.wait_log("jwks: loaded 1 key(s)", loaded + 1)
        self.assertEqual(status(t2), 200)
        self.assertEqual(status(t1), 400)
        api.wait_metric("rig_jwks_last_fetch_ok", 1.0)


# -- SIGTERM under load -----------------------------------------------------------------------

class Stream:
    __slots__ = ("sock", "state", "tail", "subscribed", "events")

    def __init__(self, sock, subscribed):
        self.sock = sock
        self.state = "connecting"
        self.tail = b""
        self.subscribed = subscribed
        self.events = 0


class SigtermUnderLoad(unittest.TestCase):
    """10,000 SSE streams held by one selector loop; 1 in 500 subscribes to the type a publisher
    thread publishes without pause; SIGTERM; every stream must end with the final chunk and rig
    exit 0 within its drain timeout."""

    def test_sigterm_with_10000_sse_connections_while_publishing(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < LOAD_CONNECTIONS + 500:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        drain_ms = 15000
        rig = Rig(env={"MAX_CONNECTIONS_PER_MINUTE": "0", "RIG_DRAIN_TIMEOUT_MS": str(drain_ms)})
        rig.start()
        self.addCleanup(lambda: rig.proc.poll() is None and rig.proc.kill())
        sel = selectors.DefaultSelector()
        streams = []
        self.addCleanup(lambda: [s.sock.close() for s in streams])
        loaded = quote([{"eventType": "faults.load"}])
        idle = quote([{"eventType": "faults.idle"}])

        def request(stream):
            q = loaded if stream.subscribed else idle
            return ("GET /_rig/v1/connection/sse?subscriptions=%s HTTP/1.1\r\n"
                    "Host: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n" % q).encode()

        def pump(timeout):
            for key, mask in sel.select(timeout):
                s = key.data
                if s.state == "connecting":
                    err = s.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    self.assertEqual(err, 0, os.strerror(err))
                    s.sock.sendall(request(s))
                    s.state = "head"
                    sel.modify(s.sock, selectors.EVENT_READ, s)
                    continue
                try:
                    data = s.sock.recv(65536)
                except ConnectionResetError:
                    data = None
                if data is None or not data:
                    s.state = "reset" if data is None else (
                        "clean" if s.tail.endswith(b"\r\n0\r\n\r\n") else "cut")
                    sel.unregister(s.sock)
                    s.sock.close()
                    continue
                if s.state == "head":
                    self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:200])
                    s.state = "open"
                s.events += data.count(b"event: faults.load")
                s.tail = (s.tail + data)[-16:]

        # Open the streams, a bounded number connecting at a time.
        pending = 0
        deadline = time.monotonic() + 120
        while len(streams) < LOAD_CONNECTIONS or any(s.state in ("connecting", "head")
                                                     for s in streams[-1000:]):
            while len(streams) < LOAD_CONNECTIONS and pending < 500:
                sock = socket.socket()
                sock.setblocking(False)
                rc = sock.connect_ex(("127.0.0.1", rig.port))
                self.assertIn(rc, (0, errno.EINPROGRESS), os.strerror(rc))
                s = Stream(sock, len(streams) % 500 == 0)
                streams.append(s)
                sel.register(sock, selectors.EVENT_WRITE, s)
                pending += 1
            pump(0.5)
            pending = sum(1 for s in streams[-1000:] if s.state in ("connecting", "head"))
            self.assertLess(time.monotonic(), deadline, "streams did not open in time")
        self.assertEqual({s.state for s in streams}, {"open"})
        api = ApiPoller(rig)
        self.addCleanup(api.close)
        api.wait_metric('rig_connections{transport="sse"}', float(LOAD_CONNECTIONS), timeout=60)
        api.close()

        # A publisher that does not stop before rig does.
        stop = threading.Event()
        published = []

        def publish():
            conn = http.client.HTTPConnection("127.0.0.1", rig.port, timeout=TIMEOUT)
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    conn.request("POST", "/_rig/v1/events",
                                 json.dumps(make_event("faults.load", "e%d" % n)),
                                 {"Content-Type": "application/json"})
                    resp = conn.getresponse()
                    resp.read()
                    published.append(resp.status)
                except (OSError, http.client.HTTPException):
                    return  # rig has stopped accepting
        publisher = threading.Thread(target=publish, daemon=True)
        publisher.start()
        self.addCleanup(stop.set)
        subscribed = [s for s in streams if s.subscribed]
        while not all(s.events for s in subscribed) or len(published) < 300:
            pump(1.0)
            self.assertTrue(publisher.is_alive(), "the publisher stopped before SIGTERM")

        start = time.monotonic()
        rig.terminate()
        end = start + drain_ms / 1000 + 30
        while any(s.state == "open" for s in streams) and time.monotonic() < end:
            pump(1.0)
        code = rig.proc.wait(timeout=max(1.0, end - time.monotonic()))
        took = time.monotonic() - start
        rig.stop(expect_code=None)
        stop.set()
        publisher.join(TIMEOUT)
        states = {}
        for s in streams:
            states[s.state] = states.get(s.state, 0) + 1
        print("\nSIGTERM with %d SSE streams: exit %d after %.1f s; streams %r; %d publishes "
              "answered (%r); events per subscribed stream %d..%d"
              % (LOAD_CONNECTIONS, code, took, states, len(published), sorted(set(published)),
                 min(s.events for s in subscribed), max(s.events for s in subscribed)))
        self.assertEqual(code, 0, rig.stderr()[-4000:])
        self.assertEqual(states, {"clean": LOAD_CONNECTIONS})
        self.assertTrue(published and set(published) <= {202, 503}, sorted(set(published)))
        self.assertIn(202, published)


if __name__ == "__main__":
    unittest.main()
