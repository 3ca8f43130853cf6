"""rig-bench's protocol paths end to end: SSE over TLS (and its certificate check), batch
publishing counted in events, WebSocket subscribers against the real rig, and HTTP/2 (TLS and
cleartext) against nginx+nchan when they are installed (the benchmark peer; rig has no HTTP/2
yet). The TLS and batch paths use a small stand-in server written here, so they do not depend
on what rig supports. No timing assertions: speed is measured by `make bench`, not here."""

import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from peers import REPO, free_port
from rig_harness import TIMEOUT, Rig, quote

BENCH = os.environ.get("RIG_BENCH_BINARY")
NCHAN_MODULE = "/usr/lib/nginx/modules/ngx_nchan_module.so"
EVENT = ('{"specversion":"1.0","type":"proto","source":"/rig-bench","id":"{seq}",'
         '"time":"2026-01-01T00:00:00Z","data":{"seq":{seq},"ts":{ts},"pad":"{pad}"}}')


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1 (openssl CLI); returns (cert, key) paths."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


class StandIn:
    """An SSE server that also takes batches: GET /sse streams events, POST /events takes one
    event or a JSON array of them and sends each member as an SSE event of its own to every
    subscriber. Plain HTTP on `port`; with a certificate also TLS on `tls_port` (same
    subscribers: rig-bench publishes over plain HTTP only)."""

    def __init__(self, cert=None, key=None):
        self.subscribers = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                self.wfile.write(b": hi\n\n")
                self.wfile.flush()
                with outer.lock:
                    outer.subscribers.append(self.wfile)
                outer.stopping.wait()

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                members = body if isinstance(body, list) else [body]
                data = b"".join(b"data: " + json.dumps(m).encode() + b"\n\n" for m in members)
                with outer.lock:
                    for w in list(outer.subscribers):
                        try:
                            w.write(data)
                            w.flush()
                        except OSError:
                            outer.subscribers.remove(w)
                self.send_response(202)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"[]")

            def log_message(self, *args):
                pass

        self.servers = [ThreadingHTTPServer(("127.0.0.1", 0), Handler)]
        if cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            tls = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
            self.servers.append(tls)
        self.port = self.servers[0].server_address[1]
        self.tls_port = self.servers[-1].server_address[1] if cert else None
        for server in self.servers:
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def close(self):
        self.stopping.set()
        for server in self.servers:
            server.shutdown()
            server.server_close()


class Nginx:
    """nginx+nchan with the benchmark's configuration (bench/peers/nchan.conf.in): plain
    HTTP/1.1, TLS with HTTP/2 by ALPN, and cleartext HTTP/2 on free ports."""

    def __init__(self, directory, cert, key):
        self.port, self.tls_port, self.h2c_port = free_port(), free_port(), free_port()
        for sub in ("logs", "tmp"):
            os.makedirs(os.path.join(directory, sub), exist_ok=True)
        with open(os.path.join(REPO, "bench", "peers", "nchan.conf.in")) as f:
            conf = f.read()
        for name, value in (("@DIR@", directory), ("@PORT@", self.port),
                            ("@TLS_PORT@", self.tls_port), ("@H2C_PORT@", self.h2c_port),
                            ("@CERT@", cert), ("@KEY@", key)):
            conf = conf.replace(name, str(value))
        conf_path = os.path.join(directory, "nginx.conf")
        with open(conf_path, "w") as f:
            f.write(conf)
        self.proc = subprocess.Popen(["nginx", "-p", directory, "-c", conf_path],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + TIMEOUT
        for port in (self.port, self.tls_port, self.h2c_port):
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if self.proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("nginx did not start: %s" % self.proc.stderr.read())

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=TIMEOUT)
        self.proc.stderr.close()


