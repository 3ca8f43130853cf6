"""Batched event submission: Content-Type application/cloudevents-batch+json on
POST /_rig/v1/events and the internal POST /v3/messages and /v2/messages.

Contract (rig's extension; RIG 3.0 answered 415 here, spec §2.12): the body is the CloudEvents
JSON batch format, a JSON array of structured-mode events. Each member is validated like a single
structured event (CloudEvents 0.1, 0.2, 0.3, 1.0) and delivered byte for byte as the client sent
it, with only the time attribute stamped in when missing. Any invalid member rejects the whole
batch and nothing is published: 400 {"error": "batch member <0-based index>: <message>"}. A body
that is not a JSON array is 400; more members than RIG_MAX_BATCH_EVENTS is 413 (the body size
limit, RIG_MAX_BODY_BYTES, applies first); an empty array is 202 []. Success is 202 with a JSON
array of the events exactly as subscribers receive them, in order, and every subscriber sees them
in that order. SUBMISSION_CHECK runs once per request, with the original body, on the public
endpoint only; public responses carry the CORS header, internal ones do not.

"Nothing was published" is checked with a marker: after the refused batch a single event of the
same type is published, and it must be the next thing the subscriber receives (a wrongly published
member would have been handed to the shards first, so it would arrive first).
"""

import json
import re
import unittest

from rig_harness import (check_json_error, KeepAlivePublisher, quote, Rig, SseClient,
                         StubServiceMixin, WsClient)

BATCH = "application/cloudevents-batch+json"
EVENTS = "/_rig/v1/events"
API_PATHS = ("/v3/messages", "/v2/messages")
MAX_BATCH = 100
MAX_BODY = 16384
ORIGIN = "https://batch.example"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def event(version, etype, eid, **extra):
    if version == "0.1":
        ev = {"cloudEventsVersion": "0.1", "eventType": etype, "eventID": eid, "source": "t"}
    else:
        ev = {"specversion": version, "type": etype, "id": eid, "source": "t"}
    ev.update(extra)
    return ev


def stamped(member_text, version, time):
    """The text subscribers get for a member sent without a time attribute."""
    key = "eventTime" if version == "0.1" else "time"
    return '{"%s":"%s",%s' % (key, time, member_text.strip()[1:])


class BatchTestCase(unittest.TestCase):
    env = {"RIG_MAX_BATCH_EVENTS": str(MAX_BATCH), "RIG_MAX_BODY_BYTES": str(MAX_BODY),
           "CORS": ORIGIN}
    counter = 0

    @classmethod
    def setUpClass(cls):
        cls.rig = Rig(env=cls.env)
        cls.rig.start()

    @classmethod
    def tearDownClass(cls):
        cls.rig.stop()

    def etype(self, label):
        """An event type no other test subscribes to."""
        type(self).counter += 1
        return "batch.%s.%s.%d" % (type(self).__name__, label, type(self).counter)

    def sse(self, *types):
        client = SseClient(self.rig, "subscriptions=" + quote([{"eventType": t} for t in types]))
        self.addCleanup(client.close)
        self.assertEqual(client.status, 200, client.body)
        client.connect_events()
        return client

    def ws(self, *types):
        client = WsClient(self.rig, "subscriptions=" + quote([{"eventType": t} for t in types]))
        self.addCleanup(client.close)
        self.assertEqual(client.status, 101)
        client.connect_events()
        return client

    def post(self, path, body, content_type=BATCH, headers=None):
        h = {"Content-Type": content_type}
        h.update(headers or {})
        if isinstance(body, (list, dict)):
            body = json.dumps(body)
        return self.rig.request("POST", path, body, h, api=path != EVENTS)

    def assert_accepted(self, status, hdrs, body):
        self.assertEqual(status, 202, body)
        self.assertEqual(hdrs["content-type"], "application/json; charset=utf-8")
        events = json.loads(body)
        self.assertIsInstance(events, list, body)
        return events

    def assert_nothing_published(self, subscriber, etype):
        """Publishes a marker of `etype`; the subscriber's next event must be that marker."""
        status, _, body = self.post(EVENTS, event("1.0", etype, "marker"), "application/json")
        self.assertEqual(status, 202, body)
        self.assertEqual(subscriber.next_event()["id"], "marker")


