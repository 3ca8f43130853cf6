"""Kinesis shard leases and checkpoints: with KINESIS_APP_NAME, rig nodes share a stream's
shards through a DynamoDB lease table and resume from its checkpoints.

Contract: spec §9.3, §12.6 and issue 14 ("Kinesis leases and checkpoints"): the lease table's
name contains KINESIS_APP_NAME; each record is consumed once across the nodes; a stopped node's
shards are taken over within the lease expiry; a restart resumes from the checkpoint (records
put while every node was down arrive, nothing handed over before a graceful stop arrives
again); closed shards are followed to their children; throttling is retried. rig's
implementation: src/brokers/kinesis_lease_reader.hpp, lease_coordinator.hpp,
kinesis_lease_table.hpp.

Peers: kinesalite and dynalite (tests/kinesis, in memory) on free loopback ports, and for the
throttling tests a small HTTP proxy in front of kinesalite or dynalite that answers
ProvisionedThroughputExceededException to the first calls of one action. The lease timings are shortened
(lease 2 s, renewals every 0.5 s, takes every 1 s) so that take-overs happen in seconds; every
wait polls rig's metrics or reads a subscriber with a deadline.
"""

import http.server
import json
import socket
import threading
import time
import unittest
import urllib.error
import urllib.request
import uuid

from peers import (Dynalite, Kinesalite, SourceTestCase, consumed_metric, source_health,
                   wait_source)
from rig_harness import TIMEOUT, Rig, make_event

QUARTER = 2 ** 126  # shard i of a 4-shard stream holds hash keys [i*QUARTER, (i+1)*QUARTER)
HALF = 2 ** 127
SETTLE = 60  # seconds: the "shards settle within about a minute"
TAKEOVER = 45  # seconds: the "a stopped node's shards are taken over within 45 s"
HELD = 'rig_source_leases_held{source="kinesis"}'
THROTTLES = 'rig_source_throttles_total{source="kinesis"}'


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def unique(prefix):
    return prefix + uuid.uuid4().hex[:12]


def setUpModule():
    global KINESALITE, DYNALITE
    KINESALITE = Kinesalite()
    unittest.addModuleCleanup(KINESALITE.close)
    DYNALITE = Dynalite()
    unittest.addModuleCleanup(DYNALITE.close)


def lease_env(stream, app, kinesis_endpoint=None, **extra):
    env = {"KINESIS_ENABLED": "true",
           "KINESIS_STREAM": stream,
           "KINESIS_APP_NAME": app,
           "KINESIS_AWS_REGION": "us-east-1",
           "KINESIS_ENDPOINT": kinesis_endpoint or KINESALITE.endpoint,
           "KINESIS_DYNAMODB_ENDPOINT": DYNALITE.endpoint,
           "AWS_ACCESS_KEY_ID": "AKIDE2ETEST",
           "AWS_SECRET_ACCESS_KEY": "e2e-secret",
           "RIG_KINESIS_ITERATOR": "TRIM_HORIZON",
           "RIG_KINESIS_POLL_MS": "200",
           "RIG_KINESIS_LEASE_MS": "2000",
           "RIG_KINESIS_LEASE_RENEW_MS": "500",
           "RIG_KINESIS_LEASE_TAKE_MS": "1000",
           "RIG_KINESIS_SHARD_SYNC_MS": "1000",
           "KAFKA_BROKERS": None, "NATS_SERVERS": None}
    env.update(extra)
    return env


def held(rig):
    return rig.metrics().get(HELD, -1.0)


class Collector:
    """Reads one subscriber's events on a thread of its own, so that two nodes' subscribers
    are read at once; `ids` in arrival order."""

    def __init__(self, client):
        self.client = client
        self.ids = []
        self.cond = threading.Condition()
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            while True:
                ev = self.client.next_event(timeout=3600)
                with self.cond:
                    self.ids.append(str(ev["id"]))
                    self.cond.notify_all()
        except Exception as e:  # the client closed at cleanup, or a framing error
            with self.cond:
                self.error = e
                self.cond.notify_all()


