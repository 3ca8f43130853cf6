"""Fan-out: many concurrent subscribers each receive every event, complete and in order.

The clients are non-blocking sockets served by one selector loop in the test thread; SSE
(chunked) and WebSocket frames are parsed incrementally. Events are published from another
thread over one keep-alive HTTP connection while the clients are being read."""

import base64
import errno
import hashlib
import json
import os
import selectors
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest

from rig_harness import KeepAlivePublisher, Rig, SseClient, make_event, quote

SUBS = quote([{"eventType": "fanout"}])
DEADLINE = 120.0
MAX_CONNECTING = 200
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class StreamClient:
    """Base: non-blocking connect, request, response head; subclasses parse the body."""

    def __init__(self, port, request, expect_status):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        err = self.sock.connect_ex(("127.0.0.1", port))
        if err not in (0, errno.EINPROGRESS):
            raise OSError(err, os.strerror(err))
        self.request = request
        self.expect_status = expect_status
        self.raw = b""
        self.head_done = False
        self.messages = []  # (id, event type, data text)
        self.closed = False

    def on_writable(self):
        err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            raise OSError(err, "connect failed: " + os.strerror(err))
        sent = self.sock.send(self.request)
        assert sent == len(self.request), "short send of a small request"

    def on_readable(self):
        try:
            data = self.sock.recv(262144)
        except (BlockingIOError, InterruptedError):
            return
        if not data:
            self.closed = True
            return
        self.raw += data
        if not self.head_done:
            i = self.raw.find(b"\r\n\r\n")
            if i < 0:
                return
            head = self.raw[:i].decode("latin-1")
            self.raw = self.raw[i + 4:]
            status = int(head.split(" ", 2)[1])
            assert status == self.expect_status, head
            self.check_head(head)
            self.head_done = True
        self.parse_body()

    def check_head(self, head):
        pass

    def close(self):
        self.sock.close()


class FanoutSse(StreamClient):
    def __init__(self, port):
        super().__init__(port, ("GET /_rig/v1/connection/sse?subscriptions=%s HTTP/1.1\r\n"
                                "Host: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
                                % SUBS).encode(), 200)
        self.text = b""

    def parse_body(self):
        # Chunked transfer coding, then SSE messages separated by a blank line.
        while True:
            j = self.raw.find(b"\r\n")
            if j < 0:
                return
            size = int(self.raw[:j], 16)
            if size == 0:
                self.closed = True
                return
            if len(self.raw) < j + 2 + size + 2:
                return
            assert self.raw[j + 2 + size:j + 4 + size] == b"\r\n", "bad chunk framing"
            self.text += self.raw[j + 2:j + 2 + size]
            self.raw = self.raw[j + 4 + size:]
            while True:
                k = self.text.find(b"\n\n")
                if k < 0:
                    break
                block, self.text = self.text[:k].decode(), self.text[k + 2:]
                fields, data = {}, []
                for line in block.split("\n"):
                    if line.startswith(":"):
                        continue
                    name, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if name == "data":
                        data.append(value)
                    else:
                        fields[name] = value
                if data:
                    self.messages.append((fields.get("id"), fields.get("event"), "\n".join(data)))


