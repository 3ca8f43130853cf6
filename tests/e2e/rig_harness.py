"""Test harness for end-to-end tests: starts the real rig binary and talks to it over sockets.

The Python standard library is used, plus Debian's python3-h2 for the HTTP/2 client (run with
/usr/bin/python3). Plain and TLS clients alike: every wait is a blocking read with a timeout
(select), never a sleep: a test waits for the byte it expects, or fails.
"""

import base64
import codecs
import hashlib
import hmac
import http.client
import http.server
import json
import os
import resource
import select
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

import h2.config  # Debian's python3-h2
import h2.connection
import h2.events

HERE = os.path.dirname(os.path.abspath(__file__))
BINARY = os.environ.get("RIG_BINARY", os.path.join(HERE, "..", "..", "build", "rig"))
TIMEOUT = float(os.environ.get("RIG_TEST_TIMEOUT", "10"))
# A floor on every Rig's shard count for a whole run (make test-tsan sets 2), so that code
# shared across threads runs on more than one.
MIN_SHARDS = int(os.environ.get("RIG_TEST_MIN_SHARDS", "0"))
TLS_FIXTURES = os.path.normpath(os.path.join(HERE, "..", "fixtures", "tls"))
TLS_CERT = os.path.join(TLS_FIXTURES, "rsa-cert.pem")  # self-signed, CN=localhost
TLS_KEY = os.path.join(TLS_FIXTURES, "rsa-key.pem")


def log_bytes(log):
    """All that a child process has written to `log` (a temporary file given as its stderr),
    read with pread: the file's offset is shared with the child, so seeking it back to read
    while the child still writes made the child's next line land over the start of the log."""
    fd = log.fileno()
    return os.pread(fd, os.fstat(fd).st_size, 0)


def tls_context(alpn=("http/1.1",)):
    """A client TLS context that verifies rig's certificate against the fixture (which is its
    own CA) and its name (localhost or 127.0.0.1). `alpn`: the protocols offered by ALPN, None
    for a ClientHello without the extension."""
    ctx = ssl.create_default_context(cafile=TLS_CERT)
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


