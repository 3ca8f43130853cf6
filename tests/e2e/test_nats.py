"""NATS event source: rig subscribes to NATS subjects in a queue group and routes the CloudEvents
it receives to subscribers.

Contract: spec §3.1-3.2 (RIG's own parser), §9.2, §12.5, §13.19 (129), and spec/README.md
(CloudEvents 0.1, 0.2 and 1.0 everywhere). rig's implementation: src/sources/nats_source.hpp
(structured events in the payload, binary mode through NATS headers with a `ce-` prefix,
background connect, reconnects forever) and src/cloudevents/parse.hpp (parse_message).

The peer is a real nats-server on a free loopback port; the tests publish with the raw NATS
text protocol and flush with PING/PONG. NATS delivers at most once: a message published before
the server has processed rig's SUB is lost, so after every (re)connect the tests publish probe
events until one arrives (each attempt waits for bytes with a timeout) and only then publish
what they assert on. "Exactly the valid ones" is checked with a final marker on the same
subject (one subject is delivered in order).
"""

import json
import time
import unittest

from peers import (NatsPublisher, NatsServer, SourceTestCase, consumed_metric, free_port,
                   read_ids_until, received, source_health, wait_source)
from rig_harness import TIMEOUT, make_event

SUBJECTS = ("ns1", "ns2", "ns3")
TIME = "2021-05-06T07:08:09Z"
PROBE = "nats.probe"
EXTRACTORS = {"nats.person": {"name": {"stable_field_index": 0,
                                       "event": {"json_pointer": "/data/name"}}}}


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def wait_subscribed(test, rig, publisher, subjects, timeout=20):
    """Publishes a probe event on each subject until an SSE client subscribed to the probe type
    receives it: rig's NATS subscriptions are then active on the server."""
    client = test.sse(rig, [{"eventType": PROBE}])
    deadline = time.monotonic() + timeout
    n = 0
    for subject in subjects:
        while True:
            n += 1
            publisher.publish(subject, compact(make_event(PROBE, "probe-%d" % n)))
            publisher.flush()
            try:
                client.next_event(timeout=0.5)
                break
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise AssertionError("no probe on %s came through rig within %ss"
                                         % (subject, timeout))
    client.close()


def binary(version, etype, eid, content_type=None, **extra):
    headers = [("ce-specversion", version), ("ce-type", etype), ("ce-id", eid),
               ("ce-source", "/nats/test")]
    headers += [("ce-" + k, v) for k, v in extra.items()]
    if content_type is not None:
        headers.append(("content-type", content_type))
    return headers


