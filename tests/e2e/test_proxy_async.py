"""The API gateway's event targets and asynchronous answers (spec §8.7, §8.8, §7.3, §13.16,
§13.17): http_async through POST :4010/v3/responses and /v2/responses; the kafka target with
response_from kafka against librdkafka's mock cluster (rig's own Kafka source reads the topic,
so an SSE client sees what the gateway produced); the nats target, published and
request-reply, against a real nats-server; the kinesis target and response_from kinesis
(PROXY_KINESIS_RESPONSE_STREAM, rig's own) against kinesalite; produce failures counted in
rig_produced_events_failed_total; the request logger (REQUEST_LOG=console,kafka, §8.9).
"""

import base64
import json
import re
import threading
import unittest
import uuid

from peers import (KafkaMock, Kinesalite, LineReader, NatsPublisher, NatsServer,
                   wait_kafka_assigned)
from rig_harness import (check_json_error, make_event, Rig, SseClient, StubServer,
                         subscriptions_query, tamper)
from test_proxy import api, endpoint


class HttpAsync(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.backend = StubServer()
        config = [api("async", cls.backend.port, [
            endpoint("async", "POST", "/async", response_from="http_async")])]
        cls.rig = Rig(env={"PROXY_CONFIG_FILE": json.dumps(config),
                           "PROXY_HTTP_ASYNC_RESPONSE_TIMEOUT": "1000"})
        cls.rig.start()

    @classmethod
    def tearDownClass(cls):
        cls.rig.stop()
        cls.backend.close()

    def answer_via(self, path, headers_of, body_of):
        """The backend answers 202 after posting the async response to `path`."""
        def respond(req):
            correlation = req["path"].split("correlation=", 1)[1]
            status, _, text = self.rig.request("POST", path, body=body_of(correlation),
                                               headers=headers_of(correlation), api=True)
            self.posted = (status, text)
            return 202, {}
        self.backend.respond = respond

    def test_v3_response_reaches_the_client(self):  # 109
        self.answer_via("/v3/responses", lambda c: {
            "rig-correlation": c, "rig-response-code": "201",
            "content-type": "application/json;charset=utf-8"},
            lambda c: '{"message":"this is the async response"}')
        status, hdrs, body = self.rig.request("POST", "/async", body="{}")
        self.assertEqual(self.posted, (202, b"message sent to correlated reverse proxy request"))
        self.assertEqual(status, 201, body)
        self.assertEqual(hdrs["content-type"], "application/json;charset=utf-8")
        self.assertEqual(json.loads(body), {"message": "this is the async response"})
        self.assertEqual(hdrs["access-control-allow-origin"], "*")

    def test_a_bad_code_is_refused_and_the_client_times_out(self):  # 110
        self.answer_via("/v3/responses", lambda c: {"rig-correlation": c,
                                                    "rig-response-code": "abc201"},
                        lambda c: "{}")
        status, hdrs, body = self.rig.request("POST", "/async", body="{}")
        check_json_error(self, status, hdrs, body, 504,
                         equals="Timed out while waiting for the response.")
        self.assertEqual(self.posted[0], 400)
        self.assertIn('{:error, {:not_an_integer, \\"abc201\\"}}', self.posted[1].decode())

    def test_a_tampered_correlation_never_completes(self):
        self.answer_via("/v3/responses", lambda c: {"rig-correlation": tamper(c),
                                                    "rig-response-code": "200"},
                        lambda c: "{}")
        status, _, _ = self.rig.request("POST", "/async", body="{}")
        self.assertEqual(status, 504)
        self.assertEqual(self.posted[0], 202)

    def test_v2_response_is_the_cloudevent(self):
        self.answer_via("/v2/responses", lambda c: {"content-type": "application/json"},
                        lambda c: json.dumps(make_event("response", "r1", rig={"correlation": c})))
        status, hdrs, body = self.rig.request("POST", "/async", body="{}")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["id"], "r1")

    def test_a_direct_answer_is_passed_on(self):  # 111
        for code in (200, 400):
            self.backend.respond = lambda req, code=code: (code, {"direct": code})
            status, _, body = self.rig.request("POST", "/async", body="{}")
            self.assertEqual((status, json.loads(body)), (code, {"direct": code}))