class Delivery(BatchTestCase):
    def test_mixed_versions_are_delivered_as_sent_in_order(self):
        for path in (EVENTS,) + API_PATHS:
            with self.subTest(path=path):
                types = {v: self.etype("v" + v) for v in ("0.1", "0.2", "0.3", "1.0")}
                sse = self.sse(*types.values())
                ws = self.ws(*types.values())
                # (version, member text as sent, has a time attribute)
                members = [
                    ("0.1", compact(event("0.1", types["0.1"], "a", data={"n": 1})), False),
                    ("0.2", json.dumps(event("0.2", types["0.2"], "b",
                                             time="2020-01-02T03:04:05Z"),
                                       separators=(" ,", " : ")), True),
                    ("0.3", compact(event("0.3", types["0.3"], "c",
                                          data="],[{\"} \\ \u00e9")), False),
                    ("1.0", json.dumps(event("1.0", types["1.0"], "d",
                                             time="2021-05-06T07:08:09Z",
                                             data={"list": [1, {"x": None}]}), indent=2), True),
                    ("1.0", compact(event("1.0", types["1.0"], "e")), False),
                ]
                body = "[\n  " + ",\n  ".join(m for _, m, _ in members) + " \n]\n"
                status, hdrs, resp = self.post(path, body)
                got = self.assert_accepted(status, hdrs, resp)
                self.assertEqual([e.get("id", e.get("eventID")) for e in got],
                                 ["a", "b", "c", "d", "e"])
                stamp = got[0]["eventTime"]
                self.assertRegex(stamp, RFC3339)
                expected = [m if has_time else stamped(m, v, stamp)
                            for v, m, has_time in members]
                # The 202 body is exactly the members as delivered, in order.
                self.assertEqual(resp.decode(), "[" + ",".join(expected) + "]")
                for text in expected:
                    self.assertEqual(sse.next_message()["data_text"], text)
                    self.assertEqual(ws.next_text().decode(), text)
                sse.close()
                ws.close()

    def test_subscribers_see_batches_in_array_order(self):
        # rig runs two shards: the subscribers and the publisher may be on different ones.
        etype = self.etype("order")
        subscribers = [self.sse(etype), self.sse(etype)]
        ws = self.ws(etype)
        with KeepAlivePublisher(self.rig) as pub:
            for first in (0, MAX_BATCH):
                batch = [event("1.0", etype, str(first + i)) for i in range(MAX_BATCH)]
                status, resp = pub.publish(compact(batch), {"Content-Type": BATCH})
                self.assertEqual(status, 202, resp)
                self.assertEqual([e["id"] for e in json.loads(resp)],
                                 [str(first + i) for i in range(MAX_BATCH)])
        for sse in subscribers:
            self.assertEqual([sse.next_event()["id"] for _ in range(2 * MAX_BATCH)],
                             [str(i) for i in range(2 * MAX_BATCH)])
        self.assertEqual([json.loads(ws.next_text())["id"] for _ in range(2 * MAX_BATCH)],
                         [str(i) for i in range(2 * MAX_BATCH)])

    def test_events_nobody_subscribes_to_are_accepted(self):
        wanted, unwanted = self.etype("wanted"), self.etype("unwanted")
        sse = self.sse(wanted)
        before = self.rig.metrics().get("rig_events_published_total", 0)
        batch = [event("0.2", unwanted, "u1"), event("0.2", wanted, "w"),
                 event("0.2", unwanted, "u2")]
        status, hdrs, resp = self.post(EVENTS, compact(batch))
        got = self.assert_accepted(status, hdrs, resp)
        self.assertEqual([e["id"] for e in got], ["u1", "w", "u2"])
        for e in got:
            self.assertRegex(e.pop("time"), RFC3339)
        self.assertEqual(got, batch)
        self.assertEqual(sse.next_event()["id"], "w")
        self.assertEqual(self.rig.metrics()["rig_events_published_total"] - before, 3)
        self.assert_nothing_published(sse, wanted)

    def test_empty_array_is_accepted(self):
        for path in (EVENTS,) + API_PATHS:
            for body in ("[]", " [ \n ] "):
                with self.subTest(path=path, body=body):
                    status, hdrs, resp = self.post(path, body)
                    self.assertEqual(self.assert_accepted(status, hdrs, resp), [])
                    self.assertEqual(resp, b"[]")

    def test_content_type_in_any_case_with_parameters(self):
        etype = self.etype("ctype")
        sse = self.sse(etype)
        for i, ctype in enumerate(("Application/CloudEvents-Batch+JSON; charset=utf-8",
                                   "application/cloudevents-batch+json ;charset=UTF-8")):
            with self.subTest(content_type=ctype):
                status, hdrs, resp = self.post(EVENTS, [event("1.0", etype, str(i))], ctype)
                self.assertEqual([e["id"] for e in self.assert_accepted(status, hdrs, resp)],
                                 [str(i)])
                self.assertEqual(sse.next_event()["id"], str(i))

    def test_other_batch_formats_are_415(self):
        for path in (EVENTS,) + API_PATHS:
            with self.subTest(path=path):
                status, hdrs, resp = self.post(path, [event("1.0", "t", "1")],
                                               "application/cloudevents-batch")
                check_json_error(self, status, hdrs, resp, 415,
                                 contains="application/cloudevents-batch+json")


