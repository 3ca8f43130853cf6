"""The API gateway (spec §8, §7.2, §13.12, §13.14, §13.15): routing to a real HTTP backend
(a StubServer in this process), JWT-secured endpoints, header and path rewriting, the
/v3/apis management API with changes taking effect without a restart, start-up validation,
backend failures, and rig_proxy_requests_total.

Our decisions (issue 11): error answers are {"error": "<RIG's text>"}; HEAD is matched as GET and
forwarded as GET, the client gets the head only; methods given through /v3/apis are upper-cased;
Forwarded is for=<client ip>;by=<rig's ip>.
"""

import hashlib
import http.client
import http.server
import json
import os
import socket
import struct
import tempfile
import threading
import unittest
import uuid

from rig_harness import (check_json_error, H2Client, make_jwt, Rig, run_rig_expecting_failure,
                         StubServer)

SECRET = "proxy-secret"


def endpoint(eid, method, path_regex, **extra):
    ep = {"id": eid, "method": method, "path_regex": path_regex}
    ep.update(extra)
    return ep


def api(api_id, port, endpoints, **extra):
    a = {"id": api_id, "name": api_id, "version_data": {"default": {"endpoints": endpoints}},
         "proxy": {"target_url": "127.0.0.1", "port": port, "use_env": False}}
    a.update(extra)
    return a