class ResponseOnAnotherShard(unittest.TestCase):
    def test_a_response_arriving_on_shard_0_completes_a_request_held_on_shard_1(self):
        # The internal API listens on shard 0 only; public connections spread over both shards.
        # A correlation id names its request's shard (bytes 5-6 of its signed body), so the
        # test knows when a request is held on shard 1 and its answer has to cross over.
        backend = StubServer()
        self.addCleanup(backend.close)
        config = [api("async", backend.port, [
            endpoint("async", "POST", "/async", response_from="http_async")])]
        rig = Rig(env={"PROXY_CONFIG_FILE": json.dumps(config), "RIG_SHARDS": "2"})
        rig.start()
        self.addCleanup(rig.stop)
        shards = []

        def respond(req):
            correlation = req["path"].split("correlation=", 1)[1]
            raw = base64.urlsafe_b64decode(correlation + "=" * (-len(correlation) % 4))
            shards.append(int.from_bytes(raw[5:7], "big"))
            if shards[-1] != 1:
                return 200, {"direct": True}
            status, _, _ = rig.request("POST", "/v3/responses", body='{"from":"shard 0"}',
                                       headers={"rig-correlation": correlation,
                                                "rig-response-code": "201"}, api=True)
            return (202, {}) if status == 202 else (500, {"posted": status})
        backend.respond = respond
        for _ in range(64):  # each request on a new connection: a shard at random
            status, _, body = rig.request("POST", "/async", body="{}")
            if shards and shards[-1] == 1:
                break
        self.assertEqual(shards[-1], 1, "no request landed on shard 1")
        self.assertEqual((status, json.loads(body)), (201, {"from": "shard 0"}))


class KafkaTarget(unittest.TestCase):
    def test_publish_and_the_correlated_kafka_response(self):  # 114, 116, 117
        kafka = KafkaMock("rig-test", "rig-proxy-response")
        self.addCleanup(kafka.close)
        config = [api("events", 1, [
            endpoint("publish", "POST", "/publish", target="kafka", topic="rig-test"),
            endpoint("publish-options", "OPTIONS", "/publish", target="kafka", topic="rig-test"),
            endpoint("ask", "POST", "/ask", target="kafka", topic="rig-test",
                     response_from="kafka")])]
        rig = Rig(env={"PROXY_CONFIG_FILE": json.dumps(config), "KAFKA_BROKERS": kafka.bootstrap,
                       "KAFKA_SOURCE_TOPICS": "rig-test", "RIG_KAFKA_OFFSET_RESET": "earliest",
                       "PROXY_KAFKA_RESPONSE_TIMEOUT": "20000"})
        rig.start()
        self.addCleanup(rig.stop)
        wait_kafka_assigned(rig)
        etype = "com.example.test." + uuid.uuid4().hex
        sse = SseClient(rig, subscriptions_query(etype))
        self.addCleanup(sse.close)
        sse.connect_events()

        status, hdrs, body = rig.request("OPTIONS", "/publish")
        self.assertEqual((status, body), (204, b""))
        self.assertEqual(hdrs["access-control-allow-headers"], "content-type,authorization")

        event = make_event(etype, "k1", data={"foo": "bar"}, rig={"target_partition": "test_key"})
        status, _, body = rig.request("POST", "/publish", body=event)
        self.assertEqual((status, body), (202, b"Accepted."))
        got = sse.next_event()
        self.assertEqual(got["id"], "k1")
        published = got
        self.assertEqual(published["data"], {"foo": "bar"})
        meta = published["rig"]
        self.assertEqual(meta["path"], "/publish")
        self.assertEqual(meta["remoteip"], "127.0.0.1")
        self.assertTrue(meta["correlation"])
        self.assertNotIn("target_partition", meta)
        self.assertIn(["content-type", "application/json"], meta["headers"])

        # response_from kafka: a responder reads the correlation from the event and answers.
        answer = {}

        def ask():
            answer["result"] = rig.request("POST", "/ask", body=make_event(etype, "k2"))
        asker = threading.Thread(target=ask)
        asker.start()
        got = sse.next_event()
        self.assertEqual(got["id"], "k2")
        correlation = got["rig"]["correlation"]
        kafka.produce("rig-proxy-response", '{"message":"async"}',
                      [("rig-correlation", correlation), ("rig-response-code", "201"),
                       ("content-type", "application/json")])
        asker.join()
        status, hdrs, body = answer["result"]
        self.assertEqual((status, json.loads(body)), (201, {"message": "async"}))
        self.assertEqual(hdrs["content-type"], "application/json")
        m = rig.metrics()
        self.assertGreaterEqual(
            m.get('rig_produced_events_total{target="kafka",topic="rig-test"}', 0), 2)

    def test_not_a_cloudevent(self):
        kafka = KafkaMock("rig-test")
        self.addCleanup(kafka.close)
        config = [api("events", 1, [endpoint("publish", "POST", "/publish", target="kafka",
                                             topic="rig-test")])]
        rig = Rig(env={"PROXY_CONFIG_FILE": json.dumps(config), "KAFKA_BROKERS": kafka.bootstrap,
                       "KAFKA_SOURCE_TOPICS": "rig-test"})
        rig.start()
        self.addCleanup(rig.stop)
        for body, text in (("not json", "Bad request: expected a JSON encoded request body."),
                           ('{"id":"1"}', "Bad request: the body does not look like a CloudEvent.")):
            status, hdrs, answer = rig.request("POST", "/publish", body=body,
                                               headers={"Content-Type": "application/json"})
            check_json_error(self, status, hdrs, answer, 400, equals=text)


