#include "admin/metrics.hpp"

#include <fmt/format.h>

namespace rig::admin {

std::string render_metrics(uint64_t events_published,
                           const std::vector<const hub::shard_stats*>& shards) {
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
    metric("rig_events_matched_total", "counter",
           "Events matched against the subscription index, per shard.", sum(&S::events_published));
    metric("rig_event_deliveries_total", "counter", "Events queued to connections.",
           sum(&S::deliveries));
    metric("rig_slow_consumer_disconnects_total", "counter",
           "Connections closed because their unsent events exceeded RIG_MAX_QUEUE_BYTES.",
           sum(&S::slow_consumer_disconnects));
    metric("rig_connections_opened_total", "counter", "Connections and long-poll sessions opened.",
           sum(&S::connections_opened));
    out += "# HELP rig_connections Open connections by transport.\n# TYPE rig_connections gauge\n";
    out += fmt::format("rig_connections{{transport=\"sse\"}} {}\n", sum(&S::sse_connections));
    out += fmt::format("rig_connections{{transport=\"ws\"}} {}\n", sum(&S::ws_connections));
    out += fmt::format("rig_connections{{transport=\"longpolling\"}} {}\n",
                       sum(&S::longpoll_sessions));
    metric("rig_subscriptions_total", "gauge", "Subscription entries in the index.",
           sum(&S::subscriptions));
    return out;
}

}  // namespace rig::admin
