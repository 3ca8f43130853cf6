"""Event submission: POST /_rig/v1/events and the internal POST /v3/messages and /v2/messages.

Contract: spec §2.12, §3.1, §3.2, §13.3 (21-26), §13.13 (82-85), §13.20 (134, 135), §2.2 (CORS),
and spec/README.md: CloudEvents 1.0 is accepted everywhere, the 202 body is the event as a JSON
object, a missing time attribute is stamped on arrival, error bodies are {"error": "..."}.

Every test subscribes to event types of its own, so the tests share one rig process without
seeing each other's events.
"""

import json
import re
import unittest
import uuid

from rig_harness import (check_json_error, quote, Rig, SseClient, WsClient)

EXTRACTORS = {
    "pub.binary.greeting": {
        "name": {"stable_field_index": 1, "event": {"json_pointer": "/data/name"}},
    },
    "pub.binary.v1": {
        "name": {"stable_field_index": 0, "event": {"json_pointer": "/data/name"}},
    },
    "pub.structured.ce": {
        "name": {"stable_field_index": 0, "event": {"json_pointer": "/data/name"}},
    },
}
MAX_BODY = 2048
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

EVENTS = "/_rig/v1/events"
API_PATHS = ("/v3/messages", "/v2/messages")


class Subscribers:
    """One SSE and one WS client subscribed to the same list at connect time."""

    def __init__(self, rig, subscriptions):
        query = "subscriptions=" + quote(subscriptions)
        self.sse = SseClient(rig, query)
        self.ws = WsClient(rig, query)
        assert self.sse.status == 200, (self.sse.status, self.sse.body)
        assert self.ws.status == 101, self.ws.status
        for client in (self.sse, self.ws):
            _, subs = client.connect_events()
            assert len(subs) == len(subscriptions), subs

    def receive(self, testcase, body):
        """Both clients receive the event whose 202 body is `body`, byte for byte."""
        msg = self.sse.next_message()
        testcase.assertEqual(msg["data_text"].encode(), body)
        frame = self.ws.next_text()
        testcase.assertEqual(frame, body)
        return msg["data"]

    def close(self):
        self.sse.close()
        self.ws.close()


class PublishTestCase(unittest.TestCase):
    rig_env = {"RIG_MAX_BODY_BYTES": str(MAX_BODY), "EXTRACTORS": json.dumps(EXTRACTORS)}

    @classmethod
    def setUpClass(cls):
        cls.rig = Rig(env=cls.rig_env)
        cls.rig.start()

    @classmethod
    def tearDownClass(cls):
        cls.rig.stop()

    def subscribers(self, subscriptions):
        subs = Subscribers(self.rig, subscriptions)
        self.addCleanup(subs.close)
        return subs

    def post(self, path, body, headers, api=None):
        if api is None:
            api = path != EVENTS
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        return self.rig.request("POST", path, body, headers, api=api)

    def assert_accepted(self, status, hdrs, body):
        self.assertEqual(status, 202, body)
        self.assertEqual(hdrs["content-type"], "application/json; charset=utf-8")
        event = json.loads(body)
        self.assertIsInstance(event, dict, "the 202 body must be the event as a JSON object")
        return event

    def assert_error(self, status, hdrs, body, expected_status, text=None):
        err = check_json_error(self, status, hdrs, body, expected_status, contains=text)
        self.assertTrue(err, body)
        return err