class NatsSource(SourceTestCase):
    """One nats-server and one rig for the class; every test uses event types of its own."""

    @classmethod
    def setUpClass(cls):
        cls.nats = NatsServer()
        cls.addClassCleanup(cls.nats.stop)
        cls.watch_class(cls.nats)
        cls.rig = cls.start_class_rig({
            "NATS_SERVERS": "nats://127.0.0.1:%d" % cls.nats.port,   # URL form
            "NATS_SOURCE_TOPICS": ",".join(SUBJECTS),
            "NATSTOFILTER_QUEUE_GROUP": "rig-e2e",
            "EXTRACTORS": json.dumps(EXTRACTORS),
        })
        cls.pub = NatsPublisher(cls.nats.port)
        cls.addClassCleanup(cls.pub.close)

    def setUp(self):
        if not getattr(type(self), "probed", False):
            wait_subscribed(self, self.rig, self.pub, SUBJECTS)
            type(self).probed = True

    def publish(self, payload, headers=None, subject=SUBJECTS[0]):
        self.pub.publish(subject, payload, headers)

    def counters(self, subject=SUBJECTS[0]):
        m = self.rig.metrics()
        return (m.get(consumed_metric("nats", subject), 0.0),
                m.get(consumed_metric("nats", subject, failed=True), 0.0))

    def test_health_reports_nats_connected(self):
        status, body = source_health(self.rig)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["sources"]["nats"], {"connected": True, "detail": ""})
        self.assertEqual(self.rig.metrics().get('rig_source_connected{source="nats"}'), 1.0)

    def test_structured_events_of_every_version(self):
        etype = "nats.structured"
        client = self.sse(self.rig, [{"eventType": etype}])
        sent = [
            make_event(etype, "v01", version="0.1", eventTime=TIME, data={"v": 1}),
            make_event(etype, "v02", version="0.2", time=TIME, data={"v": 2}, extra="kept"),
            make_event(etype, "v10", version="1.0", time=TIME, data={"v": 3},
                       datacontenttype="application/json"),
            # The RIG integration test's event (spec §13.19 129).
            {"specversion": "0.2", "type": etype, "source": "i9ntest", "id": "i9n",
             "time": TIME, "data": {"text": "hello from nats"}},
        ]
        for ev in sent:
            self.publish(compact(ev))
        # A structured event may also come with a content-type header.
        hdr = make_event(etype, "hdr", version="1.0", time=TIME)
        self.publish(compact(hdr), [("content-type", "application/cloudevents+json")])
        self.publish(compact(make_event(etype, "end")))
        self.pub.flush()
        ids, events, texts = read_ids_until(client, "end")
        self.assertEqual(ids, ["v01", "v02", "v10", "i9n", "hdr"])
        # Forwarded as the original JSON text.
        self.assertEqual(texts, [compact(e) for e in sent + [hdr]])
        self.assertEqual(events[3]["data"]["text"], "hello from nats")

    def test_event_without_time_is_stamped(self):
        etype = "nats.stamped"
        client = self.sse(self.rig, [{"eventType": etype}])
        self.publish(compact(make_event(etype, "1", data={"a": 1})))
        self.pub.flush()
        ev = client.next_event()
        self.assertEqual((ev["id"], ev["data"]), ("1", {"a": 1}))
        self.assertRegex(ev.get("time", ""), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")

    def test_binary_mode_through_headers(self):
        etype = "nats.binary"
        client = self.sse(self.rig, [{"eventType": etype}])
        self.publish(compact({"hello": "json"}),
                     binary("0.2", etype, "b02json", "application/json", count="7"))
        self.publish("some text", binary("0.2", etype, "b02text", "text/plain"))
        self.publish(compact({"hello": "json"}),
                     binary("1.0", etype, "b10json", "application/json", myext="abc", time=TIME))
        self.publish("more text", binary("1.0", etype, "b10text", "text/plain"))
        # Header names in any case.
        self.publish(compact({"x": 1}), [("Ce-Specversion", "1.0"), ("CE-TYPE", etype),
                                         ("Ce-Id", "b10case"), ("ce-source", "/nats/test"),
                                         ("Content-Type", "application/json")])
        self.publish(compact(make_event(etype, "end")))
        self.pub.flush()
        events = self.assert_ids_before_marker(
            client, "end", ["b02json", "b02text", "b10json", "b10text", "b10case"])
        by_id = {e["id"]: e for e in events}
        for eid, ev in by_id.items():
            with self.subTest(id=eid):
                self.assertEqual(ev["type"], etype)
                self.assertEqual(ev["source"], "/nats/test")
                self.assertEqual(ev["specversion"], "0.2" if eid.startswith("b02") else "1.0")
        self.assertEqual(by_id["b02json"]["data"], {"hello": "json"})
        self.assertEqual(by_id["b02json"]["count"], 7)
        b = by_id["b02text"]
        self.assertEqual(b["data"], "some text")
        self.assertEqual(b.get("contenttype", b.get("datacontenttype")), "text/plain", b)
        b = by_id["b10json"]
        self.assertEqual((b["data"], b["datacontenttype"], b["myext"], b["time"]),
                         ({"hello": "json"}, "application/json", "abc", TIME))
        b = by_id["b10text"]
        self.assertEqual((b["data"], b["datacontenttype"]), ("more text", "text/plain"))
        self.assertEqual(by_id["b10case"]["data"], {"x": 1})

    def test_invalid_messages_are_skipped_and_counted(self):
        etype = "nats.mixed"
        subject = SUBJECTS[1]
        client = self.sse(self.rig, [{"eventType": etype}])
        consumed0, failed0 = self.counters(subject)
        ok = lambda eid: compact(make_event(etype, eid))  # noqa: E731
        messages = [
            (ok("ok1"), None),
            ("garbage, not JSON", None),
            ("", None),
            (compact([make_event(etype, "in-array")]), None),
            (compact({"specversion": "0.2", "id": "no-type"}), None),
            (compact({"specversion": "0.2", "type": etype}), None),
            (compact({"specversion": "0.9", "type": etype, "id": "bad-ver"}), None),
            (compact({"type": etype, "id": "no-version"}), None),
            (compact({"specversion": "1.0", "type": etype, "id": "no-src"}), None),
            (compact({"cloudEventsVersion": "0.1", "eventType": etype}), None),
            (ok("ok2"), None),
            (compact(make_event(etype, "xml")), [("content-type",
                                                  "application/cloudevents+xml")]),
            ("data", binary("1.0", etype, "bin-bad-ver", "text/plain")[1:] +
             [("ce-specversion", "7")]),
            ("data", [("ce-specversion", "1.0"), ("ce-id", "bin-no-type"),
                      ("ce-source", "s"), ("content-type", "text/plain")]),
            ("{nope", binary("1.0", etype, "bin-bad-json", "application/json")),
            (ok("ok3"), None),
        ]
        for payload, headers in messages:
            self.publish(payload, headers, subject=subject)
        self.publish(ok("end"), subject=subject)
        self.pub.flush()
        self.assert_ids_before_marker(client, "end", ["ok1", "ok2", "ok3"])
        consumed1, failed1 = self.counters(subject)
        self.assertEqual(failed1 - failed0, len(messages) - 3)
        self.assertEqual(consumed1 - consumed0, len(messages) + 1)
        # RIG's processing-duration histogram observes every consumed message (valid or not),
        # right after its hand-off to the shards: it catches up with the consumed count.
        labels = '{source="nats",topic="%s"}' % subject
        self.rig.wait_metric(
            "rig_consumed_event_processing_duration_milliseconds_count" + labels, consumed1)
        m = self.rig.metrics()
        self.assertEqual(
            m['rig_consumed_event_processing_duration_milliseconds_bucket{source="nats",topic="%s",'
              'le="+Inf"}' % subject], consumed1)
        self.assertGreaterEqual(
            m["rig_consumed_event_processing_duration_milliseconds_sum" + labels], 0)
        self.assertGreaterEqual(m['rig_events_received_total{source="nats"}'], 3)
        self.publish(ok("end2"), subject=subject)
        self.pub.flush()
        self.assert_ids_before_marker(client, "end2", [])

    def test_events_from_several_subjects(self):
        etype = "nats.subjects"
        client = self.sse(self.rig, [{"eventType": etype}])
        before = {s: self.counters(s)[0] for s in SUBJECTS}
        expected = {s: [] for s in SUBJECTS}
        for i in range(12):
            subject = SUBJECTS[i % 3]
            eid = "%s-%d" % (subject, i)
            expected[subject].append(eid)
            self.publish(compact(make_event(etype, eid, subject=subject)), subject=subject)
        self.pub.flush()
        got = self.collect_ids(client, [e for ids in expected.values() for e in ids])
        arrival = [i for i, _ in received(client) if i in got]
        for subject in SUBJECTS:
            with self.subTest(subject=subject):
                self.assertEqual([e for e in arrival if e.startswith(subject)], expected[subject])
                self.assertEqual(self.counters(subject)[0] - before[subject], 4)
        # A subject rig does not subscribe to is not consumed.
        self.publish(compact(make_event(etype, "elsewhere")), subject="not-subscribed")
        for subject in SUBJECTS:
            self.publish(compact(make_event(etype, "end-" + subject)), subject=subject)
        self.pub.flush()
        self.collect_ids(client, ["end-" + s for s in SUBJECTS])
        self.assertNotIn(consumed_metric("nats", "not-subscribed"), self.rig.metrics())

    def test_constraints_from_extractors_apply_to_nats_events(self):
        etype = "nats.person"
        client = self.sse(self.rig, [{"eventType": etype, "oneOf": [{"name": "alice"}]}])
        other = self.sse(self.rig, [{"eventType": etype}])
        person = lambda eid, name: compact(make_event(etype, eid, data={"name": name}))  # noqa
        self.publish(person("1", "alice"))
        self.publish(person("2", "bob"))
        self.publish(compact({"name": "alice"}), binary("1.0", etype, "3", "application/json"))
        self.publish(compact({"name": "carol"}), binary("0.2", etype, "4", "application/json"))
        self.publish(compact(make_event(etype, "5", data={"nobody": "alice"})))
        self.publish(person("end", "alice"))
        self.pub.flush()
        self.assert_ids_before_marker(client, "end", ["1", "3"])
        self.assert_ids_before_marker(other, "end", ["1", "2", "3", "4", "5"])


def poll(clients, timeout=0.3):
    """One round over several SSE clients: (index, event) for every client that had an event
    within `timeout`."""
    out = []
    for i, c in enumerate(clients):
        try:
            out.append((i, c.next_event(timeout=timeout)))
        except TimeoutError:
            pass
    return out


class NatsQueueGroup(SourceTestCase):
    def test_rigs_in_one_queue_group_share_the_messages(self):
        # Spec §9.2: each message goes to one member of NATSTOFILTER_QUEUE_GROUP.
        nats = self.watch(NatsServer())
        self.addCleanup(nats.stop)
        env = {"NATS_SERVERS": nats.address, "NATS_SOURCE_TOPICS": "shared",
               "NATSTOFILTER_QUEUE_GROUP": "e2e-group"}
        rigs = [self.start_rig(env), self.start_rig(env)]
        etype = "nats.shared"
        clients = [self.sse(r, [{"eventType": etype}, {"eventType": PROBE}]) for r in rigs]
        pub = NatsPublisher(nats.port)
        self.addCleanup(pub.close)
        # Probe until both members have received one: both subscriptions are active then.
        seen = set()
        deadline = time.monotonic() + 20
        n = 0
        while seen != {0, 1}:
            self.assertLess(time.monotonic(), deadline, "probes reached only rig(s) %r" % seen)
            n += 1
            pub.publish("shared", compact(make_event(PROBE, "probe-%d" % n)))
            pub.flush()
            seen |= {i for i, _ in poll(clients, 0.2)}

        expected = ["m%d" % i for i in range(40)]
        for eid in expected:
            pub.publish("shared", compact(make_event(etype, eid)))
        pub.flush()
        got = [[], []]
        deadline = time.monotonic() + TIMEOUT * 2
        while sum(len(g) for g in got) < len(expected):
            self.assertLess(time.monotonic(), deadline, "received only %r" % got)
            for i, ev in poll(clients):
                if ev["type"] == etype:
                    got[i].append(ev["id"])
        # Markers until each member has had one: nothing else is on its way before them.
        done = set()
        k = 0
        deadline = time.monotonic() + 20
        while done != {0, 1}:
            self.assertLess(time.monotonic(), deadline, "markers reached only %r" % done)
            k += 1
            pub.publish("shared", compact(make_event(etype, "end-%d" % k)))
            pub.flush()
            for i, ev in poll(clients, 0.2):
                if ev["type"] == etype and ev["id"].startswith("end-"):
                    done.add(i)
                elif ev["type"] == etype:
                    got[i].append(ev["id"])
        self.assertEqual(sorted(got[0] + got[1], key=expected.index), expected,
                         "every message exactly once across the group")
        for g in got:  # each member in publish order
            self.assertEqual(g, sorted(g, key=expected.index))
        self.assertTrue(got[0] and got[1], "both members got a share: %r" % got)


class NatsConnection(SourceTestCase):
    def test_server_restart_then_events_arrive_again(self):
        nats = self.watch(NatsServer())
        self.addCleanup(nats.stop)
        rig = self.start_rig({"NATS_SERVERS": nats.address, "NATS_SOURCE_TOPICS": None})
        etype = "nats.restart"
        client = self.sse(rig, [{"eventType": etype}])
        with NatsPublisher(nats.port) as pub:
            wait_subscribed(self, rig, pub, ["rig"])  # the default subject is "rig"
            pub.publish("rig", compact(make_event(etype, "before")))
            pub.flush()
            self.assertEqual(client.next_event()["id"], "before")

        nats.stop()
        status, entry = wait_source(rig, "nats", lambda s, e: s == 503,
                                    what="503 while the server is down")
        self.assertFalse(entry["connected"], entry)
        self.assertTrue(entry["detail"], entry)
        rig.wait_metric('rig_source_connected{source="nats"}', 0.0)

        nats.start()  # same port
        wait_source(rig, "nats", lambda s, e: s == 200 and e["connected"], timeout=20,
                    what="nats connected again after the restart")
        with NatsPublisher(nats.port) as pub:
            wait_subscribed(self, rig, pub, ["rig"])
            for eid in ("after1", "after2", "end"):
                pub.publish("rig", compact(make_event(etype, eid)))
            pub.flush()
            self.assert_ids_before_marker(client, "end", ["after1", "after2"])

    def test_rig_started_before_the_server_connects_when_it_starts(self):
        port = free_port()
        dead = free_port()
        # A comma list: one entry never answers, the other starts later.
        rig = self.start_rig({"NATS_SERVERS": "127.0.0.1:%d,nats://127.0.0.1:%d" % (dead, port),
                              "NATS_SOURCE_TOPICS": "late"})
        status, body = source_health(rig)
        self.assertEqual(status, 503, body)
        self.assertFalse(body["sources"]["nats"]["connected"], body)
        # rig is up and serving meanwhile.
        etype = "nats.late"
        client = self.sse(rig, [{"eventType": etype}])

        nats = self.watch(NatsServer(port=port))
        self.addCleanup(nats.stop)
        wait_source(rig, "nats", lambda s, e: s == 200 and e["connected"], timeout=20,
                    what="nats connected once the server is up")
        with NatsPublisher(nats.port) as pub:
            wait_subscribed(self, rig, pub, ["late"])
            for eid in ("1", "2", "end"):
                pub.publish("late", compact(make_event(etype, eid)))
            pub.flush()
            self.assert_ids_before_marker(client, "end", ["1", "2"])
        m = rig.metrics()
        self.assertEqual(m[consumed_metric("nats", "late", failed=True)], 0.0)


if __name__ == "__main__":
    unittest.main()
