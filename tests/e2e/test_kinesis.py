"""Kinesis event source: rig reads every shard of a Kinesis stream and routes the CloudEvents in
the records' data to subscribers.

Contract: spec §3.1-3.2, §9.3, §12.6, and spec/README.md (CloudEvents 0.1, 0.2 and 1.0
everywhere). rig's implementation: src/sources/kinesis_source.hpp (the Kinesis JSON API with
SigV4, no sidecar; LATEST or TRIM_HORIZON via RIG_KINESIS_ITERATOR; polls each shard at most
every RIG_KINESIS_POLL_MS; follows closed shards to their children).

The peer is kinesalite (tests/kinesis/start.js, in memory) on a free loopback port; the tests
call its JSON API with urllib. Records are put on a chosen shard with ExplicitHashKey. Within
a shard records are read in order; "exactly the valid ones" is checked per shard with a final
marker on that shard.
"""

import json
import unittest
import uuid

from peers import (Kinesalite, SourceTestCase, consumed_metric, read_ids_until, received,
                   source_health, wait_source)
from rig_harness import make_event

TIME = "2021-05-06T07:08:09Z"
HALF = 2 ** 127           # shard 0 of a 2-shard stream holds hash keys [0, HALF)
SHARD0, SHARD1 = 1, HALF + 1
EXTRACTORS = {"kin.person": {"name": {"stable_field_index": 0,
                                      "event": {"json_pointer": "/data/name"}}}}


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def stream_name():
    return "rig-e2e-" + uuid.uuid4().hex[:12]


def setUpModule():
    global KINESALITE
    KINESALITE = Kinesalite()
    unittest.addModuleCleanup(KINESALITE.close)


def rig_env(stream, **extra):
    env = {"KINESIS_ENABLED": "true",
           "KINESIS_STREAM": stream,
           "KINESIS_AWS_REGION": "us-east-1",
           "KINESIS_ENDPOINT": KINESALITE.endpoint,
           "AWS_ACCESS_KEY_ID": "AKIDE2ETEST",
           "AWS_SECRET_ACCESS_KEY": "e2e-secret",
           "RIG_KINESIS_POLL_MS": "200",
           "KAFKA_BROKERS": None, "NATS_SERVERS": None}
    env.update(extra)
    return env


def wait_kinesis_connected(rig):
    return wait_source(rig, "kinesis", lambda s, e: s == 200 and e["connected"],
                       what="kinesis source connected (shards listed)")


