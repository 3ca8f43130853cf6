"""HTTPS with HTTP/1.1: rig's own TLS listeners (HTTPS_CERTFILE, HTTPS_KEYFILE) on
INBOUND_HTTPS_PORT and API_HTTPS_PORT beside the plain ports (spec §1, §7, §12.1).

Contract: over TLS every endpoint behaves as over plain HTTP — SSE, wss://, long polling,
subscription PUT/POST, event submission (single and batch) and the internal API, including the
blacklist that kills a TLS connection with rig.session_killed. Clients that offer ALPN
"http/1.1" and clients that offer no ALPN at all get HTTP/1.1. The plain ports serve at the same
time and share the same connections index (an event reaches plain and TLS subscribers alike). A
client that speaks plain HTTP to the TLS port, or stops in the middle of its handshake, affects
no one else. SIGTERM with TLS streams open ends them and exits 0.

Clients verify rig's certificate against the fixture (tests/fixtures/tls/rsa-cert.pem, its own
CA) and its name. Every wait is a read with the harness timeout.
"""

import json
import unittest

from rig_harness import (Conn, LongPollClient, make_event, make_jwt, quote, Rig, SharedRigTestCase,
                         SseClient, subscriptions_query, tls_context, WsClient)

SECRET = "https-secret"
BATCH = "application/cloudevents-batch+json"
# ALPN "http/1.1", and no ALPN extension at all: both must end up in HTTP/1.1.
CONTEXTS = {"http/1.1": tls_context(("http/1.1",)), None: tls_context(None)}
TLS = CONTEXTS["http/1.1"]
# A TLS record header announcing a 512-byte ClientHello that never comes.
STALLED_HELLO = b"\x16\x03\x01\x02\x00\x01"


class HttpsTestCase(SharedRigTestCase):
    https = True
    env = {"JWT_SECRET_KEY": SECRET}
    counter = 0

    def etype(self, label):
        """An event type no other test subscribes to."""
        type(self).counter += 1
        return "https.%s.%d" % (label, type(self).counter)

    def sse(self, query="", tls=TLS):
        client = SseClient(self.rig, query, tls=tls)
        self.addCleanup(client.close)
        self.assertEqual(client.status, 200, client.body)
        client.connect_events()
        return client

    def publish(self, event, tls=TLS, api=False):
        status, _, body = self.rig.publish(event, api=api, tls=tls)
        self.assertEqual(status, 202, body)


class Transports(HttpsTestCase):
    def test_sse(self):
        for alpn, ctx in CONTEXTS.items():
            with self.subTest(alpn=alpn):
                etype = self.etype("sse")
                client = self.sse(subscriptions_query(etype), tls=ctx)
                self.assertEqual(client.conn.sock.selected_alpn_protocol(), alpn)
                self.assertEqual(client.headers["transfer-encoding"], "chunked")
                self.publish(make_event(etype, "s1"), tls=ctx)
                self.assertEqual(client.next_event()["id"], "s1")

    def test_wss_receive_and_close_handshake(self):
        for alpn, ctx in CONTEXTS.items():
            with self.subTest(alpn=alpn):
                etype = self.etype("ws")
                ws = WsClient(self.rig, subscriptions_query(etype), tls=ctx)
                self.addCleanup(ws.close)
                self.assertEqual(ws.status, 101)
                ws.connect_events()
                self.publish(make_event(etype, "w1"), tls=ctx)
                self.assertEqual(ws.next_event()["id"], "w1")
                ws.send_frame(0x8, b"\x03\xe8")  # close 1000
                opcode, payload = ws.recv_frame()
                self.assertEqual((opcode, payload[:2]), (0x8, b"\x03\xe8"))
                self.assertTrue(ws.conn.at_eof())

    def test_long_polling(self):
        for alpn, ctx in CONTEXTS.items():
            with self.subTest(alpn=alpn):
                etype = self.etype("lp")
                lp = LongPollClient(self.rig, tls=ctx)
                status, _, body = lp.get(subscriptions_query(etype))
                self.assertEqual((status, json.loads(body)), (200, "ok"))
                self.assertEqual([e["type"] for e in lp.poll()["events"]],
                                 ["rig.connection.create", "rig.subscriptions_set"])
                self.publish(make_event(etype, "l1"), tls=ctx)
                self.assertEqual([e["id"] for e in lp.poll()["events"]], ["l1"])

    def test_subscriptions_put_and_post(self):
        put_type, post_type = self.etype("put"), self.etype("post")
        client = self.sse()
        path = "/_rig/v1/connection/sse/%s/subscriptions" % client.token
        status, _, body = self.rig.request("PUT", path,
                                           {"subscriptions": [{"eventType": put_type}]}, tls=TLS)
        self.assertEqual((status, body), (204, b""))
        self.assertEqual(client.next_event()["data"], [{"eventType": put_type, "oneOf": []}])
        status, _, body = self.rig.request("POST", path,
                                           {"subscriptions": [{"eventType": post_type}]}, tls=TLS)
        self.assertEqual(status, 201, body)
        both = [{"eventType": put_type, "oneOf": []}, {"eventType": post_type, "oneOf": []}]
        self.assertEqual(json.loads(body), {"subscriptions": both})
        self.assertEqual(client.next_event()["data"], both)
        self.publish(make_event(put_type, "p1"))
        self.publish(make_event(post_type, "p2"))
        self.assertEqual([client.next_event()["id"] for _ in range(2)], ["p1", "p2"])

    def test_publish_single_and_batch(self):
        etype = self.etype("pub")
        client = self.sse(subscriptions_query(etype))
        self.publish(make_event(etype, "one", version="1.0"))
        batch = [make_event(etype, "b%d" % i, version="1.0") for i in range(3)]
        status, _, body = self.rig.request("POST", "/_rig/v1/events", json.dumps(batch),
                                           {"Content-Type": BATCH}, tls=TLS)
        self.assertEqual(status, 202, body)
        self.assertEqual([e["id"] for e in json.loads(body)], ["b0", "b1", "b2"])
        self.assertEqual([client.next_event()["id"] for _ in range(4)], ["one", "b0", "b1", "b2"])