class NatsTarget(unittest.TestCase):
    def test_publish_and_request_reply(self):
        nats = NatsServer()
        self.addCleanup(nats.close)
        config = [api("events", 1, [
            endpoint("pub", "POST", "/pub", target="nats", topic="proxy.pub"),
            endpoint("ask", "POST", "/ask", target="nats", topic="proxy.ask",
                     response_from="nats")])]
        rig = Rig(env={"PROXY_CONFIG_FILE": json.dumps(config), "NATS_SERVERS": "nats://" + nats.address,
                       "NATS_SOURCE_TOPICS": "unused." + uuid.uuid4().hex,
                       "PROXY_NATS_RESPONSE_TIMEOUT": "10000"})
        rig.start()
        self.addCleanup(rig.stop)
        listener = NatsPublisher(nats.port)
        self.addCleanup(listener.close)
        listener.sock.sendall(b"SUB proxy.pub 1\r\nSUB proxy.ask 2\r\n")
        listener.flush()

        def next_msg():
            while True:
                line = listener._read_line()
                if line.startswith(b"MSG "):
                    parts = line.split()
                    size = int(parts[-1])
                    while len(listener.buf) < size + 2:
                        listener.buf += listener.sock.recv(65536)
                    payload, listener.buf = listener.buf[:size], listener.buf[size + 2:]
                    return parts[1].decode(), (parts[3].decode() if len(parts) == 5 else None), \
                        json.loads(payload)
                if line == b"PING":
                    listener.sock.sendall(b"PONG\r\n")

        status, _, body = rig.request("POST", "/pub", body=make_event("nats.t", "n1"))
        self.assertEqual((status, body), (202, b"Accepted."))
        subject, _, event = next_msg()
        self.assertEqual((subject, event["id"], event["rig"]["path"]), ("proxy.pub", "n1", "/pub"))

        answer = {}
        asker = threading.Thread(target=lambda: answer.update(
            result=rig.request("POST", "/ask", body=make_event("nats.t", "n2"))))
        asker.start()
        subject, reply_to, event = next_msg()
        self.assertEqual((subject, event["id"]), ("proxy.ask", "n2"))
        listener.publish(reply_to, '{"answer":42}')
        listener.flush()
        asker.join()
        status, hdrs, body = answer["result"]
        self.assertEqual((status, json.loads(body)), (200, {"answer": 42}))
        self.assertEqual(hdrs["access-control-allow-origin"], "*")


UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def produced(target, topic, failed=False):
    name = "rig_produced_events_failed_total" if failed else "rig_produced_events_total"
    return '%s{target="%s",topic="%s"}' % (name, target, topic)


