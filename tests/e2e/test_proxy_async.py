"""The API gateway's event targets and asynchronous answers (spec §8.7, §8.8, §7.3, §13.16,
§13.17): http_async through POST :4010/v3/responses and /v2/responses; the kafka target with
response_from kafka against librdkafka's mock cluster (rig's own Kafka source reads the topic,
so an SSE client sees what the gateway produced); the nats target, published and
request-reply, against a real nats-server.
"""

import base64
import json
import threading
import unittest
import uuid

from peers import KafkaMock, NatsPublisher, NatsServer, wait_kafka_assigned
from rig_harness import (check_json_error, make_event, Rig, SseClient, StubServer,
                         subscriptions_query)
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
        self.answer_via("/v3/responses", lambda c: {"rig-correlation": c[:-2] + "AA",
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


if __name__ == "__main__":
    unittest.main()
