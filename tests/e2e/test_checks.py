"""SUBSCRIPTION_CHECK and SUBMISSION_CHECK: no_check, jwt_validation and an external HTTP service
(allowing, denying, timing out, unreachable), with what rig sends to that service.

Contract: spec §5.2 (Authorization parsing), §5.3, §5.4, §2.4 step 5 (the connect-time check runs
only when the `subscriptions` param is present and non-empty, even `[]`), §2.10 step 3, §2.12,
§13.6 (42-45), §13.20 133, and spec/README.md item 8 (SUBMISSION_CHECK works as documented).
Our deliberate differences: long-polling connect is checked like SSE (RIG skipped it) and answers
400 "Subscription denied (not authorized)."; error bodies are JSON {"error": ...}; the service's
answer is 2xx = allow, anything else (and a timeout, RIG_CHECK_TIMEOUT_MS, or a connection
error) = deny. The internal POST :api/v3/messages is never checked.

The external service is a StubServer (rig_harness) in this process. A slow service is simulated
by a handler that waits on a threading.Event longer than RIG_CHECK_TIMEOUT_MS=300; the test never
sleeps.
"""

import json
import re
import socket
import threading
import unittest

from rig_harness import (check_json_error, LongPollClient, make_event, make_jwt, parse_close,
                         quote, Rig, run_rig_expecting_failure, SharedRigTestCase, SseClient,
                         StubServiceMixin, WsClient)

SECRET = "check-secret"
EXTRACTORS = json.dumps({"greeting": {"name": {
    "stable_field_index": 0, "event": {"json_pointer": "/data/name"},
    "jwt": {"json_pointer": "/username"}}}})
BASE_ENV = {"JWT_SECRET_KEY": SECRET, "EXTRACTORS": EXTRACTORS}
GREETING = [{"eventType": "greeting"}]
GREETING1 = [{"eventType": "greeting1"}]
GREETING2 = [{"eventType": "greeting2"}]
SSE_DENIED = "Subscription denied (not authorized)."
PUT_DENIED = "Subscription denied."
SUBMISSION_DENIED = "Submission denied."
WS_BAD_REQUEST = (1000, "Bad request.")


def valid_jwt(**claims):
    claims.setdefault("username", "alice")
    return make_jwt(claims, secret=SECRET)


