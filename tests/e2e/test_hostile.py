"""Hostile input, end to end (issue 15): while a healthy SSE subscriber and a steady publisher
run, malformed and abusive HTTP requests and WebSocket frames are thrown at rig. Each gets the
right 4xx or a close; rig stays up; the healthy subscriber misses nothing.

The steady publisher is paced (a short pause between events keeps its rate modest); nothing
waits on time for synchronisation: every check reads a response or the event stream.
"""

import json
import os
import socket
import struct
import threading
import unittest

from rig_harness import Rig, SseClient, WsClient, quote

STEADY = "hostile.steady"


def exchange(port, data, timeout=10):
    """Sends `data` on a new connection and reads until the peer closes (or `timeout`):
    returns the bytes read, b"" when the connection was closed or reset without an answer."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(timeout)
    out = b""
    try:
        s.sendall(data)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        s.close()
    return out


def statuses(raw):
    """The status codes of the HTTP/1.1 responses in `raw`, in order."""
    found = []
    at = 0
    while True:
        i = raw.find(b"HTTP/1.1 ", at)
        if i < 0:
            return found
        found.append(int(raw[i + 9:i + 12]))
        at = i + 12


def request(head, body=b""):
    return head.replace("\n", "\r\n").encode() + body


class HostileInput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rig = Rig(env={"RIG_HTTP_IDLE_TIMEOUT_MS": "2000", "MAX_CONNECTIONS_PER_MINUTE": "0"})
        cls.rig.start()
        cls.subscriber = SseClient(cls.rig, "subscriptions=" + quote([{"eventType": STEADY}]))
        cls.subscriber.connect_events()
        cls.stop = threading.Event()
        cls.published = []
        cls.failures = []
        cls.publisher = threading.Thread(target=cls.publish_steadily, daemon=True)
        cls.publisher.start()

    @classmethod
    def publish_steadily(cls):
        i = 0
        while not cls.stop.is_set():
            event = {"specversion": "1.0", "type": STEADY, "source": "/steady", "id": str(i)}
            try:
                status, _, body = cls.rig.request("POST", "/_rig/v1/events", json.dumps(event),
                                                  {"Content-Type": "application/json"})
            except OSError as e:
                cls.failures.append("publish %d: %r" % (i, e))
                return
            if status != 202:
                cls.failures.append("publish %d: %d %r" % (i, status, body))
                return
            cls.published.append(str(i))
            i += 1
            cls.stop.wait(0.02)  # pacing, not synchronisation

    @classmethod
    def tearDownClass(cls):
        cls.subscriber.close()
        cls.rig.stop()

    def test_every_hostile_input_is_refused_and_the_healthy_client_misses_nothing(self):
        port = self.rig.port
        event = json.dumps({"specversion": "1.0", "type": "t", "source": "s", "id": "1"})
        smuggled = "GET /_rig/health HTTP/1.1\nHost: x\n\n".replace("\n", "\r\n")
        http_cases = [
            ("garbage bytes", os.urandom(512) + b"\r\n\r\n", {400}),
            ("invalid request line", b"GARBAGE\r\n\r\n", {400}),
            ("HTTP/0.9", b"GET /\r\n\r\n", {400}),
            ("NUL in a header", b"GET /_rig/health HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n",
             {400}),
            ("space before the colon",
             request("POST /_rig/v1/events HTTP/1.1\nHost: x\nContent-Length : 5\n\n", b"abcde"),
             {400}),
            ("1 MB header",
             b"GET /_rig/health HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * (1 << 20) + b"\r\n\r\n",
             {431}),
            ("10,000 headers",
             b"GET /_rig/health HTTP/1.1\r\nHost: x\r\n"
             + b"".join(b"X-%d: y\r\n" % i for i in range(10000)) + b"\r\n", {431}),
            ("100 KB method", b"A" * 100000 + b" / HTTP/1.1\r\n\r\n", {400, 431}),
            ("Content-Length overflow",
             request("POST /_rig/v1/events HTTP/1.1\nHost: x\n"
                     "Content-Length: 99999999999999999999999\n\n"), {400}),
            ("negative Content-Length",
             request("POST /_rig/v1/events HTTP/1.1\nHost: x\nContent-Length: -1\n\n"), {400}),
            ("two different Content-Lengths",
             request("POST /_rig/v1/events HTTP/1.1\nHost: x\nContent-Length: 3\n"
                     "Content-Length: 5\n\n", b"abcde"), {400}),
            ("CL+TE smuggling",
             request("POST /_rig/v1/events HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                     "Content-Length: %d\nTransfer-Encoding: chunked\n\n"
                     % (5 + len(smuggled)), b"0\r\n\r\n" + smuggled.encode()), {400}),
            ("TE+CL smuggling",
             request("POST /_rig/v1/events HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n"
                     "Content-Length: 4\n\n", b"5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n"), {400}),
            ("bad chunk size",
             request("POST /_rig/v1/events HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n\n",
                     b"zz\r\nabc\r\n0\r\n\r\n"), {400}),
            ("deeply nested JSON",
             request("POST /_rig/v1/events HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                     "Content-Length: 200000\nConnection: close\n\n",
                     b"[" * 100000 + b"]" * 100000), {400}),
            ("invalid UTF-8 in an event",
             request("POST /_rig/v1/events HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                     "Connection: close\nContent-Length: 56\n\n",
                     b'{"specversion":"1.0","type":"t\xff\xfe","source":"s","id":"1"}'), {400}),
            ("10 MB body",
             request("POST /_rig/v1/events HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                     "Content-Length: 10485760\n\n", b"a" * (10 << 20)), {413, None}),
            ("tampered connection token",
             request("PUT /_rig/v1/connection/sse/%s/subscriptions HTTP/1.1\nHost: x\n"
                     "Content-Type: application/json\nContent-Length: 20\nConnection: close\n\n"
                     % ("A" * 40), b'{"subscriptions":[]}'), {400, 410}),
            ("tampered long-poll cookie",
             request("GET /_rig/v1/connection/longpolling HTTP/1.1\nHost: x\n"
                     "Cookie: connection_token=%s\nConnection: close\n\n" % ("x" * 60)),
             {200, 400}),
        ]
        for name, data, expected in http_cases:
            with self.subTest(name):
                got = statuses(exchange(port, data))
                first = got[0] if got else None
                self.assertIn(first, expected, "%s: got %r" % (name, got))
                # The smuggled request must not run: one answer only.
                self.assertLessEqual(len(got), 1, "%s: %r" % (name, got))

        with self.subTest("pipelined requests are answered in order"):
            got = statuses(exchange(port, request(
                "GET /_rig/health HTTP/1.1\nHost: x\n\nGET /nope HTTP/1.1\nHost: x\n\n"
                "POST /_rig/v1/events HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                "Content-Length: 2\n\n{}GET /_rig/health HTTP/1.1\nHost: x\nConnection: close\n\n")))
            self.assertEqual(got, [200, 404, 400, 200])

        ws_cases = [
            # (name, frame bytes, expected close code)
            ("unmasked frame", bytes([0x81, 0x02]) + b"hi", 1002),
            ("fragmented control frame", self.masked(0x09, b"x", fin=False), 1002),
            ("control frame over 125 bytes", self.masked(0x09, b"p" * 126), 1002),
            # Any client text frame ends the connection with 1000, as in RIG (§13 #131).
            ("invalid UTF-8 text", self.masked(0x01, b"\xff\xfe\xfd"), 1000),
            ("invalid UTF-8 close reason",
             self.masked(0x08, struct.pack("!H", 1000) + b"\xff\xfe"), 1007),
            ("close code 5000", self.masked(0x08, struct.pack("!H", 5000)), 1002),
            ("reserved bits", bytes([0xF1, 0x80]) + os.urandom(4), 1002),
            ("64-bit length with the top bit", bytes([0x82, 0xFF]) + b"\x80" + b"\x00" * 7
             + os.urandom(4), 1002),
        ]
        for name, frame, code in ws_cases:
            with self.subTest(name):
                ws = WsClient(self.rig)
                self.assertEqual(ws.status, 101)
                ws.connect_events()
                ws.conn.send(frame)
                got, _ = ws.expect_close()
                self.assertEqual(got, code, name)
                ws.close()

        with self.subTest("ping flood"):
            ws = WsClient(self.rig)
            ws.connect_events()
            flood = b"".join(self.masked(0x09, b"%d" % i) for i in range(5000))
            ws.conn.send(flood)
            pongs = 0
            while pongs < 5000:
                opcode, _ = ws.recv_frame()
                if opcode == 0x0A:
                    pongs += 1
                elif opcode == 0x08:
                    break  # closing a flooding client is fine too
            ws.close()

        with self.subTest("slowloris: trickling clients are timed out, new clients served"):
            trickling = []
            for _ in range(200):
                s = socket.create_connection(("127.0.0.1", port))
                s.sendall(b"GET /_rig/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                trickling.append(s)
            self.assertEqual(self.rig.request("GET", "/_rig/health")[0], 200)
            for s in trickling:
                # RIG_HTTP_IDLE_TIMEOUT_MS (2 s here) ends a request that does not arrive.
                s.settimeout(30)
                try:
                    rest = s.recv(4096)
                except ConnectionResetError:
                    rest = b""
                self.assertTrue(rest == b"" or rest.startswith(b"HTTP/1.1 408"), rest[:60])
                s.close()

        self.assertTrue(self.rig.proc.poll() is None, "rig died")
        HostileInput.stop.set()
        self.publisher.join(timeout=30)
        self.assertEqual(self.failures, [])
        marker = {"specversion": "1.0", "type": STEADY, "source": "/steady", "id": "end"}
        self.assertEqual(self.rig.publish(marker)[0], 202)
        received = []
        while True:
            ev = self.subscriber.next_event()
            if ev["id"] == "end":
                break
            received.append(ev["id"])
        self.assertGreater(len(self.published), 10)
        self.assertEqual(received, self.published, "the healthy subscriber missed events")

    @staticmethod
    def masked(opcode, payload, fin=True):
        mask = os.urandom(4)
        head = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        else:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


if __name__ == "__main__":
    unittest.main()