def kinesis_env(kin, **extra):
    env = {"KINESIS_ENABLED": "true", "KINESIS_ENDPOINT": kin.endpoint,
           "KINESIS_AWS_REGION": "us-east-1", "PROXY_KINESIS_REQUEST_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": "AKIDE2ETEST", "AWS_SECRET_ACCESS_KEY": "e2e-secret",
           "RIG_KINESIS_POLL_MS": "200", "KAFKA_BROKERS": None, "NATS_SERVERS": None}
    env.update(extra)
    return env


def response_record(correlation, code, body, **headers):
    """A record of PROXY_KINESIS_RESPONSE_STREAM (docs/operators.md)."""
    headers.update({"rig-correlation": correlation, "rig-response-code": code})
    return json.dumps({"headers": headers, "body": body})


class KinesisTarget(unittest.TestCase):
    """The kinesis target (§8.8) and response_from kinesis through a response stream."""

    @classmethod
    def setUpClass(cls):
        cls.kin = Kinesalite()
        cls.addClassCleanup(cls.kin.close)
        suffix = uuid.uuid4().hex[:10]
        cls.stream = "rig-proxy-" + suffix
        cls.responses = "rig-responses-" + suffix
        cls.missing = "rig-missing-" + suffix
        for name in (cls.stream, cls.responses, "rig-source-" + suffix):
            cls.kin.create_stream(name, 1)
        cls.backend = StubServer()
        cls.addClassCleanup(cls.backend.close)
        config = [api("events", 1, [
            endpoint("put", "POST", "/k/put", target="kinesis", topic=cls.stream),
            endpoint("missing", "POST", "/k/missing", target="kinesis", topic=cls.missing),
            endpoint("ask", "POST", "/k/ask", target="kinesis", topic=cls.stream,
                     response_from="kinesis")]),
            api("backend", cls.backend.port, [
                endpoint("http-ask", "POST", "/h/ask", response_from="kinesis")])]
        cls.rig = Rig(env=kinesis_env(cls.kin, KINESIS_STREAM="rig-source-" + suffix,
                                      PROXY_CONFIG_FILE=json.dumps(config),
                                      PROXY_KINESIS_RESPONSE_STREAM=cls.responses,
                                      # below the harness's 10 s client timeout: a
                                      # response that never comes is a clean 504
                                      PROXY_KINESIS_RESPONSE_TIMEOUT="8000"))
        cls.rig.start()
        cls.addClassCleanup(cls.rig.stop)
        # LATEST at start: responses put once the shard is positioned are read.
        cls.rig.wait_metric('rig_proxy_kinesis_response_shards{stream="%s"}' % cls.responses,
                            1.0)

    def put_records(self, n_before):
        """The records of the target stream once rig counts more than `n_before` puts."""
        self.rig.wait_metric(produced("kinesis", self.stream), lambda v: v > n_before)
        return self.kin.records(self.stream)

    def events_put(self, n_before, event_id):
        """The one record of the target stream whose CloudEvent has `event_id`."""
        found = [r for r in self.put_records(n_before)
                 if json.loads(r["Data"]).get("id") == event_id]
        self.assertEqual(len(found), 1, found)
        return found[0], json.loads(found[0]["Data"])

    def count(self, name):
        return self.rig.metrics().get(name, 0.0)

    def test_the_event_is_put_with_rig_metadata_and_partition_key(self):
        n = self.count(produced("kinesis", self.stream))
        event = make_event("kin.proxy", "p1", data={"foo": "bar"},
                           rig={"target_partition": "the-key", "other": 1})
        status, hdrs, body = self.rig.request("POST", "/k/put?a=1&b=2", body=event)
        self.assertEqual((status, body), (202, b"Accepted."))
        self.assertEqual(hdrs["access-control-allow-origin"], "*")
        record, put = self.events_put(n, "p1")
        self.assertEqual(record["PartitionKey"], "the-key")
        self.assertEqual((put["type"], put["data"], put["specversion"]),
                         ("kin.proxy", {"foo": "bar"}, "0.2"))
        meta = put["rig"]
        self.assertEqual(set(meta), {"correlation", "remoteip", "host", "port", "scheme",
                                     "headers", "method", "path", "query"})
        self.assertTrue(meta["correlation"])
        self.assertEqual((meta["remoteip"], meta["host"], meta["port"], meta["scheme"]),
                         ("127.0.0.1", "127.0.0.1", self.rig.port, "http"))
        self.assertEqual((meta["method"], meta["path"], meta["query"]),
                         ("POST", "/k/put", "a=1&b=2"))
        self.assertIn(["content-type", "application/json"], meta["headers"])

        # Without rig.target_partition the key is a random UUID.
        n = self.count(produced("kinesis", self.stream))
        status, _, _ = self.rig.request("POST", "/k/put", body=make_event("kin.proxy", "p2"))
        self.assertEqual(status, 202)
        record, _ = self.events_put(n, "p2")
        self.assertRegex(record["PartitionKey"], UUID)

    def test_a_put_to_a_missing_stream_is_accepted_and_counted_failed(self):
        metric = produced("kinesis", self.missing, failed=True)
        before = self.count(metric)
        status, _, body = self.rig.request("POST", "/k/missing", body=make_event("kin.x", "m1"))
        self.assertEqual((status, body), (202, b"Accepted."))  # errors are only logged (§8.8)
        self.rig.wait_metric(metric, before + 1)
        self.assertEqual(self.count(produced("kinesis", self.missing)), 0.0)

    def test_kinesis_target_waits_for_the_kinesis_response(self):
        n = self.count(produced("kinesis", self.stream))
        answer = {}
        asker = threading.Thread(target=lambda: answer.update(
            result=self.rig.request("POST", "/k/ask", body=make_event("kin.ask", "a1"))))
        asker.start()
        _, put = self.events_put(n, "a1")
        self.kin.put(self.responses, response_record(
            put["rig"]["correlation"], 201, {"answer": 42}, **{"content-type": "application/json",
                                                               "x-extra": "yes"}))
        asker.join()
        status, hdrs, body = answer["result"]
        self.assertEqual((status, json.loads(body)), (201, {"answer": 42}))
        self.assertEqual((hdrs["content-type"], hdrs["x-extra"]), ("application/json", "yes"))
        self.assertEqual(hdrs["access-control-allow-origin"], "*")
        self.assertEqual(hdrs["access-control-allow-headers"], "content-type,authorization")

    def test_http_target_waits_for_the_kinesis_response_after_202(self):
        def respond(req):
            correlation = req["path"].split("correlation=", 1)[1]
            self.kin.put(self.responses, response_record(correlation, "200", "plain text",
                                                         **{"content-type": "text/plain"}))
            return 202, {}
        self.backend.respond = respond
        status, hdrs, body = self.rig.request("POST", "/h/ask", body="{}")
        self.assertEqual((status, body), (200, b"plain text"))
        self.assertEqual(hdrs["content-type"], "text/plain")

    def test_malformed_and_forged_responses_are_skipped(self):
        consumed = 'rig_proxy_kinesis_responses_total{stream="%s"}' % self.responses
        failed = 'rig_proxy_kinesis_responses_failed_total{stream="%s"}' % self.responses
        m = self.rig.metrics()
        c0, f0 = m.get(consumed, 0.0), m.get(failed, 0.0)
        for data in ("not json", json.dumps({"headers": {"rig-correlation": "x"}}),
                     response_record("c", "abc", "")):
            self.kin.put(self.responses, data)
        # A forged correlation id parses but reaches no request.
        self.kin.put(self.responses, response_record("forged", 200, ""))
        m = self.rig.wait_metrics(lambda m: m.get(consumed, 0.0) >= c0 + 4,
                                  what="four response records read")
        self.assertEqual((m[consumed], m[failed]), (c0 + 4, f0 + 3))


