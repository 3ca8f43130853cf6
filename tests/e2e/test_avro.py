"""Kafka with Avro and a schema registry (issue 14; spec §3.4, §8.8, §9.1, §12.4,
§13.17 #118, §13.18 #122, #125).

rig consumes Avro messages (binary mode `avro/binary`, structured `application/cloudevents+avro`,
and the Confluent magic byte without a content type, both ways) through a schema registry, and
produces Avro with KAFKA_SERIALIZER=avro for a kafka target endpoint with a `schema` subject.
The registry is a small http.server in this file answering GET /schemas/ids/{id} and
GET /subjects/{subject}/versions/latest with real Avro schemas. Messages are encoded (and rig's
messages decoded) by python3-avro, an implementation independent of rig's avro-c. The Kafka peer
is tests/support/kafka_mock (librdkafka's mock cluster; `fetch` reads a raw message back).

rig implementation: src/avro_codec (codec, wire format, registry client), src/sources/kafka_avro,
src/proxy/avro_producer.
"""

import base64
import io
import json
import threading
import unittest
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import avro.io
import avro.schema

from peers import KafkaMock, SourceTestCase, consumed_metric, read_ids_until, wait_source
from rig_harness import make_event
from test_proxy import api, endpoint

TOPIC = "avro-in"
OUT_TOPIC = "avro-out"
LOG_TOPIC = "avro-log"
TIME = "2021-05-06T07:08:09Z"

DATA_SCHEMA = {
    "type": "record", "name": "Person", "namespace": "rig.test",
    "fields": [
        {"name": "name", "type": "string"},
        {"name": "age", "type": ["null", "int"], "default": None},
        {"name": "nick", "type": ["null", "string"], "default": None},
        {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "scores", "type": {"type": "map", "values": "double"}},
        {"name": "big", "type": "long"},
    ]}
# Structured mode: the record's fields are the CloudEvent's attributes.
EVENT_SCHEMA = {
    "type": "record", "name": "Event", "namespace": "rig.test",
    "fields": [
        {"name": "specversion", "type": "string"},
        {"name": "type", "type": "string"},
        {"name": "source", "type": "string"},
        {"name": "id", "type": "string"},
        {"name": "time", "type": "string"},
        {"name": "myext", "type": ["null", "string"], "default": None},
        {"name": "data", "type": DATA_SCHEMA},
    ]}
PUBLISH_SCHEMA = {  # subject rig-avro-value: what the proxy encodes `data` with
    "type": "record", "name": "Value", "namespace": "rig.test",
    "fields": [
        {"name": "foo", "type": "string"},
        {"name": "n", "type": ["null", "long"], "default": None},
        {"name": "list", "type": {"type": "array", "items": "int"}, "default": []},
    ]}
LOG_SCHEMA = {  # subject rig-request-log-value: the request logger's data (spec §8.9)
    "type": "record", "name": "ApiCall", "namespace": "rig.test",
    "fields": [
        {"name": "endpoint", "type": {"type": "record", "name": "Endpoint", "fields": [
            {"name": "id", "type": "string"}, {"name": "method", "type": "string"},
            {"name": "path_regex", "type": "string"}]}},
        {"name": "request_path", "type": "string"},
        {"name": "remote_ip", "type": "string"},
    ]}
LATE_SCHEMA = {"type": "record", "name": "Late", "fields": [{"name": "x", "type": "int"}]}

SCHEMAS = {1: DATA_SCHEMA, 2: EVENT_SCHEMA, 3: PUBLISH_SCHEMA, 4: LATE_SCHEMA, 5: LOG_SCHEMA}
SUBJECTS = {"rig-avro-value": 3, "rig-request-log-value": 5}
UNKNOWN_ID = 99


def avro_encode(schema_id, datum):
    """Confluent wire format: magic byte 0, 4-byte big-endian id, the datum (python3-avro)."""
    buf = io.BytesIO()
    avro.io.DatumWriter(avro.schema.parse(json.dumps(SCHEMAS[schema_id]))).write(
        datum, avro.io.BinaryEncoder(buf))
    return b"\x00" + schema_id.to_bytes(4, "big") + buf.getvalue()


def avro_decode(framed):
    assert framed[0:1] == b"\x00", framed
    schema_id = int.from_bytes(framed[1:5], "big")
    reader = avro.io.DatumReader(avro.schema.parse(json.dumps(SCHEMAS[schema_id])))
    return schema_id, reader.read(avro.io.BinaryDecoder(io.BytesIO(framed[5:])))