class InternalApi(HttpsTestCase):
    def test_health_metrics_and_messages(self):
        status, _, body = self.rig.request("GET", "/health", api=True, tls=TLS)
        self.assertEqual((status, body), (200, b"OK"))
        etype = self.etype("api")
        client = self.sse(subscriptions_query(etype))
        self.assertGreaterEqual(self.rig.metrics(tls=TLS)['rig_connections{transport="sse"}'], 1)
        self.publish(make_event(etype, "m1"), api=True)
        self.assertEqual(client.next_event()["id"], "m1")

    def test_blacklist_kills_a_tls_stream(self):
        etype = self.etype("bl")
        jwt = make_jwt({"jti": "tls-victim"}, secret=SECRET)
        victim = self.sse("jwt=%s&%s" % (quote(jwt), subscriptions_query(etype)))
        bystander = self.sse(subscriptions_query(etype))
        status, _, body = self.rig.request(
            "POST", "/v3/session-blacklist", {"sessionId": "tls-victim", "validityInSeconds": 60},
            api=True, tls=TLS)
        self.assertEqual(status, 201, body)
        self.assertEqual(victim.next_event()["type"], "rig.session_killed")
        self.assertTrue(victim.ends_within())
        self.publish(make_event(etype, "after"))
        self.assertEqual(bystander.next_event()["id"], "after")


class Neighbours(HttpsTestCase):
    def test_plain_and_tls_ports_together(self):
        etype = self.etype("both")
        plain = self.sse(subscriptions_query(etype), tls=None)
        secure = self.sse(subscriptions_query(etype))
        for i, tls in enumerate((None, TLS)):
            self.publish(make_event(etype, "e%d" % i), tls=tls)
            self.assertEqual(plain.next_event()["id"], "e%d" % i)
            self.assertEqual(secure.next_event()["id"], "e%d" % i)

    def assert_others_served(self, streaming, etype, label):
        """The open TLS stream still receives, and new plain and TLS requests are served."""
        self.publish(make_event(etype, label))
        self.assertEqual(streaming.next_event()["id"], label)
        for tls in (None, TLS):
            self.assertEqual(self.rig.request("GET", "/_rig/health", tls=tls)[::2],
                             (200, b"OK"))

    def test_plain_http_on_the_tls_port(self):
        etype = self.etype("plain-on-tls")
        streaming = self.sse(subscriptions_query(etype))
        conn = Conn(self.rig.https_port)
        self.addCleanup(conn.close)
        conn.send(b"GET /_rig/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        # nginx would answer 400 in plain text; rig just closes (FIN or RST).
        self.assertTrue(conn.at_eof(or_reset=True),
                        "rig closes a connection that does not speak TLS")
        self.assertNotIn(b"HTTP/1.1", conn.buf)
        self.assert_others_served(streaming, etype, "after-plain")

    def test_stalled_handshakes(self):
        etype = self.etype("stalled")
        streaming = self.sse(subscriptions_query(etype))
        stalled = [Conn(self.rig.https_port) for _ in range(6)]
        for i, conn in enumerate(stalled):
            self.addCleanup(conn.close)
            if i % 2:
                conn.send(STALLED_HELLO)
        self.assert_others_served(streaming, etype, "after-stall")
        self.sse(subscriptions_query(etype))  # and a new TLS stream connects


class HandshakeTimeout(unittest.TestCase):
    def test_stalled_handshake_is_closed(self):
        # RIG_TLS_HANDSHAKE_TIMEOUT_MS bounds a handshake; the wait allows 25 times that.
        with Rig(https=True, env={"RIG_TLS_HANDSHAKE_TIMEOUT_MS": "200"}) as rig:
            conn = Conn(rig.https_port)
            self.addCleanup(conn.close)
            conn.send(STALLED_HELLO)
            self.assertTrue(conn.at_eof(timeout=5, or_reset=True))


class Shutdown(unittest.TestCase):
    def test_sigterm_with_tls_streams_open(self):
        with Rig(https=True) as rig:
            sse = SseClient(rig, tls=TLS)
            self.addCleanup(sse.close)
            sse.connect_events()
            ws = WsClient(rig, tls=TLS)
            self.addCleanup(ws.close)
            ws.connect_events()
            rig.terminate()
            self.assertTrue(sse.ends_within(), "the TLS SSE stream did not end")
            self.assertEqual(ws.expect_close(), (1001, "Server shutting down."))
            self.assertEqual(rig.stop(), 0)

    def test_sigterm_does_not_wait_for_stalled_handshakes(self):
        # Both timeouts exceed the wait below: the drain has to close the connection itself.
        env = {"RIG_TLS_HANDSHAKE_TIMEOUT_MS": "60000", "RIG_DRAIN_TIMEOUT_MS": "60000"}
        with Rig(https=True, env=env) as rig:
            conn = Conn(rig.https_port)
            self.addCleanup(conn.close)
            conn.send(STALLED_HELLO)
            self.assertEqual(rig.request("GET", "/_rig/health", tls=TLS)[0], 200)
            rig.terminate()
            self.assertTrue(conn.at_eof(timeout=5, or_reset=True),
                            "the drain left a connection in its TLS handshake open")
            self.assertEqual(rig.stop(), 0)


if __name__ == "__main__":
    unittest.main()