class KinesisSource(SourceTestCase):
    """A 2-shard stream and one rig reading it from TRIM_HORIZON."""

    @classmethod
    def setUpClass(cls):
        cls.kin = KINESALITE
        cls.watch_class(cls.kin)
        cls.stream = stream_name()
        desc = cls.kin.create_stream(cls.stream, 2)
        assert len(desc["Shards"]) == 2, desc
        cls.rig = cls.start_class_rig(rig_env(cls.stream, RIG_KINESIS_ITERATOR="TRIM_HORIZON",
                                              EXTRACTORS=json.dumps(EXTRACTORS)))
        wait_kinesis_connected(cls.rig)

    def put(self, data, shard_key=SHARD0):
        return self.kin.put(self.stream, data, explicit_hash_key=shard_key)

    def counters(self):
        m = self.rig.metrics()
        return (m.get(consumed_metric("kinesis", self.stream), 0.0),
                m.get(consumed_metric("kinesis", self.stream, failed=True), 0.0))

    def test_health_reports_kinesis_connected(self):
        status, body = source_health(self.rig)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["sources"]["kinesis"], {"connected": True, "detail": ""})

    def test_records_from_both_shards_arrive(self):
        etype = "kin.shards"
        client = self.sse(self.rig, [{"eventType": etype}])
        consumed0, _ = self.counters()
        expected = {SHARD0: [], SHARD1: []}
        sent = {}
        versions = ("0.1", "0.2", "1.0")
        for i in range(9):
            key = SHARD0 if i % 2 == 0 else SHARD1
            eid = "%s-%d" % ("a" if key == SHARD0 else "b", i)
            v = versions[i % 3]
            ev = make_event(etype, eid, version=v, data={"i": i},
                            **({"eventTime": TIME} if v == "0.1" else {"time": TIME}))
            sent[eid] = compact(ev)
            shard = self.put(sent[eid], key)["ShardId"]
            self.assertEqual(shard, "shardId-00000000000%d" % (0 if key == SHARD0 else 1))
            expected[key].append(eid)
        self.collect_ids(client, list(sent))
        arrival = [(i, text) for i, text in received(client) if i in sent]
        # Per shard in order.
        self.assertEqual([i for i, _ in arrival if i.startswith("a-")], expected[SHARD0])
        self.assertEqual([i for i, _ in arrival if i.startswith("b-")], expected[SHARD1])
        # Forwarded as the original JSON text.
        self.assertEqual(dict(arrival), sent)
        # Each exactly once: the marker on each shard comes next.
        self.put(compact(make_event(etype, "end-a")), SHARD0)
        self.put(compact(make_event(etype, "end-b")), SHARD1)
        self.collect_ids(client, ["end-a", "end-b"])
        self.assertEqual(self.counters()[0], consumed0 + len(sent) + 2)
        # MillisBehindLatest of the shards' last reads (kinesalite reports it).
        lag = [v for k, v in self.rig.metrics().items()
               if k.startswith('rig_source_consumer_lag_milliseconds{source="kinesis"')]
        self.assertEqual(len(lag), 1, "one lag gauge for the stream")
        self.assertGreaterEqual(lag[0], 0)

    def test_garbage_records_are_skipped_and_counted(self):
        etype = "kin.mixed"
        client = self.sse(self.rig, [{"eventType": etype}])
        consumed0, failed0 = self.counters()
        ok = lambda eid: compact(make_event(etype, eid))  # noqa: E731
        garbage = [
            b"not JSON at all",
            b"\xff\xfe\x00binary",
            compact([make_event(etype, "in-array")]),
            compact({"specversion": "0.2", "id": "no-type"}),
            compact({"specversion": "0.2", "type": etype}),
            compact({"specversion": "2.0", "type": etype, "id": "bad-ver"}),
            compact({"type": etype, "id": "no-version"}),
            compact({"specversion": "1.0", "type": etype, "id": "no-source"}),
        ]
        for key, prefix in ((SHARD0, "a"), (SHARD1, "b")):
            self.put(ok(prefix + "-ok1"), key)
            for g in garbage:
                self.put(g, key)
            self.put(ok(prefix + "-ok2"), key)
            self.put(ok(prefix + "-end"), key)
        # Per shard: exactly the valid ones, in order, then the shard's marker.
        ids = []
        while not {"a-end", "b-end"} <= set(ids):
            ids.append(client.next_event()["id"])
        self.assertEqual([i for i in ids if i.startswith("a-")], ["a-ok1", "a-ok2", "a-end"])
        self.assertEqual([i for i in ids if i.startswith("b-")], ["b-ok1", "b-ok2", "b-end"])
        consumed1, failed1 = self.counters()
        self.assertEqual(failed1 - failed0, 2 * len(garbage))
        self.assertEqual(consumed1 - consumed0, 2 * (len(garbage) + 3))
        # Nothing else follows.
        self.put(ok("end2"), SHARD0)
        ids2, _, _ = read_ids_until(client, "end2")
        self.assertEqual(ids2, [])

    def test_constraints_from_extractors_apply_to_kinesis_events(self):
        etype = "kin.person"
        client = self.sse(self.rig, [{"eventType": etype, "oneOf": [{"name": "alice"}]}])
        other = self.sse(self.rig, [{"eventType": etype}])
        person = lambda eid, name, v="0.2": compact(  # noqa: E731
            make_event(etype, eid, version=v, data={"name": name}))
        self.put(person("1", "alice"))
        self.put(person("2", "bob"))
        self.put(person("3", "alice", "1.0"))
        self.put(person("4", "carol", "0.1"))
        self.put(compact(make_event(etype, "5", data={"nobody": "alice"})))
        self.put(person("end", "alice"))
        self.assert_ids_before_marker(client, "end", ["1", "3"])
        self.assert_ids_before_marker(other, "end", ["1", "2", "3", "4", "5"])