class Rig:
    """A running rig process on free ports. Use as a context manager. With `https`, it also
    serves TLS (the fixture certificate) on https_port and api_https_port."""

    def __init__(self, env=None, shards=2, https=False, fd_limit=None):
        self.env = dict(os.environ)
        self.fd_limit = fd_limit  # RLIMIT_NOFILE of the rig process, when given
        if https:
            self.env.update({"HTTPS_CERTFILE": TLS_CERT, "HTTPS_KEYFILE": TLS_KEY,
                             "INBOUND_HTTPS_PORT": "0", "API_HTTPS_PORT": "0"})
        self.env.update({
            "INBOUND_PORT": "0",
            "API_HTTP_PORT": "0",
            "RIG_BIND_ADDRESS": "127.0.0.1",
            "RIG_API_BIND_ADDRESS": "127.0.0.1",
            "RIG_READY_FILE": "/dev/stdout",
            "RIG_SHARDS": str(max(shards, MIN_SHARDS)),
            "LOG_LEVEL": "info",
        })
        for k, v in (env or {}).items():
            if v is None:
                self.env.pop(k, None)
            else:
                self.env[k] = str(v)
        self.proc = None
        self.port = None
        self.api_port = None
        self.https_port = None
        self.api_https_port = None
        self.terminated = False
        self.log = tempfile.TemporaryFile()

    def start(self):
        limit = self.fd_limit

        def set_fd_limit():
            if limit is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

        self.proc = subprocess.Popen([BINARY], env=self.env, stdout=subprocess.PIPE,
                                     stderr=self.log, preexec_fn=set_fd_limit)
        ready, _, _ = select.select([self.proc.stdout], [], [], TIMEOUT)
        if not ready:
            self.proc.kill()
            raise AssertionError("rig did not report ready in time:\n" + self.stderr())
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            raise AssertionError("rig exited with %s before it was ready:\n%s"
                                 % (self.proc.returncode, self.stderr()))
        info = json.loads(line)
        self.port = info["inbound_port"]
        self.api_port = info["api_port"]
        self.https_port = info.get("inbound_https_port")
        self.api_https_port = info.get("api_https_port")
        return self

    def port_for(self, api=False, tls=None):
        """The port of the public or internal listener, the HTTPS one when `tls` is given."""
        if tls is not None:
            port = self.api_https_port if api else self.https_port
            assert port, "rig was started without https=True"
            return port
        return self.api_port if api else self.port

    def terminate(self):
        """Sends SIGTERM and returns at once, so that a test can watch the drain; stop() then
        waits for the exit and checks its code."""
        self.terminated = True
        self.proc.send_signal(signal.SIGTERM)

    def stop(self, expect_code=0):
        """SIGTERM, then wait for a clean exit (the drain is part of every test). A rig that
        exited by itself before (it crashed during the test) fails here too."""
        if self.proc is None:
            return None
        if not self.terminated:
            if self.proc.poll() is not None:
                self.terminated = True
                if expect_code is not None:
                    raise AssertionError("rig exited by itself with %d during the test:\n%s"
                                         % (self.proc.returncode, self.stderr()))
            else:
                self.terminate()
        try:
            code = self.proc.wait(timeout=TIMEOUT + 10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("rig did not exit after SIGTERM:\n" + self.stderr())
        if self.proc.stdout:
            self.proc.stdout.close()
        # Under a sanitizer (make test-tsan, make test-asan) any report fails the test, whatever
        # exit code the test expected, and shows the log.
        if "Sanitizer:" in self.stderr():
            raise AssertionError("rig's sanitizer reported:\n" + self.stderr())
        if expect_code is not None and code != expect_code:
            raise AssertionError("rig exited with %d, expected %d:\n%s"
                                 % (code, expect_code, self.stderr()))
        return code

    def __del__(self):
        try:
            self.log.close()
        except Exception:
            pass

    def stderr(self):
        return log_bytes(self.log).decode("utf-8", "replace")

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            # Keep the original failure; show the log to explain it.
            try:
                self.stop(expect_code=None)
            finally:
                print("---- rig log ----\n" + self.stderr())
            return False
        self.stop()
        return False

    # -- plain HTTP -----------------------------------------------------------------------

    def request(self, method, path, body=None, headers=None, api=False, tls=None):
        """One request on a fresh connection (over HTTPS with `tls`, a client SSLContext).
        Returns (status, headers, body bytes); header names are lowercased, and repeated
        headers are joined in a list under `all`."""
        port = self.port_for(api, tls)
        if tls is not None:
            conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=TIMEOUT, context=tls)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            if isinstance(headers, list):
                if not any(k.lower() == "content-type" for k, _ in headers):
                    headers = headers + [("Content-Type", "application/json")]
            else:
                headers = dict(headers or {})
                headers.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        if isinstance(headers, list):
            # (name, value) pairs, sent in order: lets a test repeat a header.
            conn.putrequest(method, path, skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
        else:
            conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        hdrs["all"] = [(k.lower(), v) for k, v in resp.getheaders()]
        conn.close()
        return resp.status, hdrs, data

    def publish(self, event, headers=None, api=False, tls=None):
        path = "/v3/messages" if api else "/_rig/v1/events"
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        return self.request("POST", path, json.dumps(event), h, api=api, tls=tls)

    def api_headers(self):
        """Headers every internal API request needs: the bearer key when RIG_API_KEY is set."""
        key = self.env.get("RIG_API_KEY", "").strip()
        return {"Authorization": "Bearer " + key} if key else {}

    def metrics(self, tls=None):
        status, _, body = self.request("GET", "/metrics", headers=self.api_headers(), api=True,
                                       tls=tls)
        assert status == 200, (status, body)
        return parse_metrics(body)

    def wait_metrics(self, predicate, timeout=TIMEOUT, what="metrics condition"):
        """Polls GET :api/metrics (each poll is a blocking HTTP request; no sleeps) until
        predicate(metrics) is true; returns those metrics or fails after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            m = self.metrics()
            if predicate(m):
                return m
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for %s; last metrics: %r" % (what, m))

    def wait_metric(self, name, expected, timeout=TIMEOUT):
        """Waits until the metric `name` (e.g. 'rig_connections{transport="sse"}') equals
        `expected` (a number) or satisfies it (a callable)."""
        check = expected if callable(expected) else (lambda v: v == expected)
        return self.wait_metrics(lambda m: check(m.get(name, 0.0)), timeout,
                                 "%s == %r" % (name, expected))[name]


def parse_metrics(body):
    """{series: value} of a Prometheus text exposition."""
    out = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


class KeepAlivePublisher:
    """Publishes over one persistent HTTP/1.1 connection (http.client reused), so that the
    requests are handled in order by one shard. Use as a context manager or call close()."""

    def __init__(self, rig, api=False):
        self.path = "/v3/messages" if api else "/_rig/v1/events"
        self.conn = http.client.HTTPConnection("127.0.0.1", rig.api_port if api else rig.port,
                                               timeout=TIMEOUT)

    def publish(self, event, headers=None):
        """Returns (status, body bytes)."""
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        body = event if isinstance(event, (bytes, str)) else json.dumps(event)
        self.conn.request("POST", self.path, body=body, headers=h)
        resp = self.conn.getresponse()
        return resp.status, resp.read()

    def close(self):
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def make_event(event_type, event_id, version="0.2", **extra):
    if version == "0.1":
        ev = {"cloudEventsVersion": "0.1", "eventType": event_type, "eventID": event_id,
              "source": "test"}
    else:
        ev = {"specversion": version, "type": event_type, "id": event_id, "source": "test"}
    ev.update(extra)
    return ev


def subscriptions_query(*event_types):
    """The query string that subscribes a new connection to these event types."""
    return "subscriptions=" + quote([{"eventType": t} for t in event_types])


def quote(obj):
    """URL-encode a value (JSON-encoded first unless it is a string) for a query string."""
    if not isinstance(obj, str):
        obj = json.dumps(obj)
    return urllib.parse.quote(obj, safe="")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tamper(token):
    """`token` with one character changed. The third from last: in unpadded base64 the last
    characters may carry bits a decoder ignores, or already be what a fixed suffix writes."""
    i = len(token) - 3
    return token[:i] + ("B" if token[i] == "A" else "A") + token[i + 1:]


def make_jwt(claims, secret="mysecret", alg="HS256", expires_in=3600, header=None):
    """An HS-signed JWT; `exp` is added unless given (None removes it)."""
    claims = dict(claims)
    if "exp" not in claims:
        claims["exp"] = int(time.time()) + expires_in
    elif claims["exp"] is None:
        del claims["exp"]
    head = {"alg": alg, "typ": "JWT"}
    head.update(header or {})
    signing_input = (b64url(json.dumps(head).encode()) + "." +
                     b64url(json.dumps(claims).encode())).encode()
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    sig = hmac.new(secret.encode(), signing_input, digest).digest()
    return signing_input.decode() + "." + b64url(sig)


# -- raw socket helpers ---------------------------------------------------------------------

def connect_socket(port, host="127.0.0.1", rcvbuf=None, tls=None):
    """A connected TCP socket with the harness timeout; with `tls` (a client SSLContext), the
    TLS handshake is done too (SNI localhost)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(TIMEOUT)
    sock.connect((host, port))
    if tls is not None:
        sock = tls.wrap_socket(sock, server_hostname="localhost")
    return sock


def recv_some(sock, timeout):
    """Up to 64 KiB from a plain or TLS socket, waiting at most `timeout`; b"" at EOF."""
    # Bytes TLS has decrypted already are not visible to select().
    if not (isinstance(sock, ssl.SSLSocket) and sock.pending()):
        ready, _, _ = select.select([sock], [], [], timeout)
        if not ready:
            raise TimeoutError("no data within %.1fs" % timeout)
    return sock.recv(65536)


class Conn:
    """A TCP connection (over TLS with `tls`, a client SSLContext) with buffered,
    timeout-bounded reads."""

    def __init__(self, port, host="127.0.0.1", rcvbuf=None, tls=None):
        self.sock = connect_socket(port, host, rcvbuf, tls)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, timeout):
        chunk = recv_some(self.sock, timeout)
        if not chunk:
            raise EOFError("connection closed by rig")
        self.buf += chunk

    def read_until(self, marker, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while marker not in self.buf:
            self._fill(max(0.0, deadline - time.monotonic()))
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_exact(self, n, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while len(self.buf) < n:
            self._fill(max(0.0, deadline - time.monotonic()))
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def at_eof(self, timeout=TIMEOUT, or_reset=False):
        """True when the peer closes the connection within `timeout` (data before EOF is
        kept in the buffer); with `or_reset`, an abortive close (RST) counts too."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                self._fill(max(0.0, deadline - time.monotonic()))
        except EOFError:
            return True
        except ConnectionResetError:
            return or_reset
        except TimeoutError:
            return False

    def close(self):
        self.sock.close()


def read_response_head(conn):
    head = conn.read_until(b"\r\n\r\n").decode("latin-1")
    lines = head.split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        if line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return status, headers


class SseReader:
    """EventSource-style parsing of an SSE stream into messages ({"event", "id", "data"} with
    data JSON-decoded) and comments. Subclasses supply _next_text(timeout): the next piece of
    the stream's text, EOFError at its end."""

    text = ""

    def next_message(self, timeout=TIMEOUT):
        """The next SSE message (comments are collected in self.comments)."""
        deadline = time.monotonic() + timeout
        while True:
            while "\n\n" not in self.text:
                self.text += self._next_text(max(0.0, deadline - time.monotonic()))
            block, self.text = self.text.split("\n\n", 1)
            fields = {"data": []}
            comment_only = True
            for line in block.split("\n"):
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                    continue
                comment_only = False
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "data":
                    fields["data"].append(value)
                else:
                    fields[name] = value
            if comment_only:
                continue
            self.raw_messages.append(block)
            data = "\n".join(fields["data"])
            fields["data_text"] = data
            fields["data"] = json.loads(data) if data else None
            return fields

    def next_event(self, timeout=TIMEOUT):
        """The next message's data (a CloudEvent dict), checking the framing invariants."""
        msg = self.next_message(timeout)
        ev = msg["data"]
        etype = ev.get("type", ev.get("eventType"))
        eid = ev.get("id", ev.get("eventID"))
        assert msg.get("event") == etype, (msg, etype)
        if etype.startswith("rig."):
            # rig's own events carry no id: line (the client's Last-Event-ID stays the last
            # published event's).
            assert "id" not in msg, msg
        else:
            assert msg.get("id") == str(eid), (msg, eid)
        return ev

    def next_comment(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        seen = len(self.comments)
        while len(self.comments) == seen:
            remaining = max(0.0, deadline - time.monotonic())
            if "\n\n" not in self.text:
                self.text += self._next_text(remaining)
                continue
            block, rest = self.text.split("\n\n", 1)
            if all(line.startswith(":") for line in block.split("\n")):
                self.text = rest
                self.comments.extend(l[1:].strip() for l in block.split("\n"))
            else:
                raise AssertionError("expected a comment, got a message: %r" % block)
        return self.comments[-1]

    def connect_events(self):
        """Reads rig.connection.create and rig.subscriptions_set; returns (token, subs)."""
        create = self.next_event()
        assert create["type"] == "rig.connection.create", create
        token = create["data"]["connection_token"]
        assert create["data"]["connectionToken"] == token
        subs = self.next_event()
        assert subs["type"] == "rig.subscriptions_set", subs
        self.token = token
        return token, subs["data"]

    def ends_within(self, timeout=TIMEOUT):
        """True when the stream ends within `timeout` after no more than heartbeats (a
        message before the end fails the test); False when it is still open then."""
        try:
            self.next_message(timeout)
        except EOFError:
            return True
        except TimeoutError:
            return False
        raise AssertionError("expected the end of the stream, got a message")


class SseClient(SseReader):
    """An EventSource-like client over a raw socket (TLS with `tls`, a client SSLContext): an
    HTTP/1.1 request, then the chunked stream parsed by SseReader."""

    def __init__(self, rig, query="", path="/_rig/v1/connection/sse", headers=None, rcvbuf=None,
                 tls=None):
        self.conn = Conn(rig.port_for(tls=tls), rcvbuf=rcvbuf, tls=tls)
        extra = "".join("%s: %s\r\n" % kv for kv in (headers or {}).items())
        target = path + (("?" + query) if query else "")
        self.conn.send(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                        "%s\r\n" % (target, extra)).encode())
        self.status, self.headers = read_response_head(self.conn)
        self.body = b""
        self.text = ""
        self.comments = []
        self.raw_messages = []
        if self.status != 200:
            length = int(self.headers.get("content-length", "0"))
            self.body = self.conn.read_exact(length)

    def _next_chunk(self, timeout):
        size_line = self.conn.read_until(b"\r\n", timeout)
        size = int(size_line.strip(), 16)
        data = self.conn.read_exact(size + 2, timeout)
        if size == 0:
            raise EOFError("end of chunked stream")
        return data[:-2].decode()

    _next_text = _next_chunk

    def close(self):
        self.conn.close()


class WsClient:
    """A minimal RFC 6455 client over a raw socket (wss:// with `tls`, a client SSLContext)."""

    def __init__(self, rig, query="", path="/_rig/v1/connection/ws", protocols=None,
                 rcvbuf=None, tls=None):
        self.conn = Conn(rig.port_for(tls=tls), rcvbuf=rcvbuf, tls=tls)
        key = base64.b64encode(os.urandom(16)).decode()
        target = path + (("?" + query) if query else "")
        extra = ("Sec-WebSocket-Protocol: %s\r\n" % protocols) if protocols else ""
        self.conn.send(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                        "Sec-WebSocket-Version: 13\r\n%s\r\n" % (target, key, extra)).encode())
        self.status, self.headers = read_response_head(self.conn)
        expected = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        if self.status == 101:
            assert self.headers.get("sec-websocket-accept") == expected

    def recv_frame(self, timeout=TIMEOUT):
        """(opcode, payload bytes) of the next frame."""
        b0, b1 = self.conn.read_exact(2, timeout)
        opcode = b0 & 0x0F
        assert b1 & 0x80 == 0, "server frames must not be masked"
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.conn.read_exact(2, timeout))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.conn.read_exact(8, timeout))[0]
        return opcode, self.conn.read_exact(n, timeout)

    def recv_frame_fin(self, timeout=TIMEOUT):
        """(fin, opcode, payload bytes) of the next frame."""
        b0 = self.conn.read_exact(1, timeout)[0]
        self.conn.buf = bytes([b0 & 0x0F]) + self.conn.buf
        opcode, payload = self.recv_frame(timeout)
        return bool(b0 & 0x80), opcode, payload

    def recv_message(self, timeout=TIMEOUT, answer_pings=True):
        """(opcode, payload, frame count) of the next message, reassembling fragmented data
        frames; pings are answered and skipped (unless answer_pings is false); a close or pong
        frame is returned as a message of its own."""
        deadline = time.monotonic() + timeout
        parts, first_opcode, frames = [], None, 0
        while True:
            fin, opcode, payload = self.recv_frame_fin(max(0.0, deadline - time.monotonic()))
            if opcode == 0x9 and answer_pings:
                self.send_frame(0xA, payload)
                continue
            if opcode >= 0x8:
                return opcode, payload, 1
            if first_opcode is None:
                assert opcode != 0x0, "continuation frame without a start"
                first_opcode = opcode
            else:
                assert opcode == 0x0, "new data frame inside a fragmented message"
            parts.append(payload)
            frames += 1
            if fin:
                return first_opcode, b"".join(parts), frames

    def next_text(self, timeout=TIMEOUT, answer_pings=True):
        """The payload of the next text frame (pings answered; a close frame fails)."""
        while True:
            opcode, payload = self.recv_frame(timeout)
            if opcode == 0x9 and answer_pings:
                self.send_frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise AssertionError("closed: %r" % (parse_close(payload),))
            assert opcode == 0x1, opcode
            return payload

    def next_event(self, timeout=TIMEOUT, answer_pings=True):
        return json.loads(self.next_text(timeout, answer_pings))

    def connect_events(self):
        create = self.next_event()
        assert create["type"] == "rig.connection.create", create
        subs = self.next_event()
        assert subs["type"] == "rig.subscriptions_set", subs
        self.token = create["data"]["connection_token"]
        return self.token, subs["data"]

    def send_frame(self, opcode, payload=b""):
        mask = os.urandom(4)
        head = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.conn.send(head + mask + masked)

    def expect_close(self, timeout=TIMEOUT):
        """Skips pings and events until a close frame; answers it; returns (code, reason)."""
        while True:
            opcode, payload = self.recv_frame(timeout)
            if opcode == 0x8:
                code, reason = parse_close(payload)
                self.send_frame(0x8, payload[:2])
                return code, reason

    def close(self):
        self.conn.close()


