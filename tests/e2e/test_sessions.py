"""Sessions and the session blacklist: the internal blacklist API, what blacklisting does to live
connections (SSE, WebSocket, long polling, on every shard), refusal of blacklisted tokens until
the entry expires, JWT_SESSION_FIELD, and the optional RIG_API_KEY of the internal API.

Contract: spec §6 (sessions, blacklist API and effects), §2.10 (session association by PUT),
§13.8 (55-60), §13.20 140, and spec/README.md (rig.session_killed is a CloudEvent 1.0 with source
"rig"; error bodies are JSON {"error": ...}; long polling is associated and checked like SSE; the
internal API has an optional bearer key). Where RIG 3.0 refused only by `jti`, rig refuses a
token whose jti OR whose session (value at JWT_SESSION_FIELD) is blacklisted.

Every wait is for bytes (harness timeouts) or a repeated blocking request with a deadline.
"""

import json
import unittest

from rig_harness import (check_json_error, Conn, LongPollClient, make_event, make_jwt, parse_close,
                         quote, read_response_head, Rig, SseClient, TIMEOUT, wait_until, WsClient)

SECRET = "session-secret"
LP = "/_rig/v1/connection/longpolling"
NEWS = [{"eventType": "news"}]
# A long hold, so that a poll is only answered by an event, a kill or the drain at exit.
ENV = {"JWT_SECRET_KEY": SECRET, "RIG_LONGPOLL_HOLD_MS": "30000"}
GAUGE = 'rig_connections{transport="%s"}'
JWT_ERROR = "could not decode JWT"
PUT_JWT_ERROR = "invalid authorization header"


def token(session=None, field="jti", **claims):
    if session is not None:
        claims[field] = session
    return make_jwt(claims, secret=SECRET)


