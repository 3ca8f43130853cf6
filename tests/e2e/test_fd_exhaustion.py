"""Out of file descriptors (issue 15, "Resources"): when accept fails with EMFILE rig neither
spins nor dies. It keeps serving its existing clients and the internal API (from descriptors it
holds back), logs the failure once, counts it in rig_accept_failures_total, and serves new
clients again once descriptors are free.

No waits on time: every step reads a response, an event or a metric.
"""

import os
import select
import socket
import time
import unittest

from rig_harness import (TIMEOUT, KeepAlivePublisher, Rig, SseClient, make_event,
                         subscriptions_query)

LIMIT = 200  # rig's RLIMIT_NOFILE
EXTRA = 260  # connections thrown at it: more than it has descriptors for
SHARDS = 2

PUBLIC_EMFILE = 'rig_accept_failures_total{listener="public",reason="emfile"}'
INTERNAL_EMFILE = 'rig_accept_failures_total{listener="internal",reason="emfile"}'


def fd_count(rig):
    return len(os.listdir("/proc/%d/fd" % rig.proc.pid))


class FdExhaustion(unittest.TestCase):
    def test_out_of_descriptors_rig_serves_what_it_can_and_recovers(self):
        # No RIG_MAX_CONNECTIONS cap (it would answer 503 long before the limit): this is what
        # happens when something else takes the descriptors, or the cap is set too high.
        env = {"RIG_MAX_CONNECTIONS": "100000", "MAX_CONNECTIONS_PER_MINUTE": "0"}
        with Rig(env=env, shards=SHARDS, fd_limit=LIMIT) as rig:
            healthy = SseClient(rig, subscriptions_query("fd.steady"))
            self.assertEqual(healthy.status, 200)
            healthy.connect_events()
            before = rig.metrics()
            self.assertEqual(before[PUBLIC_EMFILE], 0)
            self.assertEqual(before["rig_fd_reserve_held"], before["rig_fd_reserve_size"])
            self.assertGreater(before["rig_fd_reserve_size"], 0)

            with KeepAlivePublisher(rig) as pub:
                self.assertEqual(pub.publish(make_event("fd.steady", "before"))[0], 202)
                self.assertEqual(healthy.next_event()["id"], "before")

                # More SSE connects than rig has descriptors: the first ones are served, the
                # rest wait in the listen queue while the accept loops back off.
                request = ("GET /_rig/v1/connection/sse?%s HTTP/1.1\r\nHost: x\r\n\r\n"
                           % subscriptions_query("fd.other")).encode()
                held = []
                for _ in range(EXTRA):
                    s = socket.create_connection(("127.0.0.1", rig.port))
                    s.sendall(request)
                    held.append(s)
                exhausted_at = time.monotonic()
                # Wait (on the answers as they arrive) until rig holds every descriptor its
                # limit allows; nothing frees one from then on.
                while fd_count(rig) < LIMIT:
                    readable, _, _ = select.select(held, [], [], TIMEOUT)
                    self.assertTrue(readable, "rig stopped accepting below its limit: %d fds"
                                    % fd_count(rig))
                    for s in readable:
                        s.recv(65536)
                # The internal API answers while the public listeners cannot accept: its
                # accept failed too, and descriptors from the reserve served it.
                status, _, body = rig.request("GET", "/health", api=True)
                self.assertEqual(status, 200, body)
                m = rig.wait_metrics(lambda m: m.get(PUBLIC_EMFILE, 0) > 0,
                                     what="a failed public accept")
                self.assertGreater(m[INTERNAL_EMFILE], 0)

                # The existing subscriber still gets events.
                self.assertEqual(pub.publish(make_event("fd.steady", "during"))[0], 202)
                self.assertEqual(healthy.next_event()["id"], "during")

                # No spinning: each shard retries at most about once a second (backing off
                # from 50 ms), however long this took. A busy loop fails tens of thousands of
                # times a second.
                m = rig.metrics()
                elapsed = time.monotonic() - exhausted_at
                self.assertLess(m[PUBLIC_EMFILE], SHARDS * (2 * elapsed + 10),
                                "accept failures grow faster than a back-off allows")

                # Free the descriptors: the queued connects are accepted, new clients served.
                for s in held:
                    s.close()
                fresh = SseClient(rig, subscriptions_query("fd.steady"))
                self.assertEqual(fresh.status, 200)
                fresh.connect_events()
                self.assertEqual(pub.publish(make_event("fd.steady", "after"))[0], 202)
                self.assertEqual(fresh.next_event()["id"], "after")
                self.assertEqual(healthy.next_event()["id"], "after")
                fresh.close()
            healthy.close()
            # Refilled once descriptors were free again.
            rig.wait_metric("rig_fd_reserve_held", before["rig_fd_reserve_size"])
            # The shard that failed logs its recovery once it accepted again (its back-off
            # may outlast the steps above).
            rig.wait_metrics(lambda m: "public listener: accepting again" in rig.stderr(),
                             what="the recovery logged")
            log = rig.stderr()
            # Logged once per run of failures (at most once per shard), not per failure.
            failed_lines = log.count("public listener: accept failed")
            self.assertGreaterEqual(failed_lines, 1, log)
            self.assertLessEqual(failed_lines, SHARDS, log)


if __name__ == "__main__":
    unittest.main()