class Registry:
    """A Confluent schema registry: the two endpoints rig uses, counting requests per path.
    stop() closes its socket (connection refused); start() listens on the same port again."""

    def __init__(self):
        self.requests = {}
        self.lock = threading.Lock()
        self.port = 0
        self.server = None
        self.start()

    def start(self):
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                with registry.lock:
                    registry.requests[self.path] = registry.requests.get(self.path, 0) + 1
                parts = self.path.strip("/").split("/")
                body, status = None, 404
                if len(parts) == 3 and parts[:2] == ["schemas", "ids"] and parts[2].isdigit() \
                        and int(parts[2]) in SCHEMAS:
                    body, status = {"schema": json.dumps(SCHEMAS[int(parts[2])])}, 200
                elif len(parts) == 4 and parts[0] == "subjects" and parts[1] in SUBJECTS \
                        and parts[2:] == ["versions", "latest"]:
                    sid = SUBJECTS[parts[1]]
                    body = {"subject": parts[1], "version": 1, "id": sid,
                            "schema": json.dumps(SCHEMAS[sid])}
                    status = 200
                else:
                    body = {"error_code": 40403, "message": "Schema not found"}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/vnd.schemaregistry.v1+json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def count(self, path):
        with self.lock:
            return self.requests.get(path, 0)


def ce_headers(etype, eid, content_type="avro/binary"):
    headers = [("ce_specversion", "0.2"), ("ce_type", etype), ("ce_id", eid),
               ("ce_source", "/avro/test"), ("ce_time", TIME)]
    if content_type:
        headers.append(("content-type", content_type))
    return headers


def person(name, **extra):
    p = {"name": name, "age": None, "nick": None, "kind": "A", "tags": [], "scores": {},
         "big": 0}
    p.update(extra)
    return p