class SessionTestCase(unittest.TestCase):
    env = ENV
    rig = None
    counter = 0

    @classmethod
    def setUpClass(cls):
        if cls.env is not None:
            cls.rig = Rig(env=cls.env)
            cls.rig.start()

    @classmethod
    def tearDownClass(cls):
        if cls.rig is not None:
            cls.rig.stop()

    def unique(self, label):
        type(self).counter += 1
        return "%s-%s-%d" % (label, self.id().rsplit(".", 1)[-1][:24], type(self).counter)

    # -- API --------------------------------------------------------------------------------

    def blacklist(self, session, validity=60, version="v3", rig=None, headers=None):
        rig = rig or self.rig
        h = dict(rig.api_headers())
        h.update(headers or {})
        return rig.request("POST", "/%s/session-blacklist" % version,
                           {"sessionId": session, "validityInSeconds": validity}, h, api=True)

    def blacklist_ok(self, session, validity=60, version="v3", rig=None):
        status, hdrs, body = self.blacklist(session, validity, version, rig)
        self.assertEqual(status, 201, body)
        self.assertEqual(json.loads(body), {})
        return hdrs

    def is_blacklisted(self, session, version="v3", rig=None):
        rig = rig or self.rig
        status, _, body = rig.request("GET", "/%s/session-blacklist/%s" % (version, session),
                                      headers=rig.api_headers(), api=True)
        self.assertIn(status, (200, 404), body)
        return status == 200

    def assert_json_error(self, status, hdrs, body, expected_status, text=None,
                          startswith=None):
        return check_json_error(self, status, hdrs, body, expected_status, equals=text,
                                startswith=startswith)

    # -- clients ----------------------------------------------------------------------------

    def query(self, jwt=None, subscriptions=None):
        params = []
        if jwt is not None:
            params.append("jwt=" + quote(jwt))
        if subscriptions is not None:
            params.append("subscriptions=" + quote(subscriptions))
        return "&".join(params)

    def sse(self, jwt=None, subscriptions=NEWS, rig=None):
        client = SseClient(rig or self.rig, self.query(jwt, subscriptions))
        self.addCleanup(client.close)
        self.assertEqual(client.status, 200, client.body)
        client.connect_events()
        return client

    def ws(self, jwt=None, subscriptions=NEWS, rig=None):
        client = WsClient(rig or self.rig, self.query(jwt, subscriptions))
        self.addCleanup(client.close)
        self.assertEqual(client.status, 101)
        client.connect_events()
        return client

    def longpoll(self, jwt=None, subscriptions=NEWS, rig=None):
        """A new long-poll session whose two rig events have been polled already."""
        lp = LongPollClient(rig or self.rig)
        status, _, body = lp.get(self.query(jwt, subscriptions))
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), "ok")
        events = lp.poll()["events"]
        self.assertEqual([e["type"] for e in events],
                         ["rig.connection.create", "rig.subscriptions_set"])
        lp.token = events[0]["data"]["connection_token"]
        return lp

    def publish(self, event_type="news", rig=None):
        eid = self.unique(event_type)
        status, _, body = (rig or self.rig).publish(make_event(event_type, eid))
        self.assertEqual(status, 202, body)
        return eid

    def assert_killed_sse(self, client):
        """The stream's next message is rig.session_killed, then the chunked stream ends."""
        ev = client.next_event()
        self.assertEqual(ev["type"], "rig.session_killed", ev)
        self.assertEqual(ev["specversion"], "1.0", ev)
        self.assertEqual(ev["source"], "rig", ev)
        self.assertTrue(ev.get("id"), ev)
        with self.assertRaises(EOFError):
            client.next_message()

    def assert_killed_ws(self, client):
        self.assertEqual(client.expect_close(), (1000, "Session killed."))
        self.assertTrue(client.conn.at_eof())
        client.close()  # as a browser does; rig may wait for it before it forgets the socket

    def assert_lp_session_ended(self, lp):
        """The next poll with the old cookie starts a new session."""
        status, _, body = lp.get()
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), "ok")

    def assert_refused_everywhere(self, jwt, rig=None):
        """A token that is not accepted: SSE 400, WS close, long-poll 400, PUT and POST 400."""
        rig = rig or self.rig
        q = "jwt=" + quote(jwt)
        sse = SseClient(rig, q)
        self.addCleanup(sse.close)
        self.assert_json_error(sse.status, sse.headers, sse.body, 400)
        self.assertIn(JWT_ERROR, json.loads(sse.body)["error"])
        ws = WsClient(rig, q)
        self.addCleanup(ws.close)
        self.assertEqual(ws.status, 101)
        opcode, payload = ws.recv_frame()
        self.assertEqual(opcode, 0x8, payload)
        self.assertEqual(parse_close(payload), (1000, "Bad request."))
        status, hdrs, body = LongPollClient(rig).get(q)
        self.assert_json_error(status, hdrs, body, 400)
        self.assertIn(JWT_ERROR, json.loads(body)["error"])
        target = self.sse(rig=rig)
        for method in ("PUT", "POST"):
            status, hdrs, body = rig.request(
                method, "/_rig/v1/connection/sse/%s/subscriptions" % target.token,
                {"subscriptions": NEWS}, {"Authorization": "Bearer " + jwt})
            self.assert_json_error(status, hdrs, body, 400)
            self.assertIn(PUT_JWT_ERROR, json.loads(body)["error"])

    def sse_status(self, jwt, rig=None):
        """One SSE connect with ?jwt=: the status (the stream is closed right away)."""
        client = SseClient(rig or self.rig, "jwt=" + quote(jwt))
        client.close()
        return client.status


