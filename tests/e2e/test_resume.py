"""Resume after a reconnect (issue 12): the node's event history and Last-Event-ID.

A client's connection is cut mid-stream while events of three types are published at a steady
rate; it reconnects with the id of the last event it got and subscribes again (by PUT, as RIG's
snippet does, or at connect): what it received on both connections together is exactly the
published sequence for its subscriptions, in order, without duplicates. Over SSE (the
Last-Event-ID header or ?last_event_id=), WebSocket and long polling (?last_event_id=), with
constraints and wildcards, and across two cluster nodes. A cursor the history does not hold
(evicted, expired, unknown, history off) gets one rig.history_gap, then live events.
"""

import json
import threading
import time
import unittest

from peers import NatsServer
from rig_harness import (KeepAlivePublisher, LongPollClient, make_event, quote, Rig, rst_close,
                         SseClient, TIMEOUT, WsClient)
from test_cluster import ClusterCase, cluster_env

NAME = {"name": {"stable_field_index": 0, "event": {"json_pointer": "/data/name"}}}
EXTRACTORS = {"b.three": NAME}
TYPES = ("a.one", "a.two", "b.three")
COUNT = 300


def sequence(prefix):
    """The events a run publishes: COUNT of them, the three types in turn, b.three alternating
    between name "x" and "y"."""
    events = []
    for i in range(COUNT):
        etype = TYPES[i % 3]
        data = {"name": "x" if (i // 3) % 2 == 0 else "y", "n": i}
        events.append(make_event(etype, "%s-%03d" % (prefix, i), version="1.0", data=data))
    return events


def wanted(events, subscriptions):
    """The ids of `events` that `subscriptions` (a list of subscription objects) receive."""
    ids = []
    for ev in events:
        for s in subscriptions:
            t = s["eventType"]
            type_ok = (ev["type"] == t[:-2] or ev["type"].startswith(t[:-1])) \
                if t.endswith(".*") else ev["type"] == t
            one_of = s.get("oneOf", [])
            if type_ok and (not one_of or any(all(ev["data"].get(k) == v for k, v in c.items())
                                               for c in one_of)):
                ids.append(ev["id"])
                break
    return ids


class Publishing(threading.Thread):
    """Publishes `events` one after the other (each after the previous one's 202), pausing
    `pause` seconds between them so that the run spans the cut and the reconnect."""

    def __init__(self, rig, events, pause=0.003):
        super().__init__(daemon=True)
        self.rig, self.events, self.pause = rig, events, pause
        self.error = None
        self.published = 0
        self.cond = threading.Condition()

    def run(self):
        try:
            with KeepAlivePublisher(self.rig) as pub:
                for ev in self.events:
                    status, body = pub.publish(ev)
                    assert status == 202, (status, body)
                    with self.cond:
                        self.published += 1
                        self.cond.notify_all()
                    time.sleep(self.pause)  # pacing, not synchronisation
        except Exception as e:  # reported by finish()
            self.error = e

    def wait_more(self, n=15):
        """Blocks until `n` more events have been published: the client misses them while it
        is away."""
        with self.cond:
            target = min(self.published + n, len(self.events))
            assert self.cond.wait_for(lambda: self.published >= target, TIMEOUT)

    def finish(self, tc):
        self.join(TIMEOUT * 4)
        tc.assertFalse(self.is_alive(), "the publisher did not finish")
        tc.assertIsNone(self.error)


def put_subscriptions(rig, kind, token, subscriptions):
    status, _, body = rig.request(
        "PUT", "/_rig/v1/connection/%s/%s/subscriptions" % (kind, token),
        {"subscriptions": subscriptions})
    assert status == 204, (status, body)


class ResumeCase(unittest.TestCase):
    env = {"EXTRACTORS": json.dumps(EXTRACTORS)}

    @classmethod
    def setUpClass(cls):
        cls.rig = Rig(env=cls.env)
        cls.rig.start()

    @classmethod
    def tearDownClass(cls):
        cls.rig.stop()

    def read_until(self, next_event, last_id, got):
        """Appends the ids of published events from `next_event()` to `got` until `last_id`;
        returns the rig events seen meanwhile (types, in order)."""
        rig_events = []
        while not got or got[-1] != last_id:
            ev = next_event()
            if ev["type"].startswith("rig."):
                rig_events.append(ev)
            else:
                got.append(ev["id"])
        return rig_events


class Sse(ResumeCase):
    def run_sse(self, subscriptions, by_put, header=True, cut_after=60):
        events = sequence("sse%d%d" % (by_put, header))
        expected = wanted(events, subscriptions)
        query = "" if by_put else "subscriptions=" + quote(subscriptions)
        first = SseClient(self.rig, query)
        token, _ = first.connect_events()
        if by_put:
            put_subscriptions(self.rig, "sse", token, subscriptions)
            self.assertEqual(first.next_event()["type"], "rig.subscriptions_set")
        publishing = Publishing(self.rig, events)
        publishing.start()
        got = []
        while len(got) < cut_after:
            got.append(first.next_event()["id"])
        rst_close(first.conn.sock)  # the network goes away mid-stream
        publishing.wait_more()

        last = got[-1]
        headers = {"Last-Event-ID": last} if header else {}
        query += ("&" if query else "") + ("" if header else "last_event_id=" + quote(last))
        second = SseClient(self.rig, query.strip("&"), headers=headers)
        self.addCleanup(second.close)
        token2, _ = second.connect_events()
        if by_put:
            put_subscriptions(self.rig, "sse", token2, subscriptions)
            self.assertEqual(second.next_event()["type"], "rig.subscriptions_set")
        rig_events = self.read_until(second.next_event, expected[-1], got)
        publishing.finish(self)
        self.assertEqual(rig_events, [])
        self.assertEqual(got, expected)
        self.assertEqual(len(set(got)), len(got))

    def test_resubscribed_by_put_as_the_snippet_does(self):
        self.run_sse([{"eventType": "a.one"}, {"eventType": "b.three"}], by_put=True)

    def test_subscribed_at_connect_with_the_query_cursor(self):
        self.run_sse([{"eventType": "a.two"}], by_put=False, header=False)

    def test_with_a_constraint_and_a_wildcard(self):
        self.run_sse([{"eventType": "a.*"}, {"eventType": "b.three", "oneOf": [{"name": "x"}]}],
                     by_put=False)

    def test_the_header_wins_over_the_query_and_a_later_put_replays_nothing(self):
        events = sequence("hdr")[:9]
        with KeepAlivePublisher(self.rig) as pub:
            for ev in events:
                self.assertEqual(pub.publish(ev)[0], 202)
        subs = [{"eventType": "a.one"}]
        query = "subscriptions=%s&last_event_id=%s" % (quote(subs), quote(events[0]["id"]))
        c = SseClient(self.rig, query, headers={"Last-Event-ID": events[3]["id"]})
        self.addCleanup(c.close)
        token, _ = c.connect_events()
        self.assertEqual(c.next_event()["id"], events[6]["id"])  # after events[3], not [0]
        put_subscriptions(self.rig, "sse", token, subs + [{"eventType": "a.two"}])
        self.assertEqual(c.next_event()["type"], "rig.subscriptions_set")
        with KeepAlivePublisher(self.rig) as pub:
            pub.publish(make_event("a.one", "hdr-marker", version="1.0"))
        self.assertEqual(c.next_event()["id"], "hdr-marker")  # nothing replayed again

    def test_a_repeated_id_resumes_after_its_most_recent_occurrence(self):
        with KeepAlivePublisher(self.rig) as pub:
            for eid in ("dup", "mid-1", "dup", "mid-2"):
                self.assertEqual(pub.publish(make_event("a.one", eid, version="1.0"))[0], 202)
        c = SseClient(self.rig, "subscriptions=" + quote([{"eventType": "a.one"}]),
                      headers={"Last-Event-ID": "dup"})
        self.addCleanup(c.close)
        c.connect_events()
        self.assertEqual(c.next_event()["id"], "mid-2")

    def test_an_unknown_cursor_is_one_gap_then_live(self):
        c = SseClient(self.rig, "subscriptions=" + quote([{"eventType": "a.one"}]),
                      headers={"Last-Event-ID": "never-published"})
        self.addCleanup(c.close)
        c.connect_events()
        msg = c.next_message()
        gap = msg["data"]
        self.assertEqual((gap["type"], gap["specversion"], gap["source"]),
                         ("rig.history_gap", "1.0", "rig"))
        self.assertEqual(gap["data"], {"last_event_id": "never-published"})
        self.assertNotIn("id", msg)  # the client's cursor stays where it was
        with KeepAlivePublisher(self.rig) as pub:
            pub.publish(make_event("a.one", "after-gap", version="1.0"))
        self.assertEqual(c.next_event()["id"], "after-gap")
        m = self.rig.metrics()
        self.assertGreaterEqual(m["rig_history_gaps_total"], 1)


class OtherTransports(ResumeCase):
    def test_websocket_with_the_query_cursor(self):
        subs = [{"eventType": "a.one"}, {"eventType": "b.three", "oneOf": [{"name": "y"}]}]
        events = sequence("ws")
        expected = wanted(events, subs)
        first = WsClient(self.rig, "subscriptions=" + quote(subs))
        first.connect_events()
        publishing = Publishing(self.rig, events)
        publishing.start()
        got = []
        while len(got) < 50:
            got.append(first.next_event()["id"])
        rst_close(first.conn.sock)
        publishing.wait_more()
        second = WsClient(self.rig, "subscriptions=%s&last_event_id=%s"
                          % (quote(subs), quote(got[-1])))
        self.addCleanup(second.close)
        second.connect_events()
        self.assertEqual(self.read_until(second.next_event, expected[-1], got), [])
        publishing.finish(self)
        self.assertEqual(got, expected)

    def test_long_polling_with_the_query_cursor_on_the_first_poll(self):
        subs = [{"eventType": "a.*"}]
        events = sequence("lp")
        expected = wanted(events, subs)
        first = LongPollClient(self.rig)
        self.assertEqual(first.get("subscriptions=" + quote(subs))[0], 200)
        publishing = Publishing(self.rig, events)
        publishing.start()
        got = []
        while len(got) < 40:
            got += [e["id"] for e in first.poll()["events"] if not e["type"].startswith("rig.")]
        # The client goes away; a new session (no cookies) resumes from its last event.
        publishing.wait_more()
        second = LongPollClient(self.rig)
        status, _, _ = second.get("subscriptions=%s&last_event_id=%s"
                                  % (quote(subs), quote(got[-1])))
        self.assertEqual(status, 200)
        while got[-1] != expected[-1]:
            got += [e["id"] for e in second.poll()["events"] if not e["type"].startswith("rig.")]
        publishing.finish(self)
        self.assertEqual(got, expected)


class AcrossNodes(ClusterCase):
    def test_a_client_resumes_on_another_node(self):
        nats = self.watch(NatsServer(jetstream=True))
        self.addCleanup(nats.close)
        a = self.node(nats, node_id="a")
        b = self.node(nats, node_id="b")
        subs = [{"eventType": "a.one"}, {"eventType": "b.three"}]
        events = sequence("cl")
        expected = wanted(events, subs)
        first = SseClient(a, "subscriptions=" + quote(subs))
        first.connect_events()
        publishing = Publishing(a, events)
        publishing.start()
        got = []
        while len(got) < 40:
            got.append(first.next_event()["id"])
        rst_close(first.conn.sock)
        publishing.wait_more()
        second = SseClient(b, "subscriptions=" + quote(subs), headers={"Last-Event-ID": got[-1]})
        self.addCleanup(second.close)
        second.connect_events()
        while got[-1] != expected[-1]:
            ev = second.next_event()
            self.assertFalse(ev["type"].startswith("rig."), ev)
            got.append(ev["id"])
        publishing.finish(self)
        self.assertEqual(got, expected)


class Gaps(unittest.TestCase):
    def gap_or_replay(self, rig, cursor):
        """The first event after rig.subscriptions_set for a connection resuming at `cursor`."""
        c = SseClient(rig, "subscriptions=" + quote([{"eventType": "a.one"}]),
                      headers={"Last-Event-ID": cursor})
        self.addCleanup(c.close)
        c.connect_events()
        return c.next_event()

    def test_an_evicted_cursor_is_a_gap_and_the_boundary_is_exact(self):
        with Rig(env={"RIG_HISTORY_SIZE": "50"}) as rig:
            with KeepAlivePublisher(rig) as pub:
                for i in range(60):
                    self.assertEqual(pub.publish(make_event("a.one", "ev%d" % i,
                                                            version="1.0"))[0], 202)
            # Size 50 keeps ev10..ev59: ev10 is a cursor, ev9 is gone.
            self.assertEqual(self.gap_or_replay(rig, "ev10")["id"], "ev11")
            gap = self.gap_or_replay(rig, "ev9")
            self.assertEqual((gap["type"], gap["data"]), ("rig.history_gap",
                                                          {"last_event_id": "ev9"}))
            self.assertEqual(rig.metrics()["rig_history_events"], 50)

    def test_an_expired_cursor_is_a_gap(self):
        with Rig(env={"RIG_HISTORY_TTL_S": "1"}) as rig:
            with KeepAlivePublisher(rig) as pub:
                self.assertEqual(pub.publish(make_event("a.one", "old", version="1.0"))[0], 202)
                self.assertEqual(pub.publish(make_event("a.one", "new", version="1.0"))[0], 202)
            self.assertEqual(self.gap_or_replay(rig, "old")["id"], "new")
            # The TTL is the one thing here that takes time to pass.
            deadline = time.monotonic() + TIMEOUT
            while time.monotonic() < deadline:
                ev = self.gap_or_replay(rig, "old")
                if ev["type"] == "rig.history_gap":
                    break
                time.sleep(0.2)
            self.assertEqual(ev["type"], "rig.history_gap")

    def test_with_history_off_every_cursor_is_a_gap(self):
        with Rig(env={"RIG_HISTORY_SIZE": "0"}) as rig:
            with KeepAlivePublisher(rig) as pub:
                self.assertEqual(pub.publish(make_event("a.one", "e1", version="1.0"))[0], 202)
            self.assertEqual(self.gap_or_replay(rig, "e1")["type"], "rig.history_gap")
            self.assertNotIn("rig_history_events", rig.metrics())


if __name__ == "__main__":
    unittest.main()
