"""Long polling (spec §2.6, §13.1 items 3/6/9, §13.5 scenarios 31-41, §13.20 item 141) plus
our deliberate fixes (spec/README.md item 8): a bad cookie starts a new session, events of
every kind are delivered, and a client whose last_event_id fell out of the buffer gets the
whole buffer."""

import json
import threading
import unittest

from rig_harness import (Conn, KeepAlivePublisher, LongPollClient, Rig, SseClient, TIMEOUT,
                         make_event, make_jwt, quote, read_response_head)

LP = "/_rig/v1/connection/longpolling"
LP_GAUGE = 'rig_connections{transport="longpolling"}'
HOLD = {"RIG_LONGPOLL_HOLD_MS": "300"}
GREETING_EXTRACTOR = json.dumps({"greeting": {"name": {
    "stable_field_index": 1,
    "event": {"json_pointer": "/data/name"},
    "jwt": {"json_pointer": "/username"}}}})
JWT_ENV = dict(HOLD, EXTRACTORS=GREETING_EXTRACTOR, JWT_SECRET_KEY="mysecret")

ALICE = {"eventType": "greeting", "oneOf": [{"name": "alice"}]}
BOB = {"eventType": "greeting", "oneOf": [{"name": "bob"}]}
CHARLIE = {"eventType": "greeting", "oneOf": [{"name": "charlie"}]}


def cookies_of(hdrs):
    """{name: (value, attributes lowercased)} of the response's Set-Cookie headers."""
    out = {}
    for name, value in hdrs["all"]:
        if name == "set-cookie":
            k, _, rest = value.partition("=")
            val, _, attrs = rest.partition(";")
            out[k.strip()] = (val, [a.strip().lower() for a in attrs.split(";") if a.strip()])
    return out


def sort_subs(subs):
    return sorted(subs, key=lambda s: json.dumps(s, sort_keys=True))


class LongPollTestCase(unittest.TestCase):
    def connect(self, rig, query=""):
        lp = LongPollClient(rig)
        status, hdrs, body = lp.get(query)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), "ok")
        return lp

    def put_subs(self, rig, lp, subs, headers=None, path_kind="longpolling"):
        token = lp.cookies["connection_token"]
        return rig.request("PUT", "/_rig/v1/connection/%s/%s/subscriptions" % (path_kind, token),
                           {"subscriptions": subs}, headers=headers)

    def assert_error(self, status, body, expected_status, fragment):
        self.assertEqual(status, expected_status, body)
        err = json.loads(body)
        self.assertIn("error", err)
        self.assertIn(fragment, err["error"])