class ProxyCase(unittest.TestCase):
    """A backend and a rig whose PROXY_CONFIG_FILE routes RIG's test endpoints to it."""

    @classmethod
    def setUpClass(cls):
        cls.backend = StubServer()
        port = cls.backend.port
        books = [endpoint("books-" + m.lower(), m, "/myapi/books", secured=True)
                 for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")]
        config = [
            api("secured-api", port, books + [
                endpoint("bad-method", "BADMETHOD", "/myapi/books"),
            ], auth_type="jwt"),
            api("query-auth", port, [
                endpoint("by-query", "GET", "/myapi/by-query", secured=True),
            ], auth_type="jwt", auth={"use_query": True, "query_name": "token"}),
            api("open-api", port, [
                endpoint("free", "GET", "/myapi/free"),
                endpoint("upload", "POST", "/myapi/upload"),
                endpoint("detail", "get", "/myapi/detail/(.+)"),
                endpoint("tables", "GET", "/docs/([^/]+)/tables/([^/]+)",
                         path_replacement="/mytables/\\1/\\2"),
                endpoint("legacy", "GET", "", path="/legacy/{id}/items"),
                endpoint("transformed", "GET", "/myapi/transformed",
                         transform_request_headers=True),
                endpoint("plain-headers", "GET", "/myapi/plain-headers"),
            ], version_data={"default": {
                "transform_request_headers": {"add_headers": {"host": "different",
                                                              "john": "doe"}},
                "endpoints": []}}),
        ]
        # version_data of open-api holds the endpoints too (the dict above only set headers).
        config[2]["version_data"]["default"]["endpoints"] = [
            endpoint("free", "GET", "/myapi/free"),
            endpoint("upload", "POST", "/myapi/upload"),
            endpoint("detail", "get", "/myapi/detail/(.+)"),
            endpoint("tables", "GET", "/docs/([^/]+)/tables/([^/]+)",
                     path_replacement="/mytables/\\1/\\2"),
            endpoint("legacy", "GET", "", path="/legacy/{id}/items"),
            endpoint("transformed", "GET", "/myapi/transformed", transform_request_headers=True),
            endpoint("plain-headers", "GET", "/myapi/plain-headers"),
        ]
        config[2]["version_data"]["default"]["endpoints"][4].pop("path_regex")
        cls.env = {"JWT_SECRET_KEY": SECRET, "PROXY_CONFIG_FILE": json.dumps(config),
                   "PROXY_RECV_TIMEOUT": "500"}
        cls.rig = Rig(env=cls.env)
        cls.rig.start()

    @classmethod
    def tearDownClass(cls):
        cls.rig.stop()
        cls.backend.close()

    def setUp(self):
        self.backend.respond = lambda req: (200, {"status": "ok"})
        self.first = self.backend.count()

    def last_request(self):
        return self.backend.wait_requests(self.first + 1)[-1]

    def bearer(self, **claims):
        claims.setdefault("jti", str(uuid.uuid4()))
        return {"Authorization": "Bearer " + make_jwt(claims, secret=SECRET)}


class Routing(ProxyCase):
    def test_no_endpoint_matches(self):  # 88
        status, _, body = self.rig.request("GET", "/random/route")
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body), {"message": "Not Found"})
        status, _, body = self.rig.request("GET", "/_rig/v1/unknown")
        self.assertEqual((status, json.loads(body)), (404, {"message": "Not Found"}))

    def test_secured_without_token(self):  # 89
        status, hdrs, body = self.rig.request("GET", "/myapi/books")
        check_json_error(self, status, hdrs, body, 401, equals="Authentication failed.")
        self.assertEqual(hdrs["access-control-allow-origin"], "*")
        self.assertEqual(hdrs["access-control-allow-methods"], "*")
        self.assertEqual(hdrs["access-control-allow-headers"], "content-type")
        self.assertEqual(self.backend.count(), self.first)

    def test_secured_with_token(self):  # 90
        status, _, body = self.rig.request("GET", "/myapi/books", headers=self.bearer())
        self.assertEqual((status, json.loads(body)), (200, {"status": "ok"}))

    def test_secured_with_a_bad_token(self):
        for headers in ({"Authorization": "Bearer not-a-jwt"},
                        {"Authorization": "Bearer " + make_jwt({"jti": "x"}, secret="other")},
                        {"Authorization": self.bearer()["Authorization"].replace("Bearer",
                                                                                  "Basic")}):
            status, hdrs, body = self.rig.request("GET", "/myapi/books", headers=headers)
            check_json_error(self, status, hdrs, body, 401, equals="Authentication failed.")

    def test_token_in_the_query(self):
        token = make_jwt({"jti": str(uuid.uuid4())}, secret=SECRET)
        status, _, _ = self.rig.request("GET", "/myapi/by-query?token=" + token)
        self.assertEqual(status, 200)
        self.assertIn("token=" + token, self.last_request()["path"])
        status, _, _ = self.rig.request("GET", "/myapi/by-query?token=nope")
        self.assertEqual(status, 401)

    def test_a_blacklisted_token_is_refused(self):
        jti = str(uuid.uuid4())
        headers = self.bearer(jti=jti)
        self.assertEqual(self.rig.request("GET", "/myapi/books", headers=headers)[0], 200)
        status, _, _ = self.rig.request(
            "POST", "/v3/session-blacklist", {"sessionId": jti, "validityInSeconds": 60},
            api=True)
        self.assertEqual(status, 201)
        self.assertEqual(self.rig.request("GET", "/myapi/books", headers=headers)[0], 401)

    def test_unsecured(self):  # 91
        status, _, body = self.rig.request("GET", "/myapi/free")
        self.assertEqual((status, json.loads(body)), (200, {"status": "ok"}))
        self.assertEqual(self.last_request()["path"], "/myapi/free")

    def test_every_method_reaches_the_backend(self):  # 92
        for method in ("POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
            first = self.backend.count()
            status, _, body = self.rig.request(method, "/myapi/books", body="{}",
                                               headers=self.bearer())
            self.assertEqual(status, 200, (method, body))
            seen = self.backend.wait_requests(first + 1)[-1]
            self.assertEqual(seen["method"], method)
            if method in ("POST", "PUT", "PATCH"):
                self.assertEqual(seen["body"], b"{}")

    def test_head_is_forwarded_as_get(self):  # 92, our decision
        status, hdrs, body = self.rig.request("HEAD", "/myapi/books", headers=self.bearer())
        self.assertEqual((status, body), (200, b""))
        self.assertEqual(hdrs["content-length"], str(len(json.dumps({"status": "ok"}))))
        self.assertEqual(self.last_request()["method"], "GET")

    def test_an_unknown_method(self):  # 93
        status, hdrs, body = self.rig.request("BADMETHOD", "/myapi/books", headers=self.bearer())
        check_json_error(self, status, hdrs, body, 405, equals="Method not allowed.")

    def test_regex_paths(self):  # 94
        for p in ("/myapi/detail/first.user", "/myapi/detail/" + str(uuid.uuid4()),
                  "/MYAPI/Detail/x"):
            self.assertEqual(self.rig.request("GET", p)[0], 200, p)
            self.assertEqual(self.last_request()["path"], p)
            self.first = self.backend.count()

    def test_query_passes_through(self):  # 95
        self.rig.request("GET", "/myapi/free?page[offset]=0&page[limit]=10")
        self.assertEqual(self.last_request()["path"], "/myapi/free?page[offset]=0&page[limit]=10")

    def test_multipart_upload(self):  # 96
        self.backend.respond = lambda req: (201, {"got": len(req["body"])})
        boundary = "rig-boundary"
        body = ("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
                "Content-Type: text/plain\r\n\r\nhello file\r\n--%s--\r\n" % (boundary, boundary))
        status, _, answer = self.rig.request(
            "POST", "/myapi/upload", body=body,
            headers={"Content-Type": "multipart/form-data; boundary=" + boundary})
        self.assertEqual(status, 201, answer)
        seen = self.last_request()
        self.assertEqual(seen["body"], body.encode())
        self.assertEqual(seen["headers"]["content-type"], "multipart/form-data; boundary=" +
                         boundary)

    def test_forwarded_and_host(self):  # 97, 98
        self.rig.request("GET", "/myapi/free", headers={"Forwarded": "for=1.2.3.4",
                                                         "Host": "rig.local"})
        seen = self.last_request()["headers"]
        self.assertEqual(seen["forwarded"], "for=127.0.0.1;by=127.0.0.1")
        self.assertEqual(seen["host"], "127.0.0.1:%d" % self.backend.port)

    def test_forwarded_names_any_ipv4_client(self):  # 97: octets of one, two and three digits
        with socket.create_connection(("127.0.0.1", self.rig.port), timeout=10,
                                      source_address=("127.0.10.99", 0)) as s:
            s.sendall(b"GET /myapi/free HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            while s.recv(4096):
                pass
        self.assertEqual(self.last_request()["headers"]["forwarded"],
                         "for=127.0.10.99;by=127.0.0.1")

    def test_transform_request_headers(self):  # 99
        self.rig.request("GET", "/myapi/transformed", headers={"John": "smith", "X-Other": "1"})
        seen = self.last_request()["header_list"]
        self.assertIn(("john", "doe"), seen)
        self.assertNotIn(("john", "smith"), seen)
        self.assertIn(("x-other", "1"), seen)
        self.assertEqual(dict(seen)["host"], "127.0.0.1:%d" % self.backend.port)
        self.first = self.backend.count()
        self.rig.request("GET", "/myapi/plain-headers", headers={"John": "smith"})
        self.assertIn(("john", "smith"), self.last_request()["header_list"])

    def test_path_replacement(self):  # 100
        self.rig.request("GET", "/docs/123/tables/456")
        self.assertEqual(self.last_request()["path"], "/mytables/123/456")
        self.assertEqual(self.rig.request("GET", "/docs/123/tables")[0], 404)

    def test_the_2x_path_form(self):
        self.assertEqual(self.rig.request("GET", "/legacy/42/items")[0], 200)
        self.assertEqual(self.last_request()["path"], "/legacy/42/items")
        self.assertEqual(self.rig.request("GET", "/legacy/4/2/items")[0], 404)

    def test_backend_status_headers_and_body_pass_through(self):  # 108
        self.backend.respond = lambda req: (418, "teapot", {"X-Backend": "yes",
                                                            "Content-Type": "text/plain"})
        status, hdrs, body = self.rig.request("GET", "/myapi/free")
        self.assertEqual((status, body), (418, b"teapot"))
        self.assertEqual(hdrs["x-backend"], "yes")
        self.assertEqual(hdrs["content-type"], "text/plain")

    def test_metrics(self):  # 102
        before = self.rig.metrics()
        key_404 = ('rig_proxy_requests_total{method="GET",path="/endpoint/undefined",'
                   'target="N/A",response_from="N/A",status="not_found"}')
        key_ok = ('rig_proxy_requests_total{method="GET",path="/myapi/free",target="http",'
                  'response_from="http",status="ok"}')
        key_post = ('rig_proxy_requests_total{method="POST",path="/myapi/books",target="http",'
                    'response_from="http",status="ok"}')
        self.rig.request("GET", "/endpoint/undefined")
        self.rig.request("GET", "/myapi/free")
        self.rig.request("POST", "/myapi/books", body="{}", headers=self.bearer())
        after = self.rig.metrics()
        for key in (key_404, key_ok, key_post):
            self.assertEqual(after.get(key, 0) - before.get(key, 0), 1, key)


class BackendFailures(unittest.TestCase):
    def test_backend_down_slow_and_resetting(self):
        slow = threading.Event()
        backend = StubServer()
        self.addCleanup(backend.close)

        def respond(req):
            if req["path"] == "/slow":
                slow.wait(10)
            return 200, {}
        backend.respond = respond
        # A port nobody listens on: bound and closed again.
        dead = StubServer()
        dead_port = dead.port
        dead.close()
        config = [api("live", backend.port, [endpoint("slow", "GET", "/slow")]),
                  api("dead", dead_port, [endpoint("dead", "GET", "/dead")])]
        rig = Rig(env={"PROXY_CONFIG_FILE": json.dumps(config), "PROXY_RECV_TIMEOUT": "300"})
        rig.start()
        self.addCleanup(rig.stop)
        status, hdrs, body = rig.request("GET", "/dead")
        check_json_error(self, status, hdrs, body, 502, equals="Bad gateway.")
        self.assertNotIn("access-control-allow-origin", hdrs)
        status, hdrs, body = rig.request("GET", "/slow")
        slow.set()
        check_json_error(self, status, hdrs, body, 502, equals="Bad gateway.")
        m = rig.metrics()
        self.assertEqual(m.get('rig_proxy_requests_total{method="GET",path="/dead",'
                               'target="http",response_from="http",status="unreachable"}'), 1)
        self.assertEqual(m.get('rig_proxy_requests_total{method="GET",path="/slow",'
                               'target="http",response_from="http",status="request_timeout"}'),
                         1)

    def test_use_env_target(self):  # 101
        backend = StubServer()
        self.addCleanup(backend.close)
        config = [api("env", backend.port, [endpoint("e", "GET", "/e")])]
        config[0]["proxy"] = {"target_url": "RIG_TEST_BACKEND_HOST", "port": backend.port,
                              "use_env": True}
        rig = Rig(env={"PROXY_CONFIG_FILE": json.dumps(config),
                       "RIG_TEST_BACKEND_HOST": "http://127.0.0.1:1/ignored"})
        rig.start()
        self.addCleanup(rig.stop)
        self.assertEqual(rig.request("GET", "/e")[0], 200)
        self.assertEqual(backend.wait_requests(1)[0]["headers"]["host"],
                         "127.0.0.1:%d" % backend.port)


class ApisCrud(unittest.TestCase):  # 71-81, and live changes
    @classmethod
    def setUpClass(cls):
        cls.backend = StubServer()
        cls.rig = Rig(env={"JWT_SECRET_KEY": SECRET})
        cls.rig.start()

    @classmethod
    def tearDownClass(cls):
        cls.rig.stop()
        cls.backend.close()

    def call(self, method, path, body=None):
        status, _, data = self.rig.request(method, path, body=body, api=True)
        return status, (json.loads(data) if data else None)

    def test_crud_on_v3_and_v2(self):
        for version in ("v3", "v2"):
            base = "/%s/apis" % version
            new_id, other_id = "new-service-" + version, "another-service-" + version
            self.assertEqual(self.call("POST", base, api(new_id, self.backend.port, [
                endpoint("e1", "get", "/%s/live" % version)])), (201, {"message": "ok"}))
            self.assertEqual(self.call("POST", base, api(other_id, self.backend.port, [])),
                             (201, {"message": "ok"}))
            self.assertEqual(self.call("DELETE", base + "/" + other_id), (204, None))
            listed = self.call("GET", base)[1]
            ids = [a["id"] for a in listed]
            self.assertIn(new_id, ids)
            self.assertNotIn(other_id, ids)
            status, got = self.call("GET", base + "/" + new_id)
            self.assertEqual((status, got["id"], got["ref_number"]), (200, new_id, 0))
            self.assertEqual(got["version_data"]["default"]["endpoints"][0]["method"], "GET")
            for missing in ("fake-service", other_id):
                self.assertEqual(self.call("GET", base + "/" + missing),
                                 (404, {"message": "API with id=%s doesn't exists." % missing}))
                self.assertEqual(self.call("PUT", base + "/" + missing,
                                           api(missing, 1, []))[0], 404)
                self.assertEqual(self.call("DELETE", base + "/" + missing)[0], 404)
            self.assertEqual(self.call("POST", base, api(new_id, 1, [])),
                             (409, {"message": "API with id=%s already exists." % new_id}))
            # The inactive one is replaced, with the next ref_number.
            self.assertEqual(self.call("POST", base, api(other_id, 1, []))[0], 201)
            self.assertEqual(self.call("GET", base + "/" + other_id)[1]["ref_number"], 2)
            self.assertEqual(self.call("PUT", base + "/invalid-config", {}), (400, {"api": [
                {"name": "must be string"}, {"name": "must have a length of at least 1"},
                {"proxy": "must be present"}, {"version_data": "must be present"}]}))
            bad = api("invalid-config", 1, [endpoint("invalid-config1", "GET", "/x",
                                                     target="kafka")])
            self.assertEqual(self.call("POST", base, bad), (400, {
                "invalid-config/invalid-config1": [{"topic": "must be present"}]}))
            auth_bad = api("invalid-config", 1, [], auth_type="jwt", auth={"use_header": True})
            self.assertEqual(self.call("POST", base, auth_bad),
                             (400, {"invalid-config": [{"header_name": "must be present"}]}))

    def test_a_change_applies_to_the_next_request(self):
        path = "/live/" + uuid.uuid4().hex
        self.assertEqual(self.rig.request("GET", path)[0], 404)
        self.assertEqual(self.call("POST", "/v3/apis", api("live-api", self.backend.port, [
            endpoint("live", "GET", path)]))[0], 201)
        # Both shards see it: several requests on fresh connections land on either.
        for _ in range(6):
            self.assertEqual(self.rig.request("GET", path)[0], 200)
        changed = api("live-api", self.backend.port, [endpoint("live", "GET", path + "/v2")])
        self.assertEqual(self.call("PUT", "/v3/apis/live-api", changed)[0], 200)
        for _ in range(6):
            self.assertEqual(self.rig.request("GET", path)[0], 404)
            self.assertEqual(self.rig.request("GET", path + "/v2")[0], 200)
        self.assertEqual(self.call("DELETE", "/v3/apis/live-api")[0], 204)
        for _ in range(6):
            self.assertEqual(self.rig.request("GET", path + "/v2")[0], 404)

    def test_a_body_that_is_not_an_object(self):
        status, _, body = self.rig.request("POST", "/v3/apis", body="[1", api=True)
        self.assertEqual(status, 400, body)


class ConfigLifecycle(unittest.TestCase):  # 103, 104
    def test_invalid_definitions_stop_start_up(self):
        cases = [
            ([{}], "must be string"),
            ([api("a", 1, [endpoint("e", "GET", "")])],
             '"a/e":[{"path_regex":"must have a length of at least 1"}]'),
            ([api("a", 1, [endpoint("e", "GET", "/x", target="kinesis")])],
             '{"topic":"must be present"}'),
            ([api("a", 1, [endpoint("e", "GET", "/x", secured=True)])],
             '{"auth_type":"must be one of [\\"jwt\\"]"}'),
            ({"not": "an array"}, "PROXY_CONFIG_FILE"),
            ("/no/such/file.json", "PROXY_CONFIG_FILE"),
        ]
        for config, expected in cases:
            value = config if isinstance(config, str) else json.dumps(config)
            code, _, err = run_rig_expecting_failure({"PROXY_CONFIG_FILE": value})
            self.assertEqual(code, 2, (config, err))
            self.assertIn(expected, err, config)

    def test_a_file_and_inline_json_give_the_same_routes(self):
        backend = StubServer()
        self.addCleanup(backend.close)
        config = [api("file-api", backend.port, [endpoint("e", "get", "/from-file")])]
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(config, f)
        self.addCleanup(os.unlink, f.name)
        for value in (f.name, json.dumps(config)):
            rig = Rig(env={"PROXY_CONFIG_FILE": value})
            rig.start()
            try:
                self.assertEqual(rig.request("GET", "/from-file")[0], 200)
                status, _, body = rig.request("GET", "/v3/apis/file-api", api=True)
                self.assertEqual(json.loads(body)["version_data"]["default"]["endpoints"][0]
                                 ["method"], "GET")
            finally:
                rig.stop()


if __name__ == "__main__":
    unittest.main()


BLOCK = os.urandom(64 * 1024)
BIG_BLOCKS = 800  # 800 × 64 KiB = 50 MiB


class StreamingBackend:
    """A backend that never holds a body whole: POST answers the length and SHA-256 of what it
    read (Content-Length or chunked), GET /download/<blocks> sends that many BLOCKs, with a
    Content-Length or, for /download-chunked/<blocks>, chunked. RESET closes the connection
    with a TCP reset instead of answering."""

    def __init__(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def read_body(self):
                digest, length = hashlib.sha256(), 0
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            self.rfile.readline()
                            break
                        piece = self.rfile.read(size)
                        self.rfile.readline()
                        digest.update(piece)
                        length += len(piece)
                else:
                    left = int(self.headers.get("Content-Length") or 0)
                    while left > 0:
                        piece = self.rfile.read(min(left, 1 << 20))
                        digest.update(piece)
                        length += len(piece)
                        left -= len(piece)
                return length, digest.hexdigest()

            def answer(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length, sha = self.read_body()
                self.answer(200, {"length": length, "sha256": sha,
                                  "chunked": "chunked" in self.headers.get(
                                      "Transfer-Encoding", "")})

            def do_GET(self):
                if self.path == "/reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                kind, blocks = self.path.strip("/").split("/")
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                if kind == "download":
                    self.send_header("Content-Length", str(len(BLOCK) * int(blocks)))
                    self.end_headers()
                    for _ in range(int(blocks)):
                        self.wfile.write(BLOCK)
                else:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for _ in range(int(blocks)):
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(BLOCK), BLOCK))
                    self.wfile.write(b"0\r\n\r\n")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def sanitized(pid):
    """Whether the rig process runs under AddressSanitizer, whose allocator keeps freed memory
    in quarantine: its RSS says nothing about what rig holds."""
    with open("/proc/%d/maps" % pid) as f:
        return "libasan" in f.read()


def peak_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM for pid %d" % pid)


class Streaming(unittest.TestCase):
    """Proxied bodies stream both ways: a 50 MiB upload or download moves through rig with its
    memory bounded (VmHWM grows by far less than the body), and is not bound by
    RIG_MAX_BODY_BYTES (rig's own limit, 1 MiB here)."""

    @classmethod
    def setUpClass(cls):
        cls.backend = StreamingBackend()
        config = [api("files", cls.backend.port, [
            endpoint("up", "POST", "/upload"),
            endpoint("down", "GET", "/download/[0-9]+"),
            endpoint("down-chunked", "GET", "/download-chunked/[0-9]+"),
            endpoint("reset", "GET", "/reset"),
            endpoint("event", "POST", "/event", target="kafka", topic="t"),
        ])]
        cls.rig = Rig(env={"PROXY_CONFIG_FILE": json.dumps(config), "RIG_MAX_BODY_BYTES": "1048576",
                           "PROXY_RECV_TIMEOUT": "10000"})
        cls.rig.start()

    @classmethod
    def tearDownClass(cls):
        cls.rig.stop()
        cls.backend.close()

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.rig.port, timeout=60)

    def upload(self, blocks, chunked):
        conn = self.connection()
        self.addCleanup(conn.close)
        conn.putrequest("POST", "/upload")
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        else:
            conn.putheader("Content-Length", str(len(BLOCK) * blocks))
        conn.endheaders()
        for _ in range(blocks):
            conn.send(b"%x\r\n%s\r\n" % (len(BLOCK), BLOCK) if chunked else BLOCK)
        if chunked:
            conn.send(b"0\r\n\r\n")
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())

    def expected(self, blocks):
        return {"length": len(BLOCK) * blocks,
                "sha256": hashlib.sha256(BLOCK * blocks).hexdigest()}

    def test_a_50_mib_upload_streams_through(self):
        before = peak_rss_kib(self.rig.proc.pid)
        status, answer = self.upload(BIG_BLOCKS, chunked=False)
        self.assertEqual(status, 200, answer)
        self.assertEqual({k: answer[k] for k in ("length", "sha256")}, self.expected(BIG_BLOCKS))
        grown = peak_rss_kib(self.rig.proc.pid) - before
        if not sanitized(self.rig.proc.pid):
            self.assertLess(grown, 16 * 1024, "rig's peak RSS grew by %d KiB" % grown)

    def test_a_chunked_upload_streams_through_chunked(self):
        status, answer = self.upload(64, chunked=True)
        self.assertEqual(status, 200, answer)
        self.assertTrue(answer["chunked"])
        self.assertEqual({k: answer[k] for k in ("length", "sha256")}, self.expected(64))

    def test_a_small_body_still_reaches_the_backend_whole(self):
        status, _, body = self.rig.request("POST", "/upload", body=b"hello")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["length"], 5)

    def download(self, path):
        conn = self.connection()
        self.addCleanup(conn.close)
        conn.request("GET", path)
        resp = conn.getresponse()
        digest, length = hashlib.sha256(), 0
        while True:
            piece = resp.read(1 << 20)
            if not piece:
                break
            digest.update(piece)
            length += len(piece)
        return resp.status, {"length": length, "sha256": digest.hexdigest()}

    def test_a_50_mib_download_streams_through(self):
        before = peak_rss_kib(self.rig.proc.pid)
        status, got = self.download("/download/%d" % BIG_BLOCKS)
        self.assertEqual(status, 200)
        self.assertEqual(got, self.expected(BIG_BLOCKS))
        grown = peak_rss_kib(self.rig.proc.pid) - before
        if not sanitized(self.rig.proc.pid):
            self.assertLess(grown, 16 * 1024, "rig's peak RSS grew by %d KiB" % grown)

    def test_a_download_of_unknown_length_streams_through(self):
        status, got = self.download("/download-chunked/64")
        self.assertEqual(status, 200)
        self.assertEqual(got, self.expected(64))

    def test_a_body_that_becomes_an_event_stays_under_rigs_limit(self):
        # Refused on its declared length, before any of it is sent.
        conn = self.connection()
        self.addCleanup(conn.close)
        conn.putrequest("POST", "/event")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(len(BLOCK) * 20))
        conn.endheaders()
        resp = conn.getresponse()
        status, hdrs, body = resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        check_json_error(self, status, hdrs, body, 413,
                         equals="The body is larger than RIG_MAX_BODY_BYTES (1048576 bytes).")

    def test_a_resetting_backend_is_a_bad_gateway(self):
        status, hdrs, body = self.rig.request("GET", "/reset")
        check_json_error(self, status, hdrs, body, 502, equals="Bad gateway.")
        self.assertEqual(self.rig.request("POST", "/upload", body=b"x")[0], 200)

    def test_an_upload_cut_off_midway_does_not_hurt_the_next_one(self):
        conn = self.connection()
        conn.putrequest("POST", "/upload")
        conn.putheader("Content-Length", str(len(BLOCK) * 100))
        conn.endheaders()
        conn.send(BLOCK * 3)
        conn.close()
        status, answer = self.upload(4, chunked=False)
        self.assertEqual(status, 200, answer)
        self.assertEqual({k: answer[k] for k in ("length", "sha256")}, self.expected(4))

    def test_over_http2_answers_whole_and_streamed(self):
        c = H2Client(self.rig.port)  # h2c with prior knowledge
        self.addCleanup(c.close)
        status, _, body = c.fetch("POST", "/upload", b"hello over h2")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["length"], len(b"hello over h2"))
        status, hdrs, body = c.fetch("GET", "/download/64")
        self.assertEqual(status, 200)
        self.assertEqual(hashlib.sha256(body).hexdigest(), self.expected(64)["sha256"])
        # The connection carries on after a streamed answer.
        status, _, body = c.fetch("GET", "/download-chunked/2")
        self.assertEqual((status, len(body)), (200, 2 * len(BLOCK)))

    def test_an_upload_over_http2_streams_through(self):
        c = H2Client(self.rig.port)
        self.addCleanup(c.close)
        blocks = 64  # 4 MiB: above RIG_MAX_BODY_BYTES, and four times rig's stream window
        for headers, chunked in (({"content-length": str(len(BLOCK) * blocks)}, False),
                                 ({}, True)):
            status, _, body = c.fetch("POST", "/upload", BLOCK * blocks, headers)
            self.assertEqual(status, 200, body)
            answer = json.loads(body)
            self.assertEqual(answer["chunked"], chunked)
            self.assertEqual({k: answer[k] for k in ("length", "sha256")}, self.expected(blocks))