def wait_union(collectors, want, timeout):
    """Waits until the collectors together have seen every id in `want`."""
    end = time.monotonic() + timeout
    cond = collectors[0].cond
    while True:
        seen = set()
        for c in collectors:
            with c.cond:
                seen |= set(c.ids)
        if want <= seen:
            return
        if time.monotonic() > end:
            raise AssertionError("missing %r" % sorted(want - seen))
        with cond:
            cond.wait(0.2)


class ThrottlingProxy:
    """An HTTP proxy in front of kinesalite (or dynalite) that answers the first `n` calls of
    `action` with 400 ProvisionedThroughputExceededException, as Kinesis does when a shard's
    read limit is hit (and DynamoDB when a table's capacity is)."""

    def __init__(self, upstream, n, action="GetRecords", error_type=None):
        proxy = self
        self.upstream = upstream
        self.remaining = n
        self.throttled = 0
        self.lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                target = self.headers.get("X-Amz-Target", "")
                with proxy.lock:
                    throttle = target.endswith("." + action) and proxy.remaining > 0
                    if throttle:
                        proxy.remaining -= 1
                        proxy.throttled += 1
                if throttle:
                    answer = compact({"__type": error_type or
                                      "ProvisionedThroughputExceededException",
                                      "message": "Rate exceeded for shard"}).encode()
                    self.send_response(400)
                    self.send_header("Content-Type", "application/x-amz-json-1.1")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                    return
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() in ("content-type", "x-amz-target", "authorization",
                                            "x-amz-date", "x-amz-security-token")}
                req = urllib.request.Request(proxy.upstream, data=body, method="POST",
                                             headers=headers)
                try:
                    with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
                        status, data = resp.status, resp.read()
                except urllib.error.HTTPError as e:
                    status, data = e.code, e.read()
                self.send_response(status)
                self.send_header("Content-Type", self.headers.get("Content-Type", ""))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = "http://127.0.0.1:%d/" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stderr(self):
        return "throttled %d GetRecords" % self.throttled

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class KinesisLeases(SourceTestCase):

    def start_node(self, env, expect_code=0):
        rig = Rig(env=env)
        self.watch(rig)
        rig.start()
        self.addCleanup(rig.stop, expect_code)
        return rig

    def put(self, stream, etype, eid, shard):
        """Puts an event on shard `shard` (0-3 of a 4-shard stream)."""
        res = KINESALITE.put(stream, compact(make_event(etype, eid)),
                             explicit_hash_key=shard * QUARTER + 1)
        self.assertEqual(res["ShardId"], "shardId-%012d" % shard)
        return res

    def put_round(self, stream, etype, prefix, per_shard=5):
        """`per_shard` events on each of the 4 shards; returns their ids."""
        ids = []
        for i in range(per_shard):
            for shard in range(4):
                eid = "%s-%d-%d" % (prefix, shard, i)
                self.put(stream, etype, eid, shard)
                ids.append(eid)
        return ids

    def settle(self, nodes, shards=4, timeout=SETTLE):
        """Waits until the nodes hold the shards' leases in fair shares (no node above its
        share, none left over): the state after which nothing moves."""
        share = -(-shards // len(nodes))
        end = time.monotonic() + timeout
        while True:
            counts = [held(n) for n in nodes]
            if sum(counts) == shards and max(counts) <= share:
                return counts
            if time.monotonic() > end:
                raise AssertionError("leases did not settle: %r" % counts)
            for n in nodes:  # one blocking request per node and round
                source_health(n)

    def test_two_nodes_share_the_shards_and_each_record_is_read_once(self):
        self.watch(KINESALITE)
        self.watch(DYNALITE)
        stream, app, etype = unique("rig-leases-"), unique("rig-app-"), "kin.shared"
        KINESALITE.create_stream(stream, 4)
        a = self.start_node(lease_env(stream, app))
        b = self.start_node(lease_env(stream, app))
        self.assertEqual(self.settle([a, b]), [2.0, 2.0])
        # The lease table is named after the application, one lease per shard.
        self.assertIn(app, DYNALITE.tables())
        leases = [t for t in DYNALITE.tables() if app in t]
        self.assertEqual(len(leases), 1)
        items = DYNALITE.leases(leases[0])
        self.assertEqual(sorted(items), ["shardId-%012d" % i for i in range(4)])
        owners = [i["leaseOwner"] for i in items.values()]
        self.assertEqual(sorted(owners.count(o) for o in set(owners)), [2, 2])
        # Health says which source and how many leases.
        status, body = source_health(a)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["sources"]["kinesis"]["leases_held"], 2)

        ca = Collector(self.sse(a, [{"eventType": etype}]))
        cb = Collector(self.sse(b, [{"eventType": etype}]))
        sent = self.put_round(stream, etype, "r", per_shard=10)
        markers = ["end-%d" % s for s in range(4)]
        for s, m in enumerate(markers):
            self.put(stream, etype, m, s)
        wait_union([ca, cb], set(sent) | set(markers), timeout=30)
        got_a, got_b = list(ca.ids), list(cb.ids)
        # Every record once: the union is everything, nothing twice on one node or on both.
        self.assertEqual(set(got_a) | set(got_b), set(sent) | set(markers))
        self.assertEqual(set(got_a) & set(got_b), set())
        self.assertEqual(len(got_a), len(set(got_a)))
        self.assertEqual(len(got_b), len(set(got_b)))
        # Each node read whole shards: two markers each.
        self.assertEqual(len([m for m in markers if m in got_a]), 2)
        m = lambda rig: rig.metrics().get(consumed_metric("kinesis", stream), 0.0)  # noqa: E731
        self.assertEqual(m(a) + m(b), len(sent) + len(markers))

    def test_a_stopped_nodes_shards_are_taken_over_within_the_lease_expiry(self):
        self.watch(KINESALITE)
        self.watch(DYNALITE)
        stream, app, etype = unique("rig-leases-"), unique("rig-app-"), "kin.takeover"
        KINESALITE.create_stream(stream, 4)
        a = self.start_node(lease_env(stream, app))
        b = self.start_node(lease_env(stream, app), expect_code=None)
        self.settle([a, b])
        ca = Collector(self.sse(a, [{"eventType": etype}]))
        cb = Collector(self.sse(b, [{"eventType": etype}]))
        first = self.put_round(stream, etype, "before", per_shard=2)
        wait_union([ca, cb], set(first), timeout=30)
        # b dies without releasing its leases (SIGKILL): a takes them once they expire.
        b.proc.kill()
        b.proc.wait()
        b.terminated = True
        during = self.put_round(stream, etype, "during", per_shard=2)
        a.wait_metric(HELD, 4.0, timeout=TAKEOVER)
        after = self.put_round(stream, etype, "after", per_shard=2)
        # Nothing put after b's death is lost: b's shards continue from its checkpoints.
        wait_union([ca], set(during) | set(after), timeout=30)
        self.assertEqual(a.metrics()['rig_source_lease_takes_total{source="kinesis"}'] >= 4, True)

    def test_restart_resumes_from_the_checkpoint(self):
        self.watch(KINESALITE)
        self.watch(DYNALITE)
        stream, app, etype = unique("rig-leases-"), unique("rig-app-"), "kin.resume"
        KINESALITE.create_stream(stream, 4)
        env = lease_env(stream, app)
        a = self.start_node(env)
        self.settle([a])
        ca = Collector(self.sse(a, [{"eventType": etype}]))
        first = self.put_round(stream, etype, "first", per_shard=3)
        wait_union([ca], set(first), timeout=30)
        a.stop()  # graceful: checkpoints what was handed over and releases the leases
        table = [t for t in DYNALITE.tables() if app in t][0]
        leases = DYNALITE.leases(table)
        self.assertTrue(all("leaseOwner" not in l for l in leases.values()), leases)
        self.assertTrue(all(l.get("checkpoint", "").isdigit() for l in leases.values()), leases)

        # Put while every node is down, then a new process of the same application.
        down = self.put_round(stream, etype, "down", per_shard=3)
        a2 = self.start_node(env)
        consumed = consumed_metric("kinesis", stream)
        # Exactly the records put while down: a duplicate of `first` would count too.
        a2.wait_metric(consumed, float(len(down)), timeout=30)
        c2 = Collector(self.sse(a2, [{"eventType": etype}]))
        markers = ["end-%d" % s for s in range(4)]
        for s, m in enumerate(markers):
            self.put(stream, etype, m, s)
        wait_union([c2], set(markers), timeout=30)
        self.assertEqual(sorted(c2.ids), sorted(markers))
        self.assertEqual(a2.metrics()[consumed], float(len(down) + len(markers)))

    def test_latest_is_pinned_so_a_restart_before_any_record_loses_nothing(self):
        self.watch(KINESALITE)
        self.watch(DYNALITE)
        stream, app, etype = unique("rig-leases-"), unique("rig-app-"), "kin.latest"
        KINESALITE.create_stream(stream, 2)
        KINESALITE.put(stream, compact(make_event(etype, "old")), explicit_hash_key=1)
        env = lease_env(stream, app, RIG_KINESIS_ITERATOR=None)  # LATEST, the default
        a = self.start_node(env)
        a.wait_metric(HELD, 2.0, timeout=SETTLE)
        table = [t for t in DYNALITE.tables() if app in t][0]
        deadline = time.monotonic() + 30
        while not all(l.get("checkpoint", "").startswith("AT_TIMESTAMP:")
                      for l in DYNALITE.leases(table).values()):
            self.assertLess(time.monotonic(), deadline, DYNALITE.leases(table))
        a.stop()  # before any record arrived: no sequence number to checkpoint
        down = []
        for key, prefix in ((1, "low"), (HALF + 1, "high")):
            for i in range(3):
                eid = "%s-%d" % (prefix, i)
                KINESALITE.put(stream, compact(make_event(etype, eid)), explicit_hash_key=key)
                down.append(eid)
        a2 = self.start_node(env)
        consumed = consumed_metric("kinesis", stream)
        a2.wait_metric(consumed, float(len(down)), timeout=30)
        c = Collector(self.sse(a2, [{"eventType": etype}]))
        for key, marker in ((1, "end-low"), (HALF + 1, "end-high")):
            KINESALITE.put(stream, compact(make_event(etype, marker)), explicit_hash_key=key)
        wait_union([c], {"end-low", "end-high"}, timeout=30)
        # The record from before the first start stays skipped (LATEST); nothing twice.
        self.assertEqual(a2.metrics()[consumed], float(len(down) + 2))
        self.assertEqual(sorted(c.ids), ["end-high", "end-low"])

    def test_a_pinned_latest_without_records_since_is_read_on_kinesalite_too(self):
        # kinesalite never answers GetShardIterator AT_TIMESTAMP when no record came since:
        # rig gives up after its 10 s call timeout and pins LATEST anew.
        self.watch(KINESALITE)
        self.watch(DYNALITE)
        stream, app, etype = unique("rig-leases-"), unique("rig-app-"), "kin.idle"
        KINESALITE.create_stream(stream, 1)
        env = lease_env(stream, app, RIG_KINESIS_ITERATOR=None)
        a = self.start_node(env)
        a.wait_metric(HELD, 1.0, timeout=SETTLE)
        table = [t for t in DYNALITE.tables() if app in t]
        deadline = time.monotonic() + 30
        while not DYNALITE.leases(table[0])["shardId-000000000000"].get(
                "checkpoint", "").startswith("AT_TIMESTAMP:"):
            self.assertLess(time.monotonic(), deadline)
        a.stop()
        a2 = self.start_node(env)
        pinned = DYNALITE.leases(table[0])["shardId-000000000000"]["checkpoint"]
        deadline = time.monotonic() + 30
        while DYNALITE.leases(table[0])["shardId-000000000000"]["checkpoint"] == pinned:
            self.assertLess(time.monotonic(), deadline, "not pinned anew")
        c = Collector(self.sse(a2, [{"eventType": etype}]))
        KINESALITE.put(stream, compact(make_event(etype, "after")))
        wait_union([c], {"after"}, timeout=30)

    def test_a_split_shard_is_followed_parent_first(self):
        self.watch(KINESALITE)
        self.watch(DYNALITE)
        stream, app, etype = unique("rig-leases-"), unique("rig-app-"), "kin.split"
        KINESALITE.create_stream(stream, 1)
        rig = self.start_node(lease_env(stream, app))
        rig.wait_metric(HELD, 1.0, timeout=SETTLE)
        c = Collector(self.sse(rig, [{"eventType": etype}]))
        KINESALITE.put(stream, compact(make_event(etype, "parent-1")))
        wait_union([c], {"parent-1"}, timeout=30)
        KINESALITE.put(stream, compact(make_event(etype, "parent-2")))
        desc = KINESALITE.split_shard(stream, "shardId-000000000000", HALF)
        children = sorted((s for s in desc["Shards"]
                           if s.get("ParentShardId") == "shardId-000000000000"),
                          key=lambda s: int(s["HashKeyRange"]["StartingHashKey"]))
        self.assertEqual(len(children), 2, desc)
        expected = {"low": [], "high": []}
        for i in range(3):
            for child, key, prefix in ((children[0], 5, "low"), (children[1], HALF + 5, "high")):
                eid = "%s-%d" % (prefix, i)
                res = KINESALITE.put(stream, compact(make_event(etype, eid)),
                                     explicit_hash_key=key)
                self.assertEqual(res["ShardId"], child["ShardId"])
                expected[prefix].append(eid)
        wait_union([c], {"parent-2"} | set(expected["low"]) | set(expected["high"]), timeout=30)
        # The parent is read to its end before its children, each child in order.
        self.assertEqual(c.ids[:2], ["parent-1", "parent-2"])
        for prefix in ("low", "high"):
            self.assertEqual([e for e in c.ids if e.startswith(prefix)], expected[prefix])
        self.assertEqual(len(c.ids), len(set(c.ids)))
        # The table: the parent finished, a lease per child naming its parent.
        table = [t for t in DYNALITE.tables() if app in t][0]
        leases = DYNALITE.leases(table)
        self.assertEqual(leases["shardId-000000000000"]["checkpoint"], "SHARD_END")
        for child in children:
            self.assertEqual(leases[child["ShardId"]]["parentShardIds"],
                             ["shardId-000000000000"])
        rig.wait_metric(HELD, 2.0)

    def test_a_merged_shard_is_read_after_both_parents(self):
        self.watch(KINESALITE)
        self.watch(DYNALITE)
        stream, app, etype = unique("rig-leases-"), unique("rig-app-"), "kin.merge"
        KINESALITE.create_stream(stream, 2)
        rig = self.start_node(lease_env(stream, app))
        rig.wait_metric(HELD, 2.0, timeout=SETTLE)
        c = Collector(self.sse(rig, [{"eventType": etype}]))
        low, high = "shardId-000000000000", "shardId-000000000001"
        for key, eid in ((1, "low-1"), (HALF + 1, "high-1")):
            KINESALITE.put(stream, compact(make_event(etype, eid)), explicit_hash_key=key)
        wait_union([c], {"low-1", "high-1"}, timeout=30)
        for key, eid in ((1, "low-2"), (HALF + 1, "high-2")):
            KINESALITE.put(stream, compact(make_event(etype, eid)), explicit_hash_key=key)
        KINESALITE.call("MergeShards", {"StreamName": stream, "ShardToMerge": low,
                                        "AdjacentShardToMerge": high})
        desc = KINESALITE.wait_active(stream)
        merged = [s for s in desc["Shards"] if s.get("AdjacentParentShardId")]
        self.assertEqual(len(merged), 1, desc)
        merged = merged[0]["ShardId"]
        ids = ["merged-%d" % i for i in range(3)]
        for i, eid in enumerate(ids):
            res = KINESALITE.put(stream, compact(make_event(etype, eid)),
                                 explicit_hash_key=i * HALF // 2 + 1)
            self.assertEqual(res["ShardId"], merged)
        wait_union([c], {"low-2", "high-2"} | set(ids), timeout=30)
        # Both parents to their ends first, then the child, in order, each record once.
        self.assertEqual(sorted(c.ids[:4]), ["high-1", "high-2", "low-1", "low-2"])
        self.assertEqual(c.ids[4:], ids)
        table = [t for t in DYNALITE.tables() if app in t][0]
        leases = DYNALITE.leases(table)
        self.assertEqual([leases[s]["checkpoint"] for s in (low, high)], ["SHARD_END"] * 2)
        self.assertEqual(sorted(leases[merged]["parentShardIds"]), [low, high])

    def test_throttled_reads_are_retried(self):
        self.watch(KINESALITE)
        self.watch(DYNALITE)
        proxy = self.watch(ThrottlingProxy(KINESALITE.endpoint, 4))
        self.addCleanup(proxy.close)
        stream, app, etype = unique("rig-leases-"), unique("rig-app-"), "kin.throttled"
        KINESALITE.create_stream(stream, 1)
        KINESALITE.put(stream, compact(make_event(etype, "early")))
        rig = self.start_node(lease_env(stream, app, kinesis_endpoint=proxy.endpoint))
        # The record put before start is read (TRIM_HORIZON) once the throttling stops.
        rig.wait_metric(consumed_metric("kinesis", stream), 1.0, timeout=30)
        self.assertEqual(proxy.throttled, 4)
        self.assertEqual(rig.metrics()[THROTTLES], 4.0)
        c = Collector(self.sse(rig, [{"eventType": etype}]))
        KINESALITE.put(stream, compact(make_event(etype, "late")))
        wait_union([c], {"late"}, timeout=30)
        self.assertEqual(c.ids, ["late"])

    def test_a_throttled_lease_table_is_retried(self):
        self.watch(KINESALITE)
        self.watch(DYNALITE)
        proxy = self.watch(ThrottlingProxy(
            DYNALITE.endpoint, 3, action="Scan",
            error_type="com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"))
        self.addCleanup(proxy.close)
        stream, app, etype = unique("rig-leases-"), unique("rig-app-"), "kin.dynthrottled"
        KINESALITE.create_stream(stream, 1)
        KINESALITE.put(stream, compact(make_event(etype, "early")))
        rig = self.start_node(lease_env(stream, app,
                                        KINESIS_DYNAMODB_ENDPOINT=proxy.endpoint))
        rig.wait_metric(HELD, 1.0, timeout=30)
        rig.wait_metric(consumed_metric("kinesis", stream), 1.0, timeout=30)
        self.assertEqual(proxy.throttled, 3)
        self.assertEqual(rig.metrics()[THROTTLES], 3.0)

    def test_an_unreachable_lease_table_is_reported_in_health(self):
        self.watch(KINESALITE)
        stream, app = unique("rig-leases-"), unique("rig-app-")
        KINESALITE.create_stream(stream, 1)
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        self.addCleanup(closed.close)
        rig = self.start_node(lease_env(
            stream, app, KINESIS_DYNAMODB_ENDPOINT="http://127.0.0.1:%d/" % closed.getsockname()[1]))
        status, entry = wait_source(rig, "kinesis", lambda s, e: s == 503 and e["detail"],
                                    what="503 while the lease table is unreachable")
        self.assertFalse(entry["connected"])
        self.assertIn("DescribeTable", entry["detail"])
        self.assertEqual(entry["leases_held"], 0)


if __name__ == "__main__":
    unittest.main()