class FanoutWs(StreamClient):
    def __init__(self, port):
        self.key = base64.b64encode(os.urandom(16)).decode()
        super().__init__(port, ("GET /_rig/v1/connection/ws?subscriptions=%s HTTP/1.1\r\n"
                                "Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                                % (SUBS, self.key)).encode(), 101)
        self.fragments = []

    def check_head(self, head):
        accept = base64.b64encode(hashlib.sha1((self.key + WS_GUID).encode())
                                  .digest()).decode()
        assert ("sec-websocket-accept: " + accept.lower()) in head.lower(), head

    def send_frame(self, opcode, payload):
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        frame = bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked
        self.sock.setblocking(True)
        try:
            self.sock.sendall(frame)
        finally:
            self.sock.setblocking(False)

    def parse_body(self):
        while len(self.raw) >= 2:
            b0, b1 = self.raw[0], self.raw[1]
            assert b1 & 0x80 == 0, "server frames must not be masked"
            n, off = b1 & 0x7F, 2
            if n == 126:
                if len(self.raw) < 4:
                    return
                n, off = struct.unpack("!H", self.raw[2:4])[0], 4
            elif n == 127:
                if len(self.raw) < 10:
                    return
                n, off = struct.unpack("!Q", self.raw[2:10])[0], 10
            if len(self.raw) < off + n:
                return
            payload, self.raw = self.raw[off:off + n], self.raw[off + n:]
            opcode, fin = b0 & 0x0F, b0 & 0x80
            if opcode == 0x9:
                self.send_frame(0xA, payload)
                continue
            if opcode == 0x8:
                self.closed = True
                return
            assert opcode in (0x0, 0x1), "unexpected opcode %d" % opcode
            self.fragments.append(payload)
            if fin:
                text = b"".join(self.fragments).decode()
                self.fragments = []
                ev = json.loads(text)
                self.messages.append((str(ev.get("id")), ev.get("type"), text))


class Loop:
    """One selector for all clients; connects at most MAX_CONNECTING clients at a time."""

    def __init__(self, clients):
        self.sel = selectors.DefaultSelector()
        self.pending = list(clients)
        self.connecting = 0
        self.state = {}

    def run(self, done, deadline, what):
        """Serves the clients until done() or the deadline."""
        while True:
            while self.pending and self.connecting < MAX_CONNECTING:
                c = self.pending.pop()
                self.sel.register(c.sock, selectors.EVENT_WRITE, c)
                self.state[c] = "connecting"
                self.connecting += 1
            if not self.pending and done():
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("timed out: %s" % what)
            for key, _ in self.sel.select(min(remaining, 1.0)):
                c = key.data
                if self.state[c] == "connecting":
                    c.on_writable()
                    self.sel.modify(c.sock, selectors.EVENT_READ, c)
                    self.state[c] = "open"
                    self.connecting -= 1
                else:
                    c.on_readable()
                    if c.closed:
                        raise AssertionError("a client's stream ended early after %d "
                                             "messages" % len(c.messages))

    def close(self):
        self.sel.close()


class FanoutTestCase(unittest.TestCase):
    def run_fanout(self, client_class, n_clients, n_events):
        deadline = time.monotonic() + DEADLINE
        with Rig(env={"MAX_CONNECTIONS_PER_MINUTE": "0"}, shards=2) as rig:
            clients = [client_class(rig.port) for _ in range(n_clients)]
            loop = Loop(clients)
            try:
                # Phase 1: every client connected and subscribed (rig.subscriptions_set seen).
                loop.run(lambda: all(len(c.messages) >= 2 for c in clients), deadline,
                      "connecting %d clients" % n_clients)
                for c in clients:
                    self.assertEqual(c.messages[0][1], "rig.connection.create")
                    self.assertEqual(c.messages[1][1], "rig.subscriptions_set")
                    self.assertEqual(json.loads(c.messages[1][2])["data"],
                                     [{"eventType": "fanout", "oneOf": []}])

                # Phase 2: publish sequentially over one keep-alive connection from another
                # thread while the selector loop keeps reading.
                published = [None] * n_events
                errors = []

                def publish():
                    try:
                        with KeepAlivePublisher(rig) as pub:
                            for i in range(n_events):
                                ev = make_event("fanout", str(i),
                                                data={"n": i, "text": "event number %d" % i})
                                status, body = pub.publish(ev)
                                if status != 202:
                                    raise AssertionError("publish %d: %d %r" % (i, status, body))
                                published[i] = json.loads(body)
                    except BaseException as e:
                        errors.append(e)

                publisher = threading.Thread(target=publish)
                publisher.start()
                try:
                    loop.run(lambda: errors or all(len(c.messages) >= 2 + n_events
                                                    for c in clients),
                          deadline, "delivering %d events to %d clients" % (n_events, n_clients))
                finally:
                    publisher.join()
                if errors:
                    raise errors[0]

                # Every client: all events, complete, in order, identical bytes.
                canonical = {}
                for idx, c in enumerate(clients):
                    got = c.messages[2:]
                    self.assertEqual(len(got), n_events, "client %d" % idx)
                    for i, (eid, etype, text) in enumerate(got):
                        if eid != str(i) or etype != "fanout":
                            self.fail("client %d: message %d has id %r type %r"
                                      % (idx, i, eid, etype))
                        if i not in canonical:
                            ev = json.loads(text)
                            self.assertEqual(ev, published[i])
                            self.assertEqual(ev["data"]["n"], i)
                            canonical[i] = text
                        elif text != canonical[i]:
                            self.fail("client %d: event %d differs: %r" % (idx, i, text))
                m = rig.metrics()
                self.assertGreaterEqual(m["rig_event_deliveries_total"], n_clients * n_events)
                self.assertEqual(m["rig_slow_consumer_disconnects_total"], 0)
            finally:
                loop.close()
                for c in clients:
                    c.close()
            gauge = 'rig_connections{transport="%s"}' % (
                "sse" if client_class is FanoutSse else "ws")
            rig.wait_metric(gauge, 0, timeout=30)


class Fanout(FanoutTestCase):
    def test_1000_sse_clients_200_events(self):
        self.run_fanout(FanoutSse, 1000, 200)

    def test_200_websocket_clients_200_events(self):
        self.run_fanout(FanoutWs, 200, 200)


class Ordering(unittest.TestCase):
    def test_sequential_publishes_on_separate_connections_keep_order(self):
        """An event published after the previous one was answered 202 must not overtake it,
        even when the two requests arrive on different connections (and shards). Busy
        processes compete for the CPU to widen any race window; this test can only find a
        race, not prove its absence."""
        n_events = 600
        hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range(os.cpu_count() or 2)]
        try:
            with Rig(shards=2) as rig:
                subs = "subscriptions=" + quote([{"eventType": "ordered"}])
                clients = [SseClient(rig, query=subs) for _ in range(4)]
                for c in clients:
                    c.connect_events()
                for i in range(n_events):
                    status, _, body = rig.publish(make_event("ordered", str(i)))
                    self.assertEqual(status, 202, body)
                for idx, c in enumerate(clients):
                    got = [int(c.next_event()["id"]) for _ in range(n_events)]
                    inversions = [(a, b) for a, b in zip(got, got[1:]) if b < a]
                    self.assertEqual(inversions, [], "client %d received events out of "
                                     "publish order: (received, then received) pairs" % idx)
                    c.close()
        finally:
            for h in hogs:
                h.kill()
                h.wait()


if __name__ == "__main__":
    unittest.main()
