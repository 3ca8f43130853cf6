"""A short rig-bench run against the real rig: the load tool works end to end and nothing is
lost or reordered. No timing assertions: speed is measured by `make bench`, not here."""

import json
import os
import subprocess
import tempfile
import unittest

from rig_harness import Rig, quote

BENCH = os.environ.get("RIG_BENCH_BINARY")


@unittest.skipUnless(BENCH, "RIG_BENCH_BINARY not set")
class RigBenchSmoke(unittest.TestCase):
    def run_bench(self, rig, extra):
        sub = "http://127.0.0.1:%d/_rig/v1/connection/sse?subscriptions=%s" % (
            rig.port, quote([{"eventType": "smoke"}]))
        body = ('{"specversion":"1.0","type":"smoke","source":"smoke","id":"{seq}",'
                '"data":{"seq":{seq},"ts":{ts},"pad":"{pad}"}}')
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            args = [BENCH, "--label", "rig", "--sub-url", sub, "--connections", "300",
                    "--processes", "2", "--pub-url",
                    "http://127.0.0.1:%d/_rig/v1/events" % rig.port, "--pub-body", body,
                    "--rates", "200", "--step-seconds", "10", "--expect-no-loss",
                    "--json", out.name] + extra
            proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
            with open(out.name) as f:
                return json.load(f)

    def test_sse_fanout_loses_nothing(self):
        with Rig(env={"MAX_CONNECTIONS_PER_MINUTE": "0"}) as rig:
            result = self.run_bench(rig, [])
        self.assertEqual(result["ready"], 300)
        step = result["steps"][0]
        self.assertGreater(step["published"], 0)
        self.assertEqual(step["delivered"], step["expected"])
        self.assertEqual(step["published"] * 300, step["expected"])
        self.assertEqual(step["lost"], 0)
        self.assertEqual(step["out_of_order"], 0)


if __name__ == "__main__":
    unittest.main()