class BlacklistApi(SessionTestCase):
    def test_55_v2_post_then_get(self):
        session = self.unique("s")
        self.assertFalse(self.is_blacklisted(session, "v2"))
        hdrs = self.blacklist_ok(session, 60, "v2")
        self.assertEqual(hdrs.get("location"), "/v2/session-blacklist/" + session)
        self.assertTrue(hdrs["content-type"].startswith("application/json"), hdrs)
        self.assertTrue(self.is_blacklisted(session, "v2"))
        self.assertTrue(self.is_blacklisted(session, "v3"))  # one blacklist, two versions

    def test_60_v3_post_then_get_location(self):
        session = self.unique("s")
        status, hdrs, body = self.blacklist(session, 123, "v3")
        self.assertEqual(status, 201, body)
        self.assertEqual(json.loads(body), {})
        self.assertTrue(hdrs["content-type"].startswith("application/json"), hdrs)
        self.assertEqual(hdrs.get("access-control-allow-origin"), "*")
        self.assertEqual(hdrs.get("location"), "/v3/session-blacklist/" + session)
        status, hdrs, body = self.rig.request("GET", hdrs["location"], api=True)
        self.assertEqual(status, 200, body)
        self.assertTrue(hdrs["content-type"].startswith("application/json"), hdrs)
        self.assertEqual(json.loads(body), {})
        self.assertTrue(self.is_blacklisted(session, "v2"))

    def test_get_of_a_session_not_blacklisted_is_404(self):
        for version in ("v2", "v3"):
            with self.subTest(version=version):
                status, hdrs, body = self.rig.request(
                    "GET", "/%s/session-blacklist/%s" % (version, self.unique("never")),
                    api=True)
                self.assert_json_error(status, hdrs, body, 404, "Not found.")

    def test_form_urlencoded_body(self):
        for version in ("v2", "v3"):
            with self.subTest(version=version):
                session = self.unique("form")
                status, hdrs, body = self.rig.request(
                    "POST", "/%s/session-blacklist" % version,
                    "sessionId=%s&validityInSeconds=60" % session,
                    {"Content-Type": "application/x-www-form-urlencoded"}, api=True)
                self.assertEqual(status, 201, body)
                self.assertEqual(json.loads(body), {})
                self.assertEqual(hdrs.get("location"),
                                 "/%s/session-blacklist/%s" % (version, session))
                self.assertTrue(self.is_blacklisted(session, version))

    def test_validity_as_a_string_of_digits(self):
        session = self.unique("digits")
        self.blacklist_ok(session, "60")
        self.assertTrue(self.is_blacklisted(session))

    def test_validity_may_be_fractional_or_large(self):
        for validity in (0.5, 86400 * 365):
            with self.subTest(validity=validity):
                session = self.unique("validity")
                self.blacklist_ok(session, validity)
                self.assertTrue(self.is_blacklisted(session))

    def test_location_is_not_url_encoded(self):
        session = "user@example.com/device 1"
        hdrs = self.blacklist_ok(session)
        self.assertEqual(hdrs.get("location"), "/v3/session-blacklist/" + session)
        self.assertTrue(self.is_blacklisted(quote(session)))  # GET takes the encoded id
        sse = SseClient(self.rig, "jwt=" + quote(token(session)))
        self.addCleanup(sse.close)
        self.assertEqual(sse.status, 400, sse.body)

    def test_blacklisting_twice_is_fine(self):
        session = self.unique("twice")
        self.blacklist_ok(session, 60)
        self.blacklist_ok(session, 120, "v2")
        self.assertTrue(self.is_blacklisted(session))

    def test_140_invalid_requests(self):
        cases = [
            ({"validityInSeconds": 60}, dict(text='Missing value for "sessionId"')),
            ({"sessionId": "", "validityInSeconds": 60},
             dict(startswith="Expected non-empty string, got")),
            ({"sessionId": 42, "validityInSeconds": 60},
             dict(startswith="Expected non-empty string, got")),
            ({"sessionId": None, "validityInSeconds": 60},
             dict(startswith="Expected non-empty string, got")),
            ({"sessionId": ["a"], "validityInSeconds": 60},
             dict(startswith="Expected non-empty string, got")),
            ({"sessionId": "x"}, dict(text='Missing value for "validityInSeconds"')),
            ({"sessionId": "x", "validityInSeconds": "abc"},
             dict(text='Expected a number, got "abc"')),
            ({"sessionId": "x", "validityInSeconds": 0},
             dict(startswith="Expected a positive number, got")),
            ({"sessionId": "x", "validityInSeconds": "0"},
             dict(startswith="Expected a positive number, got")),
            ({"sessionId": "x", "validityInSeconds": -5},
             dict(startswith="Expected a positive number, got")),
        ]
        for version in ("v2", "v3"):
            for body, expected in cases:
                with self.subTest(version=version, body=body):
                    status, hdrs, data = self.rig.request(
                        "POST", "/%s/session-blacklist" % version, body, api=True)
                    self.assert_json_error(status, hdrs, data, 400, **expected)
        # The spec's exact texts for §13.20 140.
        status, hdrs, data = self.blacklist("x", 0)
        self.assert_json_error(status, hdrs, data, 400, "Expected a positive number, got 0")
        # Nothing was added by the refused requests.
        self.assertFalse(self.is_blacklisted("x"))

    def test_invalid_form_values(self):
        status, hdrs, body = self.rig.request(
            "POST", "/v3/session-blacklist", "sessionId=y&validityInSeconds=abc",
            {"Content-Type": "application/x-www-form-urlencoded"}, api=True)
        self.assert_json_error(status, hdrs, body, 400, 'Expected a number, got "abc"')
        status, hdrs, body = self.rig.request(
            "POST", "/v3/session-blacklist", "validityInSeconds=5",
            {"Content-Type": "application/x-www-form-urlencoded"}, api=True)
        self.assert_json_error(status, hdrs, body, 400, 'Missing value for "sessionId"')
        self.assertFalse(self.is_blacklisted("y"))

    def test_other_content_types_are_415(self):
        for ctype in ("text/plain", "application/xml", "application/octet-stream"):
            for version in ("v2", "v3"):
                with self.subTest(content_type=ctype, version=version):
                    session = self.unique("ct")
                    status, hdrs, body = self.rig.request(
                        "POST", "/%s/session-blacklist" % version,
                        json.dumps({"sessionId": session, "validityInSeconds": 60}),
                        {"Content-Type": ctype}, api=True)
                    self.assert_json_error(status, hdrs, body, 415)
                    self.assertFalse(self.is_blacklisted(session))

    def test_blacklist_is_on_the_internal_port_only(self):
        status, _, body = self.rig.request(
            "POST", "/v3/session-blacklist", {"sessionId": "pub", "validityInSeconds": 60})
        self.assertEqual(status, 404, body)
        self.assertFalse(self.is_blacklisted("pub"))


