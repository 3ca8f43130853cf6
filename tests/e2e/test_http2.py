"""HTTP/2: ALPN "h2" on the HTTPS ports and h2c with prior knowledge on the plain ports.

Contract (rig's extension; RIG 3.0 served HTTP/2 through cowboy): every inbound and internal
endpoint works over h2 as over HTTP/1.1, with the same JSON error bodies. An SSE connection is
one HTTP/2 stream (no chunked framing), so one browser connection carries many EventSources:
SETTINGS_MAX_CONCURRENT_STREAMS is RIG_H2_MAX_STREAMS (default 128). A client's RST_STREAM ends
that stream's rig connection (its token then answers 410) and nothing else. A stream whose
flow-control window the client keeps closed holds its events in its own queue, bounded by
RIG_MAX_QUEUE_BYTES, and is then reset as a slow consumer, while the other streams of its TCP
connection go on. SIGTERM sends GOAWAY and ends open streams with END_STREAM. The WebSocket
endpoint answers 400 over h2 (no RFC 8441). Too large bodies and header lists get 413 and 431.

All clients are rig_harness.H2Client (python3-h2); every wait reads frames until the expected
one arrives or the harness timeout passes.
"""

import json
import unittest

from h2.settings import SettingCodes

from rig_harness import (check_json_error, Conn, H2Client, KeepAlivePublisher, make_event, make_jwt,
                         quote, Rig, SharedRigTestCase, subscriptions_query, tls_context,
                         wait_until)

SECRET = "h2-secret"
SSE_GAUGE = 'rig_connections{transport="sse"}'
SLOW = "rig_slow_consumer_disconnects_total"
BATCH = "application/cloudevents-batch+json"
MAX_BODY = 16384
MAX_HEADER = 4096
MAX_QUEUE = 16384
H2 = tls_context(("h2",))


def subs_path(token, kind="sse"):
    return "/_rig/v1/connection/%s/%s/subscriptions" % (kind, token)


class H2TestCase(SharedRigTestCase):
    https = True
    env = {"JWT_SECRET_KEY": SECRET, "RIG_MAX_BODY_BYTES": str(MAX_BODY),
           "RIG_MAX_HEADER_BYTES": str(MAX_HEADER), "RIG_MAX_QUEUE_BYTES": str(MAX_QUEUE)}

    def client(self, api=False, tls=H2):
        c = H2Client(self.rig.port_for(api, tls), tls=tls)
        self.addCleanup(c.close)
        return c

    def streams(self, c, n, query=""):
        """`n` SSE streams on `c`, each past its two rig events (their tokens in .token)."""
        streams = [c.sse(query) for _ in range(n)]
        for st in streams:
            self.assertEqual(st.wait_head(), 200, st.data)
            st.connect_events()
        return streams

    def publish(self, c, event, path="/_rig/v1/events"):
        status, _, body = c.fetch("POST", path, event)
        self.assertEqual(status, 202, body)
        return body

    def no_sse_connections(self):
        """Waits until earlier tests' connections are gone, so that gauges can be compared."""
        self.rig.wait_metric(SSE_GAUGE, 0)