class CheckTestCase(SharedRigTestCase):
    env = BASE_ENV
    counter = 0

    def unique(self, label):
        type(self).counter += 1
        return "%s-%d" % (label, type(self).counter)

    def assert_json_error(self, status, hdrs, body, expected_status, text=None, contains=None):
        return check_json_error(self, status, hdrs, body, expected_status, equals=text,
                                contains=contains)

    @staticmethod
    def query(subscriptions=None, jwt=None, raw_subscriptions=None):
        params = []
        if subscriptions is not None:
            params.append("subscriptions=" + quote(subscriptions))
        if raw_subscriptions is not None:
            params.append("subscriptions=" + raw_subscriptions)
        if jwt is not None:
            params.append("jwt=" + quote(jwt))
        return "&".join(params)

    # -- connect: accepted or refused, per transport ------------------------------------------

    def sse_ok(self, query=""):
        client = SseClient(self.rig, query)
        self.addCleanup(client.close)
        self.assertEqual(client.status, 200, client.body)
        _, subs = client.connect_events()
        return client, subs

    def ws_ok(self, query=""):
        client = WsClient(self.rig, query)
        self.addCleanup(client.close)
        self.assertEqual(client.status, 101)
        _, subs = client.connect_events()
        return client, subs

    def lp_ok(self, query=""):
        lp = LongPollClient(self.rig)
        status, _, body = lp.get(query)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), "ok")
        events = lp.poll()["events"]
        self.assertEqual(events[1]["type"], "rig.subscriptions_set")
        return lp, events[1]["data"]

    def connect_ok(self, kind, query=""):
        return {"sse": self.sse_ok, "ws": self.ws_ok, "lp": self.lp_ok}[kind](query)

    def sse_refused(self, query, text=SSE_DENIED, contains=None):
        client = SseClient(self.rig, query)
        self.addCleanup(client.close)
        self.assert_json_error(client.status, client.headers, client.body, 400,
                               text if contains is None else None, contains)

    def ws_refused(self, query):
        client = WsClient(self.rig, query)
        self.addCleanup(client.close)
        self.assertEqual(client.status, 101)
        opcode, payload = client.recv_frame()
        self.assertEqual(opcode, 0x8, "expected a close frame first, got %r" % payload)
        client.send_frame(0x8, payload[:2])
        self.assertEqual(parse_close(payload), WS_BAD_REQUEST)

    def lp_refused(self, query, text=SSE_DENIED, contains=None):
        status, hdrs, body = LongPollClient(self.rig).get(query)
        self.assert_json_error(status, hdrs, body, 400, text if contains is None else None,
                               contains)

    def refused_everywhere(self, query):
        self.sse_refused(query)
        self.ws_refused(query)
        self.lp_refused(query)

    def accepted_everywhere(self, query):
        for kind in ("sse", "ws", "lp"):
            with self.subTest(kind=kind):
                self.connect_ok(kind, query)

    # -- PUT / POST subscriptions and events --------------------------------------------------

    def subscribe(self, client, subscriptions, headers=None, method="PUT", body=None):
        """PUT or POST .../subscriptions; headers may be a dict or a list of pairs."""
        token = client.token if hasattr(client, "token") else client
        if body is None:
            body = json.dumps({"subscriptions": subscriptions})
        if isinstance(headers, list):
            if not any(k.lower() == "content-type" for k, _ in headers):
                headers = headers + [("Content-Type", "application/json")]
        else:
            headers = dict({"Content-Type": "application/json"}, **(headers or {}))
        return self.rig.request(method, "/_rig/v1/connection/sse/%s/subscriptions" % token,
                                body, headers)

    def assert_subscribe_denied(self, client, headers=None, method="PUT"):
        status, hdrs, body = self.subscribe(client, GREETING2, headers, method)
        self.assert_json_error(status, hdrs, body, 403, PUT_DENIED)

    def assert_subscribe_allowed(self, client, headers=None, method="PUT"):
        status, _, body = self.subscribe(client, GREETING2, headers, method)
        self.assertEqual(status, 204 if method == "PUT" else 201, body)
        ev = client.next_event()
        self.assertEqual(ev["type"], "rig.subscriptions_set", ev)

    def submit(self, event, headers=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        body = event if isinstance(event, (bytes, str)) else json.dumps(event)
        return self.rig.request("POST", "/_rig/v1/events", body, h)

    def subscriber(self, event_type):
        """An SSE client subscribed to `event_type` through a PUT (the PUT may be checked)."""
        client, _ = self.sse_ok()
        status, _, body = self.subscribe(client, [{"eventType": event_type}],
                                         {"Authorization": "Bearer " + valid_jwt()})
        self.assertEqual(status, 204, body)
        self.assertEqual(client.next_event()["type"], "rig.subscriptions_set")
        return client

    def expect_only(self, client, event_type, wanted_id):
        """After submissions that may or may not have been delivered, a marker published on the
        internal API (never checked): the client's next events are `wanted_id` (if any), then
        the marker."""
        marker = self.unique("marker")
        status, _, body = self.rig.publish(make_event(event_type, marker), api=True)
        self.assertEqual(status, 202, body)
        got = [client.next_event()["id"]]
        if wanted_id is not None:
            got.append(client.next_event()["id"])
        self.assertEqual(got, ([wanted_id] if wanted_id else []) + [marker])


class NoCheck(CheckTestCase):
    """Default (unset) and explicit no_check: everything is allowed without credentials."""

    def test_default_and_explicit_no_check(self):
        for value in (None, "no_check", "NO_CHECK", ""):
            with self.subTest(value=value):
                env = dict(BASE_ENV, SUBSCRIPTION_CHECK=value, SUBMISSION_CHECK=value)
                with Rig(env=env) as rig:
                    query = self.query(GREETING)
                    sse = SseClient(rig, query)
                    self.assertEqual(sse.status, 200, sse.body)
                    sse.connect_events()
                    ws = WsClient(rig, query)
                    self.assertEqual(ws.status, 101)
                    ws.connect_events()
                    status, _, body = LongPollClient(rig).get(query)
                    self.assertEqual(status, 200, body)
                    for method, expected in (("PUT", 204), ("POST", 201)):
                        status, _, body = rig.request(
                            method, "/_rig/v1/connection/sse/%s/subscriptions" % sse.token,
                            {"subscriptions": GREETING})
                        self.assertEqual(status, expected, body)
                        self.assertEqual(sse.next_event()["type"], "rig.subscriptions_set")
                    status, _, body = rig.publish(make_event("greeting", "free"))
                    self.assertEqual(status, 202, body)
                    self.assertEqual(sse.next_event()["id"], "free")
                    self.assertEqual(ws.next_event()["id"], "free")
                    sse.close()
                    ws.close()

    def test_invalid_check_setting_stops_rig(self):
        for name in ("SUBSCRIPTION_CHECK", "SUBMISSION_CHECK"):
            with self.subTest(variable=name):
                code, _, err = run_rig_expecting_failure({name: "sometimes"})
                self.assertEqual(code, 2, err)
                self.assertIn(name, err)


class JwtValidation(CheckTestCase):
    # The mode names are case-insensitive.
    env = dict(BASE_ENV, SUBSCRIPTION_CHECK="JWT_VALIDATION", SUBMISSION_CHECK="jwt_validation")

    def test_133_connect_with_subscriptions_needs_a_valid_jwt(self):
        self.sse_refused(self.query(GREETING))
        self.ws_refused(self.query(GREETING))
        self.lp_refused(self.query(GREETING))

    def test_133_connect_without_subscriptions_is_not_checked(self):
        for query in ("", "subscriptions=", "jwt=&subscriptions="):
            with self.subTest(query=query):
                self.accepted_everywhere(query)

    def test_empty_list_counts_as_present(self):
        self.refused_everywhere(self.query([]))
        for kind in ("sse", "ws", "lp"):
            with self.subTest(kind=kind):
                _, subs = self.connect_ok(kind, self.query([], valid_jwt(username="bob")))
                self.assertEqual(subs, [{"eventType": "greeting", "oneOf": [{"name": "bob"}]}])

    def test_the_jwt_param_is_the_credential_at_connect(self):
        for kind in ("sse", "ws", "lp"):
            with self.subTest(kind=kind):
                _, subs = self.connect_ok(kind, self.query(GREETING1, valid_jwt()))
                self.assertEqual(subs, [{"eventType": "greeting", "oneOf": [{"name": "alice"}]},
                                        {"eventType": "greeting1", "oneOf": []}])

    def test_invalid_jwt_param_is_a_jwt_error(self):
        expired = make_jwt({"username": "alice"}, secret=SECRET, expires_in=-3600)
        for jwt in (expired, make_jwt({}, secret="wrong"), "garbage"):
            with self.subTest(jwt=jwt[:12]):
                query = self.query(GREETING, jwt)
                self.sse_refused(query, contains="could not decode JWT")
                self.ws_refused(query)
                self.lp_refused(query, contains="could not decode JWT")

    def test_133_put_and_post_without_authorization_are_403(self):
        client, _ = self.sse_ok()
        for method in ("PUT", "POST"):
            with self.subTest(method=method):
                self.assert_subscribe_denied(client, method=method)
        # Nothing changed: the next rig.subscriptions_set is the one of this allowed PUT.
        self.assert_subscribe_allowed(client, {"Authorization": "Bearer " + valid_jwt()})

    def test_authorization_forms_that_allow(self):
        jwt = valid_jwt()
        allowed = {
            "Bearer": [("Authorization", "Bearer " + jwt)],
            "lowercase scheme": [("Authorization", "bearer " + jwt)],
            "uppercase scheme": [("Authorization", "BEARER " + jwt)],
            "no scheme": [("Authorization", jwt)],
            "second of a comma list": [("Authorization", "Basic dXNlcjpwdw==, Bearer " + jwt)],
            "comma list without spaces": [("Authorization", "Basic dXNlcjpwdw==,Bearer " + jwt)],
            "repeated header": [("Authorization", "Basic dXNlcjpwdw=="),
                                ("Authorization", "Bearer " + jwt)],
        }
        client, _ = self.sse_ok()
        for label, headers in allowed.items():
            for method in ("PUT", "POST"):
                with self.subTest(form=label, method=method):
                    self.assert_subscribe_allowed(client, headers, method)

    def test_authorization_forms_that_deny(self):
        expired = make_jwt({"username": "alice"}, secret=SECRET, expires_in=-3600)
        denied = {
            "other scheme": "Basic " + valid_jwt(),
            "expired": "Bearer " + expired,
            "wrong secret": "Bearer " + make_jwt({"username": "alice"}, secret="wrong"),
            "no exp": "Bearer " + make_jwt({"username": "alice", "exp": None}, secret=SECRET),
            "garbage": "Bearer garbage",
            "empty": "",
            "two invalid": "Bearer garbage, Bearer " + expired,
        }
        client, _ = self.sse_ok()
        for label, value in denied.items():
            for method in ("PUT", "POST"):
                with self.subTest(form=label, method=method):
                    self.assert_subscribe_denied(client, {"Authorization": value}, method)
        self.assert_subscribe_allowed(client, {"Authorization": "Bearer " + valid_jwt()})

    def test_blacklisted_token_is_denied(self):
        jti = self.unique("blacklisted")
        jwt = valid_jwt(jti=jti)
        client, _ = self.sse_ok()
        self.assert_subscribe_allowed(client, {"Authorization": "Bearer " + jwt})
        status, _, body = self.rig.request("POST", "/v3/session-blacklist",
                                           {"sessionId": jti, "validityInSeconds": 60}, api=True)
        self.assertEqual(status, 201, body)
        other, _ = self.sse_ok()
        self.assert_subscribe_denied(other, {"Authorization": "Bearer " + jwt})
        status, hdrs, body = self.submit(make_event("greeting", self.unique("bl")),
                                         {"Authorization": "Bearer " + jwt})
        self.assert_json_error(status, hdrs, body, 403, SUBMISSION_DENIED)

    def test_submission_needs_a_valid_bearer_token(self):
        sub = self.subscriber("submitted")
        jwt = valid_jwt()
        expired = make_jwt({"username": "alice"}, secret=SECRET, expires_in=-3600)
        for label, headers in (("none", {}), ("expired", {"Authorization": "Bearer " + expired}),
                               ("other scheme", {"Authorization": "Basic " + jwt}),
                               ("garbage", {"Authorization": "Bearer nope"})):
            with self.subTest(denied=label):
                status, hdrs, body = self.submit(make_event("submitted", self.unique("no")),
                                                 headers)
                self.assert_json_error(status, hdrs, body, 403, SUBMISSION_DENIED)
                self.expect_only(sub, "submitted", None)
        for label, value in (("Bearer", "Bearer " + jwt), ("lowercase", "bearer " + jwt),
                             ("no scheme", jwt), ("comma list", "Basic abc, Bearer " + jwt)):
            with self.subTest(allowed=label):
                eid = self.unique("yes")
                status, _, body = self.submit(make_event("submitted", eid),
                                              {"Authorization": value})
                self.assertEqual(status, 202, body)
                self.expect_only(sub, "submitted", eid)

    def test_internal_messages_are_never_checked(self):
        sub = self.subscriber("internal")
        eid = self.unique("internal")
        status, _, body = self.rig.publish(make_event("internal", eid), api=True)
        self.assertEqual(status, 202, body)
        self.assertEqual(sub.next_event()["id"], eid)


class UrlCheck(StubServiceMixin, CheckTestCase):
    """An external service that answers per test (allow everything unless a test says
    otherwise). Subscriptions are checked at <stub>/subscriptions, submissions at
    <stub>/submissions."""

    @classmethod
    def stub_env(cls, url):
        return dict(BASE_ENV, SUBSCRIPTION_CHECK=url + "/subscriptions",
                    SUBMISSION_CHECK=url + "/submissions", RIG_CHECK_TIMEOUT_MS="300")

    def calls(self, path=None):
        """The service's requests since this test began (optionally only to `path`)."""
        with self.stub.cond:
            reqs = self.stub.requests[self.first:]
        return [r for r in reqs if path is None or r["path"] == path]

    def deny_all(self, status=400, body="NO WAY!"):
        self.stub.respond = lambda req: (status, body, {"Content-Type": "text/plain"})

    def test_42_service_allows(self):
        for kind in ("sse", "ws", "lp"):
            with self.subTest(kind=kind):
                _, subs = self.connect_ok(kind, self.query(GREETING1))
                self.assertEqual(subs, [{"eventType": "greeting1", "oneOf": []}])
        self.assertEqual(len(self.calls("/subscriptions")), 3)
        client, _ = self.sse_ok()
        self.assert_subscribe_allowed(client)
        self.assert_subscribe_allowed(client, method="POST")
        self.assertEqual(len(self.calls("/subscriptions")), 5)
        for r in self.calls():
            self.assertEqual(r["method"], "POST")

    def test_43_service_denies(self):
        self.deny_all(400, "NO WAY!")
        self.refused_everywhere(self.query(GREETING1))
        self.assertEqual(len(self.calls("/subscriptions")), 3)
        # Without the subscriptions param there is no check.
        self.accepted_everywhere("")
        self.accepted_everywhere("subscriptions=")
        self.assertEqual(len(self.calls("/subscriptions")), 3)
        client, _ = self.sse_ok()
        self.assert_subscribe_denied(client)
        self.assert_subscribe_denied(client, method="POST")
        self.assertEqual(len(self.calls("/subscriptions")), 5)

    def test_only_2xx_allows(self):
        client, _ = self.sse_ok()
        for status in (200, 201, 202, 204, 299):
            with self.subTest(allowing=status):
                self.stub.respond = lambda req, s=status: (s, "")
                self.sse_ok(self.query(GREETING1))
                self.assert_subscribe_allowed(client)
        for status in (301, 400, 401, 403, 404, 418, 500, 503):
            with self.subTest(denying=status):
                self.stub.respond = lambda req, s=status: (s, "denied")
                self.sse_refused(self.query(GREETING1))
                self.assert_subscribe_denied(client)
                status_, hdrs, body = self.submit(make_event("x", self.unique("x")))
                self.assert_json_error(status_, hdrs, body, 403, SUBMISSION_DENIED)

    def test_empty_list_is_checked(self):
        self.deny_all()
        self.refused_everywhere(self.query([]))
        self.assertEqual([json.loads(r["body"]) for r in self.calls("/subscriptions")],
                         [{"subscriptions": []}] * 3)

    def test_44_authorization_is_forwarded(self):
        # The service accepts only "authorization: Bearer <non-empty>".
        def respond(req):
            ok = re.fullmatch(r"Bearer \S+", req["headers"].get("authorization", ""))
            return (200, {}) if ok else (403, "no bearer")
        self.stub.respond = respond
        jwt = valid_jwt()
        client, _ = self.sse_ok()  # plain connect: not checked
        self.assertEqual(self.calls(), [])
        self.assert_subscribe_denied(client)
        self.assert_subscribe_allowed(client, {"Authorization": "Bearer " + jwt})
        self.assertEqual(self.calls()[-1]["headers"]["authorization"], "Bearer " + jwt)
        # At connect, the jwt param is sent as "Bearer <jwt>"; without it, no header at all.
        for kind in ("sse", "ws", "lp"):
            with self.subTest(kind=kind):
                self.connect_ok(kind, self.query(GREETING, jwt))
                self.assertEqual(self.calls()[-1]["headers"].get("authorization"),
                                 "Bearer " + jwt)
        self.refused_everywhere(self.query(GREETING))
        for r in self.calls()[-3:]:
            self.assertNotIn("authorization", r["headers"])

    def test_authorization_headers_are_forwarded_as_sent(self):
        jwt = valid_jwt()
        client, _ = self.sse_ok()
        cases = [
            ([("Authorization", "Bearer " + jwt)], "Bearer " + jwt),
            ([("Authorization", "Basic dXNlcjpwdw==, bearer " + jwt)],
             "Basic dXNlcjpwdw==, bearer " + jwt),
            ([("Authorization", "Basic dXNlcjpwdw=="), ("Authorization", "Bearer " + jwt)],
             "Basic dXNlcjpwdw==, Bearer " + jwt),
        ]
        for headers, forwarded in cases:
            with self.subTest(headers=headers):
                self.assert_subscribe_allowed(client, headers)
                self.assertEqual(self.calls()[-1]["headers"]["authorization"], forwarded)
        self.assert_subscribe_allowed(client)
        self.assertNotIn("authorization", self.calls()[-1]["headers"])

    def test_content_type_is_forwarded(self):
        client, _ = self.sse_ok()
        for ctype in ("application/json", "application/json; charset=UTF-8"):
            with self.subTest(content_type=ctype):
                self.assert_subscribe_allowed(client, {"Content-Type": ctype})
                self.assertEqual(self.calls()[-1]["headers"]["content-type"], ctype)
        for kind in ("sse", "ws", "lp"):
            with self.subTest(kind=kind):
                self.connect_ok(kind, self.query(GREETING))
                self.assertEqual(self.calls()[-1]["headers"]["content-type"],
                                 "application/json; charset=utf-8")

    def test_45_body_format(self):
        # The service accepts only the body {"subscriptions":[{"eventType":"greeting"}]}.
        def respond(req):
            try:
                ok = json.loads(req["body"]) == {"subscriptions": [{"eventType": "greeting"}]}
            except ValueError:
                ok = False
            return (200, {}) if ok else (400, "unexpected body")
        self.stub.respond = respond
        for kind in ("sse", "ws", "lp"):
            with self.subTest(kind=kind):
                _, subs = self.connect_ok(kind, self.query(GREETING))
                self.assertEqual(subs, [{"eventType": "greeting", "oneOf": []}])
        # The JWT's inferred subscriptions are not part of the body: only what was sent.
        self.sse_ok(self.query(GREETING, valid_jwt()))
        # Long polling also takes {"subscriptions": [...]}: the body is the same.
        self.lp_ok(self.query({"subscriptions": GREETING}))
        client, _ = self.sse_ok()
        status, _, body = self.subscribe(client, GREETING)
        self.assertEqual(status, 204, body)
        self.assertEqual(client.next_event()["type"], "rig.subscriptions_set")
        # Anything else is refused by this service.
        self.refused_everywhere(self.query(GREETING1))
        self.assert_subscribe_denied(client)

    def test_put_body_is_forwarded_as_sent(self):
        client, _ = self.sse_ok()
        raw = '{ "subscriptions" : [ {"eventType": "greeting", "oneOf": [ {"name": "a"} ]} ] }'
        status, _, body = self.subscribe(client, None, body=raw)
        self.assertEqual(status, 204, body)
        self.assertEqual(client.next_event()["type"], "rig.subscriptions_set")
        self.assertEqual(self.calls("/subscriptions")[-1]["body"], raw.encode())

    def test_connect_body_holds_the_query_param(self):
        subs = [{"eventType": "greeting", "oneOf": [{"name": "alice"}]},
                {"event_type": "other"}]
        self.sse_ok(self.query(subs))
        call = self.calls("/subscriptions")[-1]
        self.assertEqual(json.loads(call["body"]), {"subscriptions": subs})

    def test_timeout_denies(self):
        release = threading.Event()
        self.addCleanup(release.set)
        self.stub.respond = lambda req: (release.wait(30), (200, {}))[1]
        self.refused_everywhere(self.query(GREETING))
        client, _ = self.sse_ok()
        self.assert_subscribe_denied(client)
        status, hdrs, body = self.submit(make_event("slow", self.unique("slow")))
        self.assert_json_error(status, hdrs, body, 403, SUBMISSION_DENIED)
        self.assertEqual(len(self.calls("/subscriptions")), 4)
        self.assertEqual(len(self.calls("/submissions")), 1)

    def test_submission_allowed(self):
        sub = self.subscriber("submitted")
        eid = self.unique("allowed")
        raw = ('{"specversion":"1.0", "type": "submitted", "id": "%s", "source": "test",\n'
               ' "data": {"name": "alice"}}' % eid)
        headers = [("Content-Type", "application/cloudevents+json; charset=utf-8"),
                   ("Authorization", "Bearer token-one"),
                   ("Authorization", "Basic dXNlcjpwdw==")]
        status, _, body = self.rig.request("POST", "/_rig/v1/events", raw, headers)
        self.assertEqual(status, 202, body)
        self.expect_only(sub, "submitted", eid)
        calls = self.calls("/submissions")
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0]["method"], "POST")
        self.assertEqual(calls[0]["body"], raw.encode())
        self.assertEqual(calls[0]["headers"]["content-type"],
                         "application/cloudevents+json; charset=utf-8")
        self.assertEqual(calls[0]["headers"]["authorization"],
                         "Bearer token-one, Basic dXNlcjpwdw==")
        # Subscription checks and submission checks go to their own URLs.
        self.assertEqual(len(self.calls("/subscriptions")), 1)  # the subscriber's PUT

    def test_submission_without_authorization(self):
        sub = self.subscriber("submitted")
        eid = self.unique("noauth")
        status, _, body = self.submit(make_event("submitted", eid))
        self.assertEqual(status, 202, body)
        self.expect_only(sub, "submitted", eid)
        self.assertNotIn("authorization", self.calls("/submissions")[-1]["headers"])

    def test_submission_denied(self):
        sub = self.subscriber("submitted")
        for status_code in (400, 401, 403, 500):
            with self.subTest(service_status=status_code):
                self.stub.respond = lambda req, s=status_code: (s, "no")
                status, hdrs, body = self.submit(make_event("submitted", self.unique("denied")),
                                                 {"Authorization": "Bearer x"})
                self.assert_json_error(status, hdrs, body, 403, SUBMISSION_DENIED)
                self.expect_only(sub, "submitted", None)

    def test_internal_messages_are_never_checked(self):
        self.deny_all()
        status, _, body = self.rig.publish(make_event("internal", self.unique("i")), api=True)
        self.assertEqual(status, 202, body)
        status, _, body = self.rig.request(
            "POST", "/v2/messages", json.dumps(make_event("internal", self.unique("i"))),
            {"Content-Type": "application/json"}, api=True)
        self.assertEqual(status, 202, body)
        self.assertEqual(self.calls("/submissions"), [])


class UnreachableCheck(CheckTestCase):
    """The check service is down (nothing listens on its port): everything checked is denied."""

    @classmethod
    def setUpClass(cls):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        url = "http://127.0.0.1:%d/check" % port
        cls.env = dict(BASE_ENV, SUBSCRIPTION_CHECK=url, SUBMISSION_CHECK=url,
                       RIG_CHECK_TIMEOUT_MS="2000")
        super().setUpClass()

    def test_connection_error_denies(self):
        self.refused_everywhere(self.query(GREETING, valid_jwt()))
        self.accepted_everywhere("")
        client, _ = self.sse_ok()
        self.assert_subscribe_denied(client, {"Authorization": "Bearer " + valid_jwt()})
        status, hdrs, body = self.submit(make_event("x", "unreachable"))
        self.assert_json_error(status, hdrs, body, 403, SUBMISSION_DENIED)
        status, _, body = self.rig.publish(make_event("x", "internal"), api=True)
        self.assertEqual(status, 202, body)


if __name__ == "__main__":
    unittest.main()