class KillingConnections(SessionTestCase):
    env = None  # each test runs its own rig, so that the connection gauges are exact

    def own_rig(self, **kw):
        """A rig for this test only; it stops after the test's clients have been closed
        (cleanups run last-in first-out), so that its drain has nothing to wait for."""
        rig = Rig(env=ENV, **kw).start()
        self.addCleanup(rig.stop)
        return rig

    def test_57_kills_every_connection_of_the_session_only(self):
        rig = self.own_rig(shards=2)
        s1, s2 = token("s1"), token("s2")
        # Several connections per transport, so that they spread over both shards.
        victims_sse = [self.sse(s1, rig=rig) for _ in range(4)]
        victims_ws = [self.ws(s1, rig=rig) for _ in range(4)]
        victim_lp = self.longpoll(s1, rig=rig)
        others_sse = [self.sse(s2, rig=rig) for _ in range(2)]
        others_ws = [self.ws(s2, rig=rig) for _ in range(2)]
        other_lp = self.longpoll(s2, rig=rig)
        plain = self.sse(rig=rig)  # no JWT: no session
        rig.wait_metric(GAUGE % "sse", 7)
        rig.wait_metric(GAUGE % "ws", 6)
        rig.wait_metric(GAUGE % "longpolling", 2)
        before = self.publish(rig=rig)
        for client in victims_sse + victims_ws + others_sse + others_ws + [plain]:
            self.assertEqual(client.next_event()["id"], before)
        for lp in (victim_lp, other_lp):
            self.assertEqual([e["id"] for e in lp.poll()["events"]], [before])

        self.blacklist_ok("s1", rig=rig)

        for client in victims_sse:
            self.assert_killed_sse(client)
        for client in victims_ws:
            self.assert_killed_ws(client)
        self.assert_lp_session_ended(victim_lp)
        rig.wait_metric(GAUGE % "sse", 3)
        rig.wait_metric(GAUGE % "ws", 2)
        # The dead session is gone; the poll above opened a new one (2 = s2's + new).
        rig.wait_metric(GAUGE % "longpolling", 2)

        # The other session's connections (and the one without a session) still get events,
        # and nothing (no rig.session_killed) came before them.
        after = self.publish(rig=rig)
        for client in others_sse + others_ws + [plain]:
            self.assertEqual(client.next_event()["id"], after)
        self.assertEqual([e["id"] for e in other_lp.poll()["events"]], [after])

    def test_waiting_long_poll_is_answered_when_its_session_is_killed(self):
        # A poll is "waiting" once rig has read it; nothing tells the test when that happened.
        # If the blacklist overtakes the poll, the poll finds its session gone and starts a new
        # one ("ok"): then the attempt is repeated with a fresh session.
        rig = self.own_rig()
        for attempt in range(10):
            session = "lp-wait-%d" % attempt
            lp = self.longpoll(token(session), rig=rig)
            conn = Conn(rig.port)
            self.addCleanup(conn.close)
            cookie = "; ".join("%s=%s" % kv for kv in lp.cookies.items())
            conn.send(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: %s\r\n\r\n"
                       % (LP, cookie)).encode())
            self.blacklist_ok(session, rig=rig)
            status, hdrs = read_response_head(conn)
            body = json.loads(conn.read_exact(int(hdrs["content-length"])))
            self.assertEqual(status, 200, body)
            if body == "ok":
                continue  # the poll came too late to be waiting; try again
            self.assertIsInstance(body, dict, body)
            self.assertIsInstance(body.get("events"), list, body)
            self.assertEqual({e["type"] for e in body["events"]} - {"rig.session_killed"},
                             set(), body)
            self.assert_lp_session_ended(lp)
            return
        self.fail("no poll was waiting when its session was killed in 10 attempts")

    def test_association_by_put_and_post_authorization(self):
        rig = self.own_rig()
        for method in ("PUT", "POST"):
            with self.subTest(method=method):
                session = "by-" + method.lower()
                sse = self.sse(subscriptions=None, rig=rig)
                ws = self.ws(subscriptions=None, rig=rig)
                lp = self.longpoll(subscriptions=None, rig=rig)
                bystander = self.sse(subscriptions=None, rig=rig)
                auth = {"Authorization": "Bearer " + token(session)}
                for kind, client in (("sse", sse), ("ws", ws), ("longpolling", lp)):
                    status, _, body = rig.request(
                        method, "/_rig/v1/connection/%s/%s/subscriptions"
                        % (kind, client.token), {"subscriptions": NEWS}, auth)
                    self.assertEqual(status, 204 if method == "PUT" else 201, body)
                for client in (sse, ws):
                    self.assertEqual(client.next_event()["type"], "rig.subscriptions_set")
                self.assertEqual([e["type"] for e in lp.poll()["events"]],
                                 ["rig.subscriptions_set"])
                # The bystander joins through a token of another session.
                status, _, body = rig.request(
                    method, "/_rig/v1/connection/sse/%s/subscriptions" % bystander.token,
                    {"subscriptions": NEWS},
                    {"Authorization": "Bearer " + token(session + "-other")})
                self.assertIn(status, (201, 204), body)
                self.assertEqual(bystander.next_event()["type"], "rig.subscriptions_set")

                self.blacklist_ok(session, rig=rig)
                self.assert_killed_sse(sse)
                self.assert_killed_ws(ws)
                self.assert_lp_session_ended(lp)
                eid = self.publish(rig=rig)
                self.assertEqual(bystander.next_event()["id"], eid)

    def test_every_bearer_token_of_a_put_associates(self):
        # Comma-separated in one header, and repeated headers.
        rig = self.own_rig()
        for style in ("comma", "repeated"):
            with self.subTest(style=style):
                a, b = "multi-a-" + style, "multi-b-" + style
                conn_a = self.sse(subscriptions=None, rig=rig)
                conn_b = self.sse(subscriptions=None, rig=rig)
                for client, first, second in ((conn_a, a, b + "-x"), (conn_b, a + "-x", b)):
                    tokens = ["Bearer " + token(first), "Bearer " + token(second)]
                    headers = ([("Authorization", ", ".join(tokens))] if style == "comma"
                               else [("Authorization", t) for t in tokens])
                    status, _, body = rig.request(
                        "PUT", "/_rig/v1/connection/sse/%s/subscriptions" % client.token,
                        {"subscriptions": NEWS}, headers)
                    self.assertEqual(status, 204, body)
                    self.assertEqual(client.next_event()["type"], "rig.subscriptions_set")
                # Each connection belongs to both of its tokens' sessions.
                self.blacklist_ok(b + "-x", rig=rig)
                self.assert_killed_sse(conn_a)
                self.blacklist_ok(b, rig=rig)
                self.assert_killed_sse(conn_b)

    def test_connect_token_session_is_kept_after_put(self):
        # The connection stays in the session of its ?jwt= token after a PUT without one.
        rig = self.own_rig()
        sse = self.sse(token("kept"), rig=rig)
        status, _, body = rig.request(
            "PUT", "/_rig/v1/connection/sse/%s/subscriptions" % sse.token,
            {"subscriptions": NEWS})
        self.assertEqual(status, 204, body)
        self.assertEqual(sse.next_event()["type"], "rig.subscriptions_set")
        self.blacklist_ok("kept", version="v2", rig=rig)
        self.assert_killed_sse(sse)


