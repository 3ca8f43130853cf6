"""W3C trace context on events, x-request-id on responses, Zipkin span export (issue 13).

Contract: spec §11.3 (distributed tracing), §2.1 (x-request-id, traceparent on responses),
§12.8 (ZIPKIN_ADDR, ZIPKIN_SERVICE_NAME), W3C Trace Context. rig's implementation:
src/tracing/ (traceparent parsing, rig's spans on events, the Zipkin exporter thread),
src/sources/http_publisher.cpp, src/sources/ingest.hpp (broker sources), src/http/request_id.cpp.

Peers: tests/support/kafka_mock (librdkafka's mock cluster), a nats-server on a free port,
kinesalite (tests/kinesis), and
a Zipkin collector stand-in: a standard-library HTTP server started here that records every
POSTed span array. Every wait is a blocking read or a condition wait with a deadline.
"""

import http.server
import json
import os
import re
import subprocess
import threading
import time
import unittest
import uuid

from peers import (KafkaMock, Kinesalite, NatsPublisher, NatsServer, SourceTestCase,
                   wait_source)
from rig_harness import BINARY, TIMEOUT, Rig, make_event
from test_nats import wait_subscribed

TIME = "2021-05-06T07:08:09Z"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN = "00f067aa0ba902b7"
TRACEPARENT = "00-%s-%s-01" % (TRACE_ID, PARENT_SPAN)
TRACESTATE = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
TRACEPARENT_RE = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
KAFKA_TOPIC = "trace-topic"
NATS_SUBJECT = "trace-subject"
SERVICE = "rig-trace-e2e"


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def parse_traceparent(value):
    m = TRACEPARENT_RE.match(value or "")
    assert m, "not a valid traceparent: %r" % (value,)
    trace_id, span_id, flags = m.groups()
    assert trace_id != "0" * 32 and span_id != "0" * 16, value
    return trace_id, span_id, flags


class ZipkinReceiver:
    """A Zipkin v2 collector stand-in on a free loopback port: records the spans of every POST
    to /api/v2/spans and answers 202."""

    def __init__(self):
        self.spans = []
        self.posts = []
        self.changed = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver.changed:
                    receiver.posts.append((self.path, self.headers.get("Content-Type"), body))
                    try:
                        receiver.spans.extend(json.loads(body))
                    except ValueError:
                        pass
                    receiver.changed.notify_all()
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_span(self, predicate, timeout=TIMEOUT, what="a span"):
        """The first recorded span for which predicate(span) is true, waiting up to `timeout`."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for s in self.spans:
                    if predicate(s):
                        return s
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("no %s within %ss; spans: %r" % (what, timeout, self.spans))
                self.changed.wait(remaining)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def check_consumed(test, rig, zipkin, etype, send, source):
    """An event without traceparent from `source` arrives untouched; one with traceparent and
    tracestate arrives with rig's span in the same trace, and that span reaches Zipkin."""
    client = test.sse(rig, [{"eventType": etype}])
    plain = compact(make_event(etype, "plain", version="1.0", time=TIME))
    traced = make_event(etype, "traced", version="1.0", time=TIME,
                        traceparent=TRACEPARENT, tracestate=TRACESTATE)
    send(plain)
    send(compact(traced))
    ev = client.next_event(TIMEOUT * 2)
    test.assertEqual(ev["id"], "plain")
    test.assertEqual(client.raw_messages[-1].split("data: ", 1)[1], plain)  # untouched
    ev = client.next_event(TIMEOUT * 2)
    test.assertEqual(ev["id"], "traced")
    trace_id, span_id, flags = parse_traceparent(ev["traceparent"])
    test.assertEqual(trace_id, TRACE_ID)
    test.assertNotEqual(span_id, PARENT_SPAN)
    test.assertEqual(flags, "01")
    test.assertEqual(ev["tracestate"], TRACESTATE)  # kept, for Kinesis too (docs/operators.md)
    span = zipkin.wait_span(lambda s: s.get("traceId") == TRACE_ID and s.get("id") == span_id,
                            what="the %s span" % source)
    test.assertEqual(span["parentId"], PARENT_SPAN)
    test.assertEqual(span["kind"], "CONSUMER")
    test.assertEqual(span["localEndpoint"]["serviceName"], SERVICE)
    test.assertEqual(span["tags"]["messaging.system"], source)


