#include "admin/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/histogram.hpp"

namespace rig::admin {

namespace {

// Kinesis leases: one family each, samples per source with a lease table.
struct lease_family {
    const char* name;
    const char* type;
    const char* help;
    std::atomic<uint64_t> brokers::lease_counters::*counter;
    std::string samples;
};

// RIG's consumer metrics (spec §11.1), with their HELP and TYPE even without a source, and
// ours per source: each family's samples are gathered source by source, then written family
// by family.
class source_families {
public:
    explicit source_families(uint64_t http_received) {
        received_ +=
            fmt::format("rig_events_received_total{{source=\"http\"}} {}\n", http_received);
    }

    void add(const sources::source_status& s) {
        const uint64_t valid = add_topics(s);
        received_ +=
            fmt::format("rig_events_received_total{{source=\"{}\"}} {}\n", s.name(), valid);
        up_ += fmt::format("rig_source_connected{{source=\"{}\"}} {}\n", s.name(),
                           s.connected() ? 1 : 0);
        if (const auto& l = s.leases(); l.held.load(std::memory_order_relaxed) >= 0) {
            any_leases_ = true;
            leases_held_ += fmt::format("rig_source_leases_held{{source=\"{}\"}} {}\n", s.name(),
                                        l.held.load(std::memory_order_relaxed));
            for (auto& f : lease_families_) {
                f.samples += fmt::format("{}{{source=\"{}\"}} {}\n", f.name, s.name(),
                                         (l.*f.counter).load(std::memory_order_relaxed));
            }
        }
        if (s.assigned() >= 0) {
            assigned_ += fmt::format("rig_source_assigned_partitions{{source=\"{}\"}} {}\n",
                                     s.name(), s.assigned());
        }
    }

    std::string render(bool any_source) const {
        std::string out = consumed_ + failed_ + duration_ + received_;
        if (any_source) {
            out += up_ + assigned_;
        }
        if (any_lag_) {
            out += lag_;
        }
        if (any_leases_) {
            out += leases_held_;
            for (const auto& f : lease_families_) {
                out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{3}", f.name, f.help, f.type,
                                   f.samples);
            }
        }
        if (any_lag_ms_) {
            out += lag_ms_;
        }
        return out;
    }

private:
    // The per-topic families of `s`; returns its valid events (consumed, not failed).
    uint64_t add_topics(const sources::source_status& s) {
        uint64_t valid = 0;
        for (const auto& c : s.counts()) {
            const std::string labels = fmt::format(R"(source="{}",topic="{}")", s.name(),
                                                   core::escape_label_value(c.topic));
            consumed_ += fmt::format("rig_consumed_events_total{{{}}} {}\n", labels, c.consumed);
            failed_ += fmt::format("rig_consumed_events_failed_total{{{}}} {}\n", labels, c.failed);
            duration_ += core::render_histogram(
                "rig_consumed_event_processing_duration_milliseconds", labels,
                sources::processing_duration_bounds_us, c.processing, 1000);
            valid += c.consumed - std::min(c.failed, c.consumed);
            if (c.lag >= 0) {
                lag_ += fmt::format("rig_source_consumer_lag_messages{{{}}} {}\n", labels, c.lag);
                any_lag_ = true;
            }
            if (c.lag_ms >= 0) {
                lag_ms_ += fmt::format("rig_source_consumer_lag_milliseconds{{{}}} {}\n", labels,
                                       c.lag_ms);
                any_lag_ms_ = true;
            }
        }
        return valid;
    }