class Errors(BatchTestCase):
    def test_an_invalid_member_rejects_the_whole_batch(self):
        # (index of the bad member, the member for event type t, part of the message)
        cases = (
            (2, lambda t: {"specversion": "0.2", "type": t}, 'missing or invalid attribute "id"'),
            (1, lambda t: {"specversion": "1.0", "type": t, "id": "1"},
             'missing or invalid attribute "source"'),
            (0, lambda t: {"specversion": "9.9", "type": t, "id": "1"}, "unsupported specversion"),
            (3, lambda t: ["not", "an", "object"], "expected a JSON object"),
            (1, lambda t: "a string", "expected a JSON object"),
        )
        for path in (EVENTS,) + API_PATHS:
            for index, bad, message in cases:
                with self.subTest(path=path, index=index, message=message):
                    etype = self.etype("invalid")
                    sse = self.sse(etype)
                    batch = [event("1.0", etype, str(i)) for i in range(4)]
                    batch[index] = bad(etype)
                    status, hdrs, resp = self.post(path, compact(batch))
                    err = check_json_error(self, status, hdrs, resp, 400,
                                           startswith="batch member %d: " % index)
                    self.assertIn(message, err)
                    self.assert_nothing_published(sse, etype)
                    sse.close()

    def test_member_with_invalid_json_inside(self):
        etype = self.etype("badjson")
        sse = self.sse(etype)
        good = compact(event("1.0", etype, "1"))
        body = '[%s, {"specversion":"1.0","type":"%s","id":"2","source":"t","n":01}]' % (
            good, etype)
        status, hdrs, resp = self.post(EVENTS, body)
        check_json_error(self, status, hdrs, resp, 400, startswith="batch member 1: invalid JSON")
        self.assert_nothing_published(sse, etype)

    def test_first_invalid_member_is_reported(self):
        batch = [event("0.2", "x", "0"), {"specversion": "0.2", "id": "1"},
                 {"specversion": "0.2", "type": "x"}]
        status, hdrs, resp = self.post(EVENTS, compact(batch))
        check_json_error(self, status, hdrs, resp, 400,
                         equals='batch member 1: missing or invalid attribute "type"')

    def test_body_that_is_not_an_array(self):
        for path in (EVENTS,) + API_PATHS:
            for body, what in ((compact(event("1.0", "x", "1")), "an object"),
                               ('"[]"', "a string"), ("7", "a number"), ("null", "null")):
                with self.subTest(path=path, body=body):
                    status, hdrs, resp = self.post(path, body)
                    check_json_error(self, status, hdrs, resp, 400,
                                     equals="A batch must be a JSON array of CloudEvents, not "
                                     "%s." % what)

    def test_body_that_is_not_json(self):
        good = compact(event("1.0", "x", "1"))
        for path in (EVENTS,) + API_PATHS:
            for body in ("", "[", "[%s" % good, "[%s,]" % good, "[%s %s]" % (good, good),
                         "[%s] trailing" % good, "not json", "nonsense", "tru"):
                with self.subTest(path=path, body=body):
                    status, hdrs, resp = self.post(path, body)
                    check_json_error(self, status, hdrs, resp, 400,
                                     startswith="The batch is not valid JSON: ")

    def test_more_events_than_the_limit_is_413(self):
        etype = self.etype("limit")
        sse = self.sse(etype)
        for path in (EVENTS,) + API_PATHS:
            with self.subTest(path=path):
                batch = [event("1.0", etype, str(i)) for i in range(MAX_BATCH + 1)]
                status, hdrs, resp = self.post(path, compact(batch))
                check_json_error(
                    self, status, hdrs, resp, 413,
                    equals="The batch has %d events; at most %d are allowed "
                           "(RIG_MAX_BATCH_EVENTS)." % (MAX_BATCH + 1, MAX_BATCH))
                self.assert_nothing_published(sse, etype)
                # Exactly the limit is fine.
                status, hdrs, resp = self.post(path, compact(batch[:MAX_BATCH]))
                self.assertEqual(len(self.assert_accepted(status, hdrs, resp)), MAX_BATCH)
                self.assertEqual([sse.next_event()["id"] for _ in range(MAX_BATCH)],
                                 [str(i) for i in range(MAX_BATCH)])

    def test_body_size_limit_applies_first(self):
        batch = [event("1.0", "x", str(i), data="y" * 150) for i in range(MAX_BATCH + 1)]
        body = compact(batch)
        self.assertGreater(len(body), MAX_BODY)
        for path in (EVENTS,) + API_PATHS:
            with self.subTest(path=path):
                status, hdrs, resp = self.post(path, body)
                check_json_error(self, status, hdrs, resp, 413,
                                 equals="Request body larger than %d bytes." % MAX_BODY)

    def test_rig_still_serves_after_bad_batches(self):
        etype = self.etype("after")
        sse = self.sse(etype)
        for body in ("[" * 10000, "[" + "{" * 5000, '["\\ud800"]', "[{}]" * 1000):
            status, _, resp = self.post(EVENTS, body)
            self.assertEqual(status, 400, resp)
        status, hdrs, resp = self.post(EVENTS, [event("1.0", etype, "ok")])
        self.assert_accepted(status, hdrs, resp)
        self.assertEqual(sse.next_event()["id"], "ok")


