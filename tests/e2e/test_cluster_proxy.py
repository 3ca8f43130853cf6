"""The API gateway in a cluster (issue 11's cluster points, issue 10 "Proxy API definitions"):
API definitions changed through /v3|v2/apis on any node apply on every node, and a node started
later knows them; an asynchronous response (http_async) posted to another node than the one
holding the client's request is forwarded to that node and answers the client.

rig's implementation: src/cluster/replicated_map (the `<prefix>_apis` bucket), node_inbox
(`<prefix>.response.<instance>`), src/proxy/api_registry (apply_replicated),
src/proxy/forwarded_response, the wiring in src/app/node.cpp.

Peers are real: nats-server with JetStream, rig processes on loopback, a StubServer backend.
Every wait is a blocking request repeated until a deadline; none is a sleep.
"""

import json
import re
import unittest

from peers import NatsServer
from rig_harness import StubServer, tamper
from test_cluster import ClusterCase, cluster_env, unique, until
from test_proxy import api, endpoint


def serve_status(rig, path, method="GET"):
    return rig.request(method, path)[0]


class ApisAcrossNodes(ClusterCase):
    """One NATS server with JetStream, a backend, and two rig nodes for the class."""

    @classmethod
    def setUpClass(cls):
        cls.nats = NatsServer(jetstream=True)
        cls.addClassCleanup(cls.nats.close)
        cls.watch_class(cls.nats)
        cls.backend = StubServer(lambda req: (200, {"served": req["path"]}))
        cls.addClassCleanup(cls.backend.close)
        cls.nodes = [cls.start_class_rig(cluster_env(cls.nats, node_id=name))
                     for name in ("a", "b")]

    def define(self, rig, api_id, *paths):
        eps = [endpoint("%s-%d" % (api_id, i), "GET", p) for i, p in enumerate(paths)]
        status, _, body = rig.request("POST", "/v3/apis", api(api_id, self.backend.port, eps),
                                      api=True)
        self.assertEqual(status, 201, body)

    def shown(self, rig, api_id, version="v3"):
        status, _, body = rig.request("GET", "/%s/apis/%s" % (version, api_id), api=True)
        return status, json.loads(body) if body else None

    def test_create_update_delete_on_any_node_apply_on_every_node(self):
        a, b = self.nodes
        api_id = unique("crud")
        self.define(a, api_id, "/%s/one" % api_id)
        # Proxied by the other node, to the backend.
        until(lambda: serve_status(b, "/%s/one" % api_id) == 200, "b serves the new API")
        status, _, body = b.request("GET", "/%s/one" % api_id)
        self.assertEqual(json.loads(body), {"served": "/%s/one" % api_id})

        # An update through /v2 on b: a follows, with the same ref_number.
        changed = api(api_id, self.backend.port,
                      [endpoint(api_id + "-two", "GET", "/%s/two" % api_id)])
        status, _, body = b.request("PUT", "/v2/apis/" + api_id, changed, api=True)
        self.assertEqual(status, 200, body)
        until(lambda: serve_status(a, "/%s/two" % api_id) == 200, "a serves the update")
        self.assertEqual(serve_status(a, "/%s/one" % api_id), 404)
        self.assertEqual(self.shown(a, api_id)[1]["ref_number"], 1)
        self.assertEqual(self.shown(b, api_id)[1]["ref_number"], 1)

        # Delete on b: a answers 404, for the route and for the definition.
        status, _, body = b.request("DELETE", "/v3/apis/" + api_id, api=True)
        self.assertEqual(status, 204, body)
        until(lambda: serve_status(a, "/%s/two" % api_id) == 404, "a forgets the API")
        self.assertEqual(self.shown(a, api_id)[0], 404)
        status, _, body = a.request("DELETE", "/v3/apis/" + api_id, api=True)
        self.assertEqual(status, 404, body)

        # Re-created on a: numbered after the delete made on b (create, update, delete: 3).
        self.define(a, api_id, "/%s/three" % api_id)
        until(lambda: serve_status(b, "/%s/three" % api_id) == 200, "b serves the re-creation")
        self.assertEqual(self.shown(b, api_id)[1]["ref_number"], 3)

    def test_a_node_started_later_serves_what_was_defined_before(self):
        a, b = self.nodes
        kept, deleted = unique("kept"), unique("deleted")
        self.define(a, kept, "/%s" % kept)
        self.define(b, deleted, "/%s" % deleted)
        until(lambda: serve_status(a, "/" + deleted) == 200, "a has b's API")
        status, _, body = a.request("DELETE", "/v3/apis/" + deleted, api=True)
        self.assertEqual(status, 204, body)
        # Both writes are in the bucket once b has seen the delete made on a.
        until(lambda: serve_status(b, "/" + deleted) == 404 and serve_status(b, "/" + kept) == 200,
              "b has seen both changes")

        c = self.node(self.nats, node_id="c")
        # A node answers only once it caught up: no waiting here.
        self.assertEqual(serve_status(c, "/" + kept), 200)
        self.assertEqual(serve_status(c, "/" + deleted), 404)
        self.assertEqual(self.shown(c, kept)[1]["ref_number"], 0)
        self.assertEqual(self.shown(c, deleted)[0], 404)
        status, _, body = c.request("GET", "/health/cluster", api=True)
        self.assertTrue(json.loads(body)["apis_caught_up"], body)
        # And c's changes reach the others.
        status, _, body = c.request("DELETE", "/v3/apis/" + kept, api=True)
        self.assertEqual(status, 204, body)
        until(lambda: serve_status(a, "/" + kept) == 404, "a sees c's delete")

    def test_a_shared_definition_wins_over_the_configuration_files(self):
        api_id = unique("file")
        self.define(self.nodes[0], api_id, "/%s/shared" % api_id)
        until(lambda: serve_status(self.nodes[1], "/%s/shared" % api_id) == 200, "b has it")
        own = [api(api_id, self.backend.port, [endpoint("f", "GET", "/%s/file" % api_id)]),
               api(api_id + "-own", self.backend.port, [endpoint("o", "GET", "/%s/own" % api_id)])]
        c = self.node(self.nats, node_id="c", PROXY_CONFIG_FILE=json.dumps(own))
        self.assertEqual(serve_status(c, "/%s/shared" % api_id), 200)
        self.assertEqual(serve_status(c, "/%s/file" % api_id), 404)
        # The file's other API stays c's own.
        self.assertEqual(serve_status(c, "/%s/own" % api_id), 200)
        self.assertEqual(serve_status(self.nodes[0], "/%s/own" % api_id), 404)