class KafkaAvro(SourceTestCase):
    """One registry, one mock cluster and one rig for the class; every test uses event types of
    its own."""

    @classmethod
    def setUpClass(cls):
        cls.registry = Registry()
        cls.addClassCleanup(lambda: cls.registry.stop())
        cls.kafka = KafkaMock(TOPIC, OUT_TOPIC, LOG_TOPIC)
        cls.addClassCleanup(cls.kafka.close)
        cls.watch_class(cls.kafka)
        config = [api("events", 1, [
            endpoint("publish", "POST", "/publish", target="kafka", topic=OUT_TOPIC,
                     schema="rig-avro-value"),
            endpoint("publish-unknown", "POST", "/unknown-subject", target="kafka",
                     topic=OUT_TOPIC, schema="no-such-subject")])]
        cls.rig = cls.start_class_rig({
            "KAFKA_BROKERS": cls.kafka.bootstrap,
            "KAFKA_SOURCE_TOPICS": TOPIC + "," + OUT_TOPIC,
            "KAFKATOFILTER_KAFKA_GROUP_ID": "rig-e2e-" + uuid.uuid4().hex,
            "RIG_KAFKA_OFFSET_RESET": "earliest",
            "KAFKA_SCHEMA_REGISTRY_HOST": "127.0.0.1:%d" % cls.registry.port,  # no scheme
            "KAFKA_SCHEMA_REGISTRY_BACKOFF_MAX_MS": "200",
            "KAFKA_SERIALIZER": "avro",
            "PROXY_CONFIG_FILE": json.dumps(config),
            "REQUEST_LOG": "kafka",
            "KAFKA_LOG_TOPIC": LOG_TOPIC,
            "KAFKA_LOG_SCHEMA": "rig-request-log-value",
        })
        wait_source(cls.rig, "kafka",
                    lambda status, e: status == 200 and e["connected"] and
                    e.get("assigned_partitions") == 2,
                    timeout=30, what="both partitions assigned")
        cls.out_offset = 0  # next offset of OUT_TOPIC to fetch

    def produce(self, value, headers=None, topic=TOPIC):
        self.kafka.produce(topic, value, headers)

    def fetch(self, topic, offset):
        """The raw message at `offset` of partition 0: (headers as a list of pairs, body)."""
        self.kafka.proc.stdin.write(("fetch %s %d\n" % (topic, offset)).encode())
        self.kafka.proc.stdin.flush()
        answer = self.kafka.out.readline(60)
        self.assertTrue(answer.startswith("ok "), answer)
        _, head, body = answer.split(" ")
        headers = [] if head == "-" else [
            (item.split("=", 1)[0], base64.b64decode(item.split("=", 1)[1]).decode())
            for item in head.split(";")]
        return headers, b"" if body == "-" else base64.b64decode(body)

    def marker(self, etype, eid="end"):
        self.produce(json.dumps(make_event(etype, eid, time=TIME)))

    def failed(self, topic=TOPIC):
        return self.rig.metrics().get(consumed_metric("kafka", topic, failed=True), 0.0)

    # -- consuming --------------------------------------------------------------------------

    def test_binary_avro_decodes_data_to_json(self):  # 122
        etype = "avro.binary"
        client = self.sse(self.rig, [{"eventType": etype}])
        data = person("Ann", age=42, nick="annie", kind="B", tags=["x", "y"],
                      scores={"m": 1.5}, big=2 ** 62)
        self.produce(avro_encode(1, data), ce_headers(etype, "b1"))
        # Magic byte, no content type, a ce_specversion header: binary as well.
        self.produce(avro_encode(1, person("Bob")), ce_headers(etype, "b2", content_type=None))
        self.marker(etype)
        events = self.assert_ids_before_marker(client, "end", ["b1", "b2"])
        self.assertEqual(events[0]["data"], data)  # optional fields bare, never {"int": 42}
        self.assertEqual(events[0]["source"], "/avro/test")
        self.assertEqual(events[0]["time"], TIME)
        self.assertEqual(events[0]["contenttype"], "avro/binary")
        self.assertEqual(events[1]["data"], person("Bob"))  # nulls stay null

    def test_structured_avro_fields_are_the_attributes(self):  # 125
        etype = "avro.structured"
        client = self.sse(self.rig, [{"eventType": etype}])
        ev1 = {"specversion": "0.2", "type": etype, "source": "/avro", "id": "s1", "time": TIME,
               "myext": "hello", "data": person("Cy", tags=["t"])}
        ev2 = dict(ev1, id="s2", myext=None)
        self.produce(avro_encode(2, ev1), [("content-type", "application/cloudevents+avro")])
        self.produce(avro_encode(2, ev2))  # magic byte, no content type, no ce_specversion
        self.marker(etype)
        events = self.assert_ids_before_marker(client, "end", ["s1", "s2"])
        self.assertEqual(events[0], ev1)
        self.assertEqual(events[1]["data"], ev2["data"])
        self.assertIsNone(events[1].get("myext"))

    def test_unknown_schema_id_is_skipped_counted_and_not_asked_again(self):
        etype = "avro.unknown"
        client = self.sse(self.rig, [{"eventType": etype}])
        failed0 = self.failed()
        bogus = b"\x00" + UNKNOWN_ID.to_bytes(4, "big") + b"\x02x"
        self.produce(bogus, ce_headers(etype, "u1"))
        self.produce(avro_encode(1, person("ok")), ce_headers(etype, "ok"))
        self.produce(bogus, ce_headers(etype, "u2"))
        # Bytes that are not a datum of the schema: counted and skipped too.
        self.produce(b"\x00\x00\x00\x00\x01\x80", ce_headers(etype, "garbage"))
        self.marker(etype)
        self.assert_ids_before_marker(client, "end", ["ok"])
        self.assertEqual(self.failed() - failed0, 3)
        self.assertEqual(self.registry.count("/schemas/ids/%d" % UNKNOWN_ID), 1)
        self.assertEqual(self.registry.count("/schemas/ids/1"), 1)  # fetched once, cached
        m = self.rig.metrics()
        self.assertGreaterEqual(m.get('rig_schema_registry_lookups_total{result="not_found"}'),
                                1.0, m)

    def test_registry_down_then_back(self):
        etype = "avro.late"
        client = self.sse(self.rig, [{"eventType": etype}])
        self.registry.stop()
        try:
            self.produce(avro_encode(4, {"x": 0}), ce_headers(etype, "while-down"))
            self.marker(etype, "marker-down")
            # The message that needs the registry is skipped while it is down; JSON flows.
            self.assert_ids_before_marker(client, "marker-down", [])
        finally:
            self.registry.start()
        m = self.rig.metrics()
        self.assertGreaterEqual(m.get('rig_schema_registry_lookups_total{result="unavailable"}'),
                                1.0, m)
        # Back: once the back-off (at most 200 ms here) has passed, messages decode again.
        # Each attempt is a new message; the first one that arrives ends the loop.
        for attempt in range(100):
            self.produce(avro_encode(4, {"x": attempt}), ce_headers(etype, "after-%d" % attempt))
            self.marker(etype, "m-%d" % attempt)
            ids, events, _ = read_ids_until(client, "m-%d" % attempt)
            if ids:
                self.assertEqual(ids, ["after-%d" % attempt])
                self.assertEqual(events[0]["data"], {"x": attempt})
                break
        else:
            self.fail("no Avro message decoded after the registry came back")

    # -- producing --------------------------------------------------------------------------

    def next_out(self):
        headers, body = self.fetch(OUT_TOPIC, KafkaAvro.out_offset)
        KafkaAvro.out_offset += 1
        return headers, body

    def test_proxy_produces_avro_that_python_avro_decodes(self):  # 118
        etype = "avro.publish"
        client = self.sse(self.rig, [{"eventType": etype}])
        data = {"foo": "bar", "n": -(2 ** 63), "list": [1, -2, 2 ** 31 - 1]}
        event = make_event(etype, "p1", time=TIME, data=data,
                           rig={"target_partition": "key"}, extra={"a": {"b": "c"}})
        status, _, body = self.rig.request("POST", "/publish", body=event)
        self.assertEqual((status, body), (202, b"Accepted."))
        # rig's own Kafka source reads the topic back: the consumer decodes equal data.
        got = client.next_event()
        self.assertEqual((got["id"], got["data"]), ("p1", data))
        self.assertEqual(got["extra"], {"a": {"b": "c"}})
        self.assertEqual(got["rig"]["path"], "/publish")
        # And the raw message: binary mode, Confluent framing, decoded by python3-avro.
        headers, body = self.next_out()
        self.assertEqual(avro_decode(body), (3, data))
        h = dict(headers)
        self.assertEqual(h["content-type"], "avro/binary")
        self.assertEqual((h["ce_type"], h["ce_id"], h["ce_specversion"]), (etype, "p1", "0.2"))
        self.assertEqual(json.loads(h["ce_extra"]), {"a": {"b": "c"}})
        self.assertEqual(json.loads(h["ce_rig"])["path"], "/publish")
        self.assertNotIn("ce_data", h)
        self.assertEqual(self.registry.count("/subjects/rig-avro-value/versions/latest"), 1)

    def test_data_that_does_not_fit_is_a_counted_produce_failure(self):
        etype = "avro.misfit"
        failed = 'rig_produced_events_failed_total{target="kafka",topic="%s"}' % OUT_TOPIC
        before = self.rig.metrics().get(failed, 0.0)
        for path, data in (("/publish", {"foo": 1}), ("/unknown-subject", {"foo": "x"})):
            status, _, body = self.rig.request(
                "POST", path, body=make_event(etype, "bad", time=TIME, data=data))
            self.assertEqual((status, body), (202, b"Accepted."))  # as for any produce failure
        self.rig.wait_metric(failed, before + 2)

    def test_request_log_is_produced_as_avro(self):  # 119
        status, _, _ = self.rig.request(
            "POST", "/publish", body=make_event("avro.logged", "l1", time=TIME, data={"foo": "x"}))
        self.assertEqual(status, 202)
        # Every proxied request of this class is logged; the first one is at offset 0.
        headers, body = self.fetch(LOG_TOPIC, 0)
        schema_id, data = avro_decode(body)
        self.assertEqual(schema_id, 5)
        self.assertIn(data["endpoint"]["id"], ("publish", "publish-unknown"))
        self.assertEqual(data["endpoint"]["method"], "POST")
        self.assertIn(data["request_path"], ("/publish", "/unknown-subject"))
        self.assertEqual(data["remote_ip"], "127.0.0.1")
        h = dict(headers)
        self.assertEqual(h["content-type"], "avro/binary")
        self.assertEqual(h["ce_type"], "com.rig.proxy.api.call")
        self.assertEqual(h["ce_contenttype"], "avro/binary")
        self.assertEqual(h["ce_specversion"], "0.2")


if __name__ == "__main__":
    unittest.main()