class H2Stream(SseReader):
    """One stream of an H2Client: the response (status, headers, data) as it arrives, and SSE
    parsing of its data (SseReader). `reset` is the RST_STREAM error code once the stream was
    reset (by either side), `ended` is set by END_STREAM."""

    def __init__(self, client, stream_id):
        self.client = client
        self.id = stream_id
        self.status = None
        self.headers = {}
        self.data = b""  # bytes not yet taken by the SSE reader
        self.ended = False
        self.reset = None
        self.held = False
        self.unacked = 0  # flow-controlled bytes not given back while held
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.text = ""
        self.comments = []
        self.raw_messages = []

    def over(self):
        return self.ended or self.reset is not None

    def wait_head(self, timeout=TIMEOUT):
        """Waits for the response head; returns the status."""
        self.client.pump(lambda: self.status is not None or self.over(), timeout,
                         "the response head of stream %d" % self.id)
        assert self.status is not None, "stream %d reset (%s) before its head" % (self.id,
                                                                                   self.reset)
        return self.status

    def _next_text(self, timeout):
        self.client.pump(lambda: self.data or self.over(), timeout,
                         "data on stream %d" % self.id)
        if not self.data:
            raise EOFError("stream %d %s" % (self.id, "ended" if self.ended
                                             else "reset (error %s)" % self.reset))
        data, self.data = self.data, b""
        return self.decoder.decode(data)