class Trace(SourceTestCase):
    """One rig with a Kafka mock, a nats-server and a Zipkin receiver for the class; every test
    uses event types of its own."""

    @classmethod
    def setUpClass(cls):
        cls.zipkin = ZipkinReceiver()
        cls.addClassCleanup(cls.zipkin.close)
        cls.kafka = KafkaMock(KAFKA_TOPIC)
        cls.addClassCleanup(cls.kafka.close)
        cls.watch_class(cls.kafka)
        cls.nats = NatsServer()
        cls.addClassCleanup(cls.nats.stop)
        cls.watch_class(cls.nats)
        cls.rig = cls.start_class_rig({
            # The bare host:port form: rig appends /api/v2/spans.
            "ZIPKIN_ADDR": "127.0.0.1:%d" % cls.zipkin.port,
            "ZIPKIN_SERVICE_NAME": SERVICE,
            "RIG_ZIPKIN_INTERVAL_MS": "50",
            "KAFKA_BROKERS": cls.kafka.bootstrap,
            "KAFKA_SOURCE_TOPICS": KAFKA_TOPIC,
            "KAFKATOFILTER_KAFKA_GROUP_ID": "rig-e2e-" + uuid.uuid4().hex,
            "RIG_KAFKA_OFFSET_RESET": "earliest",
            "NATS_SERVERS": "127.0.0.1:%d" % cls.nats.port,
            "NATS_SOURCE_TOPICS": NATS_SUBJECT,
        })
        cls.pub = NatsPublisher(cls.nats.port)
        cls.addClassCleanup(cls.pub.close)
        wait_source(cls.rig, "kafka",
                    lambda status, e: e["connected"] and e.get("assigned_partitions") == 1,
                    timeout=30, what="the partition assigned")

    def span_of(self, trace_id, span_id):
        return self.zipkin.wait_span(lambda s: s.get("traceId") == trace_id and
                                     s.get("id") == span_id,
                                     what="span %s of trace %s" % (span_id, trace_id))

    # -- HTTP submissions ---------------------------------------------------------------------

    def test_published_event_carries_rigs_span_of_the_clients_trace(self):
        etype = "trace.http"
        client = self.sse(self.rig, [{"eventType": etype}])
        status, headers, body = self.rig.publish(
            make_event(etype, "1", version="1.0", time=TIME, data={"a": 1}),
            {"traceparent": TRACEPARENT, "tracestate": TRACESTATE})
        self.assertEqual(status, 202, body)
        trace_id, rig_span, flags = parse_traceparent(headers.get("traceparent"))
        self.assertEqual(trace_id, TRACE_ID)
        self.assertNotEqual(rig_span, PARENT_SPAN)
        self.assertEqual(flags, "01")
        ev = client.next_event()
        self.assertEqual(ev["id"], "1")
        self.assertEqual(ev["traceparent"], headers["traceparent"])
        self.assertEqual(ev["tracestate"], TRACESTATE)
        self.assertEqual(ev["data"], {"a": 1})
        # The 202's body is what subscribers got.
        self.assertEqual(json.loads(body)["traceparent"], headers["traceparent"])

        span = self.span_of(TRACE_ID, rig_span)
        self.assertEqual(span["parentId"], PARENT_SPAN)
        self.assertEqual(span["kind"], "SERVER")
        self.assertEqual(span["localEndpoint"]["serviceName"], SERVICE)
        self.assertEqual(span["tags"]["http.status_code"], "202")
        path, content_type, _ = self.zipkin.posts[0]
        self.assertEqual(path, "/api/v2/spans")
        self.assertEqual(content_type, "application/json")

    def test_batch_events_carry_the_same_span(self):
        etype = "trace.batch"
        client = self.sse(self.rig, [{"eventType": etype}])
        batch = [make_event(etype, str(i), version="1.0", time=TIME) for i in (1, 2)]
        status, headers, body = self.rig.request(
            "POST", "/_rig/v1/events", compact(batch),
            {"Content-Type": "application/cloudevents-batch+json", "traceparent": TRACEPARENT})
        self.assertEqual(status, 202, body)
        tp = headers["traceparent"]
        self.assertEqual(parse_traceparent(tp)[0], TRACE_ID)
        for i in ("1", "2"):
            ev = client.next_event()
            self.assertEqual(ev["id"], i)
            self.assertEqual(ev["traceparent"], tp)
            self.assertNotIn("tracestate", ev)

    def test_without_or_with_a_malformed_traceparent_the_event_is_byte_identical(self):
        etype = "trace.untouched"
        client = self.sse(self.rig, [{"eventType": etype}])
        for i, header in enumerate([None, "00-%s-%s-01" % ("0" * 32, PARENT_SPAN),
                                    "00-%s-%s-01" % (TRACE_ID.upper(), PARENT_SPAN),
                                    "ff-%s-%s-01" % (TRACE_ID, PARENT_SPAN), "garbage"]):
            # Odd spacing and key order: only the original bytes look like this.
            text = ('{ "specversion" : "1.0", "type":"%s", "id": "%d", "source":"s", '
                    '"time":"%s", "traceparent":"kept as is", "data" : {"b":[1, 2]} }'
                    % (etype, i, TIME))
            headers = {"Content-Type": "application/cloudevents+json"}
            if header is not None:
                headers["traceparent"] = header
                headers["tracestate"] = TRACESTATE
            status, resp_headers, body = self.rig.request("POST", "/_rig/v1/events", text,
                                                          headers)
            self.assertEqual(status, 202, body)
            trace_id, _, _ = parse_traceparent(resp_headers.get("traceparent"))
            self.assertNotEqual(trace_id, TRACE_ID)  # a new trace
            self.assertNotEqual(trace_id, TRACE_ID.upper())
            ev = client.next_event()
            self.assertEqual(ev["id"], str(i))
            self.assertEqual(client.raw_messages[-1].split("data: ", 1)[1], text)
            self.assertEqual(body.decode(), text)

    def test_new_traces_differ(self):
        etype = "trace.fresh"
        ids = set()
        for i in range(3):
            status, headers, body = self.rig.publish(make_event(etype, str(i)))
            self.assertEqual(status, 202, body)
            ids.add(parse_traceparent(headers["traceparent"])[0])
        self.assertEqual(len(ids), 3)

    # -- x-request-id -------------------------------------------------------------------------

    def test_request_id_is_echoed_or_generated(self):
        own = "client-" + uuid.uuid4().hex
        cases = [
            ("POST", "/_rig/v1/events", compact(make_event("trace.rid", "1")), False),
            ("GET", "/_rig/health", None, False),
            ("GET", "/health", None, True),
            ("GET", "/metrics", None, True),
        ]
        for method, path, body, api in cases:
            with self.subTest(path=path):
                headers = {"Content-Type": "application/json"} if body else {}
                status, hdrs, _ = self.rig.request(method, path, body,
                                                   dict(headers, **{"x-request-id": own}),
                                                   api=api)
                self.assertLess(status, 300)
                self.assertEqual(hdrs.get("x-request-id"), own)
                generated = set()
                for bad in (None, "short", "has spaces and is long enough", "x" * 201):
                    extra = {} if bad is None else {"x-request-id": bad}
                    status, hdrs, _ = self.rig.request(method, path, body,
                                                       dict(headers, **extra), api=api)
                    rid = hdrs.get("x-request-id")
                    self.assertRegex(rid or "", r"^[A-Za-z0-9_-]{20}$")
                    self.assertNotEqual(rid, bad)
                    generated.add(rid)
                self.assertEqual(len(generated), 4)

    def test_errors_carry_a_request_id_too(self):
        status, hdrs, _ = self.rig.request("POST", "/_rig/v1/events", "not json",
                                           {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        self.assertRegex(hdrs.get("x-request-id", ""), r"^[A-Za-z0-9_-]{20}$")
        # A failed submission with a traceparent still answers in the client's trace.
        status, hdrs, _ = self.rig.request("POST", "/_rig/v1/events", "not json",
                                           {"Content-Type": "application/json",
                                            "traceparent": TRACEPARENT})
        self.assertEqual(status, 400)
        self.assertEqual(parse_traceparent(hdrs["traceparent"])[0], TRACE_ID)

    # -- consumed events ----------------------------------------------------------------------

    def test_kafka_event_with_traceparent_gets_rigs_span(self):
        check_consumed(self, self.rig, self.zipkin, "trace.kafka",
                       lambda v: self.kafka.produce(KAFKA_TOPIC, v), "kafka")

    def test_nats_event_with_traceparent_gets_rigs_span(self):
        wait_subscribed(self, self.rig, self.pub, [NATS_SUBJECT])

        def send(value):
            self.pub.publish(NATS_SUBJECT, value)
            self.pub.flush()

        check_consumed(self, self.rig, self.zipkin, "trace.nats", send, "nats")


class KinesisTrace(SourceTestCase):
    """A 1-shard stream on kinesalite, and a rig reading it with span export."""

    @classmethod
    def setUpClass(cls):
        cls.zipkin = ZipkinReceiver()
        cls.addClassCleanup(cls.zipkin.close)
        cls.kin = Kinesalite()
        cls.addClassCleanup(cls.kin.close)
        cls.watch_class(cls.kin)
        cls.stream = "rig-trace-" + uuid.uuid4().hex[:12]
        cls.kin.create_stream(cls.stream, 1)
        cls.rig = cls.start_class_rig({
            "ZIPKIN_ADDR": "http://127.0.0.1:%d/api/v2/spans" % cls.zipkin.port,
            "ZIPKIN_SERVICE_NAME": SERVICE,
            "RIG_ZIPKIN_INTERVAL_MS": "50",
            "KINESIS_ENABLED": "true",
            "KINESIS_STREAM": cls.stream,
            "KINESIS_AWS_REGION": "us-east-1",
            "KINESIS_ENDPOINT": cls.kin.endpoint,
            "AWS_ACCESS_KEY_ID": "AKIDE2ETEST",
            "AWS_SECRET_ACCESS_KEY": "e2e-secret",
            "RIG_KINESIS_POLL_MS": "200",
            "RIG_KINESIS_ITERATOR": "TRIM_HORIZON",
            "KAFKA_BROKERS": None, "NATS_SERVERS": None,
        })
        wait_source(cls.rig, "kinesis", lambda s, e: s == 200 and e["connected"],
                    what="kinesis source connected")

    def test_kinesis_event_with_traceparent_gets_rigs_span(self):
        check_consumed(self, self.rig, self.zipkin, "trace.kinesis",
                       lambda v: self.kin.put(self.stream, v), "kinesis")



class Settings(unittest.TestCase):
    """ZIPKIN_ADDR is checked at start; JAEGER_HOST is warned about, not silently ignored."""

    def test_a_bad_zipkin_addr_is_a_config_error(self):
        for bad in ("ftp://collector/api/v2/spans", "http://", "host:notaport"):
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ZIPKIN_ADDR": bad}
            proc = subprocess.run([BINARY, "--check-config"], env=env, capture_output=True,
                                  timeout=TIMEOUT)
            self.assertEqual(proc.returncode, 2, (bad, proc.stdout, proc.stderr))
            self.assertIn(b"ZIPKIN_ADDR", proc.stderr + proc.stdout)

    def test_jaeger_host_gets_a_warning_pointing_at_zipkin_addr(self):
        rig = Rig(env={"JAEGER_HOST": "jaeger.local"}, shards=1)
        rig.start()
        try:
            status, _, _ = rig.request("GET", "/_rig/health")
            self.assertEqual(status, 200)
            log = rig.stderr()
        finally:
            rig.stop()
        self.assertIn("JAEGER_HOST", log)
        self.assertIn("ZIPKIN_ADDR", log)
        self.assertIn("http://jaeger.local:9411/api/v2/spans", log)


if __name__ == "__main__":
    unittest.main()