class Cors(BatchTestCase):
    def test_public_responses_carry_cors(self):
        cases = (
            ("[]", 202),
            (compact([event("1.0", "batch.cors", "1")]), 202),
            ("[{}]", 400),
            ("{}", 400),
            (compact([event("1.0", "batch.cors", str(i)) for i in range(MAX_BATCH + 1)]), 413),
        )
        for body, expected in cases:
            with self.subTest(status=expected, body=body[:40]):
                status, hdrs, resp = self.post(EVENTS, body)
                self.assertEqual(status, expected, resp)
                self.assertEqual(hdrs.get("access-control-allow-origin"), ORIGIN)

    def test_internal_responses_have_no_cors(self):
        for path in API_PATHS:
            for body, expected in (("[]", 202), ("[{}]", 400)):
                with self.subTest(path=path, status=expected):
                    status, hdrs, resp = self.post(path, body)
                    self.assertEqual(status, expected, resp)
                    self.assertNotIn("access-control-allow-origin", hdrs)

    def test_preflight(self):
        for requested, allowed in ((None, "content-type"),
                                   ("content-type,ce-specversion", "content-type,ce-specversion")):
            with self.subTest(requested=requested):
                headers = {"Origin": "https://app.example",
                           "Access-Control-Request-Method": "POST"}
                if requested:
                    headers["Access-Control-Request-Headers"] = requested
                status, hdrs, body = self.rig.request("OPTIONS", EVENTS, headers=headers)
                self.assertEqual(status, 204)
                self.assertEqual(body, b"")
                self.assertEqual(hdrs.get("access-control-allow-origin"), ORIGIN)
                self.assertEqual(hdrs.get("access-control-allow-methods"), "POST")
                self.assertEqual(hdrs.get("access-control-allow-headers"), allowed)