class Connect(LongPollTestCase):
    def test_connect_response_and_cookies(self):
        with Rig(env=HOLD) as rig:
            lp = LongPollClient(rig)
            status, hdrs, body = lp.get()
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body), "ok")
            self.assertEqual(hdrs["content-type"], "application/json; charset=utf-8")
            self.assertEqual(hdrs["cache-control"], "no-cache")
            self.assertEqual(hdrs["access-control-allow-origin"], "*")
            self.assertEqual(hdrs["access-control-allow-credentials"], "true")
            cookies = cookies_of(hdrs)
            token, attrs = cookies["connection_token"]
            self.assertTrue(token)
            for bad in "#/?":
                self.assertNotIn(bad, token)
            self.assertIn("path=/", attrs)
            self.assertIn("httponly", attrs)
            self.assertEqual(cookies["last_event_id"][0], '"first_event"')
            self.assertIn("path=/", cookies["last_event_id"][1])

    def test_first_poll_returns_connection_create_and_subscriptions_set(self):
        # §13.5 scenario 31
        with Rig(env=HOLD) as rig:
            lp = self.connect(rig)
            token = lp.cookies["connection_token"]
            status, hdrs, body = lp.get()
            self.assertEqual(status, 200, body)
            self.assertEqual(hdrs["content-type"], "application/json; charset=utf-8")
            self.assertEqual(hdrs["cache-control"], "no-cache")
            self.assertEqual(hdrs["access-control-allow-origin"], "*")
            self.assertEqual(hdrs["access-control-allow-credentials"], "true")
            res = json.loads(body)
            self.assertEqual(set(res), {"last_event_id", "events"})
            events = res["events"]
            self.assertEqual([e["type"] for e in events],
                             ["rig.connection.create", "rig.subscriptions_set"])
            self.assertEqual(events[0]["source"], "rig")
            self.assertEqual(events[0]["specversion"], "1.0")
            self.assertEqual(events[0]["data"]["connection_token"], token)
            self.assertEqual(events[0]["data"]["connectionToken"], token)
            self.assertEqual(events[1]["data"], [])
            self.assertEqual(res["last_event_id"], events[1]["id"])
            # Cookies re-set: same token, last_event_id = JSON-encoded newest id.
            cookies = cookies_of(hdrs)
            self.assertEqual(cookies["connection_token"][0], token)
            self.assertEqual(cookies["last_event_id"][0], json.dumps(events[1]["id"]))

            # §13.20 item 141: nothing new → after the hold time, events [] and the same id.
            res2 = lp.poll()
            self.assertEqual(res2, {"last_event_id": events[1]["id"], "events": []})
            self.assertEqual(lp.cookies["last_event_id"], json.dumps(events[1]["id"]))

    def test_missing_last_event_id_cookie_means_first_event(self):
        with Rig(env=HOLD) as rig:
            lp = self.connect(rig)
            self.assertEqual(len(lp.poll()["events"]), 2)
            del lp.cookies["last_event_id"]
            self.assertEqual([e["type"] for e in lp.poll()["events"]],
                             ["rig.connection.create", "rig.subscriptions_set"])

    def test_connect_with_subscriptions_param(self):
        # §13.5 scenario 32, with both accepted shapes of the parameter.
        with Rig(env=HOLD) as rig:
            for param in ([ALICE, {"eventType": "other"}],
                          {"subscriptions": [ALICE, {"eventType": "other"}]}):
                with self.subTest(param=param):
                    lp = self.connect(rig, "subscriptions=" + quote(param))
                    events = lp.poll()["events"]
                    self.assertEqual(events[1]["type"], "rig.subscriptions_set")
                    self.assertEqual(events[1]["data"],
                                     [ALICE, {"eventType": "other", "oneOf": []}])

    def test_empty_jwt_and_subscriptions_params(self):
        # §13.1 scenario 3
        with Rig(env=HOLD) as rig:
            status, hdrs, body = rig.request("GET", LP + "?jwt=&subscriptions=")
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body), "ok")

    def test_connect_errors(self):
        # §13.1 scenarios 6 and 9; errors carry CORS headers.
        with Rig(env=JWT_ENV) as rig:
            status, hdrs, body = rig.request("GET", LP + "?jwt=foobar")
            self.assert_error(status, body, 400, "could not parse subscriptions: "
                                                 "could not decode JWT")
            self.assertEqual(hdrs.get("access-control-allow-origin"), "*")
            self.assertNotIn("set-cookie", hdrs)

            status, hdrs, body = rig.request(
                "GET", LP + "?subscriptions=" + quote("can't { be [ parsed."))
            self.assert_error(status, body, 400, "could not parse subscriptions")
            self.assertEqual(hdrs.get("access-control-allow-origin"), "*")

            status, hdrs, body = rig.request(
                "GET", LP + "?subscriptions=" + quote([{"this": "is not", "a": "sub"}]))
            self.assert_error(status, body, 400, "could not parse subscriptions")

    def test_jwt_inferred_subscriptions(self):
        # §13.5 scenarios 33 and 34
        jwt = make_jwt({"username": "alice"})
        with Rig(env=JWT_ENV) as rig:
            lp = self.connect(rig, "jwt=" + jwt)
            self.assertEqual(lp.poll()["events"][1]["data"], [ALICE])

            lp = self.connect(rig, "jwt=%s&subscriptions=%s" % (jwt, quote([BOB])))
            self.assertEqual(sort_subs(lp.poll()["events"][1]["data"]), sort_subs([ALICE, BOB]))

    def test_preflight(self):
        with Rig(env=HOLD) as rig:
            status, hdrs, body = rig.request("OPTIONS", LP)
            self.assertEqual(status, 204)
            self.assertEqual(body, b"")
            self.assertEqual(hdrs["access-control-allow-methods"], "GET")
            self.assertEqual(hdrs["access-control-allow-credentials"], "true")
            self.assertEqual(hdrs["access-control-allow-origin"], "*")
            self.assertEqual(hdrs["access-control-allow-headers"], "*")

            status, hdrs, body = rig.request("OPTIONS", LP + "/sometoken/subscriptions")
            self.assertEqual(status, 204)
            # PUT replaces; POST (our addition, spec/README.md item 1) adds.
            self.assertIn("PUT", [m.strip() for m in
                                  hdrs["access-control-allow-methods"].split(",")])
            self.assertEqual(hdrs["access-control-allow-origin"], "*")