    std::string consumed_ =
        "# HELP rig_consumed_events_total Messages consumed from event sources, valid or not.\n"
        "# TYPE rig_consumed_events_total counter\n";
    std::string failed_ =
        "# HELP rig_consumed_events_failed_total Consumed messages that were not valid "
        "CloudEvents (skipped).\n# TYPE rig_consumed_events_failed_total counter\n";
    std::string duration_ =
        "# HELP rig_consumed_event_processing_duration_milliseconds Time from consuming a message "
        "to handing its event to the shards, in milliseconds.\n"
        "# TYPE rig_consumed_event_processing_duration_milliseconds histogram\n";
    std::string received_ =
        "# HELP rig_events_received_total Valid events received, by source.\n"
        "# TYPE rig_events_received_total counter\n";
    std::string up_ =
        "# HELP rig_source_connected Whether an event source is connected (1) or not (0).\n"
        "# TYPE rig_source_connected gauge\n";
    std::string lag_ =
        "# HELP rig_source_consumer_lag_messages Kafka: messages in the assigned partitions "
        "beyond the consumer's position (from librdkafka's cached high watermarks, every 2 s).\n"
        "# TYPE rig_source_consumer_lag_messages gauge\n";
    bool any_lag_ = false;
    std::string lag_ms_ =
        "# HELP rig_source_consumer_lag_milliseconds Kinesis: how far behind the stream's tip "
        "its furthest-behind shard was at its last read (GetRecords' MillisBehindLatest).\n"
        "# TYPE rig_source_consumer_lag_milliseconds gauge\n";
    bool any_lag_ms_ = false;
    std::array<lease_family, 4> lease_families_{{
        {"rig_source_lease_takes_total",
         "counter",
         "Kinesis: shard leases taken (free, expired, or stolen to balance).",
         &brokers::lease_counters::takes,
         {}},
        {"rig_source_lease_losses_total",
         "counter",
         "Kinesis: shard leases lost to another node or to a renewal not done in time.",
         &brokers::lease_counters::losses,
         {}},
        {"rig_source_checkpoint_failures_total",
         "counter",
         "Kinesis: checkpoints the lease table did not take.",
         &brokers::lease_counters::checkpoint_failures,
         {}},
        {"rig_source_throttles_total",
         "counter",
         "Kinesis: Kinesis or DynamoDB answers asking to slow down (backed off, retried).",
         &brokers::lease_counters::throttles,
         {}},
    }};
    std::string leases_held_ =
        "# HELP rig_source_leases_held Kinesis: shard leases this node holds.\n"
        "# TYPE rig_source_leases_held gauge\n";
    bool any_leases_ = false;
    std::string assigned_ =
        "# HELP rig_source_assigned_partitions Kafka partitions assigned to this node's "
        "consumer.\n# TYPE rig_source_assigned_partitions gauge\n";
};

std::string render_source_metrics(uint64_t http_received,
                                  const std::vector<const sources::source_status*>& sources) {
    source_families families(http_received);
    for (const auto* s : sources) {
        families.add(*s);
    }
    return families.render(!sources.empty());
}

}  // namespace

