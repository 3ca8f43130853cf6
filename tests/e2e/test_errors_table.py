"""The table of invalid input on inbound endpoints (spec §2.14), row by row, for SSE, WebSocket,
long-polling connect, PUT .../subscriptions and POST /_rig/v1/events.

Contract: spec §2.4-2.6, §2.10, §2.12-2.14, §13.1, §13.2 (18, 19), §13.20 132, and spec/README.md:
error bodies are JSON {"error": "<spec message>"}; a bad long-polling cookie starts a new session;
PUT with `subscriptions` not a list or without Content-Type is a 400 (RIG answers 500);
without JWT_SECRET_KEY every ?jwt= is refused.

Not covered here: the "check denied" row (SUBSCRIPTION_CHECK / SUBMISSION_CHECK).
"""

import json
import time
import unittest

from rig_harness import (check_json_error, LongPollClient, make_jwt, parse_close, quote, Rig,
                         SharedRigTestCase, SseClient, WsClient)

NOT_JSON = "can't { be [ parsed."
# Invalid subscription lists and the reason named in the error (spec §4.1).
INVALID_SUBSCRIPTIONS = [
    ([{"this": "is not", "a": "subscription"}], "event-type not found"),
    ([{"eventType": ""}], "event-type empty"),
    ([{"eventType": 42}], "event-type empty"),
    (["not a map"], "not a map"),
    ([{"eventType": "x", "oneOf": {"name": "a"}}],
     "constraints expected to be a list of disjunctive clauses"),
    ([{"eventType": "x", "oneOf": [1]}],
     "a disjunctive clause expected to be a conjunction represented by a map"),
    ([{"eventType": "x", "oneOf": [{"": 1}]}],
     "conjunctive clauses expected to be a map with nonempty strings as keys"),
    ([{"eventType": "ok"}, {"no": "type"}], "event-type not found"),
]
SSE_JWT_ERROR = "could not parse subscriptions: could not decode JWT: "
PUT_JWT_ERROR = "cannot accept subscription request: invalid authorization header: " \
                "could not decode JWT: "
NOT_A_LIST = {"eventType": "greeting"}
WS_BAD_REQUEST = (1000, "Bad request.")


class ErrorsTestCase(SharedRigTestCase):
    env = {}

    def assert_error(self, status, hdrs, body, expected_status, text=None, startswith=None):
        """The status, and a JSON body {"error": "..."} containing `text`."""
        return check_json_error(self, status, hdrs, body, expected_status, contains=text,
                                startswith=startswith)

    # -- the four connect / subscribe paths -------------------------------------------------

    def sse_error(self, query, expected_status, text=None, startswith=None):
        sse = SseClient(self.rig, query)
        self.addCleanup(sse.close)
        msg = self.assert_error(sse.status, sse.headers, sse.body, expected_status, text,
                                startswith)
        # §2.2: SSE error replies carry no CORS header.
        self.assertNotIn("access-control-allow-origin", sse.headers)
        return msg

    def ws_close(self, query):
        """The upgrade succeeds and the very first frame is a close frame: (code, reason)."""
        ws = WsClient(self.rig, query)
        self.addCleanup(ws.close)
        self.assertEqual(ws.status, 101)
        opcode, payload = ws.recv_frame()
        self.assertEqual(opcode, 0x8, "expected a close frame first, got %r" % payload)
        ws.send_frame(0x8, payload[:2])
        return parse_close(payload)

    def lp_error(self, query, expected_status, text=None, startswith=None):
        status, hdrs, body = LongPollClient(self.rig).get(query)
        return self.assert_error(status, hdrs, body, expected_status, text, startswith), hdrs

    def connect_sse(self, query=""):
        sse = SseClient(self.rig, query)
        self.addCleanup(sse.close)
        self.assertEqual(sse.status, 200, sse.body)
        sse.connect_events()
        return sse

    def put(self, token, body, headers=None, kind="sse"):
        return self.rig.request("PUT", "/_rig/v1/connection/%s/%s/subscriptions" % (kind, token),
                                body, headers)

    def assert_unchanged(self, sse, marker_type):
        """No rig.subscriptions_set was emitted since connect: the next one is from this PUT."""
        subs = [{"eventType": marker_type}]
        status, _, body = self.put(sse.token, {"subscriptions": subs})
        self.assertEqual(status, 204, body)
        ev = sse.next_event()
        self.assertEqual(ev["type"], "rig.subscriptions_set")
        self.assertEqual(ev["data"], [{"eventType": marker_type, "oneOf": []}])


