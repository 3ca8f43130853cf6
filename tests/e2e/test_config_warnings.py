"""Configuration trip-ups (issue 13): one warning line per RIG variable rig does not implement
and per misspelt setting, at start and in --check-config, also as JSON lines; HEAD answered as
GET on rig's own GET routes (spec §2.1)."""

import http.client
import json
import os
import subprocess
import unittest

from rig_harness import BINARY, TIMEOUT, Rig, SharedRigTestCase

# One misspelt setting and one RIG variable rig does not implement.
TRIP_UPS = {"RIG_SHRADS": "2", "DISCOVERY_TYPE": "dns"}


def lines_naming(text, name):
    return [line for line in text.splitlines() if name in line]


class Warnings(unittest.TestCase):
    def check_text_lines(self, text):
        misspelt = lines_naming(text, "RIG_SHRADS")
        self.assertEqual(len(misspelt), 1, text)
        self.assertIn("[warning]", misspelt[0])
        self.assertIn("did you mean RIG_SHARDS?", misspelt[0])
        unimplemented = lines_naming(text, "DISCOVERY_TYPE")
        self.assertEqual(len(unimplemented), 1, text)
        self.assertIn("[warning]", unimplemented[0])
        self.assertIn("does not implement", unimplemented[0])
        # The harness's own variables (RIG_BINARY, ...) and settings rig reads are quiet.
        self.assertEqual(len([line for line in text.splitlines() if "is not a rig setting" in line
                              or "does not implement" in line]), 2, text)

    def test_start_warns_once_per_variable(self):
        with Rig(env=dict(TRIP_UPS, RIG_BINARY=BINARY)) as rig:
            self.check_text_lines(rig.stderr())

    def test_start_warns_in_json(self):
        with Rig(env=dict(TRIP_UPS, LOG_FMT="json")) as rig:
            lines = [json.loads(line) for line in rig.stderr().splitlines() if line.strip()]
        warned = [line for line in lines if "RIG_SHRADS" in line["message"]]
        self.assertEqual(len(warned), 1, lines)
        self.assertEqual(warned[0]["level"], "warning")
        self.assertIn("did you mean RIG_SHARDS?", warned[0]["message"])
        warned = [line for line in lines if "DISCOVERY_TYPE" in line["message"]]
        self.assertEqual(len(warned), 1, lines)
        self.assertEqual(warned[0]["level"], "warning")

    def test_check_config_warns_and_still_accepts(self):
        env = dict(os.environ, INBOUND_PORT="0", API_HTTP_PORT="0", **TRIP_UPS)
        proc = subprocess.run([BINARY, "--check-config"], env=env, capture_output=True,
                              timeout=TIMEOUT)
        self.assertEqual((proc.returncode, proc.stdout), (0, b"config ok\n"))
        self.check_text_lines(proc.stderr.decode())

    def test_empty_unimplemented_variable_is_quiet(self):
        with Rig(env={"DISCOVERY_TYPE": "", "KINESIS_APP_NAME": ""}) as rig:
            self.assertEqual(lines_naming(rig.stderr(), "DISCOVERY_TYPE"), [])
            self.assertEqual(lines_naming(rig.stderr(), "KINESIS_APP_NAME"), [])


class HeadAsGet(SharedRigTestCase):
    env = {"PROXY_CONFIG_FILE": json.dumps([{
        "id": "head-api", "name": "head-api",
        "version_data": {"default": {"endpoints": [
            {"id": "e", "method": "GET", "path_regex": "/head-api"}]}},
        "proxy": {"target_url": "127.0.0.1", "port": 9, "use_env": False}}])}

    def exchange(self, method, path, api):
        """HEAD (or GET) and then a GET on the same kept-alive connection: a body sent after
        the HEAD's head would garble the second response. Returns (status, headers, body) of
        the first."""
        port = self.rig.port_for(api)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        try:
            conn.request(method, path)
            res = conn.getresponse()
            first = (res.status, {k.lower(): v for k, v in res.getheaders()}, res.read())
            conn.request("GET", "/health" if api else "/_rig/health")
            second = conn.getresponse()
            self.assertEqual((second.status, second.read()), (200, b"OK"))
            return first
        finally:
            conn.close()

    def check_head_as_get(self, path, api=False, same_length=True):
        g_status, g_headers, g_body = self.exchange("GET", path, api)
        h_status, h_headers, h_body = self.exchange("HEAD", path, api)
        self.assertEqual(h_status, g_status, path)
        self.assertEqual(h_body, b"", path)
        self.assertEqual(h_headers.get("content-type"), g_headers.get("content-type"), path)
        if same_length:
            self.assertEqual(int(h_headers["content-length"]), len(g_body), path)
        else:
            self.assertGreater(int(h_headers["content-length"]), 0, path)
        return h_status

    def test_public_health(self):
        self.assertEqual(self.check_head_as_get("/_rig/health"), 200)

    def test_internal_get_routes(self):
        self.assertEqual(self.check_head_as_get("/health", api=True), 200)
        self.assertEqual(self.check_head_as_get("/v3/apis", api=True), 200)
        self.assertEqual(self.check_head_as_get("/v2/apis", api=True), 200)
        self.assertEqual(self.check_head_as_get("/v3/apis/head-api", api=True), 200)
        self.assertEqual(self.check_head_as_get("/v3/apis/no-such-api", api=True), 404)
        self.assertEqual(self.check_head_as_get("/v3/session-blacklist/nobody", api=True), 404)
        self.assertEqual(self.check_head_as_get("/health/sources", api=True), 200)
        # Counters change between two scrapes: the length is the HEAD's own body's.
        self.assertEqual(self.check_head_as_get("/metrics", api=True, same_length=False), 200)

    def test_blacklisted_session_head(self):
        status, _, body = self.rig.request(
            "POST", "/v3/session-blacklist", api=True,
            body=json.dumps({"sessionId": "head-session", "validityInSeconds": 60}),
            headers={"content-type": "application/json"})
        self.assertEqual(status, 201, body)
        self.assertEqual(self.check_head_as_get("/v3/session-blacklist/head-session", api=True),
                         200)

    def test_sse_head_is_the_stream_head_without_a_stream(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.rig.port, timeout=TIMEOUT)
        try:
            conn.request("HEAD", "/_rig/v1/connection/sse")
            res = conn.getresponse()
            self.assertEqual(res.status, 200)
            self.assertTrue(res.getheader("content-type").startswith("text/event-stream"))
            self.assertEqual(res.read(), b"")
        finally:
            conn.close()


if __name__ == "__main__":
    unittest.main()
