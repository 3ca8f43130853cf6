"""GET :4010/metrics: RIG's metric set (spec §11.1) and rig's own, in the Prometheus text format.

Contract: every RIG metric is there with its HELP and TYPE lines, RIG's type (the
rig_consumed_events* series are counters, rig_subscriptions_total and both
rig_distributed_set_* are gauges despite their names) and RIG's labels;
rig_consumed_events_forwarded_total{type} counts every event delivered to at least one
connection, HTTP-published ones too, once per event however many shards deliver it, with at
most RIG_METRICS_MAX_EVENT_TYPES type values (later types under type="[other]"). rig adds
connections by transport and HTTP version, events received by source, drops by reason, the
publish→write latency histogram and the standard process_* metrics.
PROMETHEUS_METRICS_ENABLED=false answers /metrics with 404.

The exposition is parsed with the official parser (Debian's python3-prometheus-client), which
names a counter family without its `_total` suffix.
"""

import os
import subprocess
import time
import unittest

from prometheus_client.parser import text_string_to_metric_families

from rig_harness import (BINARY, H2Client, Rig, SseClient, WsClient, make_event,
                         subscriptions_query)

TYPE = "metrics.t"
SSE_CLIENTS = 16  # on 2 shards, the chance that all land on one shard is 2^-15


def scrape(rig):
    status, hdrs, body = rig.request("GET", "/metrics", api=True)
    assert status == 200, (status, body)
    assert hdrs["content-type"].startswith("text/plain; version=0.0.4"), hdrs
    text = body.decode()
    return text, {f.name: f for f in text_string_to_metric_families(text)}


def value(families, family, sample_name, **labels):
    """The value of the sample of `family` named `sample_name` with exactly these labels."""
    for s in families[family].samples:
        if s.name == sample_name and s.labels == labels:
            return s.value
    raise AssertionError("no sample %s%r in %r" % (sample_name, labels, families[family].samples))


class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rig = Rig(shards=2)
        cls.rig.start()

    @classmethod
    def tearDownClass(cls):
        cls.rig.stop()

    def test_rig_and_own_metrics_after_a_fan_out(self):
        rig = self.rig
        query = subscriptions_query(TYPE)
        sse = [SseClient(rig, query) for _ in range(SSE_CLIENTS)]
        ws = WsClient(rig, query)
        h2 = H2Client(rig.port)  # h2c with prior knowledge
        h2_stream = h2.sse(query)
        self.assertEqual(h2_stream.wait_head(), 200, h2_stream.data)
        for c in sse + [ws, h2_stream]:
            c.connect_events()
        subscribers = SSE_CLIENTS + 2
        rig.wait_metric("rig_subscriptions_total", subscribers)

        events = 5
        for i in range(events):
            status, _, body = rig.publish(make_event(TYPE, "m%d" % i, "1.0"))
            self.assertEqual(status, 202, body)
        status, _, body = rig.publish(make_event("metrics.nobody", "n1", "1.0"))
        self.assertEqual(status, 202, body)
        for c in sse:
            for i in range(events):
                self.assertEqual(c.next_event()["id"], "m%d" % i)
        for i in range(events):
            self.assertEqual(ws.next_event()["id"], "m%d" % i)
            self.assertEqual(h2_stream.next_event()["id"], "m%d" % i)
        # Every delivery has been written (the clients read them): counted too.
        rig.wait_metric("rig_event_deliveries_total", subscribers * events)

        text, f = scrape(rig)
        # RIG's set (§11.1): names, types, HELP lines.
        expected_types = {
            "rig_proxy_requests": "counter",
            "rig_consumed_events": "counter",
            "rig_consumed_events_failed": "counter",
            "rig_consumed_event_processing_duration_milliseconds": "histogram",
            "rig_consumed_events_forwarded": "counter",
            "rig_produced_events": "counter",
            "rig_produced_events_failed": "counter",
            "rig_subscriptions_total": "gauge",
            "rig_distributed_set_items_total": "gauge",
            "rig_distributed_set_items_current": "gauge",
        }
        for name, kind in expected_types.items():
            self.assertIn(name, f, text)
            self.assertEqual(f[name].type, kind, name)
            self.assertTrue(f[name].documentation, name)
            sample = name if kind != "counter" else name + "_total"
            self.assertIn("# HELP %s " % sample, text)
            self.assertIn("# TYPE %s %s\n" % (sample, kind), text)
        self.assertEqual(value(f, "rig_subscriptions_total", "rig_subscriptions_total"),
                         subscribers)
        for name in ("rig_distributed_set_items_total", "rig_distributed_set_items_current"):
            self.assertEqual(value(f, name, name, name="Elixir.SessionBlacklist"), 0)

        # Once per event although both shards delivered each of them (matched twice).
        self.assertGreater(value(f, "rig_events_matched", "rig_events_matched_total"), events,
                           "all subscribers landed on one shard: the once-per-event check "
                           "proves nothing")
        self.assertEqual(value(f, "rig_consumed_events_forwarded",
                               "rig_consumed_events_forwarded_total", type=TYPE), events)
        forwarded_types = {s.labels["type"] for s in f["rig_consumed_events_forwarded"].samples}
        self.assertEqual(forwarded_types, {TYPE}, "an event nobody got is not forwarded")

        # Ours.
        self.assertEqual(value(f, "rig_events_received", "rig_events_received_total",
                               source="http"), events + 1)
        conns = "rig_connections_by_http_version"
        self.assertEqual(value(f, conns, conns, transport="sse", http_version="h1"), SSE_CLIENTS)
        self.assertEqual(value(f, conns, conns, transport="sse", http_version="h2"), 1)
        self.assertEqual(value(f, conns, conns, transport="ws", http_version="h1"), 1)
        for reason in ("slow_consumer", "queue_full", "closed"):
            self.assertEqual(value(f, "rig_dropped_events", "rig_dropped_events_total",
                                   reason=reason), 0)
        latency = f["rig_delivery_latency_seconds"]
        self.assertEqual(latency.type, "histogram")
        buckets = [(s.labels["le"], s.value) for s in latency.samples
                   if s.name.endswith("_bucket")]
        self.assertEqual(buckets[-1][0], "+Inf")
        counts = [v for _, v in buckets]
        self.assertEqual(counts, sorted(counts), "buckets are cumulative")
        count = value(f, "rig_delivery_latency_seconds", "rig_delivery_latency_seconds_count")
        self.assertEqual(counts[-1], count)
        # At least one write per connection carried the events; never more than one per event.
        self.assertGreaterEqual(count, subscribers)
        self.assertLessEqual(count, subscribers * events)
        self.assertGreaterEqual(
            value(f, "rig_delivery_latency_seconds", "rig_delivery_latency_seconds_sum"), 0)

        # Process metrics (standard names).
        fds = value(f, "process_open_fds", "process_open_fds")
        self.assertGreater(fds, subscribers)  # a socket per client at least
        self.assertGreaterEqual(value(f, "process_max_fds", "process_max_fds"), fds)
        self.assertGreater(value(f, "process_resident_memory_bytes",
                                 "process_resident_memory_bytes"), 1 << 20)
        self.assertEqual(f["process_cpu_seconds"].type, "counter")
        self.assertGreaterEqual(value(f, "process_cpu_seconds", "process_cpu_seconds_total"), 0)
        started = value(f, "process_start_time_seconds", "process_start_time_seconds")
        self.assertLess(abs(started - time.time()), 3600, started)

        for c in sse + [ws]:
            c.close()
        h2.close()
        rig.wait_metric('rig_connections{transport="sse"}', 0)
        _, f = scrape(rig)
        self.assertEqual(value(f, conns, conns, transport="sse", http_version="h2"), 0)


