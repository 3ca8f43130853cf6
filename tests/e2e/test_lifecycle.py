"""Process lifecycle and robustness: configuration errors, health, SIGTERM drain, the
connection rate limit (§2.13, §13.1 scenario 10), SSE heartbeats and query handling, slow SSE
consumers, metrics gauges, malformed and oversized requests, abrupt disconnects."""

import http.client
import json
import signal
import socket
import time
import unittest

from rig_harness import (Conn, KeepAlivePublisher, LongPollClient, Rig, SseClient, WsClient,
                         make_event, quote, read_response_head, rst_close,
                         run_rig_expecting_failure)

LP = "/_rig/v1/connection/longpolling"
SSE_GAUGE = 'rig_connections{transport="sse"}'
WS_GAUGE = 'rig_connections{transport="ws"}'
LP_GAUGE = 'rig_connections{transport="longpolling"}'
SLOW = "rig_slow_consumer_disconnects_total"
RATE_LIMITED = "Reached maximum number of connections"


def drain_sse(sse, timeout=10):
    """Reads the SSE stream until it ends; True if it ended (0-size chunk or EOF)."""
    try:
        while True:
            sse._next_chunk(timeout)
    except EOFError:
        return True
    except (TimeoutError, ConnectionResetError):
        return False


class Configuration(unittest.TestCase):
    def test_invalid_settings_exit_2_naming_the_variable(self):
        cases = {
            "INBOUND_PORT": "abc",
            "RIG_SHARDS": "0",
            "LOG_LEVEL": "loud",
            "EXTRACTORS": '{"a":1}',
            "JWT_ALG": "XX256",
            "API_HTTP_PORT": "70000",
            "MAX_CONNECTIONS_PER_MINUTE": "-1",
            "RIG_HEARTBEAT_INTERVAL_MS": "soon",
        }
        for name, value in cases.items():
            with self.subTest(variable=name, value=value):
                code, out, err = run_rig_expecting_failure({name: value})
                self.assertEqual(code, 2, "stdout=%r stderr=%r" % (out, err))
                lines = err.strip().splitlines()
                self.assertEqual(len(lines), 1, err)
                self.assertIn(name, lines[0])
                self.assertEqual(out, "", "no ready line may be written")


class Health(unittest.TestCase):
    def test_health_endpoints(self):
        with Rig() as rig:
            status, hdrs, body = rig.request("GET", "/_rig/health")
            self.assertEqual((status, body), (200, b"OK"))
            self.assertEqual(hdrs["content-type"], "text/plain; charset=utf-8")
            status, hdrs, body = rig.request("GET", "/health", api=True)
            self.assertEqual((status, body), (200, b"OK"))
            self.assertEqual(hdrs["content-type"], "text/plain; charset=utf-8")
            status, hdrs, body = rig.request("HEAD", "/_rig/health")
            self.assertEqual((status, body), (200, b""))
            self.assertEqual(hdrs["content-type"], "text/plain; charset=utf-8")

    def test_keep_alive_connection_serves_several_requests(self):
        with Rig() as rig:
            with KeepAlivePublisher(rig) as pub:
                for i in range(20):
                    status, body = pub.publish(make_event("nobody", str(i)))
                    self.assertEqual(status, 202, body)
                pub.conn.request("GET", "/_rig/health")
                resp = pub.conn.getresponse()
                self.assertEqual((resp.status, resp.read()), (200, b"OK"))


