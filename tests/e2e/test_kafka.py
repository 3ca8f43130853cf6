"""Kafka event source: rig consumes CloudEvents from Kafka topics and routes them to subscribers.

Contract: spec §3.3-3.4 (Kafka binding: structured when the content-type is
application/cloudevents(+json) or absent, binary with `ce_` headers otherwise), §9.1, §12.4,
§13.18 (120, 121, 123), and spec/README.md (CloudEvents 0.1, 0.2 and 1.0 everywhere). rig's
implementation: src/sources/kafka_source.hpp, src/cloudevents/parse.hpp (parse_message).

The peer is tests/support/kafka_mock (librdkafka's mock cluster: one broker, one partition per
topic). Each rig uses a fresh consumer group (rejoining a group costs ~45 s with the mock) with
RIG_KAFKA_OFFSET_RESET=earliest, and the tests wait for the partition assignment through
/health/sources before producing. A message is only routed when some client subscribes to its
type at that moment, so every test connects its SSE client first.

"Exactly the valid ones" is checked by producing a final marker on the same partition and
asserting the list of ids received before it: one partition is consumed in order.
"""

import base64
import json
import unittest
import uuid

from peers import (KafkaMock, SourceTestCase, consumed_metric, read_ids_until, received,
                   source_health, wait_kafka_assigned, wait_source)
from rig_harness import make_event

TOPICS = ("kt1", "kt2", "kt3")
TIME = "2021-05-06T07:08:09Z"
EXTRACTORS = {"kafka.person": {"name": {"stable_field_index": 0,
                                        "event": {"json_pointer": "/data/name"}}}}


def group_id():
    return "rig-e2e-" + uuid.uuid4().hex


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def ce_headers(version, etype, eid, content_type=None, **extra):
    """Binary-mode Kafka headers (`ce_` prefix) as a list of pairs."""
    headers = [("ce_specversion", version), ("ce_type", etype), ("ce_id", eid),
               ("ce_source", "/kafka/test")]
    headers += [("ce_" + k, v) for k, v in extra.items()]
    if content_type is not None:
        headers.append(("content-type", content_type))
    return headers