class Subscriptions(LongPollTestCase):
    def test_put_replaces_jwt_subscriptions(self):
        # §13.5 scenario 35
        jwt = make_jwt({"username": "alice"})
        with Rig(env=JWT_ENV) as rig:
            lp = self.connect(rig, "jwt=" + jwt)
            self.assertEqual(lp.poll()["events"][1]["data"], [ALICE])
            status, _, body = self.put_subs(rig, lp, [BOB])
            self.assertEqual(status, 204, body)
            events = lp.poll()["events"]
            self.assertEqual(events[0]["type"], "rig.subscriptions_set")
            self.assertEqual(events[0]["data"], [BOB])

    def test_put_with_authorization_adds_jwt_subscriptions(self):
        # §13.5 scenarios 36 and 37
        jwt = make_jwt({"username": "alice"})
        with Rig(env=JWT_ENV) as rig:
            lp = self.connect(rig)
            lp.poll()
            status, _, body = self.put_subs(rig, lp, [], {"Authorization": "Bearer " + jwt})
            self.assertEqual(status, 204, body)
            self.assertEqual(lp.poll()["events"][0]["data"], [ALICE])

            lp = self.connect(rig, "subscriptions=" + quote([BOB]))
            self.assertEqual(lp.poll()["events"][1]["data"], [BOB])
            status, _, body = self.put_subs(rig, lp, [CHARLIE],
                                            {"Authorization": "Bearer " + jwt})
            self.assertEqual(status, 204, body)
            events = lp.poll()["events"]
            self.assertEqual(events[0]["type"], "rig.subscriptions_set")
            self.assertEqual(sort_subs(events[0]["data"]), sort_subs([ALICE, CHARLIE]))

    def test_put_errors(self):
        # §13.5 scenario 38: no rig.subscriptions_set follows a failed PUT.
        with Rig(env=JWT_ENV) as rig:
            lp = self.connect(rig)
            last = lp.poll()["last_event_id"]
            status, _, body = self.put_subs(rig, lp, [{"this": "is not", "a": "subscription"}])
            self.assert_error(status, body, 400, "could not parse given subscriptions")
            status, _, body = self.put_subs(rig, lp, [], {
                "Authorization": "Bearer this is not a valid JWT"})
            self.assert_error(status, body, 400, "invalid authorization header")
            self.assertEqual(lp.poll(), {"last_event_id": last, "events": []})

    def test_put_via_each_transport_path(self):
        # The three .../subscriptions routes are interchangeable (§2.1).
        with Rig(env=HOLD) as rig:
            lp = self.connect(rig)
            lp.poll()
            for kind in ("longpolling", "sse", "ws"):
                with self.subTest(path=kind):
                    subs = [{"eventType": "via-" + kind}]
                    status, hdrs, body = self.put_subs(rig, lp, subs, path_kind=kind)
                    self.assertEqual(status, 204, body)
                    self.assertEqual(hdrs.get("access-control-allow-origin"), "*")
                    events = lp.poll()["events"]
                    self.assertEqual(len(events), 1)
                    self.assertEqual(events[0]["type"], "rig.subscriptions_set")
                    self.assertEqual(events[0]["data"], [{"eventType": "via-" + kind,
                                                          "oneOf": []}])