class StructuredMode(PublishTestCase):
    def publish_and_receive(self, path, event, version, content_type="application/json"):
        """Publishes `event` (compact JSON) and checks the 202 body, the stamped time and that
        SSE and WS subscribers get exactly the 202 body."""
        etype = event["eventType"] if version == "0.1" else event["type"]
        subs = self.subscribers([{"eventType": etype}])
        sent = json.dumps(event)
        status, hdrs, body = self.post(path, sent, {"Content-Type": content_type})
        got = self.assert_accepted(status, hdrs, body)
        time_attr = "eventTime" if version == "0.1" else "time"
        self.assertRegex(got.pop(time_attr), RFC3339)
        self.assertEqual(got, event)
        self.assertNotIn("time" if version == "0.1" else "eventTime", got)
        received = subs.receive(self, body)
        self.assertEqual(received, json.loads(body))
        return hdrs

    def test_versions_on_every_path(self):
        paths = (EVENTS,) + API_PATHS
        for i, path in enumerate(paths):
            for version in ("0.1", "0.2", "1.0"):
                for ctype in ("application/json", "application/cloudevents+json",
                              "application/cloudevents+json; charset=utf-8"):
                    with self.subTest(path=path, version=version, content_type=ctype):
                        etype = "pub.versions.%d.%s.%d" % (i, version, len(ctype))
                        eid = str(uuid.uuid4())
                        if version == "0.1":
                            event = {"cloudEventsVersion": "0.1", "eventType": etype,
                                     "eventID": eid, "source": "test", "data": {"n": 1}}
                        else:
                            event = {"specversion": version, "type": etype, "id": eid,
                                     "source": "test", "data": {"n": 1}}
                        self.publish_and_receive(path, event, version, ctype)

    def test_1_0_requires_source(self):
        for path in (EVENTS,) + API_PATHS:
            with self.subTest(path=path):
                event = {"specversion": "1.0", "type": "pub.nosource", "id": "1"}
                status, hdrs, body = self.post(path, event, {"Content-Type": "application/json"})
                self.assert_error(status, hdrs, body, 400)
                # 0.1 and 0.2 do not need it (§3.2).
                for ev in ({"specversion": "0.2", "type": "pub.nosource", "id": "2"},
                           {"cloudEventsVersion": "0.1", "eventType": "pub.nosource",
                            "eventID": "3"}):
                    status, hdrs, body = self.post(path, ev, {"Content-Type": "application/json"})
                    self.assert_accepted(status, hdrs, body)

    def test_unknown_top_level_property_retained(self):
        # §13.3 21 and 22.
        for version, event in (
                ("0.1", {"additional top-level property": True, "cloudEventsVersion": "0.1",
                         "eventID": "1", "eventType": "pub.extra.v01", "source": "nil"}),
                ("0.2", {"additional top-level property": True, "specversion": "0.2",
                         "id": "2", "type": "pub.extra.v02", "source": "nil"}),
                ("1.0", {"additional top-level property": True, "specversion": "1.0",
                         "id": "3", "type": "pub.extra.v10", "source": "nil"})):
            with self.subTest(version=version):
                self.publish_and_receive(EVENTS, event, version)

    def test_existing_time_is_kept_and_bytes_are_unchanged(self):
        for version, attr in (("0.1", "eventTime"), ("0.2", "time"), ("1.0", "time")):
            with self.subTest(version=version):
                etype = "pub.keeptime." + version
                if version == "0.1":
                    event = {"cloudEventsVersion": "0.1", "eventType": etype, "eventID": "k",
                             "source": "s", attr: "2020-01-02T03:04:05Z"}
                else:
                    event = {"specversion": version, "type": etype, "id": "k", "source": "s",
                             attr: "2020-01-02T03:04:05Z"}
                subs = self.subscribers([{"eventType": etype}])
                # Unusual but valid spacing: the bytes must survive as sent.
                sent = json.dumps(event, separators=(" ,", " : ")).encode()
                status, hdrs, body = self.post(EVENTS, sent, {"Content-Type": "application/json"})
                self.assert_accepted(status, hdrs, body)
                self.assertEqual(body, sent)
                subs.receive(self, sent)

    def test_pretty_printed_body_keeps_its_lines(self):
        etype = "pub.pretty"
        subs = self.subscribers([{"eventType": etype}])
        for stamped in (False, True):
            with self.subTest(time_stamped=stamped):
                event = {"specversion": "0.2", "type": etype, "id": "pretty-%s" % stamped,
                         "source": "test", "data": {"name": "alice", "list": [1, 2, 3]}}
                if not stamped:
                    event["time"] = "2021-05-06T07:08:09Z"
                sent = json.dumps(event, indent=2)
                self.assertGreater(sent.count("\n"), 5)
                status, hdrs, body = self.post(EVENTS, sent, {"Content-Type": "application/json"})
                got = self.assert_accepted(status, hdrs, body)
                text = body.decode()
                if stamped:
                    self.assertRegex(got.pop("time"), RFC3339)
                    # Everything the client sent is still there, line breaks included.
                    self.assertTrue(sent[1:] in text or sent[:-1] in text, text)
                else:
                    self.assertEqual(text, sent)
                self.assertEqual(got, event)

                # SSE: one data: line per line of the JSON text.
                msg = subs.sse.next_message()
                lines = text.split("\n")
                self.assertEqual(subs.sse.raw_messages[-1],
                                 "event: %s\nid: %s\n" % (etype, event["id"]) +
                                 "\n".join("data: " + line for line in lines))
                self.assertEqual(msg["data_text"], text)
                # WS: one text frame, unsplit.
                self.assertEqual(subs.ws.next_text(), body)

    def test_structured_ignores_ce_headers(self):
        # §13.13 83: with application/cloudevents+json the ce-* headers are ignored.
        etype = "pub.ignored.headers"
        subs = self.subscribers([{"eventType": etype}])
        for path in (EVENTS,) + API_PATHS:
            with self.subTest(path=path):
                event = {"cloudEventsVersion": "0.1", "eventType": etype, "eventID": path,
                         "source": "test"}
                status, hdrs, body = self.post(
                    path, event, {"Content-Type": "application/cloudevents+json;charset=utf-8",
                                  "ce-specversion": "illegal", "ce-type": "", "ce-id": ""})
                got = self.assert_accepted(status, hdrs, body)
                self.assertEqual(got["eventType"], etype)
                self.assertNotIn("specversion", got)
                subs.receive(self, body)

    def test_cloudevents_json_constraint_and_json_fallback(self):
        # §13.3 25 and 26.
        etype = "pub.structured.ce"
        subs = self.subscribers([{"eventType": etype, "oneOf": [{"name": "alice"}]}])
        for i, ctype in enumerate(("application/cloudevents+json", "application/json")):
            with self.subTest(content_type=ctype):
                event = {"specversion": "0.2", "type": etype, "id": "ce-%d" % i,
                         "source": "test", "data": {"name": "alice"}}
                status, hdrs, body = self.post(EVENTS, event, {"Content-Type": ctype})
                self.assert_accepted(status, hdrs, body)
                self.assertEqual(subs.receive(self, body)["id"], "ce-%d" % i)

    def test_unknown_event_type_is_accepted(self):
        for path in (EVENTS,) + API_PATHS:
            with self.subTest(path=path):
                status, hdrs, body = self.post(
                    path, {"specversion": "0.2", "type": "pub.nobody.listens." + path,
                           "id": "1", "source": "s"}, {"Content-Type": "application/json"})
                self.assert_accepted(status, hdrs, body)