class Refusal(SessionTestCase):
    def test_56_blacklisted_jti_is_refused(self):
        session = self.unique("refused")
        jwt = token(session)
        self.assertEqual(self.sse_status(jwt), 200)
        self.blacklist_ok(session)
        self.assert_refused_everywhere(jwt)
        # Any token naming that jti, not just the one seen before.
        self.assert_refused_everywhere(token(session, username="someone-else"))
        # Tokens of other sessions still work.
        self.assertEqual(self.sse_status(token(session + "-other")), 200)

    def test_refused_until_the_entry_expires(self):
        # 2 s rather than 1, so that the entry is surely still there for the first checks
        # even if the blacklist counted whole seconds.
        short, extended = self.unique("short"), self.unique("extended")
        self.blacklist_ok(short, 2)
        self.blacklist_ok(extended, 2)
        self.blacklist_ok(extended, 600)  # re-adding extends the expiry
        self.assert_refused_everywhere(token(short))
        wait_until(lambda: self.sse_status(token(short)) == 200, timeout=TIMEOUT,
                   what="the 2-second blacklist entry to expire")
        self.assertFalse(self.is_blacklisted(short))
        self.assertEqual(LongPollClient(self.rig).get("jwt=" + quote(token(short)))[0], 200)
        # The extended entry outlives the short one.
        self.assertTrue(self.is_blacklisted(extended))
        self.assertEqual(self.sse_status(token(extended)), 400)