class Receiving(LongPollTestCase):
    def test_receiving_with_constraints(self):
        # §13.5 scenario 39 (hold shortened to 300 ms)
        with Rig(env=JWT_ENV) as rig:
            lp = self.connect(rig)
            lp.poll()
            alice = make_event("greeting", "a-1", data={"name": "alice"})
            self.assertEqual(rig.publish(alice)[0], 202)
            self.assertEqual(lp.poll()["events"], [])

            status, _, body = self.put_subs(rig, lp, [ALICE])
            self.assertEqual(status, 204, body)
            events = lp.poll()["events"]
            self.assertEqual([e["type"] for e in events], ["rig.subscriptions_set"])
            self.assertEqual(events[0]["data"], [ALICE])

            status, _, body = rig.publish(make_event("greeting", "a-2", data={"name": "alice"}))
            self.assertEqual(status, 202)
            res = lp.poll()
            self.assertEqual(res["events"], [json.loads(body)])
            self.assertEqual(res["last_event_id"], "a-2")
            self.assertEqual(lp.cookies["last_event_id"], '"a-2"')

            self.assertEqual(rig.publish(make_event("greeting", "b-1",
                                                    data={"name": "bob"}))[0], 202)
            self.assertEqual(lp.poll(), {"last_event_id": "a-2", "events": []})

            status, _, body = self.put_subs(rig, lp, [])
            self.assertEqual(status, 204, body)
            self.assertEqual(lp.poll()["events"][0]["data"], [])
            self.assertEqual(rig.publish(make_event("greeting", "a-3",
                                                    data={"name": "alice"}))[0], 202)
            self.assertEqual(lp.poll()["events"], [])

    def test_events_keep_extra_top_level_properties(self):
        # §13.5 scenario 40
        with Rig(env=HOLD) as rig:
            lp = self.connect(rig, "subscriptions=" + quote([{"eventType": "greeting"}]))
            lp.poll()
            for version, eid in (("0.1", "1"), ("0.2", "2")):
                ev = make_event("greeting", eid, version=version)
                ev["additional top-level property"] = True
                status, _, body = rig.publish(ev)
                self.assertEqual(status, 202, body)
                got = lp.poll()["events"]
                self.assertEqual(len(got), 1)
                self.assertIs(got[0]["additional top-level property"], True)
                self.assertEqual(got[0], json.loads(body))

    def test_several_events_oldest_first(self):
        with Rig(env=HOLD) as rig:
            lp = self.connect(rig, "subscriptions=" + quote([{"eventType": "greeting"}]))
            lp.poll()
            with KeepAlivePublisher(rig) as pub:
                for i in range(5):
                    self.assertEqual(pub.publish(make_event("greeting", "e%d" % i))[0], 202)
            res = lp.poll()
            self.assertEqual([e["id"] for e in res["events"]], ["e%d" % i for i in range(5)])
            self.assertEqual(res["last_event_id"], "e4")

    def test_events_of_every_kind_are_delivered(self):
        # Our fix: RIG's session only handled one event representation.
        with Rig(env=HOLD) as rig:
            lp = self.connect(rig, "subscriptions=" + quote([{"eventType": "greeting"}]))
            lp.poll()
            expected = []
            for version, eid in (("0.1", "v01"), ("0.2", "v02"), ("1.0", "v10")):
                status, _, body = rig.publish(make_event("greeting", eid, version=version,
                                                         data={"v": version}))
                self.assertEqual(status, 202, body)
                expected.append(eid)
            status, _, body = rig.publish(
                make_event("greeting", "ce-json"),
                headers={"Content-Type": "application/cloudevents+json"})
            self.assertEqual(status, 202, body)
            expected.append("ce-json")
            for spec, eid in (("0.2", "bin02"), ("1.0", "bin10")):
                status, _, body = rig.request("POST", "/_rig/v1/events", b'{"name":"alice"}', {
                    "Content-Type": "application/json", "ce-specversion": spec,
                    "ce-type": "greeting", "ce-source": "test", "ce-id": eid})
                self.assertEqual(status, 202, body)
                expected.append(eid)
            for path, eid in (("/v3/messages", "api3"), ("/v2/messages", "api2")):
                status, _, body = rig.request("POST", path, make_event("greeting", eid),
                                              api=True)
                self.assertEqual(status, 202, body)
                expected.append(eid)
            got = []
            for _ in range(len(expected)):  # at most one empty hold per missing event
                got += lp.poll()["events"]
                if len(got) >= len(expected):
                    break
            # Sorted: the events entered through two listeners and several connections, so
            # their relative order is not defined.
            self.assertEqual(sorted(e.get("id", e.get("eventID")) for e in got),
                             sorted(expected))
            binary = [e for e in got if e.get("id") == "bin02"][0]
            self.assertEqual(binary["data"], {"name": "alice"})

    def test_waiting_poll_returns_when_an_event_is_published(self):
        # A long hold: if the waiting poll were not woken up, the read below would time out.
        with Rig(env={"RIG_LONGPOLL_HOLD_MS": "60000"}) as rig:
            lp = self.connect(rig, "subscriptions=" + quote([{"eventType": "greeting"}]))
            first = lp.poll()  # returns at once: the two rig events are buffered
            self.assertEqual(len(first["events"]), 2)
            conn = Conn(rig.port)
            cookie = "; ".join("%s=%s" % kv for kv in lp.cookies.items())
            conn.send(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: %s\r\n\r\n"
                       % (LP, cookie)).encode())
            published = {}

            def publish():
                published["result"] = rig.publish(make_event("greeting", "wake-up"))

            publisher = threading.Thread(target=publish)
            publisher.start()
            try:
                status, hdrs = read_response_head(conn)
                body = conn.read_exact(int(hdrs["content-length"]), timeout=TIMEOUT)
            finally:
                publisher.join()
                conn.close()
            self.assertEqual(published["result"][0], 202)
            self.assertEqual(status, 200, body)
            res = json.loads(body)
            self.assertEqual([e["id"] for e in res["events"]], ["wake-up"])
            self.assertEqual(res["last_event_id"], "wake-up")


