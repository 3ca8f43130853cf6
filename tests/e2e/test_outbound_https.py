"""Outbound https://: SUBSCRIPTION_CHECK / SUBMISSION_CHECK services and RIG_JWKS_URL served over
TLS, with the server's certificate verified against the system CAs plus RIG_TLS_CA_FILE.

Contract: spec §5.3 / §5.4 (the check URL is any URL rig POSTs to: 2xx allows, anything else or a
transport error denies, and the reason is logged), our operator guide (RIG_TLS_CA_FILE: a PEM
bundle of extra CAs for outbound https; an unusable file stops rig with exit code 2 naming it;
RIG_JWKS_URL over https). A certificate rig cannot verify (unknown CA, or not for the URL's
host) means: the check denies, and JWK Set keys never load.

The services are StubServers (rig_harness) with a server-side ssl.SSLContext. Their certificates
come from tests/fixtures/outbound-ca (make-fixtures.sh): server.pem is signed by ca.pem for
127.0.0.1 and localhost, other-name.pem by ca.pem for another name only, rogue.pem by a CA rig
never trusts. Nothing sleeps: waits are blocking reads, or a StubServer's blocking wait for
requests and failed handshakes.
"""

import json
import os
import socket
import ssl
import threading
import unittest

import test_jwt
from rig_harness import (check_json_error, HERE, make_event, quote, Rig,
                         run_rig_expecting_failure, SseClient, StubServer, TIMEOUT, wait_until)

FIXTURES = os.path.normpath(os.path.join(HERE, "..", "fixtures", "outbound-ca"))
CA_FILE = os.path.join(FIXTURES, "ca.pem")
SECRET = "outbound-secret"
GREETING = [{"eventType": "greeting"}]
SSE_DENIED = "Subscription denied (not authorized)."
PUT_DENIED = "Subscription denied."
SUBMISSION_DENIED = "Submission denied."


