"""Cluster mode: several rig processes on one NATS backplane act as one gateway.

Contract: issue 10 (events everywhere exactly once and in publish order, tokens routed to the
node that owns the connection, long polls answered by the owner, the session blacklist shared
and caught up by nodes that start later, sources consumed once per cluster, faults: kill -9 of a
node, a NATS restart, fail-over between the servers of a NATS cluster). rig's implementation:
src/cluster/ (nats_link, event_backplane, node_requests, replicated_blacklist), the forwarding in
src/transport/forwarded_endpoint.cpp, the wiring in src/app/node.cpp.

Peers are real: nats-server with JetStream (tests/e2e/peers.py NatsServer), librdkafka's mock
cluster for Kafka, and rig processes on loopback. Every wait is a blocking read with a timeout or
a request repeated until a deadline; none is a sleep.
"""

import itertools
import json
import os
import signal
import time
import unittest

from peers import (Dynalite, KafkaMock, Kinesalite, NatsServer, SourceTestCase, free_port,
                   source_health, wait_source)
from rig_harness import (TIMEOUT, LongPollClient, Rig, SseClient, WsClient, make_event, make_jwt,
                         quote, run_rig_expecting_failure)

COOKIE = "cluster-e2e-cookie"
SECRET = "cluster-secret"
_ids = itertools.count()


def unique(prefix):
    return "%s-%d-%d" % (prefix, os.getpid(), next(_ids))


def cluster_env(*servers, node_id=None, **extra):
    env = {"RIG_CLUSTER_NATS": ",".join("nats://127.0.0.1:%d" % s.port for s in servers),
           "NODE_COOKIE": COOKIE, "JWT_SECRET_KEY": SECRET, "RIG_LONGPOLL_HOLD_MS": "2000", "RIG_CLUSTER_TIMEOUT_MS": "1000"}
    if node_id:
        env["RIG_NODE_ID"] = node_id
    env.update(extra)
    return env