class BinaryMode(PublishTestCase):
    def test_0_2_json_body_matches_constraints(self):
        # §13.3 23 (and §13.13 85 with a charset parameter).
        etype = "pub.binary.greeting"
        subs = self.subscribers([{"eventType": etype, "oneOf": [{"name": "alice"}]}])
        for path in (EVENTS,) + API_PATHS:
            for ctype in ("application/json", "application/json;charset=utf-8"):
                with self.subTest(path=path, content_type=ctype):
                    eid = str(uuid.uuid4())
                    status, hdrs, body = self.post(
                        path, '{"name": "alice"}',
                        {"Content-Type": ctype, "ce-specversion": "0.2", "ce-type": etype,
                         "ce-source": "binary-test", "ce-id": eid})
                    got = self.assert_accepted(status, hdrs, body)
                    self.assertRegex(got.pop("time"), RFC3339)
                    self.assertEqual(got, {"specversion": "0.2", "type": etype,
                                           "source": "binary-test", "id": eid,
                                           "data": {"name": "alice"}})
                    self.assertEqual(subs.receive(self, body)["id"], eid)

    def test_0_2_text_body(self):
        # §13.3 24: an unknown media type gives contenttype + data as the body string.
        etype = "pub.binary.text"
        subs = self.subscribers([{"eventType": etype}])
        text = "The name this event carries is \u00bbAlice\u00ab."
        eid = str(uuid.uuid4())
        status, hdrs, body = self.post(
            EVENTS, text.encode("utf-8"),
            {"Content-Type": "text/plain", "ce-specversion": "0.2", "ce-type": etype,
             "ce-source": "binary-test", "ce-id": eid})
        got = self.assert_accepted(status, hdrs, body)
        self.assertRegex(got.pop("time"), RFC3339)
        self.assertEqual(got, {"specversion": "0.2", "type": etype, "source": "binary-test",
                               "id": eid, "contenttype": "text/plain", "data": text})
        self.assertEqual(subs.receive(self, body)["data"], text)

    def test_0_2_extension_headers_are_json_decoded(self):
        etype = "pub.binary.ext"
        subs = self.subscribers([{"eventType": etype}])
        status, hdrs, body = self.post(
            EVENTS, '{"x": 1}',
            {"Content-Type": "application/json", "ce-specversion": "0.2", "ce-type": etype,
             "ce-source": "s", "ce-id": "ext-1", "ce-rig": '{"a":1}', "ce-n": "5",
             "ce-flag": "true", "ce-word": "plain words"})
        got = self.assert_accepted(status, hdrs, body)
        self.assertEqual(got["rig"], {"a": 1})
        self.assertEqual(got["n"], 5)
        self.assertIs(got["flag"], True)
        self.assertEqual(got["word"], "plain words")
        self.assertEqual(got["data"], {"x": 1})
        self.assertEqual(subs.receive(self, body), got)

    def test_1_0_binary_sets_datacontenttype(self):
        etype = "pub.binary.v1"
        subs = self.subscribers([{"eventType": etype, "oneOf": [{"name": "alice"}]},
                                 {"eventType": etype + ".text"}])
        for path in (EVENTS,) + API_PATHS:
            with self.subTest(path=path, body="json"):
                eid = str(uuid.uuid4())
                status, hdrs, body = self.post(
                    path, '{"name": "alice"}',
                    {"Content-Type": "application/json", "ce-specversion": "1.0",
                     "ce-type": etype, "ce-source": "binary-test", "ce-id": eid})
                got = self.assert_accepted(status, hdrs, body)
                self.assertRegex(got.pop("time"), RFC3339)
                self.assertEqual(got, {"specversion": "1.0", "type": etype,
                                       "source": "binary-test", "id": eid,
                                       "datacontenttype": "application/json",
                                       "data": {"name": "alice"}})
                self.assertEqual(subs.receive(self, body)["id"], eid)
            with self.subTest(path=path, body="text"):
                eid = str(uuid.uuid4())
                status, hdrs, body = self.post(
                    path, "hello, world",
                    {"Content-Type": "text/plain", "ce-specversion": "1.0",
                     "ce-type": etype + ".text", "ce-source": "binary-test", "ce-id": eid})
                got = self.assert_accepted(status, hdrs, body)
                self.assertRegex(got.pop("time"), RFC3339)
                self.assertEqual(got, {"specversion": "1.0", "type": etype + ".text",
                                       "source": "binary-test", "id": eid,
                                       "datacontenttype": "text/plain",
                                       "data": "hello, world"})
                self.assertEqual(subs.receive(self, body)["id"], eid)

    def test_binary_time_header_is_kept(self):
        etype = "pub.binary.time"
        subs = self.subscribers([{"eventType": etype}])
        status, hdrs, body = self.post(
            EVENTS, '{"a": 1}',
            {"Content-Type": "application/json", "ce-specversion": "0.2", "ce-type": etype,
             "ce-source": "s", "ce-id": "t1", "ce-time": "2020-01-02T03:04:05Z"})
        got = self.assert_accepted(status, hdrs, body)
        self.assertEqual(got["time"], "2020-01-02T03:04:05Z")
        subs.receive(self, body)

    def test_binary_without_type_or_id_is_400(self):
        for missing in ("ce-type", "ce-id"):
            with self.subTest(missing=missing):
                headers = {"Content-Type": "application/json", "ce-specversion": "0.2",
                           "ce-type": "pub.binary.missing", "ce-source": "s", "ce-id": "m"}
                del headers[missing]
                status, hdrs, body = self.post(EVENTS, '{"a": 1}', headers)
                self.assert_error(status, hdrs, body, 400)