class SessionField(SessionTestCase):
    env = dict(ENV, JWT_SESSION_FIELD="/sid")

    def test_connections_belong_to_the_sid_session(self):
        jwt = token(sid="S1", jti="J1")
        sse = self.sse(jwt)
        ws = self.ws(jwt)
        lp = self.longpoll(jwt)
        # Blacklisting the jti refuses the token, but the connections are in session S1.
        self.blacklist_ok("J1")
        self.assert_refused_everywhere(jwt)
        eid = self.publish()
        self.assertEqual(sse.next_event()["id"], eid)
        self.assertEqual(ws.next_event()["id"], eid)
        self.assertEqual([e["id"] for e in lp.poll()["events"]], [eid])
        self.blacklist_ok("S1")
        self.assert_killed_sse(sse)
        self.assert_killed_ws(ws)
        self.assert_lp_session_ended(lp)

    def test_blacklisted_session_refuses_tokens_with_other_jtis(self):
        self.assertEqual(self.sse_status(token(sid="S2", jti="J2a")), 200)
        self.blacklist_ok("S2")
        self.assert_refused_everywhere(token(sid="S2", jti="J2b"))
        self.assert_refused_everywhere(token(sid="S2"))
        self.assertEqual(self.sse_status(token(sid="S2-other", jti="J2c")), 200)

    def test_put_associates_by_sid(self):
        sse = self.sse(subscriptions=None)
        status, _, body = self.rig.request(
            "PUT", "/_rig/v1/connection/sse/%s/subscriptions" % sse.token,
            {"subscriptions": NEWS}, {"Authorization": "Bearer " + token(sid="S3", jti="J3")})
        self.assertEqual(status, 204, body)
        self.assertEqual(sse.next_event()["type"], "rig.subscriptions_set")
        self.blacklist_ok("J3")  # not its session
        eid = self.publish()
        self.assertEqual(sse.next_event()["id"], eid)
        self.blacklist_ok("S3")
        self.assert_killed_sse(sse)