class Streams(H2TestCase):
    def test_fifty_streams_on_one_connection_then_one_reset(self):
        self.no_sse_connections()
        c = self.client()
        streams = self.streams(c, 50, subscriptions_query("fifty"))
        self.rig.wait_metric(SSE_GAUGE, 50)
        self.publish(c, make_event("fifty", "f1"))
        for st in streams:
            self.assertEqual(st.next_event()["id"], "f1")

        gone, rest = streams[0], streams[1:]
        c.reset(gone)
        self.rig.wait_metric(SSE_GAUGE, 49)
        # The reset connection's token is refused (410) within the harness timeout.
        wait_until(lambda: self.rig.request("PUT", subs_path(gone.token),
                                            {"subscriptions": []})[0] == 410,
                   what="410 for the reset stream's token")
        self.publish(c, make_event("fifty", "f2"))
        for st in rest:
            self.assertEqual(st.next_event()["id"], "f2")
        status, _, body = c.fetch("PUT", subs_path(rest[0].token), {"subscriptions": []})
        self.assertEqual(status, 204, body)

    def test_a_hundred_concurrent_streams(self):
        c = self.client()
        self.assertGreaterEqual(c.remote_setting(SettingCodes.MAX_CONCURRENT_STREAMS), 100)
        streams = self.streams(c, 100, subscriptions_query("hundred"))
        self.publish(c, make_event("hundred", "h1"))
        for st in streams:
            self.assertEqual(st.next_event()["id"], "h1")

    def test_sse_is_a_plain_stream(self):
        c = self.client()
        st = c.sse(subscriptions_query("plain"))
        self.assertEqual(st.wait_head(), 200)
        self.assertEqual(st.headers["content-type"], "text/event-stream; charset=utf-8")
        self.assertEqual(st.headers["cache-control"], "no-cache")
        self.assertNotIn("transfer-encoding", st.headers)
        c.pump(lambda: b"\n\n" in st.data, what="the first SSE message")
        self.assertTrue(st.data.startswith(b"event: rig.connection.create\n"), st.data[:40])
        st.connect_events()

    def test_slow_stream_does_not_stall_its_neighbours(self):
        c = self.client()
        query = subscriptions_query("bulk")
        slow, fast = self.streams(c, 2, query)
        slow_before = self.rig.metrics().get(SLOW, 0)
        c.hold(slow)
        # 40 events of 4 kB: far more than the slow stream's window (64 kB) plus its queue
        # (16 kB). Each is published once the fast stream has the previous one, so that only
        # the held stream ever has a backlog.
        pad = "x" * 4000
        with KeepAlivePublisher(self.rig) as pub:
            for i in range(40):
                status, body = pub.publish(make_event("bulk", "b%d" % i, data=pad))
                self.assertEqual(status, 202, body)
                self.assertEqual(fast.next_event()["id"], "b%d" % i)
        c.pump(slow.over, what="the slow stream's end")
        self.assertIsNotNone(slow.reset, "a slow consumer's stream is reset, not ended")
        self.rig.wait_metric(SLOW, slow_before + 1)
        # What the slow stream did get is a prefix of the events, in order.
        received = []
        try:
            while True:
                received.append(slow.next_event()["id"])
        except EOFError:
            pass
        self.assertEqual(received, ["b%d" % i for i in range(len(received))])
        self.assertLess(len(received), 40)
        # The connection and its other stream are still in service.
        self.publish(c, make_event("bulk", "after"))
        self.assertEqual(fast.next_event()["id"], "after")


class Endpoints(H2TestCase):
    def test_subscriptions_put_and_post(self):
        c = self.client()
        (st,) = self.streams(c, 1)
        status, _, body = c.fetch("PUT", subs_path(st.token),
                                  {"subscriptions": [{"eventType": "h2.put"}]})
        self.assertEqual((status, body), (204, b""))
        self.assertEqual(st.next_event()["data"], [{"eventType": "h2.put", "oneOf": []}])
        status, hdrs, body = c.fetch("POST", subs_path(st.token),
                                     {"subscriptions": [{"eventType": "h2.post"}]})
        self.assertEqual(status, 201, body)
        self.assertTrue(hdrs["content-type"].startswith("application/json"), hdrs)
        both = [{"eventType": "h2.put", "oneOf": []}, {"eventType": "h2.post", "oneOf": []}]
        self.assertEqual(json.loads(body), {"subscriptions": both})
        self.assertEqual(st.next_event()["data"], both)
        self.publish(c, make_event("h2.put", "p1"))
        self.publish(c, make_event("h2.post", "p2"))
        self.assertEqual(st.next_event()["id"], "p1")
        self.assertEqual(st.next_event()["id"], "p2")

    def test_publish_single_and_batch(self):
        c = self.client()
        (st,) = self.streams(c, 1, subscriptions_query("h2.pub"))
        body = self.publish(c, make_event("h2.pub", "s1", version="1.0"))
        self.assertEqual(json.loads(body)["id"], "s1")
        batch = [make_event("h2.pub", "b%d" % i, version="1.0") for i in range(3)]
        status, hdrs, body = c.fetch("POST", "/_rig/v1/events", json.dumps(batch),
                                     {"content-type": BATCH})
        self.assertEqual(status, 202, body)
        self.assertEqual([e["id"] for e in json.loads(body)], ["b0", "b1", "b2"])
        self.assertEqual([st.next_event()["id"] for _ in range(4)], ["s1", "b0", "b1", "b2"])

    def test_health_and_internal_api(self):
        c = self.client()
        status, hdrs, body = c.fetch("GET", "/_rig/health")
        self.assertEqual((status, body), (200, b"OK"))
        self.assertEqual(hdrs["content-type"], "text/plain; charset=utf-8")
        (st,) = self.streams(c, 1, subscriptions_query("h2.api"))

        api = self.client(api=True)
        self.assertEqual(api.fetch("GET", "/health")[::2], (200, b"OK"))
        status, _, body = api.fetch("GET", "/metrics")
        self.assertEqual(status, 200, body)
        self.assertIn("rig_connections{transport=\"sse\"}", body.decode())
        self.publish(api, make_event("h2.api", "i1"), path="/v3/messages")
        self.assertEqual(st.next_event()["id"], "i1")

    def test_blacklist_kills_an_h2_stream_only(self):
        c = self.client()
        jwt = make_jwt({"jti": "h2-victim"}, secret=SECRET)
        query = "jwt=%s&%s" % (quote(jwt), subscriptions_query("h2.bl"))
        (victim,) = self.streams(c, 1, query)
        (bystander,) = self.streams(c, 1, subscriptions_query("h2.bl"))
        api = self.client(api=True)
        status, _, body = api.fetch("POST", "/v3/session-blacklist",
                                    {"sessionId": "h2-victim", "validityInSeconds": 60})
        self.assertEqual(status, 201, body)
        self.assertEqual(victim.next_event()["type"], "rig.session_killed")
        c.pump(victim.over, what="the killed stream's end")
        self.assertTrue(victim.ended and victim.reset is None, "ends with END_STREAM")
        self.publish(c, make_event("h2.bl", "after"))
        self.assertEqual(bystander.next_event()["id"], "after")

    def test_websocket_endpoint_is_400(self):
        c = self.client()
        self.assertNotEqual(c.remote_setting(SettingCodes.ENABLE_CONNECT_PROTOCOL), 1)
        status, hdrs, body = c.fetch("GET", "/_rig/v1/connection/ws")
        check_json_error(self, status, hdrs, body, 400)

    def test_too_large_body_and_headers(self):
        c = self.client()
        status, hdrs, body = c.fetch("POST", "/_rig/v1/events", "x" * (MAX_BODY + 1),
                                     {"content-type": "application/json"})
        check_json_error(self, status, hdrs, body, 413)
        status, hdrs, body = c.fetch("GET", "/_rig/health", headers={"x-big": "y" * MAX_HEADER})
        check_json_error(self, status, hdrs, body, 431)
        self.assertEqual(c.fetch("GET", "/_rig/health")[::2], (200, b"OK"))