def server_tls(name):
    """A server-side TLS context with the fixture certificate `name` (server, other-name,
    rogue). Its `server_names` list collects the SNI names clients send."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(FIXTURES, name + ".pem"),
                        os.path.join(FIXTURES, name + ".key"))
    ctx.server_names = []
    ctx.sni_callback = lambda sock, server_name, c: ctx.server_names.append(server_name)
    return ctx


# One token for the whole run (its exp is fixed at import), so that tests can compare it.
BEARER = test_jwt.hmac_token({"username": "alice"}, SECRET)


class OutboundTestCase(unittest.TestCase):

    def stub(self, cert="server", respond=None):
        stub = StubServer(respond, tls=server_tls(cert))
        self.addCleanup(stub.close)
        return stub

    def start_rig(self, env, shards=2):
        """A rig for this test, stopped after the test's clients (cleanups run last-in
        first-out)."""
        rig = Rig(env=dict({"JWT_SECRET_KEY": SECRET}, **env), shards=shards)
        rig.start()
        self.addCleanup(rig.stop)
        return rig

    def connect(self, rig):
        """SSE connect with the subscriptions param, so that SUBSCRIPTION_CHECK runs."""
        client = SseClient(rig, "subscriptions=" + quote(GREETING) + "&jwt=" + quote(BEARER))
        self.addCleanup(client.close)
        return client

    def put_subscriptions(self, rig, token):
        return rig.request("PUT", "/_rig/v1/connection/sse/%s/subscriptions" % token,
                           {"subscriptions": GREETING}, {"Authorization": "Bearer " + BEARER})

    def submit(self, rig, event_id):
        return rig.publish(make_event("greeting", event_id),
                           {"Authorization": "Bearer " + BEARER})

    def assert_denied_everywhere(self, rig):
        """The subscription check denies at connect and on PUT, the submission check denies."""
        client = self.connect(rig)
        check_json_error(self, client.status, client.headers, client.body, 400,
                         equals=SSE_DENIED)
        status, hdrs, body = self.put_subscriptions(rig, self.open_unchecked(rig))
        check_json_error(self, status, hdrs, body, 403, equals=PUT_DENIED)
        status, hdrs, body = self.submit(rig, "denied")
        check_json_error(self, status, hdrs, body, 403, equals=SUBMISSION_DENIED)

    def open_unchecked(self, rig):
        """An SSE connection without the subscriptions param (no check); returns its token."""
        client = SseClient(rig)
        self.addCleanup(client.close)
        self.assertEqual(client.status, 200, client.body)
        token, _ = client.connect_events()
        return token

    def check_env(self, stub, **env):
        return dict({"SUBSCRIPTION_CHECK": stub.url + "/subscriptions",
                     "SUBMISSION_CHECK": stub.url + "/submissions"}, **env)


class HttpsChecks(OutboundTestCase):
    """A check service over https with a certificate from RIG_TLS_CA_FILE's CA."""

    @classmethod
    def setUpClass(cls):
        cls.service = StubServer(tls=server_tls("server"))
        cls.rig = Rig(env={"JWT_SECRET_KEY": SECRET, "RIG_TLS_CA_FILE": CA_FILE,
                           "SUBSCRIPTION_CHECK": cls.service.url + "/subscriptions",
                           "SUBMISSION_CHECK": cls.service.url + "/submissions"}, shards=2)
        cls.rig.start()

    @classmethod
    def tearDownClass(cls):
        cls.rig.stop()
        cls.service.close()

    def setUp(self):
        self.service.respond = lambda req: (200, {})
        self.first = self.service.count()

    def calls(self, path):
        """The service's requests to `path` since this test began."""
        with self.service.cond:
            return [r for r in self.service.requests[self.first:] if r["path"] == path]

    def test_subscription_check_allows_with_200(self):
        client = self.connect(self.rig)
        self.assertEqual(client.status, 200, client.body)
        self.assertEqual(client.connect_events()[1], [{"eventType": "greeting", "oneOf": []}])
        status, _, body = self.put_subscriptions(self.rig, client.token)
        self.assertEqual(status, 204, body)
        calls = self.calls("/subscriptions")
        self.assertEqual(len(calls), 2)
        for call in calls:
            self.assertEqual(call["method"], "POST")
            self.assertEqual(json.loads(call["body"]), {"subscriptions": GREETING})
            self.assertEqual(call["headers"]["authorization"], "Bearer " + BEARER)
            self.assertEqual(call["headers"]["host"], "127.0.0.1:%d" % self.service.port)

    def test_subscription_check_denies_with_403(self):
        self.service.respond = lambda req: (403, "no")
        client = self.connect(self.rig)
        check_json_error(self, client.status, client.headers, client.body, 400,
                         equals=SSE_DENIED)
        status, hdrs, body = self.put_subscriptions(self.rig, self.open_unchecked(self.rig))
        check_json_error(self, status, hdrs, body, 403, equals=PUT_DENIED)
        self.assertEqual(len(self.calls("/subscriptions")), 2)

    def test_submission_check_allows_and_denies(self):
        status, _, body = self.submit(self.rig, "allowed")
        self.assertEqual(status, 202, body)
        self.service.respond = lambda req: (403, "no")
        status, hdrs, body = self.submit(self.rig, "denied")
        check_json_error(self, status, hdrs, body, 403, equals=SUBMISSION_DENIED)
        calls = self.calls("/submissions")
        self.assertEqual([json.loads(c["body"])["id"] for c in calls], ["allowed", "denied"])

    def test_tls_connections_are_pooled(self):
        # Eight checks one after another from a 2-shard rig: each shard keeps its connection
        # to the service open and reuses it.
        for i in range(8):
            status, _, body = self.submit(self.rig, "pooled-%d" % i)
            self.assertEqual(status, 202, body)
        peers = {tuple(c["peer"]) for c in self.calls("/submissions")}
        self.assertEqual(len(self.calls("/submissions")), 8)
        self.assertLessEqual(len(peers), 2, peers)