std::string render_metrics(uint64_t events_published, uint64_t source_batch_waits,
                           uint64_t http_received,
                           const std::vector<const hub::shard_stats*>& shards,
                           const std::vector<const sources::source_status*>& sources) {
    const auto sum = [&](auto member) {
        long double total = 0;
        for (const auto* s : shards) {
            total += static_cast<long double>((s->*member).load(std::memory_order_relaxed));
        }
        return static_cast<long long>(total);
    };
    using S = hub::shard_stats;
    std::string out;
    const auto metric = [&](const char* name, const char* type, const char* help, long long v,
                            const char* labels = "") {
        out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0}{3} {4}\n", name, help, type, labels,
                           v);
    };
    metric("rig_events_published_total", "counter", "Events accepted for delivery.",
           static_cast<long long>(events_published));
    metric("rig_source_batch_waits_total", "counter",
           "Times an event source waited because a shard already had RIG_SOURCE_BATCH_WINDOW "
           "batches queued (the shards are saturated).",
           static_cast<long long>(source_batch_waits));
    metric("rig_events_matched_total", "counter",
           "Events matched against the subscription index, per shard.", sum(&S::events_published));
    metric("rig_event_deliveries_total", "counter", "Events queued to connections.",
           sum(&S::deliveries));
    metric("rig_slow_consumer_disconnects_total", "counter",
           "Connections closed because their unsent events exceeded RIG_MAX_QUEUE_BYTES.",
           sum(&S::slow_consumer_disconnects));
    metric("rig_conflated_events_total", "counter",
           "Events that replaced an unsent event with the same type and RIG_CONFLATION_KEY in a "
           "lagging connection's queue.",
           sum(&S::conflated_events));
    metric("rig_connections_opened_total", "counter", "Connections and long-poll sessions opened.",
           sum(&S::connections_opened));
    metric("rig_history_replays_total", "counter",
           "Connections that resumed from the event history (Last-Event-ID, last_event_id).",
           sum(&S::history_replays));
    metric("rig_history_replayed_events_total", "counter", "Events sent in those replays.",
           sum(&S::history_replayed));
    metric("rig_history_gaps_total", "counter",
           "Resumes whose cursor the history did not hold (rig.history_gap sent).",
           sum(&S::history_gaps));
    out += "# HELP rig_connections Open connections by transport.\n# TYPE rig_connections gauge\n";
    out += fmt::format("rig_connections{{transport=\"sse\"}} {}\n", sum(&S::sse_connections));
    out += fmt::format("rig_connections{{transport=\"ws\"}} {}\n", sum(&S::ws_connections));
    out += fmt::format("rig_connections{{transport=\"longpolling\"}} {}\n",
                       sum(&S::longpoll_sessions));
    // Long-poll sessions outlive their requests, which may each use another HTTP version.
    out +=
        "# HELP rig_connections_by_http_version Open SSE and WebSocket connections by transport "
        "and HTTP version.\n# TYPE rig_connections_by_http_version gauge\n";
    const long long sse_h2 = sum(&S::sse_h2_connections);
    out += fmt::format(
        "rig_connections_by_http_version{{transport=\"sse\",http_version=\"h1\"}} {}\n"
        "rig_connections_by_http_version{{transport=\"sse\",http_version=\"h2\"}} {}\n"
        "rig_connections_by_http_version{{transport=\"ws\",http_version=\"h1\"}} {}\n",
        sum(&S::sse_connections) - sse_h2, sse_h2, sum(&S::ws_connections));
    out +=
        "# HELP rig_dropped_events_total Events that never reached a client's socket, by reason: "
        "slow_consumer (queued on a connection cut for exceeding RIG_MAX_QUEUE_BYTES), "
        "queue_full (evicted from a full long-poll buffer, RIG_LONGPOLL_BUFFER), closed (matched "
        "a connection that was closing).\n# TYPE rig_dropped_events_total counter\n";
    out += fmt::format("rig_dropped_events_total{{reason=\"slow_consumer\"}} {}\n",
                       sum(&S::dropped_slow_consumer));
    out += fmt::format("rig_dropped_events_total{{reason=\"queue_full\"}} {}\n",
                       sum(&S::dropped_queue_full));
    out +=
        fmt::format("rig_dropped_events_total{{reason=\"closed\"}} {}\n", sum(&S::dropped_closed));
    core::histogram::counts latency;
    for (const auto* s : shards) {
        latency += s->delivery_latency.snapshot();
    }
    out +=
        "# HELP rig_delivery_latency_seconds Time from publishing an event to the socket write "
        "that sends it, observed once per write for the oldest published event in it.\n"
        "# TYPE rig_delivery_latency_seconds histogram\n";
    out += core::render_histogram("rig_delivery_latency_seconds", "",
                                  hub::delivery_latency_bounds_us, latency, 1e6);
    metric("rig_subscriptions_total", "gauge", "Subscription entries in the index.",
           sum(&S::subscriptions));

    out += render_source_metrics(http_received, sources);
    return out;
}

std::string render_forwarded(const hub::hub& events) {
    std::string out =
        "# HELP rig_consumed_events_forwarded_total Events delivered to at least one connection "
        "(counted once per event), by type.\n"
        "# TYPE rig_consumed_events_forwarded_total counter\n";
    for (const auto& [type, n] : events.forwarded_totals()) {
        out += fmt::format("rig_consumed_events_forwarded_total{{type=\"{}\"}} {}\n",
                           core::escape_label_value(type), n);
    }
    return out;
}