class KinesisShards(SourceTestCase):
    def test_shard_split_is_followed_to_the_children(self):
        kin = self.watch(KINESALITE)
        stream = stream_name()
        kin.create_stream(stream, 1)
        rig = self.start_rig(rig_env(stream, RIG_KINESIS_ITERATOR="TRIM_HORIZON"))
        etype = "kin.split"
        client = self.sse(rig, [{"eventType": etype}])
        kin.put(stream, compact(make_event(etype, "parent-1")))
        self.assertEqual(client.next_event()["id"], "parent-1")
        kin.put(stream, compact(make_event(etype, "parent-2")))

        desc = kin.split_shard(stream, "shardId-000000000000", HALF)
        children = [s for s in desc["Shards"] if s.get("ParentShardId") == "shardId-000000000000"]
        self.assertEqual(len(children), 2, desc)
        low, high = sorted(children, key=lambda s: int(s["HashKeyRange"]["StartingHashKey"]))
        expected = {}
        for i in range(3):
            for child, key, prefix in ((low, 5, "low"), (high, HALF + 5, "high")):
                eid = "%s-%d" % (prefix, i)
                res = kin.put(stream, compact(make_event(etype, eid)), explicit_hash_key=key)
                self.assertEqual(res["ShardId"], child["ShardId"])
                expected.setdefault(prefix, []).append(eid)
        got = self.collect_ids(client, ["parent-2"] + expected["low"] + expected["high"],
                               timeout=30)
        arrival = [i for i, _ in received(client) if i in got]
        # The parent is read to its end before its children.
        self.assertEqual(arrival[0], "parent-2", arrival)
        for prefix in ("low", "high"):
            self.assertEqual([e for e in arrival if e.startswith(prefix)], expected[prefix])
        for key, marker in ((5, "end-low"), (HALF + 5, "end-high")):
            kin.put(stream, compact(make_event(etype, marker)), explicit_hash_key=key)
        self.collect_ids(client, ["end-low", "end-high"])
        rig.wait_metric(consumed_metric("kinesis", stream), 10.0)

    def test_default_iterator_latest_skips_older_records(self):
        kin = self.watch(KINESALITE)
        stream = stream_name()
        kin.create_stream(stream, 2)
        etype = "kin.latest"
        kin.put(stream, compact(make_event(etype, "old-a")), explicit_hash_key=SHARD0)
        kin.put(stream, compact(make_event(etype, "old-b")), explicit_hash_key=SHARD1)
        rig = self.start_rig(rig_env(stream, RIG_KINESIS_ITERATOR=None))
        client = self.sse(rig, [{"eventType": etype}])
        # Connected = every shard has its iterator: records put from now on are read.
        wait_kinesis_connected(rig)
        kin.put(stream, compact(make_event(etype, "new-a")), explicit_hash_key=SHARD0)
        kin.put(stream, compact(make_event(etype, "new-b")), explicit_hash_key=SHARD1)
        self.collect_ids(client, ["new-a", "new-b"])
        kin.put(stream, compact(make_event(etype, "end-a")), explicit_hash_key=SHARD0)
        kin.put(stream, compact(make_event(etype, "end-b")), explicit_hash_key=SHARD1)
        self.collect_ids(client, ["end-a", "end-b"])
        m = rig.metrics()
        self.assertEqual(m.get(consumed_metric("kinesis", stream)), 4.0, m)

    def test_missing_stream_is_reported_then_read_once_created(self):
        kin = self.watch(KINESALITE)
        stream = stream_name()
        rig = self.start_rig(rig_env(stream, RIG_KINESIS_ITERATOR="TRIM_HORIZON"))
        status, entry = wait_source(rig, "kinesis", lambda s, e: s == 503 and e["detail"],
                                    what="503 for a stream that does not exist")
        self.assertFalse(entry["connected"])
        self.assertIn("ResourceNotFound", entry["detail"])
        etype = "kin.created"
        client = self.sse(rig, [{"eventType": etype}])
        kin.create_stream(stream, 1)
        wait_source(rig, "kinesis", lambda s, e: s == 200, timeout=20,
                    what="connected once the stream exists")
        kin.put(stream, compact(make_event(etype, "1")))
        kin.put(stream, compact(make_event(etype, "end")))
        self.assert_ids_before_marker(client, "end", ["1"])


if __name__ == "__main__":
    unittest.main()