class KinesisResponsesOff(unittest.TestCase):
    def test_without_a_response_stream_rig_behaves_as_rig(self):
        kin = Kinesalite()
        self.addCleanup(kin.close)
        stream = "rig-proxy-" + uuid.uuid4().hex[:10]
        kin.create_stream(stream, 1)
        backend = StubServer(lambda req: (202, {}))
        self.addCleanup(backend.close)
        config = [api("events", 1, [
            endpoint("ask", "POST", "/k/ask", target="kinesis", topic=stream,
                     response_from="kinesis")]),
            api("backend", backend.port, [
                endpoint("http-ask", "POST", "/h/ask", response_from="kinesis")])]
        rig = Rig(env=kinesis_env(kin, KINESIS_STREAM=stream, PROXY_CONFIG_FILE=json.dumps(config),
                                  PROXY_KINESIS_RESPONSE_TIMEOUT="300"))
        rig.start()
        self.addCleanup(rig.stop)
        self.assertIn("PROXY_KINESIS_RESPONSE_STREAM is not set", rig.stderr())
        # The kinesis target answers at once (§8.7) ...
        status, _, body = rig.request("POST", "/k/ask", body=make_event("kin.ask", "a1"))
        self.assertEqual((status, body), (202, b"Accepted."))
        # ... and an http target's 202 waits for nothing that comes.
        status, hdrs, body = rig.request("POST", "/h/ask", body="{}")
        check_json_error(self, status, hdrs, body, 504,
                         equals="Timed out while waiting for the response.")


