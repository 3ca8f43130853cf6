"""A subscriber that never reads (issue 15, "Resources"): once RIG_MAX_QUEUE_BYTES of events
wait for it, rig cuts it off (SSE: the stream ends; WebSocket: closed with 1008), counts the
cut in rig_slow_consumer_disconnects_total and the events it had queued in
rig_dropped_events_total{reason="slow_consumer"}, and a reading subscriber of the same events
misses nothing.

Publishing goes in lockstep with the healthy reader (each event read before the next is
published), so nothing here waits on time.
"""

import struct
import unittest

from rig_harness import Rig, SseClient, WsClient, make_event, subscriptions_query

QUEUE = 65536
PAD = "x" * 16000  # four events fill the queue once the kernel's buffers are full
SLOW = "rig_slow_consumer_disconnects_total"
DROPPED = 'rig_dropped_events_total{reason="slow_consumer"}'


class NeverReads(unittest.TestCase):
    def run_until_cut(self, rig, healthy):
        """Publishes big events in lockstep with `healthy` until a slow consumer is cut; returns
        how many were published."""
        before = rig.metrics()
        for i in range(2000):
            status, _, body = rig.publish(make_event("slow.big", str(i), data={"pad": PAD}))
            self.assertEqual(status, 202, body)
            ev = healthy.next_event()
            self.assertEqual(ev["id"], str(i))
            self.assertEqual(ev["data"]["pad"], PAD)
            if i % 8 == 7 and rig.metrics().get(SLOW, 0.0) > before.get(SLOW, 0.0):
                break
        else:
            self.fail("the subscriber that never reads was never cut off")
        after = rig.metrics()
        self.assertEqual(after[SLOW], before.get(SLOW, 0.0) + 1)
        # The events queued for it when it was cut are counted as dropped, and at least the
        # queue's worth of them.
        self.assertGreaterEqual(after[DROPPED] - before.get(DROPPED, 0.0),
                                QUEUE // len(PAD) - 1)
        # The healthy subscriber goes on receiving.
        for j in range(i + 1, i + 4):
            self.assertEqual(rig.publish(make_event("slow.big", str(j)))[0], 202)
            self.assertEqual(healthy.next_event()["id"], str(j))
        return i + 1

    def test_sse_subscriber_that_never_reads_is_cut_off(self):
        with Rig(env={"RIG_MAX_QUEUE_BYTES": str(QUEUE)}) as rig:
            stalled = SseClient(rig, subscriptions_query("slow.big"), rcvbuf=4096)
            self.assertEqual(stalled.status, 200)
            healthy = SseClient(rig, subscriptions_query("slow.big"))
            healthy.connect_events()
            published = self.run_until_cut(rig, healthy)
            # Read at last: what it gets are whole events in order, then the end of the stream.
            stalled.connect_events()
            last = -1
            with self.assertRaises(EOFError):
                while True:
                    ev = stalled.next_event()
                    self.assertEqual(int(ev["id"]), last + 1)
                    last = int(ev["id"])
            self.assertLess(last, published - 1)
            stalled.close()
            healthy.close()
            rig.wait_metric('rig_connections{transport="sse"}', 0)

    def test_websocket_subscriber_that_never_reads_is_closed_with_1008(self):
        with Rig(env={"RIG_MAX_QUEUE_BYTES": str(QUEUE)}) as rig:
            stalled = WsClient(rig, subscriptions_query("slow.big"), rcvbuf=4096)
            healthy = SseClient(rig, subscriptions_query("slow.big"))
            healthy.connect_events()
            self.run_until_cut(rig, healthy)
            # Everything it was sent, then a close frame with 1008 (policy violation).
            code = None
            while code is None:
                opcode, payload = stalled.recv_frame()
                if opcode == 0x8:
                    code = struct.unpack("!H", payload[:2])[0]
            self.assertEqual(code, 1008)
            stalled.close()
            healthy.close()
            rig.wait_metric('rig_connections{transport="ws"}', 0)


if __name__ == "__main__":
    unittest.main()