class PriorKnowledge(SharedRigTestCase):
    """h2c: the HTTP/2 preface on a plain port."""

    def test_public_port(self):
        c = H2Client(self.rig.port)
        self.addCleanup(c.close)
        st = c.sse(subscriptions_query("h2c"))
        self.assertEqual(st.wait_head(), 200)
        st.connect_events()
        status, _, body = c.fetch("POST", "/_rig/v1/events", make_event("h2c", "c1"))
        self.assertEqual(status, 202, body)
        self.assertEqual(st.next_event()["id"], "c1")

    def test_internal_port(self):
        c = H2Client(self.rig.api_port)
        self.addCleanup(c.close)
        self.assertEqual(c.fetch("GET", "/health")[::2], (200, b"OK"))


class Settings(unittest.TestCase):
    def test_max_streams_setting(self):
        with Rig(https=True, env={"RIG_H2_MAX_STREAMS": "8"}) as rig:
            c = H2Client(rig.https_port, tls=H2)
            self.addCleanup(c.close)
            self.assertEqual(c.remote_setting(SettingCodes.MAX_CONCURRENT_STREAMS), 8)

    def test_h2c_off(self):
        with Rig(env={"RIG_H2C": "false"}) as rig:
            # Without h2c the preface is a bad HTTP/1.1 request: an HTTP/1.1 answer, no SETTINGS.
            conn = Conn(rig.port)
            self.addCleanup(conn.close)
            conn.send(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
            self.assertEqual(conn.read_exact(9), b"HTTP/1.1 ")

    def test_http2_off(self):
        with Rig(https=True, env={"RIG_HTTP2": "false"}) as rig:
            ctx = tls_context(("h2", "http/1.1"))
            status, _, body = rig.request("GET", "/_rig/health", tls=ctx)
            self.assertEqual((status, body), (200, b"OK"))
            with self.assertRaisesRegex(AssertionError, "ALPN selected 'http/1.1'"):
                H2Client(rig.https_port, tls=ctx)


class Shutdown(unittest.TestCase):
    def test_sigterm_sends_goaway_and_ends_streams(self):
        with Rig(https=True) as rig:
            c = H2Client(rig.https_port, tls=H2)
            self.addCleanup(c.close)
            streams = [c.sse() for _ in range(3)]
            for st in streams:
                st.connect_events()
            rig.terminate()
            c.pump(lambda: c.goaway is not None and all(st.over() for st in streams),
                   what="GOAWAY and the end of every stream")
            self.assertEqual(c.goaway.error_code, 0)
            for st in streams:
                self.assertTrue(st.ended and st.reset is None, "ends with END_STREAM")
            self.assertEqual(rig.stop(), 0)


if __name__ == "__main__":
    unittest.main()