class Errors(PublishTestCase):
    def check_all_paths(self, body, headers, expected_status, text=None):
        for path in (EVENTS,) + API_PATHS:
            with self.subTest(path=path, headers=headers, body=body[:60]):
                status, hdrs, resp = self.post(path, body, headers)
                self.assert_error(status, hdrs, resp, expected_status, text)

    def test_batch_format_other_than_json_is_415(self):
        # application/cloudevents-batch+json is accepted: test_publish_batch.py.
        batch = json.dumps([{"specversion": "0.2", "type": "t", "id": "1", "source": "s"}])
        self.check_all_paths(batch, {"Content-Type": "application/cloudevents-batch"}, 415,
                             "application/cloudevents-batch+json")

    def test_cloudevents_xml_is_415(self):
        self.check_all_paths("<event/>", {"Content-Type": "application/cloudevents+xml"}, 415,
                             "is currently not supported for structured mode")

    def test_text_plain_without_specversion_is_400(self):
        self.check_all_paths("hello", {"Content-Type": "text/plain"}, 400)

    def test_unsupported_ce_specversion_is_400(self):
        self.check_all_paths('{"a": 1}', {"Content-Type": "application/json",
                                          "ce-specversion": "9.9", "ce-type": "t",
                                          "ce-source": "s", "ce-id": "1"}, 400,
                             "ce-specversion")

    def test_structured_without_id_is_400(self):
        for event in ({"specversion": "0.2", "type": "t", "source": "s"},
                      {"specversion": "1.0", "type": "t", "source": "s"},
                      {"cloudEventsVersion": "0.1", "eventType": "t", "source": "s"}):
            self.check_all_paths(json.dumps(event), {"Content-Type": "application/json"}, 400,
                                 "does not look like a CloudEvent")

    def test_structured_without_type_or_version_is_400(self):
        for event in ({"specversion": "0.2", "id": "1", "source": "s"},
                      # §13.13 84: no version field.
                      {"source": "test", "eventType": "test.event", "eventID": "1"},
                      {"specversion": "9.9", "type": "t", "id": "1", "source": "s"}):
            self.check_all_paths(json.dumps(event), {"Content-Type": "application/json"}, 400,
                                 "does not look like a CloudEvent")

    def test_invalid_json_is_400(self):
        for ctype in ("application/json", "application/cloudevents+json"):
            self.check_all_paths('{"specversion": "0.2", "type": ', {"Content-Type": ctype}, 400,
                                 "does not look like a CloudEvent")
        self.check_all_paths("[1, 2]", {"Content-Type": "application/json"}, 400)

    def test_missing_content_type_is_415(self):
        body = json.dumps({"specversion": "0.2", "type": "t", "id": "1", "source": "s"})
        self.check_all_paths(body, {}, 415)

    def test_body_over_limit_is_413(self):
        event = {"specversion": "0.2", "type": "pub.big", "id": "1", "source": "s",
                 "data": "x" * (2 * MAX_BODY)}
        self.check_all_paths(json.dumps(event), {"Content-Type": "application/json"}, 413)
        # Just under the limit is fine.
        event["data"] = "x" * (MAX_BODY - 200)
        status, hdrs, body = self.post(EVENTS, event, {"Content-Type": "application/json"})
        self.assert_accepted(status, hdrs, body)

    def test_rig_is_still_serving_after_errors(self):
        etype = "pub.after.errors"
        subs = self.subscribers([{"eventType": etype}])
        self.post(EVENTS, "{", {"Content-Type": "application/json"})
        status, hdrs, body = self.post(EVENTS, {"specversion": "0.2", "type": etype, "id": "ok",
                                                "source": "s"},
                                       {"Content-Type": "application/json"})
        self.assert_accepted(status, hdrs, body)
        self.assertEqual(subs.receive(self, body)["id"], "ok")