@unittest.skipUnless(BENCH, "RIG_BENCH_BINARY not set")
class RigBenchProtocols(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rig-bench-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def bench(self, args, expect_ok=True):
        out = os.path.join(self.dir, "result.json")
        proc = subprocess.run([BENCH, "--json", out] + args, capture_output=True, text=True,
                              timeout=120)
        if expect_ok:
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        with open(out) as f:
            return json.load(f), proc.stderr

    def fanout(self, sub_url, pub_url, extra, connections=10, rate="100"):
        result, _ = self.bench(["--sub-url", sub_url, "--connections", str(connections),
                                "--processes", "2", "--pub-url", pub_url, "--pub-body", EVENT,
                                "--payload", "50", "--rates", rate, "--step-seconds", "2",
                                "--expect-no-loss"] + extra)
        step = result["steps"][0]
        self.assertGreater(step["published"], 0)
        self.assertEqual(step["delivered"], step["expected"])
        self.assertEqual(step["lost"], 0)
        self.assertEqual(step["out_of_order"], 0)
        # The event JSON (~190 bytes with these padding and sequence numbers), not framing.
        self.assertGreater(step["delivered_bytes"], 150 * step["delivered"])
        self.assertLess(step["delivered_bytes"], 300 * step["delivered"])
        return result, step

    def test_tls_subscribers_trusting_the_certificate(self):
        cert, key = make_certificate(self.dir)
        server = StandIn(cert, key)
        self.addCleanup(server.close)
        result, step = self.fanout("https://127.0.0.1:%d/sse" % server.tls_port,
                                   "http://127.0.0.1:%d/events" % server.port,
                                   ["--ca-file", cert])
        self.assertTrue(result["tls"])
        self.assertEqual(result["ready"], 10)

    def test_tls_refuses_an_untrusted_certificate(self):
        cert, key = make_certificate(self.dir)
        server = StandIn(cert, key)
        self.addCleanup(server.close)
        result, stderr = self.bench(["--mode", "connect", "--sub-url",
                                     "https://127.0.0.1:%d/sse" % server.tls_port,
                                     "--connections", "3", "--processes", "1"])
        self.assertEqual(result["ready"], 0)
        self.assertEqual(result["failed"], 3)
        self.assertIn("certificate verify failed", stderr)

    def test_batch_publishing_counts_events(self):
        server = StandIn()
        self.addCleanup(server.close)
        result, step = self.fanout("http://127.0.0.1:%d/sse" % server.port,
                                   "http://127.0.0.1:%d/events" % server.port,
                                   ["--pub-batch", "10"])
        self.assertEqual(result["pub_batch"], 10)
        self.assertEqual(step["published"] % 10, 0)
        self.assertEqual(step["publish_errors"], 0)
        self.assertEqual(step["delivered"], step["published"] * 10)

    def test_websocket_subscribers_of_rig(self):
        with Rig(env={"MAX_CONNECTIONS_PER_MINUTE": "0"}) as rig:
            query = "subscriptions=" + quote([{"eventType": "proto"}])
            result, step = self.fanout(
                "ws://127.0.0.1:%d/_rig/v1/connection/ws?%s" % (rig.port, query),
                "http://127.0.0.1:%d/_rig/v1/events" % rig.port, [], connections=100)
        self.assertEqual(result["protocol"], "ws")
        self.assertEqual(step["delivered"], step["published"] * 100)

    @unittest.skipUnless(shutil.which("nginx") and os.path.exists(NCHAN_MODULE),
                         "nginx with nchan (make bench's peer) not installed")
    def test_http2_streams_over_tls_and_cleartext(self):
        cert, key = make_certificate(self.dir)
        nginx = Nginx(os.path.join(self.dir, "nginx"), cert, key)
        self.addCleanup(nginx.close)
        pub = "http://127.0.0.1:%d/pub/proto" % nginx.port
        for url, extra in (("https://127.0.0.1:%d/sub/proto" % nginx.tls_port, ["--insecure"]),
                           ("http://127.0.0.1:%d/sub/proto" % nginx.h2c_port, [])):
            with self.subTest(url=url):
                result, step = self.fanout(url, pub, ["--h2", "--streams-per-connection", "10"]
                                           + extra, connections=4)
                self.assertEqual(result["protocol"], "h2")
                self.assertEqual(result["ready"], 40)
                self.assertEqual(result["connected"], 4)
                self.assertEqual(step["delivered"], step["published"] * 40)


if __name__ == "__main__":
    unittest.main()