class CertificateChecks(OutboundTestCase):
    """What rig trusts: the system CAs (OpenSSL's default paths, which SSL_CERT_FILE moves for
    the test) plus RIG_TLS_CA_FILE, and only for the URL's host."""

    def assert_log_mentions_certificate(self, rig, stub):
        log = rig.stderr()
        denials = [line for line in log.splitlines() if "denied" in line]
        self.assertTrue(denials, log)
        for line in denials:
            self.assertIn(stub.url, line)
            self.assertIn("certificate", line)
        # The handshake failed: the service never saw a request.
        self.assertTrue(stub.wait_tls_errors(1))
        self.assertEqual(stub.count(), 0)

    def test_certificate_from_an_unknown_ca_denies(self):
        stub = self.stub("rogue")
        rig = self.start_rig(self.check_env(stub, RIG_TLS_CA_FILE=CA_FILE))
        self.assert_denied_everywhere(rig)
        self.assert_log_mentions_certificate(rig, stub)
        self.assertIn("unable to get local issuer certificate", rig.stderr())

    def test_certificate_for_another_host_denies(self):
        stub = self.stub("other-name")
        rig = self.start_rig(self.check_env(stub, RIG_TLS_CA_FILE=CA_FILE))
        self.assert_denied_everywhere(rig)
        self.assert_log_mentions_certificate(rig, stub)
        self.assertIn("IP address mismatch", rig.stderr())

    def test_without_the_ca_file_the_test_ca_is_not_trusted(self):
        stub = self.stub("server")
        rig = self.start_rig(self.check_env(stub, SSL_CERT_FILE=None, SSL_CERT_DIR=None))
        self.assert_denied_everywhere(rig)
        self.assert_log_mentions_certificate(rig, stub)

    def test_system_cas_are_trusted(self):
        # OpenSSL's default CA file is the system bundle unless SSL_CERT_FILE names another:
        # pointing it at the test CA stands in for a CA installed on the system.
        stub = self.stub("server")
        rig = self.start_rig(self.check_env(stub, SSL_CERT_FILE=CA_FILE))
        status, _, body = self.submit(rig, "system-ca")
        self.assertEqual(status, 202, body)
        self.assertEqual(len(stub.wait_requests(1)), 1)

    def test_host_name_is_verified_and_sent_as_sni(self):
        ctx = server_tls("server")
        stub = StubServer(tls=ctx)
        self.addCleanup(stub.close)
        url = "https://localhost:%d/submissions" % stub.port
        rig = self.start_rig({"SUBMISSION_CHECK": url, "RIG_TLS_CA_FILE": CA_FILE})
        status, _, body = self.submit(rig, "by-name")
        self.assertEqual(status, 202, body)
        self.assertEqual(stub.wait_requests(1)[0]["headers"]["host"], "localhost:%d" % stub.port)
        self.assertIn("localhost", ctx.server_names)


class ClosingService:
    """An https service that answers every request 200 without "Connection: close" (so rig
    keeps the connection for the next check) and then closes the connection: each connection
    rig has pooled is stale by the time it is used again. Serves one connection at a time."""

    def __init__(self):
        self.tls = server_tls("server")
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = "https://127.0.0.1:%d" % self.port
        self.cond = threading.Condition()
        self.connections = 0
        self.answered = 0
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return  # closed
            with self.cond:
                self.connections += 1
            try:
                # (The file must be closed too: it keeps the socket open.)
                with self.tls.wrap_socket(raw, server_side=True) as conn, \
                        conn.makefile("rb") as head:
                    conn.settimeout(TIMEOUT)
                    length = 0
                    for line in iter(head.readline, b"\r\n"):
                        if not line:
                            break
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    head.read(length)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                with self.cond:
                    self.answered += 1
                    self.cond.notify_all()
            except (OSError, ValueError):
                pass

    def close(self):
        self.sock.close()