class Shutdown(unittest.TestCase):
    def test_sigterm_drains_open_streams_and_exits_0(self):
        # The drain timeout exceeds the harness' wait for the exit and the hold time exceeds
        # both: if rig waited for its clients instead of closing them, stop() would fail.
        env = {"RIG_LONGPOLL_HOLD_MS": "120000", "RIG_DRAIN_TIMEOUT_MS": "60000"}
        with Rig(env=env) as rig:
            sse = SseClient(rig, query="subscriptions=" + quote([{"eventType": "greeting"}]))
            sse.connect_events()
            lp = LongPollClient(rig)
            lp.get()
            lp.poll()  # consumes the two rig events; the next poll waits
            conn = Conn(rig.port)
            cookie = "; ".join("%s=%s" % kv for kv in lp.cookies.items())
            conn.send(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: %s\r\n\r\n"
                       % (LP, cookie)).encode())
            rig.wait_metrics(lambda m: m[SSE_GAUGE] == 1 and m[LP_GAUGE] == 1)

            self.assertEqual(rig.stop(), 0)

            self.assertTrue(drain_sse(sse), "the SSE stream did not end")
            sse.close()
            # The waiting poll is either answered (200 with a JSON body) or its connection
            # closed; it must not be left hanging. (When the drain overtakes the poll before
            # rig has read it, the close with unread data arrives as a reset; when rig reads it
            # after the drain began, it is refused with 503 like any new request then.)
            try:
                status, hdrs = read_response_head(conn)
            except (EOFError, ConnectionResetError):
                status = None
            if status == 503:
                self.assertTrue(hdrs["content-type"].startswith("application/json"), hdrs)
            elif status is not None:
                self.assertEqual(status, 200)
                body = json.loads(conn.read_exact(int(hdrs["content-length"])))
                self.assertEqual(body["events"], [])
            conn.close()

    def test_sighup_is_ignored(self):
        # A closed terminal or an ended ssh session sends SIGHUP: rig logs it and goes on
        # serving its connections (default action would kill it at once, without a drain).
        with Rig() as rig:
            sse = SseClient(rig, query="subscriptions=" + quote([{"eventType": "greeting"}]))
            sse.connect_events()
            rig.proc.send_signal(signal.SIGHUP)
            # Each round trip is a blocking request; the log line says sigwait took it.
            deadline = time.monotonic() + 10
            while "SIGHUP ignored" not in rig.stderr():
                self.assertLess(time.monotonic(), deadline, "no log line for SIGHUP")
                self.assertEqual(rig.request("GET", "/_rig/health")[0], 200)
            rig.publish({"specversion": "1.0", "type": "greeting", "source": "/t", "id": "hup"})
            self.assertEqual(sse.next_event()["id"], "hup")
            sse.close()
            self.assertEqual(rig.stop(), 0)

    def test_sigterm_with_idle_rig(self):
        with Rig() as rig:
            self.assertEqual(rig.stop(), 0)


