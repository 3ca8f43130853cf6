"""The command line (issue 13): --help, --version, an unknown argument and --check-config.
None of them may listen or connect: each runs with its ports (and broker addresses) pointing
at sockets this test holds listening, so a bind would fail the run (exit 1 instead of 0) and a
connection would wait in the test's accept queue."""

import json
import os
import re
import select
import socket
import subprocess
import tempfile
import unittest

from rig_harness import BINARY, TIMEOUT, TLS_CERT, TLS_KEY, run_rig_expecting_failure


def listening_socket():
    """A socket bound to a free port on 127.0.0.1 and listening, without SO_REUSEPORT (so that
    rig's SO_REUSEPORT listener cannot share it)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s


class Cli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.held = [listening_socket() for _ in range(3)]
        cls.inbound, cls.api, cls.broker = [s.getsockname()[1] for s in cls.held]

    @classmethod
    def tearDownClass(cls):
        for s in cls.held:
            s.close()

    def run_rig(self, args, env=None):
        """Runs the binary with `args`, only the given environment plus ports the test holds;
        returns (returncode, stdout, stderr)."""
        full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "INBOUND_PORT": str(self.inbound), "API_HTTP_PORT": str(self.api),
                "RIG_BIND_ADDRESS": "127.0.0.1", "RIG_API_BIND_ADDRESS": "127.0.0.1",
                "RIG_READY_FILE": "/dev/stdout"}
        full.update(env or {})
        proc = subprocess.run([BINARY] + args, env=full, capture_output=True, timeout=TIMEOUT)
        return proc.returncode, proc.stdout.decode(), proc.stderr.decode()

    def assert_nothing_connected(self):
        for s in self.held:
            readable, _, _ = select.select([s], [], [], 0)
            self.assertEqual(readable, [], "rig connected to port %d" % s.getsockname()[1])

    def test_help_lists_every_setting_with_its_default(self):
        code, out, err = self.run_rig(["--help"])
        self.assertEqual((code, err), (0, ""))
        self.assertTrue(out.startswith("Usage: rig "), out[:200])
        self.assertIn("\n  INBOUND_PORT [4000]\n", out)
        self.assertIn("\n  RIG_HISTORY_SIZE [10000]\n", out)
        self.assertIn("\n  LOG_LEVEL [info]\n", out)
        self.assertIn("--check-config", out)
        self.assertIn("-h", self.run_rig(["-h"])[1])
        self.assert_nothing_connected()

    def test_version(self):
        code, out, err = self.run_rig(["--version"])
        self.assertEqual((code, err), (0, ""))
        self.assertRegex(out, r"\Arig \d+\.\d+\.\d+( \(git [0-9a-f]+\))?\n\Z")

    def test_an_unknown_argument_exits_2_with_one_line(self):
        for args, named in ((["--bogus"], "--bogus"), (["start"], "start"),
                            (["--help", "extra"], "extra"), (["--version", "-v"], "-v")):
            with self.subTest(args=args):
                code, out, err = self.run_rig(args)
                self.assertEqual((code, out), (2, ""))
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertIn('"%s"' % named, err)

    def test_check_config_accepts_a_good_configuration(self):
        with tempfile.TemporaryDirectory() as tmp:
            extractors = os.path.join(tmp, "extractors.json")
            with open(extractors, "w") as f:
                json.dump({"greeting": {"name": {"stable_field_index": 0,
                                                 "event": {"json_pointer": "/data/name"}}}}, f)
            apis = os.path.join(tmp, "apis.json")
            with open(apis, "w") as f:
                json.dump([{"id": "a", "name": "a", "version_data": {"default": {"endpoints": [
                    {"id": "e", "method": "GET", "path_regex": "/a"}]}},
                    "proxy": {"target_url": "127.0.0.1", "port": 9, "use_env": False}}], f)
            broker = "127.0.0.1:%d" % self.broker
            code, out, err = self.run_rig(["--check-config"], {
                "HTTPS_CERTFILE": TLS_CERT, "HTTPS_KEYFILE": TLS_KEY,
                "INBOUND_HTTPS_PORT": str(self.inbound), "API_HTTPS_PORT": str(self.api),
                "EXTRACTORS": extractors, "PROXY_CONFIG_FILE": apis,
                "JWT_SECRET_KEY": "secret", "RIG_HISTORY_SIZE": "5",
                # Sources and cluster configured at the test's socket: nothing may connect.
                "KAFKA_BROKERS": broker, "NATS_SERVERS": broker,
                "RIG_CLUSTER_NATS": broker, "NODE_COOKIE": "cookie"})
        self.assertEqual((code, out, err), (0, "config ok\n", ""))
        self.assert_nothing_connected()

    def test_check_config_reports_what_a_start_reports(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad_apis = os.path.join(tmp, "apis.json")
            with open(bad_apis, "w") as f:
                json.dump([{"id": "a", "version_data": {}}], f)
            missing = os.path.join(tmp, "missing.pem")
            cases = [
                ({"RIG_MAX_BODY_BYTES": "lots"}, "RIG_MAX_BODY_BYTES"),
                ({"HTTPS_CERTFILE": TLS_CERT, "HTTPS_KEYFILE": missing},
                 'HTTPS_KEYFILE: cannot read "%s"' % missing),
                ({"PROXY_CONFIG_FILE": bad_apis}, "PROXY_CONFIG_FILE: "),
                ({"PROXY_CONFIG_FILE": os.path.join(tmp, "none.json")}, "PROXY_CONFIG_FILE: "),
                ({"KAFKA_BROKERS": "127.0.0.1:%d" % self.broker, "KAFKA_SSL_ENABLED": "true",
                  "KAFKA_SSL_CA_CERTFILE": missing},
                 'KAFKA_SSL_CA_CERTFILE: cannot read the file "%s"' % missing),
            ]
            for env, message in cases:
                with self.subTest(env=env):
                    code, out, err = self.run_rig(["--check-config"], env)
                    self.assertEqual((code, out), (2, ""), err)
                    self.assertEqual(len(err.strip().splitlines()), 1, err)
                    self.assertIn(message, err)
                    self.assertTrue(err.startswith("rig: invalid configuration: "), err)
                    # A start with the same environment refuses with the same line.
                    start = run_rig_expecting_failure(env)
                    self.assertEqual((start[0], start[2]), (2, err))
        self.assert_nothing_connected()


if __name__ == "__main__":
    unittest.main()