class KafkaSource(SourceTestCase):
    """One mock cluster and one rig for the class; every test uses event types of its own."""

    @classmethod
    def setUpClass(cls):
        cls.kafka = KafkaMock(*TOPICS)
        cls.addClassCleanup(cls.kafka.close)
        cls.watch_class(cls.kafka)
        cls.rig = cls.start_class_rig({
            "KAFKA_BROKERS": cls.kafka.bootstrap,
            "KAFKA_SOURCE_TOPICS": ",".join(TOPICS),
            "KAFKATOFILTER_KAFKA_GROUP_ID": group_id(),
            "RIG_KAFKA_OFFSET_RESET": "earliest",
            "EXTRACTORS": json.dumps(EXTRACTORS),
        })
        wait_source(cls.rig, "kafka",
                    lambda status, e: status == 200 and e["connected"] and
                    e.get("assigned_partitions") == len(TOPICS),
                    timeout=30, what="all %d partitions assigned" % len(TOPICS))

    def produce(self, value, headers=None, topic=TOPICS[0]):
        self.kafka.produce(topic, value, headers)

    def counters(self, topic=TOPICS[0]):
        m = self.rig.metrics()
        return (m.get(consumed_metric("kafka", topic), 0.0),
                m.get(consumed_metric("kafka", topic, failed=True), 0.0))

    # -- health -------------------------------------------------------------------------------

    def test_health_reports_connected_consumer_with_assigned_partitions(self):
        status, body = source_health(self.rig)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["sources"]["kafka"],
                         {"connected": True, "detail": "", "assigned_partitions": len(TOPICS)})
        m = self.rig.metrics()
        self.assertEqual(m.get('rig_source_connected{source="kafka"}'), 1.0, m)

    # -- structured mode ----------------------------------------------------------------------

    def test_structured_mode_all_content_type_forms(self):
        etype = "kafka.structured"
        client = self.sse(self.rig, [{"eventType": etype}])
        cases = [
            ("absent", None),
            ("cloudevents+json", "application/cloudevents+json"),
            ("cloudevents+json-charset", "application/cloudevents+json; charset=UTF-8"),
            ("cloudevents", "application/cloudevents"),
            ("cloudevents-uppercase", "Application/CloudEvents+JSON"),
            ("json-no-specversion-header", "application/json"),
        ]
        sent = {}
        for i, (name, content_type) in enumerate(cases):
            ev = make_event(etype, "s%d" % i, time=TIME, data={"case": name, "n": i},
                            extraattr="kept")
            text = compact(ev)
            sent["s%d" % i] = text
            headers = [("Content-Type" if i % 2 else "content-type", content_type)] \
                if content_type else None
            self.produce(text, headers)
        self.produce(compact(make_event(etype, "end", time=TIME)))
        ids, events, texts = read_ids_until(client, "end")
        self.assertEqual(ids, list(sent))
        for i, ev in enumerate(events):
            with self.subTest(case=cases[i][0]):
                # Forwarded as the original JSON text (it has a time attribute, so nothing is
                # stamped): every attribute, including unknown ones, survives.
                self.assertEqual(texts[i], sent[ev["id"]])
                self.assertEqual(ev["data"], {"case": cases[i][0], "n": i})

    def test_structured_event_without_time_is_stamped(self):
        etype = "kafka.stamped"
        client = self.sse(self.rig, [{"eventType": etype}])
        self.produce(compact(make_event(etype, "1", data={"a": 1})))
        ev = client.next_event()
        self.assertEqual((ev["id"], ev["type"], ev["data"]), ("1", etype, {"a": 1}))
        self.assertRegex(ev.get("time", ""), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")

    def test_spec_versions_0_1_0_2_1_0(self):
        etype = "kafka.versions"
        client = self.sse(self.rig, [{"eventType": etype}])
        v01 = make_event(etype, "v01", version="0.1", eventTime=TIME, data={"v": "0.1"})
        v02 = make_event(etype, "v02", version="0.2", time=TIME, data={"v": "0.2"})
        v10 = make_event(etype, "v10", version="1.0", time=TIME, data={"v": "1.0"},
                         datacontenttype="application/json")
        for ev in (v01, v02, v10):
            self.produce(compact(ev), [("content-type", "application/cloudevents+json")])
        self.produce(compact(make_event(etype, "end", version="1.0")))
        events = self.assert_ids_before_marker(client, "end", ["v01", "v02", "v10"])
        self.assertEqual(events, [v01, v02, v10])
        self.assertEqual(events[0]["eventType"], etype)  # SSE `event:` checked by next_event

    # -- binary mode --------------------------------------------------------------------------

    def test_binary_mode_0_2_and_1_0_with_json_and_text_data(self):
        etype = "kafka.binary"
        client = self.sse(self.rig, [{"eventType": etype}])
        self.produce(compact({"hello": "json", "n": [1, 2]}),
                     ce_headers("0.2", etype, "b02json", "application/json", count="5"))
        self.produce("just some text", ce_headers("0.2", etype, "b02text", "text/plain"))
        self.produce(compact({"hello": "json"}),
                     ce_headers("1.0", etype, "b10json", "application/json; charset=utf-8",
                                myext="abc", time=TIME))
        self.produce("plain text data", ce_headers("1.0", etype, "b10text", "text/plain"))
        # Header names are case-insensitive.
        self.produce(compact({"x": 1}),
                     [("CE_SPECVERSION", "1.0"), ("Ce_Type", etype), ("ce_ID", "b10case"),
                      ("ce_source", "/kafka/test"), ("Content-Type", "application/json")])
        # Spec §13.18 121: a content type that is not JSON leaves a JSON body as a string.
        self.produce(compact({"a": 1}), ce_headers("0.2", etype, "b02weird", "some-weird-type"))
        # A 1.0 body that is not UTF-8 text is kept as data_base64.
        self.produce(b"\xff\xfe\x00\x01bin", ce_headers("1.0", etype, "b10bytes",
                                                       "application/octet-stream"))
        self.produce(compact(make_event(etype, "end")))
        events = self.assert_ids_before_marker(
            client, "end",
            ["b02json", "b02text", "b10json", "b10text", "b10case", "b02weird", "b10bytes"])
        by_id = {e["id"]: e for e in events}
        for eid, ev in by_id.items():
            with self.subTest(id=eid):
                self.assertEqual(ev["type"], etype)
                self.assertEqual(ev["source"], "/kafka/test")
                self.assertEqual(ev["specversion"], "0.2" if eid.startswith("b02") else "1.0")
                self.assertIn("time", ev)
        b = by_id["b02json"]
        self.assertEqual(b["data"], {"hello": "json", "n": [1, 2]})
        self.assertEqual(b["count"], 5)  # 0.2 extension header values are JSON-decoded
        b = by_id["b02text"]
        self.assertEqual(b["data"], "just some text")
        self.assertEqual(b.get("contenttype", b.get("datacontenttype")), "text/plain", b)
        b = by_id["b10json"]
        self.assertEqual(b["data"], {"hello": "json"})
        self.assertEqual(b["datacontenttype"], "application/json; charset=utf-8")
        self.assertEqual(b["myext"], "abc")
        self.assertEqual(b["time"], TIME)
        b = by_id["b10text"]
        self.assertEqual(b["data"], "plain text data")
        self.assertEqual(b["datacontenttype"], "text/plain")
        self.assertEqual(by_id["b10case"]["data"], {"x": 1})
        b = by_id["b02weird"]
        self.assertEqual(b["data"], '{"a":1}')
        self.assertEqual(b.get("contenttype", b.get("datacontenttype")), "some-weird-type", b)
        b = by_id["b10bytes"]
        self.assertEqual(base64.b64decode(b["data_base64"]), b"\xff\xfe\x00\x01bin", b)
        self.assertNotIn("data", b)
        self.assertEqual(b["datacontenttype"], "application/octet-stream")

    def test_binary_header_values_are_taken_verbatim(self):
        # The Kafka binding carries attribute values as plain UTF-8 header values: unlike the
        # HTTP binding there is no percent-encoding, so "%20" stays "%20" (spec §3.4 follows
        # the Kafka protocol binding as cloudevents-ex implements it).
        etype = "kafka.verbatim"
        client = self.sse(self.rig, [{"eventType": etype}])
        self.produce("x", ce_headers("1.0", etype, "pct", "text/plain",
                                     subject="50%25 off", myext="a%20b"))
        ev = client.next_event()
        self.assertEqual((ev["id"], ev["subject"], ev["myext"]), ("pct", "50%25 off", "a%20b"))

    # -- invalid messages ---------------------------------------------------------------------

    def test_invalid_messages_are_skipped_and_counted(self):
        etype = "kafka.mixed"
        topic = TOPICS[1]
        client = self.sse(self.rig, [{"eventType": etype}])
        consumed0, failed0 = self.counters(topic)
        ok = lambda eid: compact(make_event(etype, eid))  # noqa: E731
        messages = [
            (ok("ok1"), None),
            ("this is not JSON", None),
            ("{\"specversion\":\"0.2\",", None),                                  # truncated
            (compact([make_event(etype, "in-array")]), None),                     # not an object
            (compact({"specversion": "0.2", "id": "no-type", "source": "s"}), None),
            (compact({"specversion": "0.2", "type": etype, "source": "s"}), None),  # no id
            (compact({"specversion": "9.9", "type": etype, "id": "bad-ver"}), None),
            (compact({"type": etype, "id": "no-version", "source": "s"}), None),
            (compact({"specversion": "1.0", "type": etype, "id": "no-src"}), None),  # 1.0: source
            (compact({"specversion": "0.2", "type": etype, "id": ""}), None),        # empty id
            (ok("ok2"), None),
            (None, None),                                                         # empty value
            (compact(make_event(etype, "xml")), [("content-type",
                                                  "application/cloudevents+xml")]),
            (compact([make_event(etype, "batch")]),
             [("content-type", "application/cloudevents-batch+json")]),
            # binary mode: attributes missing or wrong
            ("data", ce_headers("1.0", "", "bin-empty-type", "text/plain")),
            ("data", [("ce_specversion", "1.0"), ("ce_id", "bin-no-type"),
                      ("ce_source", "s"), ("content-type", "text/plain")]),
            ("data", ce_headers("5.0", etype, "bin-bad-ver", "text/plain")),
            ("{not json", ce_headers("1.0", etype, "bin-bad-json", "application/json")),
            # ce_ headers but no content-type: structured mode, and the body is no CloudEvent
            (compact({"a": 1}), ce_headers("1.0", etype, "bin-no-ct")),
            (ok("ok3"), [("content-type", "application/cloudevents+json")]),
        ]
        for value, headers in messages:
            self.produce(value, headers, topic=topic)
        self.produce(ok("end"), topic=topic)
        self.assert_ids_before_marker(client, "end", ["ok1", "ok2", "ok3"])
        # Every message before the marker has been counted by the time the marker arrives.
        consumed1, failed1 = self.counters(topic)
        self.assertEqual(failed1 - failed0, len(messages) - 3)
        self.assertEqual(consumed1 - consumed0, len(messages) + 1)
        # And nothing else arrives afterwards: the next event is a new marker.
        self.produce(ok("end2"), topic=topic)
        self.assert_ids_before_marker(client, "end2", [])
        # RIG's processing-duration histogram has observed every consumed message (each batch's
        # consume → hand-off time, once per message in it), and once all is consumed the
        # consumer lag of the topic (refreshed every 2 s) is 0.
        labels = '{source="kafka",topic="%s"}' % topic
        consumed2, _ = self.counters(topic)
        self.rig.wait_metric(
            "rig_consumed_event_processing_duration_milliseconds_count" + labels, consumed2)
        self.rig.wait_metrics(
            lambda m: m.get("rig_source_consumer_lag_messages" + labels) == 0.0,
            what="kafka consumer lag 0")

    def test_cloudevents_ex_rules_for_kafka(self):
        # Spec §3.3: on Kafka, specversion, type, source and id must be non-empty strings,
        # time must be non-empty when present, and extension names must match ^[a-z0-9]+$.
        etype = "kafka.strict"
        topic = TOPICS[2]
        client = self.sse(self.rig, [{"eventType": etype}])
        consumed0, failed0 = self.counters(topic)
        invalid = [
            {"specversion": "0.2", "type": etype, "id": "no-source"},
            {"specversion": "0.2", "type": etype, "id": "empty-source", "source": ""},
            {"specversion": "0.2", "type": etype, "id": 42, "source": "s"},
            {"specversion": "1.0", "type": etype, "id": "empty-time", "source": "s", "time": ""},
            {"specversion": "1.0", "type": etype, "id": "bad-ext-name", "source": "s",
             "Bad_Name": "x"},
            {"cloudEventsVersion": "0.1", "eventType": etype, "eventID": "v01-no-source"},
        ]
        self.produce(compact(make_event(etype, "ok1")), topic=topic)
        for ev in invalid:
            self.produce(compact(ev), topic=topic)
        self.produce(compact(make_event(etype, "end")), topic=topic)
        self.assert_ids_before_marker(client, "end", ["ok1"])
        consumed1, failed1 = self.counters(topic)
        self.assertEqual((consumed1 - consumed0, failed1 - failed0),
                         (len(invalid) + 2, len(invalid)))

    # -- several topics -----------------------------------------------------------------------

    def test_events_from_several_topics(self):
        etype = "kafka.topics"
        client = self.sse(self.rig, [{"eventType": etype}])
        before = {t: self.counters(t)[0] for t in TOPICS}
        expected = {t: [] for t in TOPICS}
        for i in range(12):
            topic = TOPICS[i % 3]
            eid = "%s-%d" % (topic, i)
            expected[topic].append(eid)
            self.produce(compact(make_event(etype, eid, topic=topic)), topic=topic)
        got = self.collect_ids(client, [e for ids in expected.values() for e in ids])
        for topic in TOPICS:
            with self.subTest(topic=topic):
                # One partition per topic: its events arrive in order.
                order = [i for i, _ in received(client) if i in got and i.startswith(topic)]
                self.assertEqual(order, expected[topic])
                self.assertEqual(self.counters(topic)[0] - before[topic], 4)
        # No duplicates or strays: a marker on every topic is what comes next.
        for topic in TOPICS:
            self.produce(compact(make_event(etype, "end-" + topic)), topic=topic)
        self.collect_ids(client, ["end-" + t for t in TOPICS])

    # -- EXTRACTORS ---------------------------------------------------------------------------

    def test_constraints_from_extractors_apply_to_kafka_events(self):
        etype = "kafka.person"
        client = self.sse(self.rig, [{"eventType": etype, "oneOf": [{"name": "alice"}]}])
        other = self.sse(self.rig, [{"eventType": etype}])
        person = lambda eid, name: compact(make_event(etype, eid, data={"name": name}))  # noqa
        self.produce(person("1", "alice"))
        self.produce(person("2", "bob"))
        self.produce(compact({"name": "alice"}), ce_headers("1.0", etype, "3", "application/json"))
        self.produce(compact({"name": "carol"}), ce_headers("0.2", etype, "4", "application/json"))
        self.produce(compact(make_event(etype, "5", data={"nobody": "alice"})))
        self.produce(person("end", "alice"))
        self.assert_ids_before_marker(client, "end", ["1", "3"])
        self.assert_ids_before_marker(other, "end", ["1", "2", "3", "4", "5"])


class KafkaOutage(SourceTestCase):
    def test_broker_outage_is_reported_and_consumption_resumes(self):
        kafka = self.watch(KafkaMock("rig"))
        self.addCleanup(kafka.close)
        # KAFKA_SOURCE_TOPICS unset: the default topic is "rig".
        rig = self.start_rig({"KAFKA_BROKERS": kafka.bootstrap,
                              "KAFKA_SOURCE_TOPICS": None,
                              "KAFKATOFILTER_KAFKA_GROUP_ID": group_id(),
                              "RIG_KAFKA_OFFSET_RESET": "earliest"})
        client = self.sse(rig, [{"eventType": "outage"}])
        wait_kafka_assigned(rig)
        kafka.produce("rig", compact(make_event("outage", "before")))
        self.assertEqual(client.next_event()["id"], "before")

        kafka.down()
        status, entry = wait_source(rig, "kafka", lambda s, e: s == 503,
                                    timeout=30, what="503 while the broker is down")
        self.assertFalse(entry["connected"], entry)
        self.assertIsInstance(entry["detail"], str)
        self.assertTrue(entry["detail"], "a down source explains why")
        rig.wait_metric('rig_source_connected{source="kafka"}', 0.0)

        kafka.up()
        status, entry = wait_source(rig, "kafka", lambda s, e: s == 200 and e["connected"],
                                    timeout=30, what="connected again after the broker is up")
        self.assertEqual(entry["detail"], "")
        for eid in ("after1", "after2"):
            kafka.produce("rig", compact(make_event("outage", eid)))
        kafka.produce("rig", compact(make_event("outage", "end")))
        self.assert_ids_before_marker(client, "end", ["after1", "after2"], timeout=40)
        m = rig.metrics()
        self.assertEqual(m[consumed_metric("kafka", "rig")], 4.0, m)
        self.assertEqual(m[consumed_metric("kafka", "rig", failed=True)], 0.0, m)

    def test_a_restarted_node_resumes_from_the_committed_offsets(self):
        # rig stores each partition's offset after a batch's events reached the shards, and the
        # consumer commits it (on close at the latest): the next rig of the group starts after
        # what the last one consumed, and consumes what was produced in between.
        kafka = self.watch(KafkaMock("resume"))
        self.addCleanup(kafka.close)
        env = {"KAFKA_BROKERS": kafka.bootstrap, "KAFKA_SOURCE_TOPICS": "resume",
               "KAFKATOFILTER_KAFKA_GROUP_ID": group_id(), "RIG_KAFKA_OFFSET_RESET": "earliest"}
        first = self.start_rig(env)
        client = self.sse(first, [{"eventType": "resume"}])
        wait_kafka_assigned(first)
        for eid in ("consumed1", "consumed2"):
            kafka.produce("resume", compact(make_event("resume", eid)))
        self.assert_ids_before_marker(client, "consumed2", ["consumed1"])
        client.close()
        first.stop()

        kafka.produce("resume", compact(make_event("resume", "while-down")))
        second = self.start_rig(env)
        client = self.sse(second, [{"eventType": "resume"}])
        wait_kafka_assigned(second, timeout=60)
        kafka.produce("resume", compact(make_event("resume", "end")))
        self.assert_ids_before_marker(client, "end", ["while-down"], timeout=60)


if __name__ == "__main__":
    unittest.main()