class ConnectionCap(unittest.TestCase):
    """RIG_MAX_CONNECTIONS: public connections beyond the cap get 503 and a close, so that
    the internal API keeps file descriptors when clients take all they can."""

    @staticmethod
    def refused(sock):
        """True when rig answered the connection 503 or closed it without serving it."""
        sock.settimeout(10)
        try:
            data = sock.recv(4096)
        except ConnectionResetError:
            return True
        return data == b"" or data.startswith(b"HTTP/1.1 503")

    def test_connections_beyond_the_cap_get_503_and_the_internal_api_still_answers(self):
        with Rig(env={"RIG_MAX_CONNECTIONS": "2"}) as rig:
            held = [socket.create_connection(("127.0.0.1", rig.port)) for _ in range(2)]
            for s in held:  # a request each, so that both are surely accepted
                s.sendall(b"GET /_rig/health HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 200"))
            extra = socket.create_connection(("127.0.0.1", rig.port))
            extra.sendall(b"GET /_rig/health HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertTrue(self.refused(extra))
            extra.close()
            self.assertEqual(rig.request("GET", "/health", api=True)[0], 200)
            m = rig.metrics()
            self.assertEqual(m["rig_public_connections_limit"], 2)
            self.assertGreaterEqual(m['rig_connections_refused_total{reason="max_connections"}'], 1)
            held.pop().close()
            # The closed one's share comes back once rig has seen the close.
            deadline = time.monotonic() + 10
            while True:
                try:
                    if rig.request("GET", "/_rig/health")[0] == 200:
                        break
                except (ConnectionError, http.client.HTTPException):
                    pass  # refused: rig has not yet seen the close
                self.assertLess(time.monotonic(), deadline, "the cap never freed up")
            for s in held:
                s.close()

    def test_out_of_descriptors_the_internal_api_still_answers(self):
        # 256 descriptors: the default cap keeps 100 back. 300 idle public connections would
        # take every descriptor without it, and /health on the internal port would hang.
        with Rig(fd_limit=256) as rig:
            held, served, refused = [], 0, 0
            for _ in range(300):
                # One at a time, each answered (200, kept open) or refused before the next:
                # without the cap, the first connection past the descriptor limit is never
                # accepted and its recv times out.
                s = socket.create_connection(("127.0.0.1", rig.port))
                held.append(s)
                s.sendall(b"GET /_rig/health HTTP/1.1\r\nHost: x\r\n\r\n")
                s.settimeout(10)
                try:
                    data = s.recv(4096)
                except ConnectionResetError:
                    data = b""
                if data.startswith(b"HTTP/1.1 200"):
                    served += 1
                else:
                    self.assertTrue(data == b"" or data.startswith(b"HTTP/1.1 503"), data)
                    refused += 1
            self.assertGreater(served, 100)
            self.assertGreater(refused, 0)
            status, _, body = rig.request("GET", "/health", api=True)
            self.assertEqual(status, 200, body)
            for s in held:
                s.close()
            self.assertIn("RIG_MAX_CONNECTIONS", rig.stderr())


class RateLimit(unittest.TestCase):
    """§13.1 scenario 10. The window is a fixed minute; if a run happens to straddle a window
    boundary the sixth connection may pass, so each transport gets a second fresh attempt."""

    def run_twice(self, scenario):
        outcome = None
        for _ in range(2):
            with Rig(env={"MAX_CONNECTIONS_PER_MINUTE": "5"}) as rig:
                outcome = scenario(rig)
            if outcome is None:
                return
        self.fail(outcome)

    def test_longpolling(self):
        def scenario(rig):
            clients = []
            for i in range(5):
                lp = LongPollClient(rig)
                status, hdrs, body = lp.get()
                self.assertEqual(status, 200, "connect %d: %r" % (i + 1, body))
                clients.append(lp)
            status, hdrs, body = LongPollClient(rig).get()
            if status == 200:
                return "sixth long-polling connect was accepted"
            self.assertEqual(status, 429, body)
            self.assertEqual(json.loads(body), {"error": RATE_LIMITED})
            self.assertNotIn("access-control-allow-origin", hdrs)
            self.assertNotIn("set-cookie", hdrs)
            # Existing sessions keep polling: a poll is not a new connection.
            self.assertEqual(len(clients[0].poll()["events"]), 2)
            return None
        self.run_twice(scenario)

    def test_sse(self):
        def scenario(rig):
            clients = []
            for i in range(5):
                sse = SseClient(rig)
                self.assertEqual(sse.status, 200, "connect %d: %r" % (i + 1, sse.body))
                sse.connect_events()
                clients.append(sse)
            sixth = SseClient(rig)
            for c in clients:
                c.close()
            if sixth.status == 200:
                sixth.close()
                return "sixth SSE connect was accepted"
            self.assertEqual(sixth.status, 429, sixth.body)
            self.assertEqual(json.loads(sixth.body), {"error": RATE_LIMITED})
            self.assertNotIn("access-control-allow-origin", sixth.headers)
            sixth.close()
            return None
        self.run_twice(scenario)

    def test_websocket(self):
        def scenario(rig):
            clients = []
            for i in range(5):
                ws = WsClient(rig)
                self.assertEqual(ws.status, 101)
                ws.connect_events()
                clients.append(ws)
            sixth = WsClient(rig)
            self.assertEqual(sixth.status, 101, "the upgrade always succeeds")
            opcode, payload = sixth.recv_frame()
            for c in clients:
                c.close()
            if opcode != 0x8:
                sixth.close()
                return "sixth WebSocket connect was accepted"
            self.assertEqual(int.from_bytes(payload[:2], "big"), 1000)
            self.assertEqual(payload[2:].decode(), "Bad request.")
            sixth.send_frame(0x8, payload[:2])
            sixth.close()
            return None
        self.run_twice(scenario)

    def test_limits_are_shared_by_all_transports(self):
        def scenario(rig):
            a, b = SseClient(rig), WsClient(rig)
            self.assertEqual(a.status, 200)
            a.connect_events()
            b.connect_events()
            for _ in range(3):
                self.assertEqual(LongPollClient(rig).get()[0], 200)
            sixth = SseClient(rig)
            a.close()
            b.close()
            if sixth.status == 200:
                sixth.close()
                return "sixth connection (mixed transports) was accepted"
            self.assertEqual(sixth.status, 429)
            sixth.close()
            return None
        self.run_twice(scenario)

    def test_zero_means_unlimited(self):
        with Rig(env={"MAX_CONNECTIONS_PER_MINUTE": "0"}) as rig:
            for _ in range(30):
                self.assertEqual(LongPollClient(rig).get()[0], 200)


class SseBehaviour(unittest.TestCase):
    def test_heartbeat_comments(self):
        with Rig(env={"RIG_HEARTBEAT_INTERVAL_MS": "300"}) as rig:
            sse = SseClient(rig, query="subscriptions=" + quote([{"eventType": "greeting"}]))
            sse.connect_events()
            self.assertEqual(sse._next_chunk(10), ": heartbeat\n\n")
            self.assertEqual(sse.next_comment(), "heartbeat")
            self.assertEqual(sse.next_comment(), "heartbeat")
            status, _, body = rig.publish(make_event("greeting", "after-heartbeats"))
            self.assertEqual(status, 202)
            self.assertEqual(sse.next_event(), json.loads(body))
            sse.close()

    def test_unknown_and_empty_query_params_are_ignored(self):
        with Rig() as rig:
            for query in ("foo=bar&x=1", "jwt=&subscriptions=", "jwt=&foo&subscriptions=&&=",
                          "subscriptions=%s&unused=%s" % (quote([{"eventType": "a"}]),
                                                          quote("{not json"))):
                with self.subTest(query=query):
                    sse = SseClient(rig, query=query)
                    self.assertEqual(sse.status, 200, sse.body)
                    _, subs = sse.connect_events()
                    expected = ([{"eventType": "a", "oneOf": []}] if "unused" in query else [])
                    self.assertEqual(subs, expected)
                    sse.close()

    def test_longpolling_empty_params(self):
        # §13.1 scenario 3
        with Rig() as rig:
            status, _, body = rig.request("GET", LP + "?jwt=&subscriptions=")
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body), "ok")

    def test_slow_sse_consumer_is_disconnected_and_others_keep_receiving(self):
        subs = "subscriptions=" + quote([{"eventType": "big"}])
        padding = "x" * 60000
        with Rig(env={"RIG_MAX_QUEUE_BYTES": "65536"}) as rig:
            slow = SseClient(rig, query=subs, rcvbuf=4096)
            slow.connect_events()
            reader = SseClient(rig, query=subs)
            reader.connect_events()
            before = rig.metrics().get(SLOW, 0.0)
            received = 0
            disconnected = False
            for i in range(400):
                status, _, body = rig.publish(make_event("big", str(i), data={"pad": padding}))
                self.assertEqual(status, 202)
                ev = reader.next_event()  # lockstep: the reader's queue stays short
                self.assertEqual(ev["id"], str(i))
                self.assertEqual(ev["data"]["pad"], padding)
                received += 1
                if i % 10 == 9 and rig.metrics().get(SLOW, 0.0) > before:
                    disconnected = True
                    break
            self.assertTrue(disconnected, "no slow-consumer disconnect after %d events" % received)
            for j in range(received, received + 5):
                self.assertEqual(rig.publish(make_event("big", str(j)))[0], 202)
                self.assertEqual(reader.next_event()["id"], str(j))
            rig.wait_metric(SSE_GAUGE, 1)
            self.assertEqual(rig.metrics()[SLOW], before + 1)
            # The slow client finds complete events in order, then the end of the stream.
            last = -1
            try:
                while True:
                    ev = slow.next_event(timeout=30)
                    self.assertEqual(int(ev["id"]), last + 1)
                    last = int(ev["id"])
            except EOFError:
                pass
            self.assertLess(last, received - 1)
            slow.close()
            reader.close()
            rig.wait_metric(SSE_GAUGE, 0)


