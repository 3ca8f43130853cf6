"""Regression tests, one per defect found in review, named after what went wrong."""

import hashlib
import hmac
import json
import socket
import time
import unittest

from rig_harness import (Conn, LongPollClient, Rig, SseClient, WsClient, b64url, make_event,
                         quote, read_response_head)

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

    def test_jwt_claim_out_of_range_is_refused(self):
        # A claim 1e999 was read as infinity, and the inferred subscription was echoed in
        # rig.subscriptions_set as `Infinity`, which is not JSON.
        extractors = json.dumps({"greeting": {"name": {
            "stable_field_index": 0, "event": {"json_pointer": "/data/name"},
            "jwt": {"json_pointer": "/username"}}}})
        env = {"JWT_SECRET_KEY": "mysecret", "JWT_ALG": "HS256", "EXTRACTORS": extractors}
        head = b64url(b'{"alg":"HS256","typ":"JWT"}')
        claims = b64url(b'{"username":1e999,"exp":%d}' % (int(time.time()) + 3600))
        signing_input = head + "." + claims
        sig = hmac.new(b"mysecret", signing_input.encode(), hashlib.sha256).digest()
        token = signing_input + "." + b64url(sig)
        with Rig(env=env) as rig:
            sse = SseClient(rig, "jwt=" + quote(token))
            sse.close()
            self.assertEqual(sse.status, 400, sse.body)
            error = json.loads(sse.body)["error"]
            self.assertIn("could not decode JWT", error)
            self.assertIn("out of range", error)

    def test_absolute_form_target_is_routed_by_its_path(self):
        # RFC 9112 §3.2.2: a server MUST accept `GET http://host/path HTTP/1.1`; rig answered
        # 404 (the API gateway's) because it routed by the whole target.
        with Rig() as rig:
            base = "http://127.0.0.1:%d" % rig.port
            conn = Conn(rig.port)
            conn.send(("GET %s/_rig/health HTTP/1.1\r\nHost: elsewhere\r\n\r\n" % base).encode())
            self.assertEqual(read_response_head(conn)[0], 200)
            conn.read_exact(2)  # OK
            body = json.dumps(make_event("greeting", "abs-1")).encode()
            conn.send(("POST %s/_rig/v1/events HTTP/1.1\r\nHost: x\r\n"
                       "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                       % (base, len(body))).encode() + body)
            self.assertEqual(read_response_head(conn)[0], 202)
            conn.close()
            # The query of an absolute-form target is read too.
            sse = SseClient(rig, path=base + "/_rig/v1/connection/sse",
                            query="subscriptions=" + quote([{"eventType": "greeting"}]))
            self.assertEqual(sse.status, 200, sse.body)
            self.assertEqual(sse.connect_events()[1], [{"eventType": "greeting", "oneOf": []}])
            sse.close()


if __name__ == "__main__":
    unittest.main()
