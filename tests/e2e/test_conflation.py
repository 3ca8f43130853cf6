"""Conflation (RIG_CONFLATION_KEY): an SSE (or WebSocket) client that stops reading while many updates for a
few keys are published ends, once it reads again, with the newest value per key and is not
disconnected; the same client without conflation is disconnected as a slow consumer.

The client pauses by not reading a socket with a small receive buffer; rig's queue is small
(RIG_MAX_QUEUE_BYTES), so it fills once the kernel's buffers have. Publishing goes on until
rig's counters show that it did (conflated, or disconnected): no sleeps, no timing."""

import unittest

from rig_harness import (KeepAlivePublisher, Rig, SseClient, WsClient, make_event, quote,
                         run_rig_expecting_failure)

SUBS = "subscriptions=" + quote([{"eventType": "price"}])
KEYS = ("a", "b", "c")
PAD = "x" * 8000  # a 64 KiB queue holds 8 such events: 3 keys fit well past half
MAX_ROUNDS = 1500  # one update per key per round: ~36 MB, far beyond the kernel's buffers
CONFLATED = "rig_conflated_events_total"
SLOW = "rig_slow_consumer_disconnects_total"
SSE_GAUGE = 'rig_connections{transport="sse"}'
WS_GAUGE = 'rig_connections{transport="ws"}'
QUEUE = {"RIG_MAX_QUEUE_BYTES": "65536"}


def price(key, value):
    return make_event("price", "%s-%d" % (key, value), data={"id": key, "v": value, "pad": PAD})


def publish_until(rig, publisher, done):
    """Publishes rounds of updates (value = round) until done(metrics); returns the number of
    rounds published, or None if it never happened."""
    for r in range(MAX_ROUNDS):
        for key in KEYS:
            status, body = publisher.publish(price(key, r))
            assert status == 202, (status, body)
        if r % 5 == 4 and done(rig.metrics()):
            return r + 1
    return None


class Conflation(unittest.TestCase):
    def test_a_key_that_is_not_a_json_pointer_stops_start_up(self):
        code, out, err = run_rig_expecting_failure({"RIG_CONFLATION_KEY": "data.id"})
        self.assertEqual(code, 2, "stdout=%r stderr=%r" % (out, err))
        self.assertIn("RIG_CONFLATION_KEY", err)
        self.assertIn("JSON pointer", err)
        self.assertEqual(out, "")

    def paused_reader_ends_with_the_newest_value_per_key(self, client, gauge):
        env = dict(QUEUE, RIG_CONFLATION_KEY="/data/id")
        with Rig(env=env) as rig, KeepAlivePublisher(rig) as publisher:
            reader = client(rig, query=SUBS, rcvbuf=4096)
            reader.connect_events()
            rounds = publish_until(rig, publisher, lambda m: m.get(CONFLATED, 0) >= 3 * len(KEYS))
            self.assertIsNotNone(rounds, "nothing conflated after %d rounds" % MAX_ROUNDS)
            final = rounds
            for key in KEYS:
                self.assertEqual(publisher.publish(price(key, final))[0], 202)
            self.assertEqual(rig.metrics().get(SLOW, 0), 0)

            # The reader resumes: per key, values only go up, and each ends at the newest.
            last = {}
            received = 0
            while any(last.get(key) != final for key in KEYS):
                ev = reader.next_event()
                self.assertEqual(ev["type"], "price")
                key, value = ev["data"]["id"], ev["data"]["v"]
                self.assertEqual(ev["id"], "%s-%d" % (key, value))
                self.assertGreater(value, last.get(key, -1), "older state after newer: %s" % key)
                last[key] = value
                received += 1
            self.assertLess(received, (final + 1) * len(KEYS), "something was conflated")

            # Still connected: a later event arrives, and nothing was cut.
            self.assertEqual(publisher.publish(price("d", 0))[0], 202)
            self.assertEqual(reader.next_event()["id"], "d-0")
            m = rig.metrics()
            self.assertEqual(m.get(SLOW, 0), 0)
            self.assertEqual(m[gauge], 1)
            self.assertGreaterEqual(m[CONFLATED], 3 * len(KEYS))
            reader.close()

    def test_paused_sse_reader_ends_with_the_newest_value_per_key(self):
        self.paused_reader_ends_with_the_newest_value_per_key(SseClient, SSE_GAUGE)

    def test_paused_websocket_reader_ends_with_the_newest_value_per_key(self):
        self.paused_reader_ends_with_the_newest_value_per_key(WsClient, WS_GAUGE)

    def test_without_the_key_the_paused_reader_is_a_slow_consumer(self):
        with Rig(env=QUEUE) as rig, KeepAlivePublisher(rig) as publisher:
            reader = SseClient(rig, query=SUBS, rcvbuf=4096)
            reader.connect_events()
            rounds = publish_until(rig, publisher, lambda m: m.get(SLOW, 0) >= 1)
            self.assertIsNotNone(rounds, "no slow-consumer disconnect after %d rounds" % MAX_ROUNDS)
            rig.wait_metric(SSE_GAUGE, 0)
            self.assertEqual(rig.metrics().get(CONFLATED, 0), 0)
            # What was sent arrives complete, then the stream ends.
            with self.assertRaises(EOFError):
                while True:
                    reader.next_event()
            reader.close()


if __name__ == "__main__":
    unittest.main()