class Metrics(unittest.TestCase):
    def test_gauges_rise_and_fall_with_connections(self):
        with Rig() as rig:
            m0 = rig.metrics()
            for name in (SSE_GAUGE, WS_GAUGE, LP_GAUGE, "rig_subscriptions_total"):
                self.assertEqual(m0[name], 0, name)
            sse = SseClient(rig, query="subscriptions=" + quote(
                [{"eventType": "m"}, {"eventType": "n"}]))
            sse.connect_events()
            ws = WsClient(rig, query="subscriptions=" + quote([{"eventType": "m"}]))
            ws.connect_events()
            lp = LongPollClient(rig)
            self.assertEqual(lp.get("subscriptions=" + quote([{"eventType": "m"}]))[0], 200)
            # A connection's subscriptions enter and leave the index in handlers of their own,
            # so each count is awaited with the gauges rather than read beside them.
            m = rig.wait_metrics(lambda m: (m[SSE_GAUGE], m[WS_GAUGE], m[LP_GAUGE],
                                            m["rig_subscriptions_total"]) == (1, 1, 1, 4))
            self.assertGreaterEqual(m["rig_connections_opened_total"],
                                    m0.get("rig_connections_opened_total", 0) + 3)

            status, _, body = rig.publish(make_event("m", "m-1"))
            self.assertEqual(status, 202)
            self.assertEqual(sse.next_event()["id"], "m-1")
            self.assertEqual(ws.next_event()["id"], "m-1")
            m2 = rig.wait_metrics(lambda x: x["rig_event_deliveries_total"]
                                  >= m["rig_event_deliveries_total"] + 3)
            self.assertEqual(m2["rig_events_published_total"],
                             m["rig_events_published_total"] + 1)
            self.assertEqual(m2["rig_event_deliveries_total"],
                             m["rig_event_deliveries_total"] + 3)

            sse.close()
            m = rig.wait_metrics(lambda m: (m[SSE_GAUGE], m["rig_subscriptions_total"]) == (0, 2))
            self.assertEqual(m[WS_GAUGE], 1)
            ws.send_frame(0x8, (1000).to_bytes(2, "big"))
            ws.close()
            m = rig.wait_metrics(lambda m: (m[WS_GAUGE], m["rig_subscriptions_total"]) == (0, 1))
            self.assertEqual(m[LP_GAUGE], 1)