class RingBuffer(LongPollTestCase):
    def test_ring_buffer_of_two(self):
        # §13.5 scenario 41, end to end with RIG_LONGPOLL_BUFFER=2.
        with Rig(env=dict(HOLD, RIG_LONGPOLL_BUFFER="2")) as rig:
            lp = self.connect(rig, "subscriptions=" + quote([{"eventType": "greeting"}]))
            self.assertEqual([e["type"] for e in lp.poll()["events"]],
                             ["rig.connection.create", "rig.subscriptions_set"])

            pub = KeepAlivePublisher(rig)  # one connection: the events arrive in order
            self.addCleanup(pub.close)

            def publish(eid):
                self.assertEqual(pub.publish(make_event("greeting", eid))[0], 202)

            publish("first")
            self.assertEqual([e["id"] for e in lp.poll()["events"]], ["first"])
            self.assertEqual(lp.poll(), {"last_event_id": "first", "events": []})
            publish("second")
            res = lp.poll()
            self.assertEqual([e["id"] for e in res["events"]], ["second"])
            self.assertEqual(res["last_event_id"], "second")
            publish("third")  # evicts "first"
            res = lp.poll()
            self.assertEqual([e["id"] for e in res["events"]], ["third"])
            self.assertEqual(lp.poll(), {"last_event_id": "third", "events": []})

            # A client still at "first" (evicted): our fix returns the whole buffer.
            lp.cookies["last_event_id"] = '"first"'
            res = lp.poll()
            self.assertEqual([e["id"] for e in res["events"]], ["second", "third"])
            self.assertEqual(res["last_event_id"], "third")

            # A client that misses more events than the buffer holds gets the newest two.
            for eid in ("4", "5", "6"):
                publish(eid)
            res = lp.poll()
            self.assertEqual([e["id"] for e in res["events"]], ["5", "6"])
            self.assertEqual(res["last_event_id"], "6")