def until(predicate, what, timeout=TIMEOUT):
    """Repeats `predicate` (each call a blocking request) until it returns a true value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("not within %ss: %s" % (timeout, what))


def cluster_health(rig):
    status, _, body = rig.request("GET", "/health/cluster", api=True)
    return status, json.loads(body)


class ClusterCase(SourceTestCase):
    def node(self, *servers, node_id=None, **extra):
        return self.start_rig(cluster_env(*servers, node_id=node_id, **extra))

    def client_on(self, kind, rig, subscriptions, jwt=None):
        """A connected SseClient or WsClient (`kind`) that has seen rig.subscriptions_set."""
        query = "subscriptions=" + quote(subscriptions)
        if jwt:
            query += "&jwt=" + quote(jwt)
        client = kind(rig, query)
        self.addCleanup(client.close)
        self.assertEqual(client.status, 101 if kind is WsClient else 200)
        client.connect_events()
        return client

    def sse_on(self, rig, subscriptions, jwt=None):
        return self.client_on(SseClient, rig, subscriptions, jwt)

    def ws_on(self, rig, subscriptions, jwt=None):
        return self.client_on(WsClient, rig, subscriptions, jwt)

    def publish(self, rig, etype, eid):
        status, _, body = rig.publish(make_event(etype, eid))
        self.assertEqual(status, 202, body)
        return eid

    def assert_stream(self, client, expected, marker):
        """The client (SSE or WebSocket) receives exactly `expected`, in order, then `marker`."""
        ids = []
        deadline = time.monotonic() + TIMEOUT * 2
        while True:
            ev = client.next_event(max(0.0, deadline - time.monotonic()))
            if ev["id"] == marker:
                break
            ids.append(ev["id"])
        self.assertEqual(ids, [str(i) for i in expected])


class ThreeNodes(ClusterCase):
    """One NATS server with JetStream and three rig nodes for the class."""

    @classmethod
    def setUpClass(cls):
        cls.nats = NatsServer(jetstream=True)
        cls.addClassCleanup(cls.nats.close)
        cls.watch_class(cls.nats)
        # The clients are read one after the other: room for a whole big batch each.
        cls.nodes = [cls.start_class_rig(cluster_env(cls.nats, node_id=name,
                                                     RIG_MAX_QUEUE_BYTES=str(8 << 20)))
                     for name in ("a", "b", "c")]

    def test_health_names_the_node_and_its_link(self):
        for rig, name in zip(self.nodes, "abc"):
            status, body = cluster_health(rig)
            self.assertEqual(status, 200, body)
            self.assertEqual(body["node"], name)
            self.assertTrue(body["connected"])
            self.assertTrue(body["blacklist_caught_up"])
        instances = {cluster_health(rig)[1]["instance"] for rig in self.nodes}
        self.assertEqual(len(instances), 3)

    def test_events_reach_every_node_once_and_in_order(self):
        etype = unique("order")
        subs = [{"eventType": etype}]
        clients = [self.sse_on(rig, subs) for rig in self.nodes]
        clients += [self.ws_on(rig, subs) for rig in self.nodes]
        ids = []
        for i in range(200):
            ids.append(self.publish(self.nodes[i % 3], etype, "e%d" % i))
        marker = self.publish(self.nodes[0], etype, "marker")
        for client in clients:
            self.assert_stream(client, ids, marker)

    def test_a_batch_keeps_its_order_everywhere(self):
        etype = unique("batch")
        clients = [self.sse_on(rig, [{"eventType": etype}]) for rig in self.nodes]
        events = [make_event(etype, "b%d" % i) for i in range(20)]
        status, _, body = self.nodes[1].request(
            "POST", "/_rig/v1/events", events,
            {"Content-Type": "application/cloudevents-batch+json"})
        self.assertEqual(status, 202, body)
        self.assertEqual([e["id"] for e in json.loads(body)], ["b%d" % i for i in range(20)])
        marker = self.publish(self.nodes[2], etype, "marker")
        for client in clients:
            self.assert_stream(client, ["b%d" % i for i in range(20)], marker)

    def test_a_batch_larger_than_one_nats_message(self):
        """A batch over 512 KB travels as several NATS messages, in order."""
        etype = unique("bigbatch")
        clients = [self.sse_on(rig, [{"eventType": etype}]) for rig in self.nodes]
        ids = ["big%d" % i for i in range(700)]  # ~700 KB: two NATS messages
        events = [make_event(etype, eid, pad="x" * 900) for eid in ids]
        status, _, body = self.nodes[0].request(
            "POST", "/_rig/v1/events", events,
            {"Content-Type": "application/cloudevents-batch+json"})
        self.assertEqual(status, 202, body[:200])
        marker = self.publish(self.nodes[0], etype, "marker")
        for client in clients:
            self.assert_stream(client, ids, marker)

    def test_a_token_works_on_every_node(self):
        a, b, c = self.nodes
        first, second = unique("first"), unique("second")
        client = self.sse_on(a, [])
        path = "/_rig/v1/connection/sse/%s/subscriptions" % client.token
        status, hdrs, body = b.request("PUT", path, {"subscriptions": [{"eventType": first}]})
        self.assertEqual(status, 204, body)
        self.assertEqual(client.next_event()["data"], [{"eventType": first, "oneOf": []}])
        status, hdrs, body = c.request("POST", path, {"subscriptions": [{"eventType": second}]})
        self.assertEqual(status, 201, body)
        self.assertEqual({s["eventType"] for s in json.loads(body)["subscriptions"]},
                         {first, second})
        self.assertEqual(client.next_event()["type"], "rig.subscriptions_set")
        self.publish(c, first, "x1")
        self.publish(b, second, "x2")
        self.assertEqual(client.next_event()["id"], "x1")
        self.assertEqual(client.next_event()["id"], "x2")
        # The owner's own refusals come back as they are.
        status, _, body = b.request("PUT", path, {"subscriptions": "nope"})
        self.assertEqual(status, 400, body)
        self.assertIn("error", json.loads(body))

    def test_a_closed_connections_token_is_gone_everywhere(self):
        a = self.nodes[0]
        client = SseClient(a, "")
        client.connect_events()
        token = client.token
        client.close()
        path = "/_rig/v1/connection/sse/%s/subscriptions" % token
        for rig in self.nodes:
            until(lambda: rig.request("PUT", path, {"subscriptions": []})[0] == 410,
                  "410 for a closed connection's token")

    def test_a_long_poll_session_polled_on_two_nodes(self):
        a, b, _ = self.nodes
        etype = unique("lp")
        lp = LongPollClient(a)
        status, _, body = lp.get("subscriptions=" + quote([{"eventType": etype}]))
        self.assertEqual(status, 200, body)
        token = lp.cookies["connection_token"]
        self.assertEqual([e["type"] for e in lp.poll()["events"]],
                         ["rig.connection.create", "rig.subscriptions_set"])
        got = []
        for i, (poll_on, publish_on) in enumerate([(b, a), (a, b), (b, b), (a, a)]):
            eid = self.publish(publish_on, etype, "lp%d" % i)
            lp.rig = poll_on
            status, hdrs, body = lp.get()
            self.assertEqual(status, 200, body)
            set_cookies = [v for k, v in hdrs["all"] if k == "set-cookie"]
            if poll_on is b:
                self.assertFalse([v for v in set_cookies if v.startswith("connection_token=")],
                                 "a non-owner node must not replace the session's cookie")
            self.assertEqual(lp.cookies["connection_token"], token)
            got += [e["id"] for e in json.loads(body)["events"]]
            self.assertEqual(got[-1], eid)
        self.assertEqual(got, ["lp0", "lp1", "lp2", "lp3"])
        # Nothing pending: the owner holds the poll for RIG_LONGPOLL_HOLD_MS, longer than the
        # cluster timeout, and the session survives it.
        lp.rig = b
        status, _, body = lp.get()
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["events"], [])
        self.assertEqual(lp.cookies["connection_token"], token)

    def test_blacklist_on_one_node_ends_the_session_everywhere(self):
        a, b, c = self.nodes
        session = unique("session")
        jwt = make_jwt({"jti": session}, secret=SECRET)
        other = make_jwt({"jti": unique("other")}, secret=SECRET)
        etype = unique("bl")
        sse_a = self.sse_on(a, [{"eventType": etype}], jwt)
        ws_c = self.ws_on(c, [{"eventType": etype}], jwt)
        bystander = self.sse_on(a, [{"eventType": etype}], other)
        status, _, body = b.request("POST", "/v3/session-blacklist",
                                    {"sessionId": session, "validityInSeconds": 60}, api=True)
        self.assertEqual(status, 201, body)
        self.assertEqual(sse_a.next_event()["type"], "rig.session_killed")
        with self.assertRaises(EOFError):
            sse_a.next_message()
        self.assertEqual(ws_c.expect_close(), (1000, "Session killed."))
        for rig in self.nodes:
            status, _, _ = rig.request("GET", "/v3/session-blacklist/" + session, api=True)
            self.assertEqual(status, 200)
            refused = SseClient(rig, "jwt=" + quote(jwt))
            refused.close()
            self.assertEqual(refused.status, 400)
        self.publish(b, etype, "still-here")
        self.assertEqual(bystander.next_event()["id"], "still-here")
        metrics = a.metrics()
        self.assertGreaterEqual(
            metrics['rig_distributed_set_items_total{name="Elixir.SessionBlacklist"}'], 1)

        # A node that starts afterwards refuses it within 5 s of answering health (issue 10).
        # It waits for the bucket's replay before it listens, but only RIG_CLUSTER_TIMEOUT_MS.
        late = self.node(self.nats, node_id="late")
        until(lambda: late.request("GET", "/v3/session-blacklist/" + session, api=True)[0] == 200,
              "the late node knows the entry", timeout=5)
        refused = SseClient(late, "jwt=" + quote(jwt))
        refused.close()
        self.assertEqual(refused.status, 400)


class Faults(ClusterCase):
    """Each test has its own NATS server(s) and nodes."""

    def test_kill_9_of_a_node_loses_nothing_the_others_accepted(self):
        nats = self.watch(NatsServer(jetstream=True))
        self.addCleanup(nats.close)
        a, b = self.node(nats, node_id="a"), self.node(nats, node_id="b")
        doomed = Rig(env=cluster_env(nats, node_id="doomed"))
        doomed.start()

        def bury():
            if doomed.proc.poll() is None:
                doomed.proc.kill()
            doomed.proc.wait()
            doomed.proc.stdout.close()
        self.addCleanup(bury)
        etype = unique("kill")
        survivors = [self.sse_on(a, [{"eventType": etype}]), self.sse_on(b, [{"eventType": etype}])]
        victim_client = self.sse_on(doomed, [{"eventType": etype}])
        accepted = []
        for i in range(60):
            rig = (a, b, doomed)[i % 3]
            if i == 30:
                doomed.proc.send_signal(signal.SIGKILL)
                doomed.proc.wait()
            if rig is doomed and doomed.proc.poll() is not None:
                continue
            accepted.append(self.publish(rig, etype, "k%d" % i))
        marker = self.publish(a, etype, "marker")
        for client in survivors:
            self.assert_stream(client, accepted, marker)
        with self.assertRaises((EOFError, ConnectionError, OSError)):
            while True:
                victim_client.next_message(timeout=TIMEOUT)
        # The dead node's token is gone on every surviving node (no responders: at once).
        path = "/_rig/v1/connection/sse/%s/subscriptions" % victim_client.token
        for rig in (a, b):
            status, _, body = rig.request("PUT", path, {"subscriptions": []})
            self.assertEqual(status, 410, body)

    def test_nodes_come_back_after_a_nats_restart(self):
        nats = self.watch(NatsServer(jetstream=True))
        self.addCleanup(nats.close)
        a, b = self.node(nats, node_id="a"), self.node(nats, node_id="b")
        etype = unique("restart")
        client = self.sse_on(b, [{"eventType": etype}])
        nats.stop()
        until(lambda: cluster_health(a)[0] == 503, "a reports the lost link")
        self.assertEqual(a.request("GET", "/health", api=True)[0], 200)
        status, _, body = a.publish(make_event(etype, "while-down"))
        self.assertEqual(status, 503, body)
        nats.start()
        for rig in (a, b):
            until(lambda: cluster_health(rig)[0] == 200, "the link is back")
        # Events flow again once both nodes' subscriptions are on the server again.
        n = itertools.count()

        def probe():
            self.publish(a, etype, "probe-%d" % next(n))
            try:
                return client.next_event(timeout=0.5)
            except TimeoutError:
                return None
        until(probe, "an event from a reaches b after the restart")
        self.assertEqual(a.metrics()["rig_cluster_reconnects_total"], 1)

    def test_a_node_fails_over_to_another_server_of_a_nats_cluster(self):
        route1, route2 = free_port(), free_port()
        s1 = self.watch(NatsServer(jetstream=True, name="s1", cluster_port=route1,
                                   routes=(route2,)))
        self.addCleanup(s1.close)
        s2 = self.watch(NatsServer(jetstream=True, name="s2", cluster_port=route2,
                                   routes=(route1,)))
        self.addCleanup(s2.close)
        a = self.node(s1, s2, node_id="a")
        b = self.node(s2, s1, node_id="b")
        etype = unique("failover")
        client = self.sse_on(b, [{"eventType": etype}])
        n = itertools.count()

        def probe():
            status, _, _ = a.publish(make_event(etype, "probe-%d" % next(n)))
            if status != 202:
                return None
            try:
                return client.next_event(timeout=0.5)
            except TimeoutError:
                return None
        until(probe, "events cross the NATS cluster")
        # Stop the server a is on: it moves to the other one by itself.
        on_s1 = ":%d" % s1.port in cluster_health(a)[1]["state"]
        gone, other = (s1, s2) if on_s1 else (s2, s1)
        gone.stop()
        until(lambda: ":%d" % other.port in cluster_health(a)[1]["state"] and
              cluster_health(b)[0] == 200 and ":%d" % other.port in cluster_health(b)[1]["state"],
              "both nodes on the remaining server")
        until(probe, "events flow after the fail-over")

    def test_a_node_with_another_cookie_refuses_to_join(self):
        nats = self.watch(NatsServer(jetstream=True))
        self.addCleanup(nats.close)
        self.node(nats, node_id="a")
        code, _, err = run_rig_expecting_failure(
            cluster_env(nats, node_id="intruder", NODE_COOKIE="another-cookie"))
        self.assertEqual(code, 2, err)
        self.assertIn("NODE_COOKIE", err)

    def test_cluster_mode_needs_a_cookie(self):
        code, _, err = run_rig_expecting_failure(
            {"RIG_CLUSTER_NATS": "nats://127.0.0.1:%d" % free_port(), "NODE_COOKIE": ""})
        self.assertEqual(code, 2, err)
        self.assertIn("NODE_COOKIE", err)

    def test_generated_node_ids_differ(self):
        nats = self.watch(NatsServer(jetstream=True))
        self.addCleanup(nats.close)
        one, two = self.node(nats), self.node(nats)
        self.assertNotEqual(cluster_health(one)[1]["node"], cluster_health(two)[1]["node"])


class SourcesInCluster(ClusterCase):
    def test_every_node_delivers_each_consumed_event_once(self):
        kafka = self.watch(KafkaMock("cluster-topic"))
        self.addCleanup(kafka.close)
        nats = self.watch(NatsServer(jetstream=True))
        self.addCleanup(nats.close)
        env = {"KAFKA_BROKERS": kafka.bootstrap, "KAFKA_SOURCE_TOPICS": "cluster-topic",
               "KAFKATOFILTER_KAFKA_GROUP_ID": "rig-cluster-e2e",
               "RIG_KAFKA_OFFSET_RESET": "earliest"}
        nodes = [self.node(nats, node_id=n, **env) for n in ("a", "b", "c")]
        for rig in nodes:
            self.assertNotIn("without cluster mode", rig.stderr())

        def group_formed():
            # At least two nodes have had an assignment (so the group is shared), and exactly
            # one of them holds the one partition. Not all three: librdkafka's mock coordinator
            # sometimes misses a member that joins while the first rebalance is under way and
            # lets it in only a session timeout (45 s) or more later; real brokers do not. A node
            # outside the group still gets every event, over the backplane. Up to 120 s: a
            # member the coordinator left out joins only after a session timeout (45 s), and
            # under ASan the rebalance that follows takes a while too.
            if sum("kafka: assigned" in rig.stderr() for rig in nodes) < 2:
                return False
            entries = [source_health(rig)[1]["sources"]["kafka"] for rig in nodes]
            return all(e.get("connected") for e in entries) and \
                sum(e.get("assigned_partitions", 0) for e in entries) == 1
        until(group_formed, "the consumer group formed", timeout=120)
        etype = unique("kafka")
        clients = [self.sse_on(rig, [{"eventType": etype}]) for rig in nodes]
        ids = ["k%d" % i for i in range(30)]
        for eid in ids + ["marker"]:
            kafka.produce("cluster-topic", make_event(etype, eid, version="1.0"))
        for client in clients:
            self.assert_stream(client, ids, "marker")

    def test_kinesis_every_node_reads_the_stream_and_delivers_once(self):
        """Every node reads every shard itself (no leases yet): nothing is relayed, so each
        client gets each record once, not once per node."""
        kin = self.watch(Kinesalite())
        self.addCleanup(kin.close)
        nats = self.watch(NatsServer(jetstream=True))
        self.addCleanup(nats.close)
        stream = unique("rig-cluster")
        kin.create_stream(stream, 1)
        env = {"KINESIS_ENABLED": "true", "KINESIS_STREAM": stream,
               "KINESIS_AWS_REGION": "us-east-1", "KINESIS_ENDPOINT": kin.endpoint,
               "AWS_ACCESS_KEY_ID": "AKIDE2ETEST", "AWS_SECRET_ACCESS_KEY": "e2e-secret",
               "RIG_KINESIS_POLL_MS": "200", "RIG_KINESIS_ITERATOR": "TRIM_HORIZON"}
        nodes = [self.node(nats, node_id=n, **env) for n in ("a", "b")]
        for rig in nodes:
            wait_source(rig, "kinesis", lambda s, e: s == 200 and e["connected"],
                        what="kinesis connected")
        etype = unique("kinesis")
        clients = [self.sse_on(rig, [{"eventType": etype}]) for rig in nodes]
        ids = ["r%d" % i for i in range(10)]
        for eid in ids + ["marker"]:
            kin.put(stream, make_event(etype, eid))
        for client in clients:
            self.assert_stream(client, ids, "marker")

    def test_kinesis_with_leases_one_node_reads_and_every_node_delivers_once(self):
        """With KINESIS_APP_NAME the nodes share the shards through the lease table: the node
        holding the lease reads, and the backplane brings each record to every node once."""
        kin = self.watch(Kinesalite())
        self.addCleanup(kin.close)
        dyn = self.watch(Dynalite())
        self.addCleanup(dyn.close)
        nats = self.watch(NatsServer(jetstream=True))
        self.addCleanup(nats.close)
        stream = unique("rig-cluster")
        kin.create_stream(stream, 1)
        env = {"KINESIS_ENABLED": "true", "KINESIS_STREAM": stream,
               "KINESIS_APP_NAME": unique("rig-app"), "KINESIS_DYNAMODB_ENDPOINT": dyn.endpoint,
               "KINESIS_AWS_REGION": "us-east-1", "KINESIS_ENDPOINT": kin.endpoint,
               "AWS_ACCESS_KEY_ID": "AKIDE2ETEST", "AWS_SECRET_ACCESS_KEY": "e2e-secret",
               "RIG_KINESIS_POLL_MS": "200", "RIG_KINESIS_ITERATOR": "TRIM_HORIZON",
               "RIG_KINESIS_LEASE_MS": "2000", "RIG_KINESIS_LEASE_RENEW_MS": "500",
               "RIG_KINESIS_LEASE_TAKE_MS": "1000"}
        nodes = [self.node(nats, node_id=n, **env) for n in ("a", "b")]
        held = 'rig_source_leases_held{source="kinesis"}'
        until(lambda: sorted(rig.metrics().get(held, -1) for rig in nodes) == [0.0, 1.0],
              "one node holds the shard's lease")
        etype = unique("kinesis")
        clients = [self.sse_on(rig, [{"eventType": etype}]) for rig in nodes]
        ids = ["r%d" % i for i in range(10)]
        for eid in ids + ["marker"]:
            kin.put(stream, make_event(etype, eid))
        for client in clients:
            self.assert_stream(client, ids, "marker")

    def test_without_cluster_mode_a_source_warns(self):
        kafka = self.watch(KafkaMock("lonely-topic"))
        self.addCleanup(kafka.close)
        rig = self.start_rig({"KAFKA_BROKERS": kafka.bootstrap,
                              "KAFKA_SOURCE_TOPICS": "lonely-topic"})
        self.assertIn("without cluster mode", rig.stderr())


if __name__ == "__main__":
    unittest.main()