class Robustness(unittest.TestCase):
    def test_malformed_requests_get_400_and_rig_keeps_serving(self):
        garbage = [
            b"\x00\x01\x02\xff garbage\r\n\r\n",
            b"this is not http\r\n\r\n",
            b"GET /_rig/health HTTP/1.1\r\nHost: x\r\nno colon in this header\r\n\r\n",
            b"POST /_rig/v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
            b"POST /_rig/v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"zz\r\n",
        ]
        with Rig() as rig:
            for data in garbage:
                with self.subTest(data=data):
                    conn = Conn(rig.port)
                    conn.send(data)
                    status, hdrs = read_response_head(conn)
                    self.assertEqual(status, 400)
                    body = conn.read_exact(int(hdrs["content-length"]))
                    self.assertIn("error", json.loads(body))
                    conn.close()
            status, _, body = rig.request("GET", "/_rig/health")
            self.assertEqual((status, body), (200, b"OK"))

    def test_oversized_header_gets_431(self):
        with Rig(env={"RIG_MAX_HEADER_BYTES": "4096"}) as rig:
            conn = Conn(rig.port)
            conn.send(b"GET /_rig/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8000 +
                      b"\r\n\r\n")
            status, hdrs = read_response_head(conn)
            self.assertEqual(status, 431)
            conn.close()
            status, _, body = rig.request("GET", "/_rig/health",
                                          headers={"X-Small": "a" * 1000})
            self.assertEqual((status, body), (200, b"OK"))

    def test_oversized_body_gets_413(self):
        with Rig(env={"RIG_MAX_BODY_BYTES": "1000"}) as rig:
            status, _, body = rig.publish(make_event("x", "1", data={"pad": "a" * 2000}))
            self.assertEqual(status, 413, body)
            status, _, body = rig.publish(make_event("x", "2"))
            self.assertEqual(status, 202, body)

    def test_abrupt_disconnects_do_not_hurt(self):
        with Rig(env={"MAX_CONNECTIONS_PER_MINUTE": "0", "RIG_LONGPOLL_HOLD_MS": "60000"}) as rig:
            socks = []
            # Bare connects, partial requests, a half-sent body.
            for i in range(150):
                s = socket.create_connection(("127.0.0.1", rig.port))
                if i % 3 == 1:
                    s.sendall(b"GET /_rig/v1/connection/sse HTTP/1.1\r\nHost: x")
                elif i % 3 == 2:
                    s.sendall(b"POST /_rig/v1/events HTTP/1.1\r\nHost: x\r\n"
                              b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
                socks.append(s)
            # Established streams of every transport.
            streams = []
            for i in range(40):
                streams.append(SseClient(rig, query="subscriptions=" + quote(
                    [{"eventType": "greeting"}])).conn)
                ws = WsClient(rig, query="subscriptions=" + quote([{"eventType": "greeting"}]))
                streams.append(ws.conn)
            waiting_polls = []
            for i in range(20):
                lp = LongPollClient(rig)
                lp.get()
                lp.poll()
                conn = Conn(rig.port)
                cookie = "; ".join("%s=%s" % kv for kv in lp.cookies.items())
                conn.send(("GET %s HTTP/1.1\r\nHost: x\r\nCookie: %s\r\n\r\n"
                           % (LP, cookie)).encode())
                waiting_polls.append(conn)
            rig.wait_metrics(lambda m: m[SSE_GAUGE] == 40 and m[WS_GAUGE] == 40)
            # Publish while everything is torn down.
            with KeepAlivePublisher(rig) as pub:
                for i, s in enumerate(socks):
                    rst_close(s)
                    if i % 10 == 0:
                        self.assertEqual(pub.publish(make_event("greeting", str(i)))[0], 202)
                for c in streams + waiting_polls:
                    rst_close(c.sock)
                for i in range(10):
                    self.assertEqual(pub.publish(make_event("greeting", "late%d" % i))[0], 202)

            rig.wait_metrics(lambda m: m[SSE_GAUGE] == 0 and m[WS_GAUGE] == 0,
                             what="all streams gone")
            status, _, body = rig.request("GET", "/_rig/health")
            self.assertEqual((status, body), (200, b"OK"))
            # New clients work normally.
            sse = SseClient(rig, query="subscriptions=" + quote([{"eventType": "greeting"}]))
            sse.connect_events()
            status, _, body = rig.publish(make_event("greeting", "fresh"))
            self.assertEqual(status, 202)
            self.assertEqual(sse.next_event()["id"], "fresh")
            sse.close()
            # __exit__ asserts a clean exit 0.


if __name__ == "__main__":
    unittest.main()
