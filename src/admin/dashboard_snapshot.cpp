#include "admin/dashboard_snapshot.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "hub/hub.hpp"

namespace rig::admin {
namespace {

// Per second over `seconds`; a counter that went backwards (it cannot, but a rate must never
// show negative) counts as 0.
double rate(uint64_t now, uint64_t before, double seconds) {
    if (seconds <= 0 || now < before) {
        return 0;
    }
    return static_cast<double>(now - before) / seconds;
}

}  // namespace

dashboard_counters read_dashboard_counters(uint64_t events_published,
                                           const std::vector<const hub::shard_stats*>& shards,
                                           const std::vector<const sources::source_status*>& src,
                                           std::chrono::steady_clock::time_point at) {
    dashboard_counters c;
    c.at = at;
    c.events_in = events_published;
    constexpr auto relaxed = std::memory_order_relaxed;
    for (const auto* s : shards) {
        c.delivered += s->deliveries.load(relaxed);
        c.sse += s->sse_connections.load(relaxed);
        c.ws += s->ws_connections.load(relaxed);
        c.longpolling += s->longpoll_sessions.load(relaxed);
        c.subscriptions += s->subscriptions.load(relaxed);
        c.slow_consumer_disconnects += s->slow_consumer_disconnects.load(relaxed);
        c.conflated += s->conflated_events.load(relaxed);
    }
    for (const auto* s : src) {
        dashboard_counters::source out{s->name(), s->connected(), s->detail(), 0, 0};
        for (const auto& t : s->counts()) {
            out.consumed += t.consumed;
            out.failed += t.failed;
        }
        c.sources.push_back(std::move(out));
    }
    return c;
}

dashboard_counters read_dashboard_counters(const hub::hub& events,
                                           const std::vector<const sources::source_status*>& src) {
    std::vector<const hub::shard_stats*> shards;
    for (std::size_t i = 0; i < events.shard_count(); ++i) {
        shards.push_back(&events.shard(i).stats());
    }
    return read_dashboard_counters(events.published(), shards, src,
                                   std::chrono::steady_clock::now());
}

std::string dashboard_sampler::next(dashboard_counters now) {
    const dashboard_counters& before = previous_ ? *previous_ : now;
    const double seconds = std::chrono::duration<double>(now.at - before.at).count();
    const auto per_s = [&](uint64_t dashboard_counters::*member) {
        return rate(now.*member, before.*member, seconds);
    };
    namespace json = boost::json;
    json::object connections{{"sse", now.sse},
                             {"ws", now.ws},
                             {"longpolling", now.longpolling},
                             {"total", now.sse + now.ws + now.longpolling}};
    json::object events{{"in_total", now.events_in},
                        {"delivered_total", now.delivered},
                        {"in_per_s", per_s(&dashboard_counters::events_in)},
                        {"delivered_per_s", per_s(&dashboard_counters::delivered)}};
    json::object drops{
        {"slow_consumer_total", now.slow_consumer_disconnects},
        {"slow_consumer_per_s", per_s(&dashboard_counters::slow_consumer_disconnects)},
        {"conflated_total", now.conflated},
        {"conflated_per_s", per_s(&dashboard_counters::conflated)}};
    json::array sources;
    for (const auto& s : now.sources) {
        uint64_t consumed_before = s.consumed;
        for (const auto& b : before.sources) {
            if (b.name == s.name) {
                consumed_before = b.consumed;
            }
        }
        sources.push_back(
            json::object{{"name", s.name},
                         {"connected", s.connected},
                         {"detail", s.detail},
                         {"consumed_total", s.consumed},
                         {"failed_total", s.failed},
                         {"consumed_per_s", rate(s.consumed, consumed_before, seconds)}});
    }
    // Filled from the per-type forwarded counter and the publish→write latency histogram
    // once those exist; empty (null percentiles, no types) until then.
    json::object latency{{"p50", nullptr}, {"p90", nullptr}, {"p99", nullptr}, {"count", 0}};
    json::array top_types;

    json::object out{{"time_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count()},
                     {"interval_s", seconds},
                     {"connections", std::move(connections)},
                     {"subscriptions", now.subscriptions},
                     {"events", std::move(events)},
                     {"drops", std::move(drops)},
                     {"latency_ms", std::move(latency)},
                     {"top_types", std::move(top_types)},
                     {"sources", std::move(sources)}};
    previous_ = std::move(now);
    return json::serialize(out);
}

}  // namespace rig::admin