class SubmissionCheck(StubServiceMixin, BatchTestCase):
    """SUBMISSION_CHECK pointing at a StubServer in this process."""

    @classmethod
    def stub_env(cls, url):
        return dict(BatchTestCase.env, SUBMISSION_CHECK=url + "/submissions")

    def calls(self):
        with self.stub.cond:
            return self.stub.requests[self.first:]

    def test_check_runs_once_per_batch_with_the_original_body(self):
        etype = self.etype("checked")
        sse = self.sse(etype)
        body = "[ %s,\n%s , %s ]" % tuple(compact(event("0.2", etype, str(i))) for i in range(3))
        ctype = "application/cloudevents-batch+json; charset=utf-8"
        status, hdrs, resp = self.post(EVENTS, body, ctype, {"Authorization": "Bearer tok"})
        self.assertEqual(len(self.assert_accepted(status, hdrs, resp)), 3)
        self.assertEqual([sse.next_event()["id"] for _ in range(3)], ["0", "1", "2"])
        calls = self.calls()
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0]["path"], "/submissions")
        self.assertEqual(calls[0]["body"], body.encode())
        self.assertEqual(calls[0]["headers"]["content-type"], ctype)
        self.assertEqual(calls[0]["headers"]["authorization"], "Bearer tok")

    def test_denied_batch_publishes_nothing(self):
        etype = self.etype("denied")
        sse = self.sse(etype)
        self.stub.respond = lambda req: (403, "no")
        status, hdrs, resp = self.post(EVENTS, [event("1.0", etype, str(i)) for i in range(3)])
        check_json_error(self, status, hdrs, resp, 403, equals="Submission denied.")
        self.assertEqual(hdrs.get("access-control-allow-origin"), ORIGIN)
        self.assertEqual(len(self.calls()), 1)
        self.stub.respond = lambda req: (200, {})
        self.assert_nothing_published(sse, etype)

    def test_invalid_batch_is_refused_before_the_check(self):
        status, hdrs, resp = self.post(EVENTS, "[{}]")
        check_json_error(self, status, hdrs, resp, 400, startswith="batch member 0: ")
        self.assertEqual(self.calls(), [])

    def test_internal_messages_are_never_checked(self):
        self.stub.respond = lambda req: (403, "no")
        etype = self.etype("internal")
        sse = self.sse(etype)
        for path in API_PATHS:
            with self.subTest(path=path):
                status, hdrs, resp = self.post(path, [event("1.0", etype, path)])
                self.assert_accepted(status, hdrs, resp)
                self.assertEqual(sse.next_event()["id"], path)
        self.assertEqual(self.calls(), [])


if __name__ == "__main__":
    unittest.main()