std::string render_source_health(const std::vector<const sources::source_status*>& sources,
                                 bool& all_connected) {
    all_connected = true;
    boost::json::object list;
    for (const auto* s : sources) {
        all_connected = all_connected && s->connected();
        boost::json::object o{{"connected", s->connected()}, {"detail", s->detail()}};
        if (s->assigned() >= 0) {
            o["assigned_partitions"] = s->assigned();
        }
        if (const auto held = s->leases().held.load(std::memory_order_relaxed); held >= 0) {
            o["leases_held"] = held;
        }
        list[s->name()] = std::move(o);
    }
    return boost::json::serialize(boost::json::object{{"sources", std::move(list)}});
}

std::string render_limit_metrics(const core::shared_budget& connections,
                                 const core::shared_budget& subscriptions) {
    return fmt::format(
        "# HELP rig_public_connections Client connections the public listeners hold (HTTP and "
        "HTTPS).\n# TYPE rig_public_connections gauge\nrig_public_connections {}\n"
        "# HELP rig_public_connections_limit RIG_MAX_CONNECTIONS (0: no cap).\n"
        "# TYPE rig_public_connections_limit gauge\nrig_public_connections_limit {}\n"
        "# HELP rig_connections_refused_total Connections answered 503 and closed at accept "
        "because RIG_MAX_CONNECTIONS was reached.\n"
        "# TYPE rig_connections_refused_total counter\n"
        "rig_connections_refused_total{{reason=\"max_connections\"}} {}\n"
        "# HELP rig_subscriptions_held Subscriptions all connections of the node hold.\n"
        "# TYPE rig_subscriptions_held gauge\nrig_subscriptions_held {}\n"
        "# HELP rig_subscriptions_limit RIG_MAX_SUBSCRIPTIONS (0: no cap).\n"
        "# TYPE rig_subscriptions_limit gauge\nrig_subscriptions_limit {}\n"
        "# HELP rig_subscriptions_refused_total Connects and subscription updates refused with "
        "429 because RIG_MAX_SUBSCRIPTIONS was reached.\n"
        "# TYPE rig_subscriptions_refused_total counter\nrig_subscriptions_refused_total {}\n",
        connections.in_use(), connections.limit(), connections.refused(), subscriptions.in_use(),
        subscriptions.limit(), subscriptions.refused());
}

std::string render_accept_metrics(const net::accept_failures& failures,
                                  const net::fd_reserve& reserve) {
    std::string out =
        "# HELP rig_accept_failures_total Failed accepts on the listeners, by cause (emfile: "
        "out of file descriptors; the listener backs off).\n"
        "# TYPE rig_accept_failures_total counter\n";
    for (std::size_t l = 0; l < net::accept_failures::listeners.size(); ++l) {
        for (std::size_t r = 0; r < net::accept_failures::reasons.size(); ++r) {
            const auto n = failures.get(l, r);
            // The out-of-descriptor series always, so that a rate() sees them from zero.
            if (n != 0 || r < 2) {
                out += fmt::format(
                    "rig_accept_failures_total{{listener=\"{}\",reason=\"{}\"}} {}\n",
                    net::accept_failures::listeners[l], net::accept_failures::reasons[r], n);
            }
        }
    }
    out += fmt::format(
        "# HELP rig_fd_reserve_held File descriptors held back for the internal API when the "
        "process runs out of them.\n# TYPE rig_fd_reserve_held gauge\nrig_fd_reserve_held {}\n"
        "# HELP rig_fd_reserve_size The reserve's full size.\n"
        "# TYPE rig_fd_reserve_size gauge\nrig_fd_reserve_size {}\n",
        reserve.held(), reserve.size());
    return out;
}

}  // namespace rig::admin
