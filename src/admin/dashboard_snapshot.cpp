#include "admin/dashboard_snapshot.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <map>

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

// The observations between two readings of a histogram (all of `now` if it went backwards).
core::histogram::counts since(const core::histogram::counts& now,
                              const core::histogram::counts& before) {
    if (now.count < before.count) {
        return now;
    }
    core::histogram::counts d;
    for (std::size_t i = 0; i < d.buckets.size(); ++i) {
        d.buckets[i] = now.buckets[i] >= before.buckets[i] ? now.buckets[i] - before.buckets[i] : 0;
        d.count += d.buckets[i];
    }
    d.sum = now.sum >= before.sum ? now.sum - before.sum : 0;
    return d;
}

boost::json::value quantile_or_null(const core::histogram::counts& c,
                                    std::span<const uint64_t> bounds_us, double q) {
    if (auto v = latency_quantile_ms(c, bounds_us, q)) {
        return *v;
    }
    return nullptr;
}

}  // namespace

dashboard_counters read_dashboard_counters(uint64_t events_published, uint64_t http_received,
                                           const std::vector<const hub::shard_stats*>& shards,
                                           const std::vector<const sources::source_status*>& src,
                                           std::chrono::steady_clock::time_point at) {
    dashboard_counters c;
    c.at = at;
    c.events_in = events_published;
    c.http_received = http_received;
    constexpr auto relaxed = std::memory_order_relaxed;
    for (const auto* s : shards) {
        c.delivered += s->deliveries.load(relaxed);
        c.sse += s->sse_connections.load(relaxed);
        c.ws += s->ws_connections.load(relaxed);
        c.longpolling += s->longpoll_sessions.load(relaxed);
        c.subscriptions += s->subscriptions.load(relaxed);
        c.dropped_slow_consumer += s->dropped_slow_consumer.load(relaxed);
        c.dropped_queue_full += s->dropped_queue_full.load(relaxed);
        c.dropped_closed += s->dropped_closed.load(relaxed);
        c.conflated += s->conflated_events.load(relaxed);
        c.slow_consumer_disconnects += s->slow_consumer_disconnects.load(relaxed);
        c.latency += s->delivery_latency.snapshot();
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

dashboard_counters read_dashboard_counters(const hub::hub& events, uint64_t http_received,
                                           const std::vector<const sources::source_status*>& src) {
    std::vector<const hub::shard_stats*> shards;
    for (std::size_t i = 0; i < events.shard_count(); ++i) {
        shards.push_back(&events.shard(i).stats());
    }
    auto c = read_dashboard_counters(events.published(), http_received, shards, src,
                                     std::chrono::steady_clock::now());
    for (auto& [type, n] : events.forwarded_totals()) {
        c.types.push_back({std::move(type), n});
    }
    return c;
}

std::optional<double> latency_quantile_ms(const core::histogram::counts& c,
                                          std::span<const uint64_t> bounds_us, double q) {
    uint64_t total = 0;
    for (std::size_t i = 0; i <= bounds_us.size(); ++i) {
        total += c.buckets[i];
    }
    if (total == 0 || bounds_us.empty()) {
        return std::nullopt;
    }
    const double rank = q * static_cast<double>(total);
    uint64_t below = 0;
    for (std::size_t i = 0; i < bounds_us.size(); ++i) {
        const uint64_t in = c.buckets[i];
        if (in > 0 && static_cast<double>(below + in) >= rank) {
            const double lower = i == 0 ? 0.0 : static_cast<double>(bounds_us[i - 1]);
            const auto upper = static_cast<double>(bounds_us[i]);
            const double fraction = (rank - static_cast<double>(below)) / static_cast<double>(in);
            return (lower + (upper - lower) * fraction) / 1000.0;
        }
        below += in;
    }
    return static_cast<double>(bounds_us.back()) / 1000.0;
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

    json::array by_source{json::object{{"source", "http"},
                                       {"total", now.http_received},
                                       {"per_s", per_s(&dashboard_counters::http_received)}}};
    json::array sources;
    for (const auto& s : now.sources) {
        uint64_t consumed_before = s.consumed;
        uint64_t failed_before = s.failed;
        for (const auto& b : before.sources) {
            if (b.name == s.name) {
                consumed_before = b.consumed;
                failed_before = b.failed;
            }
        }
        const double consumed_per_s = rate(s.consumed, consumed_before, seconds);
        sources.push_back(json::object{{"name", s.name},
                                       {"connected", s.connected},
                                       {"detail", s.detail},
                                       {"consumed_total", s.consumed},
                                       {"failed_total", s.failed},
                                       {"consumed_per_s", consumed_per_s}});
        // Valid events from the source, as rig_events_received_total counts them.
        const uint64_t valid = s.consumed - std::min(s.failed, s.consumed);
        const uint64_t valid_before = consumed_before - std::min(failed_before, consumed_before);
        by_source.push_back(json::object{
            {"source", s.name}, {"total", valid}, {"per_s", rate(valid, valid_before, seconds)}});
    }
    json::object events{{"in_total", now.events_in},
                        {"delivered_total", now.delivered},
                        {"in_per_s", per_s(&dashboard_counters::events_in)},
                        {"delivered_per_s", per_s(&dashboard_counters::delivered)},
                        {"in_by_source", std::move(by_source)}};

    json::object drops;
    const auto drop = [&](std::string_view reason, uint64_t dashboard_counters::*member) {
        drops[std::string(reason) + "_total"] = now.*member;
        drops[std::string(reason) + "_per_s"] = per_s(member);
    };
    drop("slow_consumer", &dashboard_counters::dropped_slow_consumer);
    drop("queue_full", &dashboard_counters::dropped_queue_full);
    drop("closed", &dashboard_counters::dropped_closed);
    drop("conflated", &dashboard_counters::conflated);
    drop("slow_consumer_disconnects", &dashboard_counters::slow_consumer_disconnects);

    // Percentiles of the writes since the previous snapshot (since start in the first).
    const auto window = previous_ ? since(now.latency, before.latency) : now.latency;
    json::object latency{{"p50", quantile_or_null(window, now.latency_bounds_us, 0.5)},
                         {"p90", quantile_or_null(window, now.latency_bounds_us, 0.9)},
                         {"p99", quantile_or_null(window, now.latency_bounds_us, 0.99)},
                         {"count", window.count}};

    // The most forwarded types by rate now, then by total.
    std::map<std::string_view, uint64_t> forwarded_before;
    for (const auto& t : before.types) {
        forwarded_before.emplace(t.type, t.forwarded);
    }
    struct ranked {
        const dashboard_counters::type_count* t;
        double per_s;
    };
    std::vector<ranked> ranking;
    for (const auto& t : now.types) {
        const auto it = forwarded_before.find(t.type);
        ranking.push_back(
            {&t, rate(t.forwarded, it == forwarded_before.end() ? 0 : it->second, seconds)});
    }
    const std::size_t shown = std::min(ranking.size(), top_types);
    std::partial_sort(ranking.begin(), ranking.begin() + static_cast<std::ptrdiff_t>(shown),
                      ranking.end(), [](const ranked& a, const ranked& b) {
                          return a.per_s != b.per_s ? a.per_s > b.per_s
                                                    : a.t->forwarded > b.t->forwarded;
                      });
    json::array types;
    for (std::size_t i = 0; i < shown; ++i) {
        types.push_back(json::object{{"type", ranking[i].t->type},
                                     {"total", ranking[i].t->forwarded},
                                     {"per_s", ranking[i].per_s}});
    }

    json::object out{{"time_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count()},
                     {"interval_s", seconds},
                     {"connections", std::move(connections)},
                     {"subscriptions", now.subscriptions},
                     {"events", std::move(events)},
                     {"drops", std::move(drops)},
                     {"latency_ms", std::move(latency)},
                     {"top_types", std::move(types)},
                     {"sources", std::move(sources)}};
    previous_ = std::move(now);
    return json::serialize(out);
}

}  // namespace rig::admin
