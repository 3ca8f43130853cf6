"""Regression tests, one per defect found in review, named after what went wrong."""

import json
import socket
import unittest

from rig_harness import (Conn, LongPollClient, Rig, SseClient, WsClient, make_event, quote,
                         read_response_head)

SLOW = "rig_slow_consumer_disconnects_total"
WS_GAUGE = 'rig_connections{transport="ws"}'


class Regressions(unittest.TestCase):
    def test_shutdown_with_a_request_body_in_flight_exits_cleanly(self):
        # A session still reading a body at SIGTERM used to crash the process at exit (its
        # coroutine frame was destroyed after the shard state it referred to).
        rig = Rig(env={"RIG_DRAIN_TIMEOUT_MS": "300"}, shards=1).start()
        try:
            conn = Conn(rig.port)
            conn.send(b"POST /_rig/v1/events HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
            # The request is known to be in flight once a second request on another
            # connection has been answered (requests on one shard are served in order).
            self.assertEqual(rig.request("GET", "/_rig/health")[0], 200)
        finally:
            self.assertEqual(rig.stop(), 0)
        conn.close()

    def test_ws_slow_consumer_that_stops_reading_is_cut_off(self):
        # The close frame of a slow consumer waited forever behind a write that could not
        # complete; the connection (and its memory) stayed until the process ended.
        env = {"RIG_MAX_QUEUE_BYTES": "65536", "RIG_HEARTBEAT_INTERVAL_MS": "200"}
        subs = "subscriptions=" + quote([{"eventType": "big"}])
        with Rig(env=env) as rig:
            slow = WsClient(rig, query=subs)
            slow.conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            slow.connect_events()
            pad = "x" * 60000
            for i in range(200):
                self.assertEqual(rig.publish(make_event("big", str(i), data={"pad": pad}))[0], 202)
                if rig.metrics().get(SLOW, 0) > 0:
                    break
            rig.wait_metric(SLOW, lambda v: v >= 1)
            # Within the close grace (5 s) the connection is gone, though the client never
            # read a byte.
            rig.wait_metric(WS_GAUGE, 0, timeout=15)
            slow.close()

    def test_one_event_larger_than_the_queue_limit_is_still_delivered(self):
        # An event whose frame exceeded RIG_MAX_QUEUE_BYTES disconnected every subscriber.
        env = {"RIG_MAX_QUEUE_BYTES": "2048"}
        subs = "subscriptions=" + quote([{"eventType": "large"}])
        with Rig(env=env) as rig:
            sse = SseClient(rig, query=subs)
            sse.connect_events()
            ws = WsClient(rig, query=subs)
            ws.connect_events()
            event = make_event("large", "1", data={"pad": "y" * 50000})
            status, _, body = rig.publish(event)
            self.assertEqual(status, 202)
            self.assertEqual(sse.next_event()["data"], event["data"])
            self.assertEqual(ws.next_event()["data"], event["data"])
            self.assertEqual(rig.metrics().get(SLOW, 0), 0)
            sse.close()
            ws.close()

    def test_subscription_set_size_is_bounded(self):
        # POST adds to the set; without a size bound, each change put the whole (growing) set
        # into the long-poll buffer again.
        env = {"RIG_MAX_SUBSCRIPTION_BYTES": "4096"}
        with Rig(env=env) as rig:
            lp = LongPollClient(rig)
            status, _, _ = lp.get()
            self.assertEqual(status, 200)
            token = lp.cookies["connection_token"]
            path = "/_rig/v1/connection/longpolling/%s/subscriptions" % token
            big = [{"eventType": "t%d" % i, "oneOf": [{"k": "v" * 100}]} for i in range(10)]
            status, _, body = rig.request("POST", path, {"subscriptions": big})
            self.assertEqual(status, 201, body)
            more = [{"eventType": "u%d" % i, "oneOf": [{"k": "v" * 100}]} for i in range(40)]
            status, _, body = rig.request("POST", path, {"subscriptions": more})
            self.assertEqual(status, 400, body)
            self.assertIn("RIG_MAX_SUBSCRIPTION_BYTES", json.loads(body)["error"])
            # The connection keeps its previous set.
            events = lp.poll()["events"]
            self.assertEqual(len(events[-1]["data"]), 10)

    def test_expect_100_continue_is_case_insensitive(self):
        with Rig() as rig:
            conn = Conn(rig.port)
            body = json.dumps(make_event("x", "1")).encode()
            conn.send(b"POST /_rig/v1/events HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\n"
                      b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
            self.assertEqual(read_response_head(conn)[0], 100)
            conn.send(body)
            self.assertEqual(read_response_head(conn)[0], 202)
            conn.close()


if __name__ == "__main__":
    unittest.main()