class ForwardedTypesBoundTest(unittest.TestCase):
    def test_types_past_the_bound_count_under_other(self):
        with Rig(env={"RIG_METRICS_MAX_EVENT_TYPES": "1"}, shards=2) as rig:
            c = SseClient(rig, subscriptions_query("a", "b", "c"))
            c.connect_events()
            rig.wait_metric("rig_subscriptions_total", 3)
            for i, t in enumerate(["a", "b", "c", "a"]):
                self.assertEqual(rig.publish(make_event(t, str(i), "1.0"))[0], 202)
            for i in range(4):
                self.assertEqual(c.next_event()["id"], str(i))
            _, f = scrape(rig)
            name = "rig_consumed_events_forwarded"
            self.assertEqual(value(f, name, name + "_total", type="a"), 2)
            self.assertEqual(value(f, name, name + "_total", type="[other]"), 2)
            self.assertEqual(len(f[name].samples), 2, f[name].samples)
            c.close()


class MetricsDisabledTest(unittest.TestCase):
    def test_route_off(self):
        for off in ("false", "0", "no", "FALSE"):
            with self.subTest(off=off), Rig(env={"PROMETHEUS_METRICS_ENABLED": off}) as rig:
                status, _, body = rig.request("GET", "/metrics", api=True)
                self.assertEqual(status, 404, body)
                # The rest of the internal API is still there.
                self.assertEqual(rig.request("GET", "/health", api=True)[0], 200)

    def test_explicitly_on(self):
        with Rig(env={"PROMETHEUS_METRICS_ENABLED": "yes"}) as rig:
            self.assertEqual(rig.request("GET", "/metrics", api=True)[0], 200)

    def test_bad_values_are_configuration_errors(self):
        for name, bad in (("PROMETHEUS_METRICS_ENABLED", "maybe"),
                          ("RIG_METRICS_MAX_EVENT_TYPES", "lots")):
            with self.subTest(name=name):
                env = dict(os.environ, **{name: bad})
                r = subprocess.run([BINARY, "--check-config"], env=env, capture_output=True,
                                   text=True, timeout=30)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn(name, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