class ApiKey(SessionTestCase):
    env = dict(ENV, RIG_API_KEY="k3y-for-tests")

    def without_key(self, method, path, body=None, headers=None):
        return self.rig.request(method, path, body, headers, api=True)

    def test_health_needs_no_key(self):
        status, _, body = self.without_key("GET", "/health")
        self.assertEqual(status, 200, body)

    def test_every_other_route_needs_the_key(self):
        wrong = [None, {"Authorization": "Bearer wrong"}, {"Authorization": "k3y-for-tests"},
                 {"Authorization": "Basic k3y-for-tests"},
                 {"Authorization": "Bearer k3y-for-tests-and-more"}]
        routes = [("GET", "/metrics", None),
                  ("GET", "/v3/session-blacklist/x", None),
                  ("GET", "/v2/session-blacklist/x", None),
                  ("POST", "/v3/session-blacklist", {"sessionId": "x", "validityInSeconds": 60}),
                  ("POST", "/v2/session-blacklist", {"sessionId": "x", "validityInSeconds": 60}),
                  ("POST", "/v3/messages", make_event("news", "unauthorized")),
                  ("POST", "/v2/messages", make_event("news", "unauthorized")),
                  ("GET", "/no/such/route", None)]
        for method, path, body in routes:
            for headers in wrong:
                with self.subTest(route=path, method=method, headers=headers):
                    status, hdrs, data = self.without_key(method, path, body, headers)
                    self.assert_json_error(status, hdrs, data, 401)
        self.assertFalse(self.is_blacklisted("x"))

    def test_with_the_key(self):
        key = self.rig.api_headers()
        self.assertIn("rig_events_published_total", self.rig.metrics())
        session = self.unique("keyed")
        sse = self.sse(token(session))
        status, hdrs, body = self.without_key(
            "POST", "/v3/session-blacklist", {"sessionId": session + "-no", "validityInSeconds": 60})
        self.assertEqual(status, 401, body)
        # Refused without the key: nothing happened to the connection.
        eid = self.publish()
        self.assertEqual(sse.next_event()["id"], eid)
        self.blacklist_ok(session)  # sends the key
        self.assert_killed_sse(sse)
        self.assertTrue(self.is_blacklisted(session))
        status, _, body = self.without_key("GET", "/v2/session-blacklist/" + session,
                                           headers=key)
        self.assertEqual(status, 200, body)
        status, _, body = self.rig.request("POST", "/v3/messages",
                                           json.dumps(make_event("news", "keyed-msg")),
                                           dict(key, **{"Content-Type": "application/json"}),
                                           api=True)
        self.assertEqual(status, 202, body)

    def test_public_port_is_unaffected(self):
        status, _, body = self.rig.request("GET", "/_rig/health")
        self.assertEqual(status, 200, body)
        sse = self.sse()
        eid = self.publish()
        self.assertEqual(sse.next_event()["id"], eid)


if __name__ == "__main__":
    unittest.main()