class WithoutJwtKey(ErrorsTestCase):
    """Rig without JWT_SECRET_KEY: every ?jwt= is refused."""
    env = {"NODE_COOKIE": "errors-table-cookie"}

    def test_invalid_jwt(self):
        for jwt in ("foobar", make_jwt({"username": "alice"})):
            with self.subTest(jwt=jwt[:10]):
                self.sse_error("jwt=" + quote(jwt), 400, startswith=SSE_JWT_ERROR)
                self.assertEqual(self.ws_close("jwt=" + quote(jwt)), WS_BAD_REQUEST)
                _, hdrs = self.lp_error("jwt=" + quote(jwt), 400, startswith=SSE_JWT_ERROR)
                self.assertEqual(hdrs.get("access-control-allow-origin"), "*")

    def test_invalid_jwt_on_put(self):
        sse = self.connect_sse()
        for auth in ("Bearer foobar", "Bearer this is not a valid JWT",
                     "Bearer " + make_jwt({"username": "alice"})):
            with self.subTest(auth=auth[:20]):
                status, hdrs, body = self.put(sse.token, {"subscriptions": []},
                                              {"Authorization": auth})
                self.assert_error(status, hdrs, body, 400, startswith=PUT_JWT_ERROR)
                self.assertEqual(hdrs.get("access-control-allow-origin"), "*")
        self.assert_unchanged(sse, "after.bad.jwt")

    def test_subscriptions_not_json(self):
        query = "subscriptions=" + quote(NOT_JSON)
        self.sse_error(query, 400, startswith="Failed to decode subscription list")
        code, reason = self.ws_close(query)
        self.assertEqual(code, 1000)
        self.assertTrue(reason.startswith("Failed to decode subscription list"), reason)
        # Long polling words it differently (§2.6).
        _, hdrs = self.lp_error(query, 400, startswith="could not parse subscriptions: could "
                                "not decode subscriptions: invalid JSON encoding")
        self.assertEqual(hdrs.get("access-control-allow-origin"), "*")

    def test_put_body_not_json(self):
        sse = self.connect_sse()
        for body in (NOT_JSON, '{"subscriptions": [', ""):
            with self.subTest(body=body):
                status, hdrs, resp = self.put(sse.token, body,
                                              {"Content-Type": "application/json"})
                self.assert_error(status, hdrs, resp, 400, startswith="Expected JSON encoded body")
        self.assert_unchanged(sse, "after.not.json")

    def test_invalid_subscription_object(self):
        prefix = ("could not parse subscriptions: could not parse subscription from JSON: "
                  "invalid subscription: ")
        for subs, reason in INVALID_SUBSCRIPTIONS:
            with self.subTest(subscriptions=subs):
                query = "subscriptions=" + quote(subs)
                msg = self.sse_error(query, 400, startswith=prefix)
                self.assertIn(reason, msg)
                self.assertEqual(self.ws_close(query), WS_BAD_REQUEST)
                msg, _ = self.lp_error(query, 400, startswith=prefix)
                self.assertIn(reason, msg)

    def test_subscriptions_not_a_list(self):
        for subs in (NOT_A_LIST, "just a string", 42):
            with self.subTest(subscriptions=subs):
                query = "subscriptions=" + quote(json.dumps(subs))
                self.sse_error(query, 400, startswith="could not parse subscriptions: could not "
                               "decode subscriptions: subscriptions is expected to be a JSON "
                               "encoded list")
                self.assertEqual(self.ws_close(query), WS_BAD_REQUEST)
                self.lp_error(query, 400, startswith="could not parse subscriptions: ")

    def test_invalid_subscription_object_on_put(self):
        sse = self.connect_sse()
        prefix = ("cannot accept subscription request: could not parse given subscriptions: "
                  "invalid subscription: ")
        for subs, reason in INVALID_SUBSCRIPTIONS:
            with self.subTest(subscriptions=subs):
                status, hdrs, body = self.put(sse.token, {"subscriptions": subs})
                msg = self.assert_error(status, hdrs, body, 400, startswith=prefix)
                self.assertIn(reason, msg)
        self.assert_unchanged(sse, "after.invalid.object")

    def test_empty_params_count_as_absent(self):
        # §13.1 3 and §2.4: empty jwt / subscriptions are ignored.
        query = "jwt=&subscriptions="
        sse = SseClient(self.rig, query)
        self.addCleanup(sse.close)
        self.assertEqual(sse.status, 200)
        self.assertEqual(sse.connect_events()[1], [])
        ws = WsClient(self.rig, query)
        self.addCleanup(ws.close)
        self.assertEqual(ws.status, 101)
        self.assertEqual(ws.connect_events()[1], [])
        status, _, body = LongPollClient(self.rig).get(query)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), "ok")

    def test_put_not_acceptable(self):
        sse = self.connect_sse()
        for accept in ("text/html", "text/plain, text/html", "application/xml"):
            with self.subTest(accept=accept):
                status, hdrs, body = self.put(sse.token, {"subscriptions": []},
                                              {"Accept": accept})
                msg = self.assert_error(status, hdrs, body, 406)
                self.assertIn(accept, msg)
                self.assertIn("application/json", msg)
        self.assert_unchanged(sse, "after.406")
        for accept in ("application/json", "*/*", "text/html, application/json",
                       "application/json; charset=utf-8"):
            with self.subTest(accept=accept):
                status, _, body = self.put(sse.token, {"subscriptions": []}, {"Accept": accept})
                self.assertEqual(status, 204, body)
                self.assertEqual(sse.next_event()["type"], "rig.subscriptions_set")

    def test_put_wrong_or_missing_content_type(self):
        sse = self.connect_sse()
        body = json.dumps({"subscriptions": []})
        for headers in ({"Content-Type": "text/plain"}, {"Content-Type": "application/xml"},
                        {}):
            with self.subTest(headers=headers):
                status, hdrs, resp = self.put(sse.token, body, headers)
                self.assert_error(status, hdrs, resp, 400,
                                  startswith="Expected JSON encoded body")
        self.assert_unchanged(sse, "after.content.type")
        # Parameters are allowed.
        status, _, resp = self.put(sse.token, body,
                                   {"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(status, 204, resp)

    def test_put_without_subscriptions_field(self):
        sse = self.connect_sse()
        for body in ({}, {"subscription": []}, [], [{"eventType": "x"}], "a string", 5):
            with self.subTest(body=body):
                status, hdrs, resp = self.put(sse.token, json.dumps(body),
                                              {"Content-Type": "application/json"})
                msg = self.assert_error(status, hdrs, resp, 400)
                self.assertIn("subscriptions", msg)
        status, hdrs, resp = self.put(sse.token, {})
        self.assert_error(status, hdrs, resp, 400,
                          startswith='Expected field "subscriptions" is not present')
        self.assert_unchanged(sse, "after.no.field")

    def test_put_subscriptions_not_a_list(self):
        # RIG answers 500 (spec §15 #27); we answer 400.
        sse = self.connect_sse()
        for value in (NOT_A_LIST, "greeting", 1, True, None):
            with self.subTest(subscriptions=value):
                status, hdrs, body = self.put(sse.token, {"subscriptions": value})
                self.assert_error(status, hdrs, body, 400)
        self.assert_unchanged(sse, "after.not.a.list")

    def test_put_unknown_event_type_is_accepted(self):
        sse = self.connect_sse()
        status, _, body = self.put(sse.token, {"subscriptions": [{"eventType": "no.such"}]})
        self.assertEqual(status, 204, body)
        ev = sse.next_event()
        self.assertEqual(ev["data"], [{"eventType": "no.such", "oneOf": []}])

    def test_put_garbage_token(self):
        for token in ("AAAA", "not-a-token", "A" * 40, "%00%01", "x" * 200):
            for kind in ("sse", "ws", "longpolling"):
                with self.subTest(token=token[:12], kind=kind):
                    status, hdrs, body = self.put(token, {"subscriptions": []},
                                                  {"Content-Type": "application/json"}, kind)
                    self.assert_error(status, hdrs, body, 400, "Invalid connection token.")

    def test_put_tampered_token(self):
        sse = self.connect_sse()
        token = sse.token
        flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
        status, hdrs, body = self.put(flipped, {"subscriptions": []},
                                      {"Content-Type": "application/json"})
        self.assert_error(status, hdrs, body, 400, "Invalid connection token.")

    def test_longpoll_bad_cookie_starts_new_session(self):
        # RIG answers 500 (spec §2.6, §15 #26); we start a new session.
        for token in ("AAAA", "garbage!", ""):
            with self.subTest(cookie=token):
                lp = LongPollClient(self.rig)
                lp.cookies["connection_token"] = token
                lp.cookies["last_event_id"] = '"first_event"'
                status, _, body = lp.get()
                self.assertEqual(status, 200, body)
                self.assertEqual(json.loads(body), "ok")
                self.assertNotEqual(lp.cookies["connection_token"], token)
                events = lp.poll()["events"]
                self.assertEqual(events[0]["type"], "rig.connection.create")

    def test_post_events_not_a_cloud_event(self):
        for body in ({"hello": "world"}, {"specversion": "0.2", "type": "t"}, [1], "{"):
            with self.subTest(body=body):
                status, hdrs, resp = self.rig.request(
                    "POST", "/_rig/v1/events",
                    body if isinstance(body, str) else json.dumps(body),
                    {"Content-Type": "application/json"})
                self.assert_error(status, hdrs, resp, 400, "does not look like a CloudEvent")

    def test_post_events_unknown_type_is_accepted(self):
        status, _, body = self.rig.publish({"specversion": "0.2", "type": "nobody.cares",
                                            "id": "1", "source": "s"})
        self.assertEqual(status, 202, body)

    def test_unknown_path_is_404(self):
        for method, path in (("GET", "/nope"), ("GET", "/_rig/v1/nope"),
                             ("POST", "/_rig/v1/event"), ("GET", "/_rig/v2/events"),
                             ("DELETE", "/_rig/v1/connection/sse/x/y"),
                             ("GET", "/_rig/v1/connection/sse/tok/subscriptionsx")):
            with self.subTest(method=method, path=path):
                status, hdrs, body = self.rig.request(method, path)
                self.assertEqual(status, 404, body)
                self.assertTrue(hdrs["content-type"].startswith("application/json"), hdrs)
                self.assertEqual(json.loads(body), {"message": "Not Found"})

    def test_wrong_method_on_events_is_405(self):
        for method in ("GET", "PUT", "DELETE", "PATCH"):
            with self.subTest(method=method):
                status, hdrs, body = self.rig.request(method, "/_rig/v1/events")
                self.assert_error(status, hdrs, body, 405)
                self.assertIn("POST", hdrs.get("allow", ""))


class WithJwtKey(ErrorsTestCase):
    env = {"JWT_SECRET_KEY": "mysecret", "JWT_ALG": "HS256",
           "EXTRACTORS": json.dumps({"greeting": {"name": {
               "stable_field_index": 1, "event": {"json_pointer": "/data/name"},
               "jwt": {"json_pointer": "/username"}}}})}

    def bad_tokens(self):
        return {
            "garbage": "foobar",
            "expired": make_jwt({"username": "alice"}, expires_in=-3600),
            "wrong secret": make_jwt({"username": "alice"}, secret="not-mysecret"),
            "bearer prefix": "Bearer " + make_jwt({"username": "alice"}),
            "tampered": make_jwt({"username": "alice"})[:-3] + "abc",
        }

    def test_invalid_jwt_on_connect(self):
        for label, jwt in self.bad_tokens().items():
            with self.subTest(jwt=label):
                query = "jwt=" + quote(jwt)
                self.sse_error(query, 400, startswith=SSE_JWT_ERROR)
                self.assertEqual(self.ws_close(query), WS_BAD_REQUEST)
                self.lp_error(query, 400, startswith=SSE_JWT_ERROR)
                # Also when valid subscriptions come with it.
                query += "&subscriptions=" + quote([{"eventType": "greeting"}])
                self.sse_error(query, 400, startswith=SSE_JWT_ERROR)
                self.assertEqual(self.ws_close(query), WS_BAD_REQUEST)
                self.lp_error(query, 400, startswith=SSE_JWT_ERROR)

    def test_valid_jwt_is_accepted(self):
        query = "jwt=" + quote(make_jwt({"username": "alice"}))
        sse = self.connect_sse(query)
        self.assertIsNotNone(sse.token)
        ws = WsClient(self.rig, query)
        self.addCleanup(ws.close)
        self.assertEqual(ws.connect_events()[1],
                         [{"eventType": "greeting", "oneOf": [{"name": "alice"}]}])
        status, _, body = LongPollClient(self.rig).get(query)
        self.assertEqual(status, 200, body)

    def test_invalid_jwt_on_put(self):
        sse = self.connect_sse()
        tokens = dict(self.bad_tokens())
        tokens["scenario 19"] = "this is not a valid JWT"
        del tokens["bearer prefix"]
        for label, jwt in tokens.items():
            with self.subTest(jwt=label):
                status, hdrs, body = self.put(sse.token, {"subscriptions": []},
                                              {"Authorization": "Bearer " + jwt})
                self.assert_error(status, hdrs, body, 400, startswith=PUT_JWT_ERROR)
                self.assertEqual(hdrs.get("access-control-allow-origin"), "*")
        # One bad token among good ones still fails the request.
        good = "Bearer " + make_jwt({"username": "alice"})
        status, hdrs, body = self.put(sse.token, {"subscriptions": []},
                                      {"Authorization": good + ", Bearer foobar"})
        self.assert_error(status, hdrs, body, 400, "invalid authorization header")
        self.assert_unchanged(sse, "after.bad.jwt")


class RateLimit(unittest.TestCase):
    """MAX_CONNECTIONS_PER_MINUTE=3: a fixed 60 s window for SSE, WS and long polling together.

    Each test runs on a fresh rig. If the window happens to roll over during a test, up to
    twice the limit may pass; the test then only checks that a refusal came, and its shape.
    """
    LIMIT = 3

    def setUp(self):
        self.rig = Rig(env={"MAX_CONNECTIONS_PER_MINUTE": str(self.LIMIT)})
        self.rig.start()
        # Cleanups run last-in first-out: the clients close before rig stops.
        self.addCleanup(self.rig.stop)
        self.window = int(time.monotonic() // 60)

    def same_window(self):
        return int(time.monotonic() // 60) == self.window

    def sse(self, query=""):
        c = SseClient(self.rig, query)
        self.addCleanup(c.close)
        return c

    def ws(self, query=""):
        c = WsClient(self.rig, query)
        self.addCleanup(c.close)
        self.assertEqual(c.status, 101)
        opcode, payload = c.recv_frame()
        if opcode == 0x8:
            c.send_frame(0x8, payload[:2])
            return False, parse_close(payload)
        self.assertEqual(json.loads(payload)["type"], "rig.connection.create")
        return True, None

    def lp(self, query=""):
        status, hdrs, body = LongPollClient(self.rig).get(query)
        if status == 200:
            return True, None
        return False, (status, hdrs, body)

    def until_refused(self, attempt):
        """Calls attempt() → (ok, refusal) until it is refused; returns (successes, refusal)."""
        successes = 0
        for _ in range(2 * self.LIMIT + 1):
            ok, refusal = attempt()
            if not ok:
                return successes, refusal
            successes += 1
        self.fail("no refusal after %d connections" % successes)

    def check_count(self, successes, expected):
        if self.same_window():
            self.assertEqual(successes, expected)
        else:
            self.assertLessEqual(successes, expected + self.LIMIT)

    def assert_429(self, refusal, cors_expected=False):
        status, hdrs, body = refusal
        self.assertEqual(status, 429, body)
        self.assertTrue(hdrs.get("content-type", "").startswith("application/json"), hdrs)
        self.assertEqual(json.loads(body), {"error": "Reached maximum number of connections"})
        if not cors_expected:
            self.assertNotIn("access-control-allow-origin", hdrs)

    def test_sse(self):
        def attempt():
            c = self.sse()
            if c.status == 200:
                self.assertEqual(c.next_event()["type"], "rig.connection.create")
                return True, None
            return False, (c.status, c.headers, c.body)
        successes, refusal = self.until_refused(attempt)
        self.check_count(successes, self.LIMIT)
        self.assert_429(refusal)
        # Invalid requests are refused for what they are: the rate check runs last (§2.4).
        bad = self.sse("subscriptions=" + quote(NOT_JSON))
        self.assertEqual(bad.status, 400, bad.body)
        self.assertIn("Failed to decode subscription list", json.loads(bad.body)["error"])
        bad = self.sse("jwt=foobar")
        self.assertEqual(bad.status, 400, bad.body)
        # The bucket is shared with WS and long polling.
        successes, refusal = self.until_refused(self.ws)
        self.check_count(successes, 0)
        self.assertEqual(refusal, WS_BAD_REQUEST)
        successes, refusal = self.until_refused(self.lp)
        self.check_count(successes, 0)
        self.assert_429(refusal)

    def test_ws(self):
        successes, refusal = self.until_refused(self.ws)
        self.check_count(successes, self.LIMIT)
        self.assertEqual(refusal, WS_BAD_REQUEST)
        successes, refusal = self.until_refused(self.sse_attempt)
        self.check_count(successes, 0)
        self.assert_429(refusal)

    def sse_attempt(self):
        c = self.sse()
        if c.status == 200:
            return True, None
        return False, (c.status, c.headers, c.body)

    def test_longpolling(self):
        successes, refusal = self.until_refused(self.lp)
        self.check_count(successes, self.LIMIT)
        self.assert_429(refusal)
        # For long polling the rate check comes first (§2.6): an invalid request gets 429.
        if self.same_window():
            ok, refusal = self.lp("jwt=foobar")
            self.assertFalse(ok)
            self.assert_429(refusal)
        # The bucket is shared with SSE.
        successes, refusal = self.until_refused(self.sse_attempt)
        self.check_count(successes, 0)
        self.assert_429(refusal)


class StaleConnectionToken(unittest.TestCase):
    """A token of a connection that no longer exists → 410 (§2.10 step 5, §13.20 132).

    A closed socket is noticed by rig asynchronously, so the closed connection here is one of
    a rig process that has exited; a new process with the same NODE_COOKIE must recognise the
    token as authentic but gone. A token minted under another cookie is simply invalid.
    """

    def test_token_of_a_stopped_process(self):
        tokens = {}
        with Rig(env={"NODE_COOKIE": "stale-cookie"}) as old:
            sse = SseClient(old)
            sse.connect_events()
            tokens["sse"] = sse.token
            sse.close()
            ws = WsClient(old)
            ws.connect_events()
            tokens["ws"] = ws.token
            ws.close()
            lp = LongPollClient(old)
            lp.get()
            tokens["longpolling"] = lp.poll()["events"][0]["data"]["connection_token"]
        with Rig(env={"NODE_COOKIE": "stale-cookie"}) as new:
            for conn_kind, token in tokens.items():
                for path_kind in ("sse", "ws", "longpolling"):
                    with self.subTest(connection=conn_kind, path=path_kind):
                        status, hdrs, body = new.request(
                            "PUT", "/_rig/v1/connection/%s/%s/subscriptions" % (path_kind, token),
                            {"subscriptions": []})
                        self.assertEqual(status, 410, body)
                        self.assertEqual(json.loads(body),
                                         {"error": "Connection no longer exists."})
                        self.assertEqual(hdrs.get("access-control-allow-origin"), "*")
            # A stale long-polling cookie starts a new session.
            lp = LongPollClient(new)
            lp.cookies["connection_token"] = tokens["longpolling"]
            status, _, body = lp.get()
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body), "ok")
            self.assertNotEqual(lp.cookies["connection_token"], tokens["longpolling"])
        with Rig(env={"NODE_COOKIE": "another-cookie"}) as other:
            status, _, body = other.request(
                "PUT", "/_rig/v1/connection/sse/%s/subscriptions" % tokens["sse"],
                {"subscriptions": []})
            self.assertEqual(status, 400, body)
            self.assertEqual(json.loads(body), {"error": "Invalid connection token."})

    def test_body_errors_come_before_token_errors(self):
        # §2.10: content negotiation and the body are checked before the token.
        with Rig() as rig:
            status, _, body = rig.request("PUT", "/_rig/v1/connection/sse/AAAA/subscriptions",
                                          {"subscriptions": []}, {"Accept": "text/html"})
            self.assertEqual(status, 406, body)
            status, _, body = rig.request("PUT", "/_rig/v1/connection/sse/AAAA/subscriptions", {})
            self.assertEqual(status, 400, body)
            self.assertIn('"subscriptions"', json.loads(body)["error"])


if __name__ == "__main__":
    unittest.main()