class _H2Connection(h2.connection.H2Connection):
    """h2 4.1 takes a received GOAWAY for the end of the connection and refuses every frame
    after it; RFC 9113 §6.8 lets the streams it spares (up to last_stream_id) run to their
    end, which is what a graceful drain looks like. So the connection stays open for them."""

    def _receive_goaway_frame(self, frame):
        state = self.state_machine.state
        frames, events = super()._receive_goaway_frame(frame)
        self.state_machine.state = state
        return frames, events


class H2Client:
    """An HTTP/2 client connection to rig on Debian's python3-h2: over TLS when `tls` is given
    (a client SSLContext offering "h2"; ALPN must select it), else h2c with prior knowledge.
    Single-threaded: every wait pumps the socket (pump()) until its condition holds, or fails
    after the timeout; nothing sleeps. Data is given back to rig's flow-control windows as it
    arrives, except on held streams (hold()): their stream window stays closed while the
    connection window is reopened, as a client that does not read one stream would do."""

    def __init__(self, port, tls=None, settings=None):
        self.sock = connect_socket(port, tls=tls)
        alpn = self.sock.selected_alpn_protocol() if tls is not None else "h2"
        if alpn != "h2":
            self.sock.close()
            raise AssertionError("ALPN selected %r, not h2" % alpn)
        self.h2 = _H2Connection(
            h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.h2.initiate_connection()
        if settings:
            self.h2.update_settings(settings)
        self.streams = {}
        self.goaway = None  # the ConnectionTerminated event (GOAWAY) once received
        self.eof = False
        self.settings_received = False
        self.flush()
        self.pump(lambda: self.settings_received, what="rig's SETTINGS")

    def flush(self):
        data = self.h2.data_to_send()
        if data:
            self.sock.sendall(data)

    def pump(self, done, timeout=TIMEOUT, what="a condition"):
        """Reads and handles frames until done() is true; EOFError if the connection ends
        first, TimeoutError after `timeout`."""
        deadline = time.monotonic() + timeout
        while not done():
            if self.eof:
                raise EOFError("connection closed while waiting for %s" % what)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("timed out waiting for %s" % what)
            try:
                data = recv_some(self.sock, remaining)
            except ConnectionResetError:
                data = b""
            if not data:
                self.eof = True
                continue
            for ev in self.h2.receive_data(data):
                self._handle(ev)
            self.flush()

    def _handle(self, ev):
        e = h2.events
        st = self.streams.get(getattr(ev, "stream_id", None))
        if isinstance(ev, e.ResponseReceived) and st:
            st.headers = dict(ev.headers)
            st.status = int(st.headers[":status"])
        elif isinstance(ev, e.DataReceived):
            n = ev.flow_controlled_length
            if st:
                st.data += ev.data
            if st and st.held:
                st.unacked += n
                if n:
                    self.h2.increment_flow_control_window(n)  # the connection's only
            elif n:
                self.h2.acknowledge_received_data(n, ev.stream_id)
        elif isinstance(ev, e.StreamEnded) and st:
            st.ended = True
        elif isinstance(ev, e.StreamReset) and st:
            st.reset = ev.error_code
        elif isinstance(ev, e.ConnectionTerminated):
            self.goaway = ev
        elif isinstance(ev, e.RemoteSettingsChanged):
            self.settings_received = True

    def remote_setting(self, code):
        """A setting rig sent, e.g. h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS."""
        return self.h2.remote_settings[code]

    def request(self, method, path, body=None, headers=None, authority="localhost"):
        """Starts a request; returns its H2Stream. A dict or list body is sent as JSON."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers = dict({"content-type": "application/json"}, **(headers or {}))
        if isinstance(body, str):
            body = body.encode()
        sid = self.h2.get_next_available_stream_id()
        st = self.streams[sid] = H2Stream(self, sid)
        scheme = "https" if isinstance(self.sock, ssl.SSLSocket) else "http"
        head = [(":method", method), (":path", path), (":scheme", scheme),
                (":authority", authority)]
        head += [(k.lower(), str(v)) for k, v in (headers or {}).items()]
        self.h2.send_headers(sid, head, end_stream=not body)
        self.flush()
        while body:
            # As much as rig's windows allow; then wait for them to open.
            self.pump(lambda: self.h2.local_flow_control_window(sid) > 0 or st.over(),
                      what="rig's flow-control window on stream %d" % sid)
            if st.over():
                break
            n = min(len(body), self.h2.local_flow_control_window(sid),
                    self.h2.max_outbound_frame_size)
            self.h2.send_data(sid, body[:n], end_stream=n == len(body))
            body = body[n:]
            self.flush()
        return st

    def response(self, st, timeout=TIMEOUT):
        """(status, headers, body bytes) once the stream has ended; a reset fails."""
        self.pump(st.over, timeout, "the end of stream %d" % st.id)
        assert st.reset is None, "stream %d reset with error %s" % (st.id, st.reset)
        return st.status, st.headers, st.data

    def fetch(self, method, path, body=None, headers=None):
        """One request and its complete response: (status, headers, body bytes)."""
        return self.response(self.request(method, path, body, headers))

    def sse(self, query="", path="/_rig/v1/connection/sse"):
        """Opens an SSE stream; returns its H2Stream without waiting for the head."""
        target = path + (("?" + query) if query else "")
        return self.request("GET", target, headers={"accept": "text/event-stream"})

    def reset(self, st, error_code=0x8):
        """Sends RST_STREAM (CANCEL by default), as a browser does when an EventSource is
        closed."""
        self.h2.reset_stream(st.id, error_code)
        self.flush()

    def hold(self, st):
        """Stops giving back the stream's flow-control window."""
        st.held = True

    def release(self, st):
        """Gives back what a held stream received, and acknowledges as usual from then on."""
        st.held = False
        if st.unacked:
            self.h2.increment_flow_control_window(st.unacked, stream_id=st.id)
            st.unacked = 0
            self.flush()

    def close(self):
        self.sock.close()


def parse_close(payload):
    if len(payload) < 2:
        return None, ""
    return struct.unpack("!H", payload[:2])[0], payload[2:].decode()


class LongPollClient:
    """A long-polling client that keeps rig's cookies like a browser would (over HTTPS with
    `tls`, a client SSLContext)."""

    def __init__(self, rig, tls=None):
        self.rig = rig
        self.tls = tls
        self.cookies = {}

    def get(self, query=""):
        path = "/_rig/v1/connection/longpolling" + (("?" + query) if query else "")
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        status, hdrs, body = self.rig.request("GET", path, headers=headers, tls=self.tls)
        for name, value in hdrs["all"]:
            if name == "set-cookie":
                k, _, rest = value.partition("=")
                self.cookies[k] = rest.split(";", 1)[0]
        return status, hdrs, body

    def poll(self):
        status, hdrs, body = self.get()
        assert status == 200, (status, body)
        return json.loads(body)


def rst_close(sock):
    """Closes a socket abruptly: SO_LINGER 0 makes the kernel send RST instead of FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def run_rig_expecting_failure(env, timeout=TIMEOUT):
    """Runs the binary with INBOUND/API ports 0 on 127.0.0.1 plus `env`; returns
    (returncode, stdout text, stderr text). For configuration-error tests."""
    full = dict(os.environ)
    full.update({"INBOUND_PORT": "0", "API_HTTP_PORT": "0", "RIG_BIND_ADDRESS": "127.0.0.1",
                 "RIG_API_BIND_ADDRESS": "127.0.0.1", "RIG_READY_FILE": "/dev/stdout"})
    full.update({k: str(v) for k, v in env.items()})
    proc = subprocess.Popen([BINARY], env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate()
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


class SharedRigTestCase(unittest.TestCase):
    """One rig, started with the class's `env` (and HTTPS when `https`), for all the tests of
    a class."""
    env = {}
    https = False

    @classmethod
    def setUpClass(cls):
        cls.rig = Rig(env=cls.env, https=cls.https)
        cls.rig.start()

    @classmethod
    def tearDownClass(cls):
        cls.rig.stop()


def check_json_error(tc, status, hdrs, body, expected_status, equals=None, contains=None,
                     startswith=None):
    """Asserts (on test case `tc`) the status and a JSON body that is exactly
    {"error": "<text>"}, the text equal to, containing or starting with what is given;
    returns the text."""
    tc.assertEqual(status, expected_status, body)
    tc.assertTrue(hdrs.get("content-type", "").startswith("application/json"), hdrs)
    err = json.loads(body)
    tc.assertIsInstance(err, dict, body)
    tc.assertEqual(list(err), ["error"], body)
    tc.assertIsInstance(err["error"], str, body)
    if equals is not None:
        tc.assertEqual(err["error"], equals)
    if contains is not None:
        tc.assertIn(contains, err["error"])
    if startswith is not None:
        tc.assertTrue(err["error"].startswith(startswith), err["error"])
    return err["error"]


def wait_until(attempt, timeout=TIMEOUT, what="condition"):
    """Repeats `attempt()` (which must block, e.g. one HTTP request) until it returns a truthy
    value, and returns that value; fails after `timeout` seconds. No sleeps: use it only with
    attempts that wait for rig themselves."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = attempt()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s (last attempt: %r)" % (what, last))


