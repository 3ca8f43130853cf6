"""The live dashboard on the internal port (issue 13).

Contract (rig's extension; RIG has none): GET :4010/dashboard is one self-contained HTML page
(nothing loaded from elsewhere). GET :4010/dashboard/stream is Server-Sent Events: each message
is `event: snapshot` with one JSON snapshot (connections by transport, events in and delivered
with per-second rates, drops, latency percentiles, top event types, sources), the first at
once and then one per second. At most RIG_DASHBOARD_MAX_STREAMS streams are open (default 16;
503 with a JSON error beyond). With RIG_API_KEY, the stream needs the bearer key like the rest
of the internal API; the page (which holds no data) does not. SIGTERM ends open streams with
the end of their chunked body.

Every wait reads the stream until the snapshot it expects arrives, or the harness timeout
passes; nothing sleeps.
"""

import unittest

from rig_harness import (check_json_error, Conn, H2Client, KeepAlivePublisher, make_event,
                         read_response_head, Rig, run_rig_expecting_failure, SharedRigTestCase,
                         SseClient, SseReader, subscriptions_query, wait_until)


class DashboardStream(SseReader):
    """GET /dashboard/stream on rig's internal port over HTTP/1.1 (a raw socket), parsed as
    SSE messages."""

    def __init__(self, rig, headers=None):
        self.conn = Conn(rig.api_port)
        extra = "".join("%s: %s\r\n" % kv for kv in (headers or {}).items())
        self.conn.send(("GET /dashboard/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        "Accept: text/event-stream\r\n%s\r\n" % extra).encode())
        self.status, self.headers = read_response_head(self.conn)
        self.text = ""
        self.comments = []
        self.raw_messages = []
        self.seen = []  # every snapshot read
        self.body = b""
        if self.status != 200:
            self.body = self.conn.read_exact(int(self.headers.get("content-length", "0")))

    def _next_text(self, timeout):
        size = int(self.conn.read_until(b"\r\n", timeout).strip(), 16)
        data = self.conn.read_exact(size + 2, timeout)
        if size == 0:
            raise EOFError("end of chunked stream")
        return data[:-2].decode()

    def snapshot(self):
        msg = self.next_message()
        assert msg.get("event") == "snapshot", msg
        self.seen.append(msg["data"])
        return msg["data"]

    def snapshot_where(self, predicate, what):
        """Reads snapshots until predicate(snapshot) holds; returns that snapshot."""
        last = []

        def attempt():
            last[:] = [self.snapshot()]
            return last[0] if predicate(last[0]) else None
        return wait_until(attempt, what="%s (last snapshot: %r)" % (what, last))

    def close(self):
        self.conn.close()


class DashboardTest(SharedRigTestCase):
    env = {"RIG_DASHBOARD_MAX_STREAMS": "2"}

    def test_page_is_one_self_contained_html_document(self):
        status, hdrs, body = self.rig.request("GET", "/dashboard", api=True)
        self.assertEqual(status, 200, body)
        self.assertEqual(hdrs["content-type"], "text/html; charset=utf-8")
        page = body.decode()
        self.assertTrue(page.lstrip().lower().startswith("<!doctype html>"), page[:80])
        self.assertIn("dashboard/stream", page)
        # Works offline: no script, style, image or font from anywhere else.
        self.assertNotIn("://", page)
        self.assertNotIn("<link", page.lower())
        self.assertIn("default-src 'none'", hdrs["content-security-policy"])

        status, hdrs, body = self.rig.request("HEAD", "/dashboard", api=True)
        self.assertEqual(status, 200)
        self.assertEqual(body, b"")
        status, hdrs, body = self.rig.request("POST", "/dashboard", "{}", api=True)
        check_json_error(self, status, hdrs, body, 405)
        self.assertEqual(hdrs["allow"], "GET, HEAD")

    def test_page_is_not_on_the_public_port(self):
        status, _, _ = self.rig.request("GET", "/dashboard")
        self.assertEqual(status, 404)

    def test_stream_snapshots_follow_connections_and_events(self):
        stream = DashboardStream(self.rig)
        try:
            self.assertEqual(stream.status, 200, stream.body)
            self.assertEqual(stream.headers["content-type"], "text/event-stream; charset=utf-8")
            first = stream.snapshot()
            for key in ("connections", "events", "drops", "latency_ms", "top_types", "sources",
                        "subscriptions", "time_ms", "interval_s"):
                self.assertIn(key, first)
            for transport in ("sse", "ws", "longpolling", "total"):
                self.assertIsInstance(first["connections"][transport], int)
            self.assertEqual(first["sources"], [])  # no source configured
            self.assertLessEqual({"p50", "p90", "p99"}, set(first["latency_ms"]))
            in_before = first["events"]["in_total"]
            delivered_before = first["events"]["delivered_total"]

            sub = SseClient(self.rig, subscriptions_query("dash.test"))
            try:
                sub.connect_events()
                stream.snapshot_where(lambda s: s["connections"]["sse"] >= 1,
                                      "the subscriber in connections.sse")
                n = 5
                with KeepAlivePublisher(self.rig) as pub:
                    for i in range(n):
                        status, body = pub.publish(make_event("dash.test", "dash-%d" % i))
                        self.assertEqual(status, 202, body)
                for _ in range(n):
                    sub.next_event()
                moved = stream.snapshot_where(
                    lambda s: s["events"]["in_total"] > in_before,
                    "events in to grow")
                # The first snapshot that counts them has a rate.
                self.assertGreater(moved["events"]["in_per_s"], 0)
                done = stream.snapshot_where(
                    lambda s: (s["events"]["in_total"] >= in_before + n and
                               s["events"]["delivered_total"] >= delivered_before + n),
                    "all %d events in and delivered" % n)
                self.assertGreaterEqual(done["subscriptions"], 1)
                http_in = done["events"]["in_by_source"][0]
                self.assertEqual(http_in["source"], "http")
                self.assertGreaterEqual(http_in["total"], n)

                def forwarded(snap):
                    return [t for t in snap["top_types"]
                            if t["type"] == "dash.test" and t["total"] >= n]
                top = forwarded(done) or forwarded(stream.snapshot_where(
                    forwarded, "dash.test among the top types"))
                self.assertGreaterEqual(top[0]["total"], n)

                # The writes that sent the events were measured (in the snapshot of the
                # interval they fell in).
                def measured(snap):
                    lat = snap["latency_ms"]
                    return lat["count"] > 0 and lat["p50"] is not None
                if not any(measured(x) for x in stream.seen):
                    stream.snapshot_where(measured, "publish-to-write latency")
                lat = next(x for x in stream.seen if measured(x))["latency_ms"]
                self.assertLessEqual(lat["p50"], lat["p90"])
                self.assertLessEqual(lat["p90"], lat["p99"])
            finally:
                sub.close()
            stream.snapshot_where(lambda s: s["connections"]["sse"] == 0,
                                  "the subscriber gone from connections.sse")
        finally:
            stream.close()

    def test_streams_beyond_the_bound_get_503(self):
        streams = []

        def open_when_free():
            # Streams other tests closed leave when rig notices their end, on its own time.
            s = DashboardStream(self.rig)
            if s.status == 200:
                streams.append(s)
                return True
            self.assertEqual(s.status, 503, s.body)
            s.close()
            return False
        try:
            for _ in range(2):
                wait_until(open_when_free, what="a free dashboard stream")
                streams[-1].snapshot()
            extra = DashboardStream(self.rig)
            check_json_error(self, extra.status, extra.headers, extra.body, 503,
                             contains="RIG_DASHBOARD_MAX_STREAMS=2")
            extra.close()
            # A closed stream makes room.
            streams.pop().close()
            wait_until(open_when_free, what="the closed stream's slot")
            streams[-1].snapshot()
        finally:
            for s in streams:
                s.close()

    def test_stream_methods(self):
        status, hdrs, body = self.rig.request("POST", "/dashboard/stream", "{}", api=True)
        check_json_error(self, status, hdrs, body, 405)
        status, hdrs, body = self.rig.request("HEAD", "/dashboard/stream", api=True)
        self.assertEqual(status, 200)
        self.assertEqual(hdrs["content-type"], "text/event-stream; charset=utf-8")
        # The stream's head only: no stream is opened (it would be chunked).
        self.assertNotIn("transfer-encoding", hdrs)
        self.assertEqual(hdrs.get("content-length"), "0")

    def test_stream_over_h2c(self):
        c = H2Client(self.rig.api_port)
        try:
            st = c.request("GET", "/dashboard/stream", headers={"accept": "text/event-stream"})
            self.assertEqual(st.wait_head(), 200)
            msg = st.next_message()
            self.assertEqual(msg["event"], "snapshot")
            self.assertIn("connections", msg["data"])
            c.reset(st)
        finally:
            c.close()


class DashboardKeyTest(SharedRigTestCase):
    env = {"RIG_API_KEY": "dash-key"}

    def test_page_without_key_stream_with_key(self):
        status, _, body = self.rig.request("GET", "/dashboard", api=True)
        self.assertEqual(status, 200, body)
        for headers in (None, {"Authorization": "Bearer wrong"}):
            refused = DashboardStream(self.rig, headers)
            check_json_error(self, refused.status, refused.headers, refused.body, 401)
            refused.close()
        stream = DashboardStream(self.rig, {"Authorization": "Bearer dash-key"})
        try:
            self.assertEqual(stream.status, 200, stream.body)
            self.assertIn("events", stream.snapshot())
        finally:
            stream.close()


class DashboardLifecycleTest(unittest.TestCase):
    def test_sigterm_ends_open_streams(self):
        with Rig() as rig:
            stream = DashboardStream(rig)
            try:
                stream.snapshot()
                rig.terminate()
                with self.assertRaises(EOFError):  # the last chunk, not a cut
                    while True:
                        stream.snapshot()
            finally:
                stream.close()

    def test_bad_bound_is_refused_at_start(self):
        for value in ("0", "x", "10001"):
            code, _, err = run_rig_expecting_failure({"RIG_DASHBOARD_MAX_STREAMS": value})
            self.assertEqual(code, 2, err)
            self.assertIn("RIG_DASHBOARD_MAX_STREAMS", err)


if __name__ == "__main__":
    unittest.main()
