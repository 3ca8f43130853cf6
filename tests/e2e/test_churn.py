"""Connection churn, the lean CI version of bench/churn.py (issue 15, "Resources"): 5,000 SSE,
WebSocket and long-poll connections opened and closed in waves. Afterwards rig holds as many
file descriptors as before, and the abandoned long-poll sessions have expired.

The waves come from bench/churn.py's run_waves(), so the benchmark and this test churn alike.
Waits poll /metrics (a blocking request per round), never sleep.
"""

import os
import sys
import unittest

from rig_harness import Rig

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
import churn  # noqa: E402  (bench/churn.py)

TOTAL = 5000
WAVE = 500
LP = 'rig_connections{transport="longpolling"}'


class Churn(unittest.TestCase):
    def test_waves_of_connections_leave_nothing_behind(self):
        env = {"MAX_CONNECTIONS_PER_MINUTE": "0", "RIG_LONGPOLL_SESSION_TTL_MS": "1000"}
        with Rig(env=env) as rig:
            pid = rig.proc.pid
            baseline = churn.fd_count(pid)
            opened = rig.metrics().get("rig_connections_opened_total", 0)
            result = churn.run_waves(rig.port, TOTAL, WAVE)
            self.assertEqual(result, {"made": TOTAL, "failed": 0, "failures": {}})
            m = rig.metrics()
            self.assertEqual(m["rig_connections_opened_total"], opened + TOTAL)
            # The long-poll sessions were abandoned: they end at RIG_LONGPOLL_SESSION_TTL_MS.
            # A closed socket's subscriptions are released by its shard a moment after the
            # descriptor is freed (seen under ThreadSanitizer), so every count is awaited together.
            def left_nothing(m):
                return (m[LP] == 0 and churn.fd_count(pid) <= baseline
                        and m['rig_connections{transport="sse"}'] == 0
                        and m['rig_connections{transport="ws"}'] == 0
                        and m["rig_subscriptions_total"] == 0)

            rig.wait_metrics(left_nothing, timeout=30,
                             what="long-poll sessions expired, connections, subscriptions and "
                                  "descriptors freed")


if __name__ == "__main__":
    unittest.main()