class AsyncResponsesAcrossNodes(ClusterCase):
    def test_a_response_posted_to_another_node_answers_the_client(self):
        nats = self.watch(NatsServer(jetstream=True))
        self.addCleanup(nats.close)
        backend = StubServer()
        self.addCleanup(backend.close)
        config = json.dumps([api("async", backend.port, [
            endpoint("async", "POST", "/async", response_from="http_async")])])
        a, b = [self.node(nats, node_id=name, PROXY_CONFIG_FILE=config,
                          PROXY_HTTP_ASYNC_RESPONSE_TIMEOUT="4000") for name in ("a", "b")]
        posted = []

        def respond(req):
            correlation = req["path"].split("correlation=", 1)[1]
            posted.append(b.request("POST", "/v3/responses", body=b'{"answer":"from b"}',
                                    headers={"rig-correlation": correlation,
                                             "rig-response-code": "201",
                                             "content-type": "application/json",
                                             "x-extra": "kept"}, api=True))
            return 202, {}
        backend.respond = respond

        status, hdrs, body = a.request("POST", "/async", body="{}")
        self.assertEqual(posted[0][0], 202, posted[0])
        self.assertEqual(status, 201, body)
        self.assertEqual(json.loads(body), {"answer": "from b"})
        self.assertEqual(hdrs["content-type"], "application/json")
        self.assertEqual(hdrs["x-extra"], "kept")

        def counter(rig, name):
            _, _, text = rig.request("GET", "/metrics", api=True)
            m = re.search(r"^%s (\d+)$" % name, text.decode(), re.M)
            return int(m.group(1)) if m else None
        self.assertEqual(counter(b, "rig_cluster_responses_forwarded_total"), 1)
        self.assertEqual(counter(a, "rig_cluster_responses_received_total"), 1)

        # A tampered correlation id is dropped on b: never forwarded, the client times out.
        def tampered(req):
            correlation = req["path"].split("correlation=", 1)[1]
            posted.append(b.request("POST", "/v3/responses", body=b"{}",
                                    headers={"rig-correlation": tamper(correlation),
                                             "rig-response-code": "200"}, api=True))
            return 202, {}
        backend.respond = tampered
        status, _, body = a.request("POST", "/async", body="{}")
        self.assertEqual(posted[1][0], 202, posted[1])
        self.assertEqual(status, 504, body)
        self.assertEqual(counter(b, "rig_cluster_responses_forwarded_total"), 1)


if __name__ == "__main__":
    unittest.main()