class StaleConnections(OutboundTestCase):

    def test_a_stale_pooled_connection_is_retried_once_on_a_new_one(self):
        service = ClosingService()
        self.addCleanup(service.close)
        # One shard, so that every check goes through the same pool.
        rig = self.start_rig({"SUBMISSION_CHECK": service.url + "/submissions",
                              "RIG_TLS_CA_FILE": CA_FILE}, shards=1)
        for i in range(3):
            status, _, body = self.submit(rig, "stale-%d" % i)
            self.assertEqual(status, 202, body)
        # Each check found its pooled connection closed and made one new one.
        with service.cond:
            service.cond.wait_for(lambda: service.answered == 3, TIMEOUT)
            self.assertEqual((service.connections, service.answered), (3, 3))


class HttpsJwks(OutboundTestCase):
    """RIG_JWKS_URL over https: loads from a trusted server, never from an untrusted one."""

    def key_server(self, cert, key):
        return self.stub(cert, lambda req: (200, {"keys": [test_jwt.jwk(key, "k1", "RS256")]}))

    @staticmethod
    def token(key):
        return test_jwt.sign_token({"username": "alice"}, "RS256", key, header={"kid": "k1"})

    @staticmethod
    def sse_status(rig, jwt):
        client = SseClient(rig, "jwt=" + quote(jwt))
        client.close()
        return client.status

    def jwks_rig(self, stub, **env):
        rig = Rig(env=dict({"RIG_JWKS_URL": stub.url + "/jwks"}, **env))
        rig.start()
        self.addCleanup(rig.stop)
        return rig

    def test_keys_load_over_https(self):
        key = test_jwt.private_key("rsa", "outbound")
        stub = self.key_server("server", key)
        rig = self.jwks_rig(stub, RIG_TLS_CA_FILE=CA_FILE)
        wait_until(lambda: self.sse_status(rig, self.token(key)) == 200,
                   what="the JWK Set to be loaded over https")
        self.assertEqual(stub.requests[0]["method"], "GET")
        self.assertEqual(stub.requests[0]["path"], "/jwks")
        self.assertIn("jwks: loaded 1 key(s) from " + stub.url + "/jwks", rig.stderr())

    def test_keys_never_load_from_an_untrusted_server(self):
        key = test_jwt.private_key("rsa", "outbound")
        stub = self.key_server("rogue", key)
        rig = self.jwks_rig(stub, RIG_TLS_CA_FILE=CA_FILE)
        # rig retries a failed fetch after 5 s: once the second attempt has failed, the
        # first one has certainly been logged.
        stub.wait_tls_errors(2, timeout=30)
        self.assertEqual(self.sse_status(rig, self.token(key)), 400)
        self.assertEqual(stub.count(), 0)
        log = rig.stderr()
        self.assertIn("jwks: fetching %s/jwks failed: SSL certificate problem" % stub.url, log)
        self.assertNotIn("jwks: loaded", log)


class Settings(unittest.TestCase):
    """RIG_TLS_CA_FILE and https:// check URLs are validated at start-up."""

    def assert_stops(self, env, *expected):
        code, _, err = run_rig_expecting_failure(env)
        self.assertEqual(code, 2, err)
        for text in expected:
            self.assertIn(text, err)

    def test_unusable_ca_file_stops_rig_naming_it(self):
        missing = os.path.join(FIXTURES, "no-such-ca.pem")
        self.assert_stops({"RIG_TLS_CA_FILE": missing}, "RIG_TLS_CA_FILE", missing)
        not_a_certificate = os.path.join(FIXTURES, "make-fixtures.sh")
        self.assert_stops({"RIG_TLS_CA_FILE": not_a_certificate}, "RIG_TLS_CA_FILE",
                          not_a_certificate)

    def test_https_check_url_without_a_host_stops_rig(self):
        for name in ("SUBSCRIPTION_CHECK", "SUBMISSION_CHECK"):
            with self.subTest(variable=name):
                self.assert_stops({name: "https://"}, name)

    def test_https_check_url_and_ca_file_are_accepted(self):
        with Rig(env={"SUBSCRIPTION_CHECK": "https://127.0.0.1:9/x",
                      "SUBMISSION_CHECK": "HTTPS://localhost/y", "RIG_TLS_CA_FILE": CA_FILE}):
            pass


if __name__ == "__main__":
    unittest.main()