class KafkaFailuresAndRequestLog(unittest.TestCase):
    def test_failed_produce_is_counted_and_requests_are_logged(self):
        kafka = KafkaMock("rig-test", "rig-request-log")
        self.addCleanup(kafka.close)
        backend = StubServer(lambda req: (200, {"ok": True}))
        self.addCleanup(backend.close)
        config = [api("events", 1, [
            endpoint("publish", "POST", "/publish", target="kafka", topic="rig-test")]),
            api("backend", backend.port, [endpoint("logged", "GET", "/logged/.*")])]
        rig = Rig(env={"PROXY_CONFIG_FILE": json.dumps(config), "KAFKA_BROKERS": kafka.bootstrap,
                       "KAFKA_SOURCE_TOPICS": "rig-request-log",
                       "RIG_KAFKA_OFFSET_RESET": "earliest", "REQUEST_LOG": "console,kafka",
                       "RIG_MAX_BODY_BYTES": str(4 << 20)})
        rig.start()
        self.addCleanup(rig.stop)
        stdout = LineReader(rig.proc.stdout)
        wait_kafka_assigned(rig)
        sse = SseClient(rig, subscriptions_query("com.rig.proxy.api.call"))
        self.addCleanup(sse.close)
        sse.connect_events()

        status, _, body = rig.request("GET", "/logged/x?q=1")
        self.assertEqual((status, json.loads(body)), (200, {"ok": True}))
        # console: one line on standard output.
        self.assertEqual(stdout.readline(), "CALL: [logged] GET /logged/.* => 127.0.0.1")
        # kafka: the log event, read back from KAFKA_LOG_TOPIC by rig's own Kafka source.
        logged = sse.next_event()
        self.assertEqual((logged["source"], logged["specversion"], logged["contenttype"]),
                         ("/rig", "0.2", "application/json"))
        self.assertEqual(logged["data"], {"endpoint": {"id": "logged", "method": "GET",
                                                       "path_regex": "/logged/.*"},
                                          "request_path": "/logged/x",
                                          "remote_ip": "127.0.0.1"})
        rig.wait_metric(produced("kafka", "rig-request-log"), 1.0)

        # A message larger than librdkafka's message.max.bytes (1000000) is refused at once:
        # the client is answered as if it went (§8.8), the failure counted.
        event = make_event("big", "b1", data={"blob": "x" * 1_100_000})
        status, _, body = rig.request("POST", "/publish", body=event)
        self.assertEqual((status, body), (202, b"Accepted."))
        self.assertEqual(stdout.readline(), "CALL: [publish] POST /publish => 127.0.0.1")
        rig.wait_metric(produced("kafka", "rig-test", failed=True), 1.0)
        self.assertEqual(rig.metrics().get(produced("kafka", "rig-test"), 0.0), 0.0)
        self.assertEqual(sse.next_event()["data"]["request_path"], "/publish")
        rig.wait_metric(produced("kafka", "rig-request-log"), 2.0)


if __name__ == "__main__":
    unittest.main()
