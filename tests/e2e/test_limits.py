"""Per-connection limits are named settings with sane defaults (issue 15, "Resources"):
subscriptions per connection, constraints per subscription, event type length, header size and
the time a request may take to arrive. Each is set low here; one past it gets a 4xx with a JSON
error naming the setting (or, for a request that never arrives, the connection ends), and
exactly at it is accepted.
"""

import json
import socket
import subprocess
import unittest

from rig_harness import BINARY, Rig, SseClient, quote, run_rig_expecting_failure

LIMITS = {
    "RIG_MAX_SUBSCRIPTIONS_PER_CONNECTION": "3",
    "RIG_MAX_CONSTRAINTS_PER_SUBSCRIPTION": "4",
    "RIG_MAX_EVENT_TYPE_BYTES": "16",
    "RIG_MAX_HEADER_BYTES": "2048",
    "RIG_HTTP_IDLE_TIMEOUT_MS": "300",
}
DEFAULTS = {
    "RIG_MAX_SUBSCRIPTIONS_PER_CONNECTION": "1000",
    "RIG_MAX_CONSTRAINTS_PER_SUBSCRIPTION": "64",
    "RIG_MAX_EVENT_TYPE_BYTES": "256",
    "RIG_MAX_SUBSCRIPTION_BYTES": "262144",
    "RIG_MAX_HEADER_BYTES": "32768",
    "RIG_HTTP_IDLE_TIMEOUT_MS": "60000",
}
SSE = "/_rig/v1/connection/sse"


class PerConnectionLimits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rig = Rig(env=LIMITS).start()

    @classmethod
    def tearDownClass(cls):
        cls.rig.stop()

    def refused(self, subscriptions, setting):
        status, hdrs, body = self.rig.request("GET", SSE + "?subscriptions=" + quote(subscriptions))
        self.assertEqual(status, 400, body)
        self.assertIn(setting, json.loads(body)["error"])

    def accepted(self, subscriptions):
        client = SseClient(self.rig, "subscriptions=" + quote(subscriptions))
        self.assertEqual(client.status, 200, client.body)
        _, subs = client.connect_events()
        client.close()
        return client, subs

    def test_subscriptions_per_connection(self):
        three = [{"eventType": "t%d" % i} for i in range(3)]
        self.accepted(three)
        self.refused(three + [{"eventType": "t3"}], "RIG_MAX_SUBSCRIPTIONS_PER_CONNECTION")
        # The same limit on an update of a connection's set.
        client = SseClient(self.rig, "subscriptions=" + quote(three))
        token, _ = client.connect_events()
        status, _, body = self.rig.request(
            "PUT", SSE + "/%s/subscriptions" % token,
            json.dumps({"subscriptions": three + [{"eventType": "t3"}]}),
            {"Content-Type": "application/json"})
        self.assertEqual(status, 400, body)
        self.assertIn("RIG_MAX_SUBSCRIPTIONS_PER_CONNECTION", json.loads(body)["error"])
        client.close()

    def test_constraints_per_subscription(self):
        # oneOf alternatives count together: 2 + 2 = 4 is at the limit, 2 + 3 past it.
        four = [{"eventType": "c", "oneOf": [{"a": 1, "b": 2}, {"c": 3, "d": 4}]}]
        self.accepted(four)
        five = [{"eventType": "c", "oneOf": [{"a": 1, "b": 2}, {"c": 3, "d": 4, "e": 5}]}]
        self.refused(five, "RIG_MAX_CONSTRAINTS_PER_SUBSCRIPTION")

    def test_event_type_length(self):
        self.accepted([{"eventType": "x" * 16}])
        self.refused([{"eventType": "x" * 17}], "RIG_MAX_EVENT_TYPE_BYTES")

    def test_header_size(self):
        s = socket.create_connection(("127.0.0.1", self.rig.port))
        s.settimeout(10)
        s.sendall(b"GET /_rig/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"y" * 3000 + b"\r\n\r\n")
        answer = s.recv(4096)
        s.close()
        self.assertTrue(answer.startswith(b"HTTP/1.1 431"), answer[:60])
        self.assertEqual(self.rig.request("GET", "/_rig/health", headers={"X-Ok": "y" * 1500})[0],
                         200)

    def test_a_request_that_never_arrives_is_timed_out(self):
        s = socket.create_connection(("127.0.0.1", self.rig.port))
        s.settimeout(30)
        s.sendall(b"GET /_rig/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        try:
            rest = s.recv(4096)
        except ConnectionResetError:
            rest = b""
        s.close()
        self.assertTrue(rest == b"" or rest.startswith(b"HTTP/1.1 408"), rest[:60])


class Defaults(unittest.TestCase):
    def test_each_limit_is_a_named_setting_with_its_default_in_help(self):
        out = subprocess.run([BINARY, "--help"], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        for name, default in DEFAULTS.items():
            line = [ln for ln in out.stdout.splitlines() if name in ln.split()]
            self.assertTrue(line, name)
            self.assertIn(default, line[0], name)

    def test_out_of_range_values_are_refused_at_start(self):
        for name in ("RIG_MAX_CONSTRAINTS_PER_SUBSCRIPTION", "RIG_MAX_EVENT_TYPE_BYTES"):
            code, _, err = run_rig_expecting_failure({name: "0"})
            self.assertNotEqual(code, 0, name)
            self.assertIn(name, err)


if __name__ == "__main__":
    unittest.main()