class Sessions(LongPollTestCase):
    def test_garbage_cookie_starts_a_new_session(self):
        # Our fix: RIG answers 500.
        with Rig(env=HOLD) as rig:
            for garbage in ("garbage", "AAAA", "x" * 200, "%00%ff", "AcX8jrEAAAAAAAAAAAAAIBSrEiqmG"
                            "_fR8cJtm4-BmA"):
                with self.subTest(cookie=garbage):
                    lp = LongPollClient(rig)
                    lp.cookies["connection_token"] = garbage
                    status, hdrs, body = lp.get()
                    self.assertEqual(status, 200, body)
                    self.assertEqual(json.loads(body), "ok")
                    cookies = cookies_of(hdrs)
                    self.assertNotEqual(cookies["connection_token"][0], garbage)
                    self.assertEqual(cookies["last_event_id"][0], '"first_event"')
                    events = lp.poll()["events"]
                    self.assertEqual(events[0]["data"]["connection_token"],
                                     lp.cookies["connection_token"])

    def test_token_of_another_transport_starts_a_new_session(self):
        # An SSE/WS connection token is not a long-polling session.
        with Rig(env=HOLD) as rig:
            other = self.connect(rig)
            other_token = other.cookies["connection_token"]
            sse = SseClient(rig)
            sse_token, _ = sse.connect_events()
            lp = LongPollClient(rig)
            lp.cookies["connection_token"] = sse_token
            status, hdrs, body = lp.get()
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body), "ok")
            self.assertNotIn(lp.cookies["connection_token"], (sse_token, other_token))
            sse.close()

    def test_unpolled_session_expires(self):
        env = dict(HOLD, RIG_LONGPOLL_SESSION_TTL_MS="1000", RIG_HEARTBEAT_INTERVAL_MS="200")
        with Rig(env=env) as rig:
            lp = self.connect(rig)
            lp.poll()
            old_token = lp.cookies["connection_token"]
            self.assertEqual(rig.wait_metric(LP_GAUGE, 1), 1)
            # Each wait iteration is a blocking HTTP request; bounded by the deadline.
            self.assertEqual(rig.wait_metric(LP_GAUGE, 0, timeout=20), 0)

            status, _, body = rig.request(
                "PUT", "/_rig/v1/connection/longpolling/%s/subscriptions" % old_token,
                {"subscriptions": []})
            self.assert_error(status, body, 410, "Connection no longer exists.")

            status, hdrs, body = lp.get()
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body), "ok", "an expired session's cookie must "
                                                      "start a new session")
            self.assertNotEqual(lp.cookies["connection_token"], old_token)
            self.assertEqual(lp.cookies["last_event_id"], '"first_event"')
            self.assertEqual(rig.wait_metric(LP_GAUGE, 1), 1)

    def test_session_ends_at_its_ttl_not_at_a_heartbeat(self):
        # The heartbeat (60 s here) used to be the only expiry check: a 1 s session lived on
        # until the next one. It must end at its own deadline (5 s bound: 1 s TTL plus slack
        # for a loaded machine, well below the heartbeat).
        env = dict(HOLD, RIG_LONGPOLL_SESSION_TTL_MS="1000", RIG_HEARTBEAT_INTERVAL_MS="60000")
        with Rig(env=env) as rig:
            lp = self.connect(rig)
            lp.poll()
            self.assertEqual(rig.wait_metric(LP_GAUGE, 1), 1)
            self.assertEqual(rig.wait_metric(LP_GAUGE, 0, timeout=5), 0)

    def test_polled_session_stays_alive(self):
        env = dict(HOLD, RIG_LONGPOLL_SESSION_TTL_MS="1000", RIG_HEARTBEAT_INTERVAL_MS="200")
        with Rig(env=env) as rig:
            kept = self.connect(rig)
            kept.poll()
            idle = self.connect(rig)
            idle.poll()
            token = kept.cookies["connection_token"]
            # Keep polling (each poll holds 300 ms) until the idle session has expired.
            deadline_polls = 100
            for _ in range(deadline_polls):
                status, _, body = kept.get()
                self.assertEqual(status, 200, body)
                self.assertNotEqual(json.loads(body), "ok", "a polled session expired")
                if rig.metrics()[LP_GAUGE] == 1:
                    break
            else:
                self.fail("the idle session never expired")
            self.assertEqual(kept.cookies["connection_token"], token)


if __name__ == "__main__":
    unittest.main()