class StubServiceMixin:
    """A test-case mixin: one StubServer for the whole class, whose URL `stub_env(url)` turns
    into the rig's environment (list it before the rig test-case base); each test starts with
    the stub answering 200 and `self.first` at its request count."""

    @classmethod
    def stub_env(cls, url):
        raise NotImplementedError

    @classmethod
    def setUpClass(cls):
        cls.stub = StubServer()
        cls.env = cls.stub_env(cls.stub.url)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.stub.close()

    def setUp(self):
        super().setUp()
        self.stub.respond = lambda req: (200, {})
        self.first = self.stub.count()


class StubServer:
    """A tiny HTTP/1.1 server on 127.0.0.1 (a ThreadingHTTPServer in a daemon thread) standing in
    for an external service (SUBSCRIPTION_CHECK / SUBMISSION_CHECK URL, a JWK Set endpoint).

    Every request is recorded in `requests` as {"method", "path", "headers" (lowercased names;
    a repeated header keeps its last value), "header_list" ([(name, value)] as received),
    "body" (bytes)}. `respond(request)` decides the answer: it returns (status, body) or
    (status, body, {header: value}); body may be bytes, str, or a dict/list (sent as JSON). It may
    block (e.g. on a threading.Event) to simulate a slow service. The default answers 200 {}.

    With `tls` (a server-side ssl.SSLContext) it serves https:// instead; each request also
    records its "peer" (host, port), and each connection that fails (e.g. a client refusing the
    certificate) adds the server-side exception's text to `tls_errors`."""

    def __init__(self, respond=None, tls=None):
        self.respond = respond or (lambda req: (200, {}))
        self.requests = []
        self.tls_errors = []
        self.cond = threading.Condition()
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                req = {"method": self.command, "path": self.path, "peer": self.client_address,
                       "headers": {k.lower(): v for k, v in self.headers.items()},
                       "header_list": [(k.lower(), v) for k, v in self.headers.items()],
                       "body": body}
                with stub.cond:
                    stub.requests.append(req)
                    stub.cond.notify_all()
                try:
                    answer = stub.respond(req)
                except Exception as e:  # a broken responder is a 500, not a hung request
                    answer = (500, {"error": repr(e)})
                status, payload = answer[0], answer[1]
                headers = dict(answer[2]) if len(answer) > 2 else {}
                if isinstance(payload, (dict, list)):
                    payload = json.dumps(payload)
                    headers.setdefault("Content-Type", "application/json")
                if isinstance(payload, str):
                    payload = payload.encode()
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up (e.g. rig's timeout)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = handle_any
            do_BADMETHOD = handle_any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        if tls is not None:
            # The handshake runs on the handler thread's first read, so that a failing one
            # ends up in handle_error and not in the accept loop.
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True,
                                                 do_handshake_on_connect=False)
            self.server.handle_error = self._connection_failed
            self.url = "https://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def _connection_failed(self, request, client_address):
        with self.cond:
            self.tls_errors.append(str(sys.exc_info()[1]))
            self.cond.notify_all()

    def wait_tls_errors(self, n, timeout=TIMEOUT):
        """Blocks until at least `n` connections have failed; returns their errors."""
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.tls_errors) >= n, timeout):
                raise AssertionError("stub server: expected %d failed connection(s), got %d"
                                     % (n, len(self.tls_errors)))
            return list(self.tls_errors)

    def count(self):
        with self.cond:
            return len(self.requests)

    def wait_requests(self, n, timeout=TIMEOUT):
        """Blocks until at least `n` requests have arrived; returns the list of requests."""
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.requests) >= n, timeout):
                raise AssertionError("stub server: expected %d request(s), got %d"
                                     % (n, len(self.requests)))
            return list(self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