class Cors(PublishTestCase):
    origin = "*"

    def test_events_responses_carry_cors(self):
        cases = (
            ({"specversion": "0.2", "type": "pub.cors", "id": "1", "source": "s"},
             {"Content-Type": "application/json"}, 202),
            ("{", {"Content-Type": "application/json"}, 400),
            ("<e/>", {"Content-Type": "application/cloudevents+xml"}, 415),
            ('{"specversion": "0.2"}', {}, 415),
        )
        for body, headers, expected in cases:
            with self.subTest(status=expected):
                status, hdrs, resp = self.post(EVENTS, body, headers)
                self.assertEqual(status, expected, resp)
                self.assertEqual(hdrs.get("access-control-allow-origin"), self.origin)

    def test_cors_on_413(self):
        # §2.2: POST /_rig/v1/events responses carry CORS "for all statuses".
        status, hdrs, resp = self.post(EVENTS, json.dumps({"data": "x" * (2 * MAX_BODY)}),
                                       {"Content-Type": "application/json"})
        self.assertEqual(status, 413, resp)
        self.assertEqual(hdrs.get("access-control-allow-origin"), self.origin)

    def test_internal_messages_have_no_cors(self):
        for path in API_PATHS:
            for body, headers, expected in (
                    ({"specversion": "0.2", "type": "pub.cors", "id": "1", "source": "s"},
                     {"Content-Type": "application/json"}, 202),
                    ("{", {"Content-Type": "application/json"}, 400)):
                with self.subTest(path=path, status=expected):
                    status, hdrs, resp = self.post(path, body, headers)
                    self.assertEqual(status, expected, resp)
                    self.assertNotIn("access-control-allow-origin", hdrs)

    def test_preflight(self):
        status, hdrs, body = self.rig.request(
            "OPTIONS", EVENTS, headers={"Origin": "https://app.example",
                                        "Access-Control-Request-Method": "POST"})
        self.assertEqual(status, 204)
        self.assertEqual(body, b"")
        self.assertEqual(hdrs.get("access-control-allow-origin"), self.origin)
        self.assertEqual(hdrs.get("access-control-allow-methods"), "POST")
        self.assertIn("content-type", hdrs.get("access-control-allow-headers", "").lower())


class CorsConfigured(Cors):
    origin = "https://app.example"
    rig_env = dict(PublishTestCase.rig_env, CORS="https://app.example")


if __name__ == "__main__":
    unittest.main()
