"""LOG_FMT (spec §11.2, §12): erlang (the readable default), json (one JSON object per line:
time, level, message, fields) or gcl (Google Cloud Logging: severity, message, time, fields).
Every line rig writes on stderr, from start to shutdown, is in the chosen format; any other
value stops rig with exit code 2."""

import json
import re
import unittest
import urllib.parse

from rig_harness import Rig, log_bytes, run_rig_expecting_failure

RFC3339_MS_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ERLANG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d "
                         r"\[(debug|info|warning|error|critical)\] ")
SEVERITIES = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
LEVELS = {"debug", "info", "warning", "error", "critical"}


def run_and_provoke(log_fmt):
    """Starts rig with LOG_FMT=`log_fmt`, has it refuse an SSE connect and a publish, stops it;
    returns its stderr as bytes."""
    rig = Rig(env={"LOG_FMT": log_fmt})
    with rig:
        query = urllib.parse.urlencode({"subscriptions": 'not "json"\x01'})
        status, _, body = rig.request("GET", "/_rig/v1/connection/sse?" + query)
        assert status == 400, (status, body)
        status, _, body = rig.request("POST", "/_rig/v1/events", b'{"bad \xff',
                                      {"Content-Type": "application/json"})
        assert status == 400, (status, body)
    return log_bytes(rig.log)


def json_lines(raw):
    """Every line of `raw` as a JSON object (strict UTF-8, one object per line)."""
    text = raw.decode("utf-8")  # strict: a line that is not UTF-8 is not JSON text
    objects = []
    for line in text.splitlines():
        value = json.loads(line)
        assert isinstance(value, dict), line
        objects.append(value)
    return objects


class StructuredLogs(unittest.TestCase):
    def check_lifecycle_and_fields(self, lines):
        messages = [line["message"] for line in lines]
        self.assertTrue(any(m.startswith("rig listening") for m in messages), messages)
        self.assertEqual(messages[-1], "stopped", messages)
        self.assertTrue(any(m.startswith("draining") for m in messages), messages)
        refused = [line for line in lines if line.get("event") == "connect_refused"]
        self.assertEqual(len(refused), 1, lines)
        self.assertEqual(refused[0]["transport"], "sse")
        self.assertIn("connect refused", refused[0]["message"])
        published = [line for line in lines if line.get("event") == "publish_refused"]
        self.assertEqual(len(published), 1, lines)
        self.assertEqual(published[0]["source"], "http")
        self.assertEqual(published[0]["status"], 400)
        for line in lines:
            self.assertEqual(line.get("logger"), "rig", line)

    def test_json_every_line_is_an_object_with_time_level_message(self):
        lines = json_lines(run_and_provoke("json"))
        for line in lines:
            self.assertRegex(line["time"], RFC3339_MS_UTC)
            self.assertIn(line["level"], LEVELS)
            self.assertIsInstance(line["message"], str)
            self.assertNotIn("severity", line)
        self.check_lifecycle_and_fields(lines)

    def test_gcl_every_line_is_a_log_entry_with_severity(self):
        lines = json_lines(run_and_provoke("GCL"))  # case-insensitive
        for line in lines:
            self.assertRegex(line["time"], RFC3339_MS_UTC)
            self.assertIn(line["severity"], SEVERITIES)
            self.assertIsInstance(line["message"], str)
            self.assertNotIn("level", line)
        self.check_lifecycle_and_fields(lines)

    def test_erlang_is_the_default_and_unchanged(self):
        text = run_and_provoke("").decode("utf-8", "replace")
        lines = text.splitlines()
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, ERLANG_LINE)
            self.assertFalse(line.startswith("{"), line)
        self.assertTrue(any("] sse: connect refused: " in line for line in lines), lines)

    def test_unknown_format_exits_2(self):
        for value in ("xml", "text"):
            with self.subTest(value=value):
                code, out, err = run_rig_expecting_failure({"LOG_FMT": value})
                self.assertEqual(code, 2, err)
                self.assertEqual(out, "")
                self.assertEqual(err.strip().splitlines(), [
                    'rig: invalid configuration: LOG_FMT: expected erlang, json or gcl, '
                    'got "%s"' % value])

    def test_configuration_error_is_a_json_line_in_json_mode(self):
        for fmt, level_key, level in (("json", "level", "error"), ("gcl", "severity", "ERROR")):
            with self.subTest(fmt=fmt):
                code, _, err = run_rig_expecting_failure({"LOG_FMT": fmt,
                                                          "INBOUND_PORT": "x\"\x01"})
                self.assertEqual(code, 2, err)
                lines = json_lines(err.encode())
                self.assertEqual(len(lines), 1, err)
                self.assertEqual(lines[0][level_key], level)
                self.assertRegex(lines[0]["time"], RFC3339_MS_UTC)
                self.assertEqual(lines[0]["message"],
                                 'rig: invalid configuration: INBOUND_PORT: expected a port '
                                 'number (0-65535), got "x"\x01"')


if __name__ == "__main__":
    unittest.main()
