// Index matching cost as the number of unrelated subscriptions, or of same-type subscribers
// waiting for other constraint values, grows: it should stay flat.
#include <benchmark/benchmark.h>

#include <boost/json/parse.hpp>
#include <memory>
#include <string>
#include <vector>

#include "subscription/extractors.hpp"
#include "subscription/subscription_index.hpp"

namespace {

using rig::subscription::event_fields;
using rig::subscription::subscription;
using rig::subscription::subscription_index;

struct member : rig::subscription::index_member {
    std::vector<subscription> subs;
};

subscription make(std::string type) {
    subscription s;
    s.event_type = std::move(type);
    return s;
}

// state.range(0): unrelated subscriptions; 100 members always match "bench".
void BM_MatchWithUnrelatedSubscriptions(benchmark::State& state) {
    subscription_index index;
    std::vector<std::unique_ptr<member>> members;
    const auto unrelated = static_cast<std::size_t>(state.range(0));
    const std::size_t per_member = 1000;
    for (std::size_t i = 0; i < unrelated; i += per_member) {
        auto m = std::make_unique<member>();
        for (std::size_t j = i; j < std::min(unrelated, i + per_member); ++j) {
            m->subs.push_back(make("type." + std::to_string(j)));
        }
        index.set(*m, m->subs);
        members.push_back(std::move(m));
    }
    for (int i = 0; i < 100; ++i) {
        auto m = std::make_unique<member>();
        m->subs.push_back(make("bench"));
        index.set(*m, m->subs);
        members.push_back(std::move(m));
    }
    const event_fields fields;
    for (auto _ : state) {
        std::size_t hits = 0;
        index.match("bench", fields, [&](rig::subscription::index_member&) { ++hits; });
        benchmark::DoNotOptimize(hits);
    }
    state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_MatchWithUnrelatedSubscriptions)->Arg(1000)->Arg(100'000)->Arg(1'000'000);

void BM_MatchWildcard(benchmark::State& state) {
    subscription_index index;
    std::vector<std::unique_ptr<member>> members;
    for (int i = 0; i < 100; ++i) {
        auto m = std::make_unique<member>();
        m->subs.push_back(make("com.example.*"));
        index.set(*m, m->subs);
        members.push_back(std::move(m));
    }
    const event_fields fields;
    for (auto _ : state) {
        std::size_t hits = 0;
        index.match("com.example.orders.created", fields,
                    [&](rig::subscription::index_member&) { ++hits; });
        benchmark::DoNotOptimize(hits);
    }
    state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_MatchWildcard);

// state.range(0) subscribers of one type, each for its own user ("events of this type for
// this user"); an event for one user matches one subscriber.
void BM_MatchOneUserAmongMany(benchmark::State& state) {
    auto ex = rig::subscription::extractors::parse(
        R"({"chat":{"user":{"stable_field_index":0,"event":{"json_pointer":"/data/user"}}}})");
    subscription_index index(&*ex);
    std::vector<std::unique_ptr<member>> members;
    for (int64_t i = 0; i < state.range(0); ++i) {
        auto m = std::make_unique<member>();
        rig::subscription::parse_failure err;
        m->subs = *rig::subscription::parse_subscription_list(
            boost::json::parse(R"([{"eventType":"chat","oneOf":[{"user":"user-)" +
                               std::to_string(i) + R"("}]}])"),
            err);
        index.set(*m, m->subs);
        members.push_back(std::move(m));
    }
    const auto values = rig::subscription::extractors::extract(
        *ex->for_type("chat"), boost::json::parse(R"({"data":{"user":"user-7"}})"));
    const event_fields fields{ex->for_type("chat"), values};
    for (auto _ : state) {
        std::size_t hits = 0;
        index.match("chat", fields, [&](rig::subscription::index_member&) { ++hits; });
        benchmark::DoNotOptimize(hits);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MatchOneUserAmongMany)->Arg(100)->Arg(10'000)->Arg(100'000);

}  // namespace
