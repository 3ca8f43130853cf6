// Heap held per subscription: what a connection's parsed subscriptions and the shard's index
// keep, in three shapes (a type of its own, a type shared with everyone, a shared type with
// one constraint per subscriber). Reported as counters, from glibc's mallinfo2 (payload and
// chunk overhead of what stays allocated), so the figure is glibc's, not mimalloc's.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <boost/json/parse.hpp>
#include <memory>
#include <string>
#include <vector>

#include "subscription/extractors.hpp"
#include "subscription/subscription_index.hpp"

namespace {

using rig::subscription::subscription_index;

struct member : rig::subscription::index_member {
    std::vector<rig::subscription::subscription> subs;
};

enum class shape { own_type, shared_type, shared_type_one_user };

std::string subscription_json(shape s, int64_t i) {
    switch (s) {
        case shape::own_type:
            return R"([{"eventType":"com.example.order.)" + std::to_string(i) + R"("}])";
        case shape::shared_type:
            return R"([{"eventType":"com.example.order.created"}])";
        case shape::shared_type_one_user:
            return R"([{"eventType":"com.example.order.created","oneOf":[{"user":"user-)" +
                   std::to_string(i) + R"("}]}])";
    }
    return {};
}

std::size_t heap_in_use() {
    return mallinfo2().uordblks;
}

// state.range(0): subscribers, one subscription each, parsed from JSON as a connect does.
void measure(benchmark::State& state, shape s) {
    const auto ex = rig::subscription::extractors::parse(
        R"({"com.example.order.created":{"user":{"stable_field_index":0,)"
        R"("event":{"json_pointer":"/data/user"}}}})");
    const auto n = state.range(0);
    std::vector<std::string> texts;
    texts.reserve(static_cast<std::size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        texts.push_back(subscription_json(s, i));
    }
    double bytes = 0;
    for (auto _ : state) {
        subscription_index index(&*ex);
        std::vector<std::unique_ptr<member>> members;
        members.reserve(static_cast<std::size_t>(n));
        const auto before = heap_in_use();
        for (const auto& text : texts) {
            auto m = std::make_unique<member>();
            rig::subscription::parse_failure err;
            m->subs = *rig::subscription::parse_subscription_list(boost::json::parse(text), err);
            index.set(*m, m->subs);
            members.push_back(std::move(m));
        }
        bytes = static_cast<double>(heap_in_use() - before);
        for (auto& m : members) {
            index.clear(*m);
        }
    }
    // The member itself (its vtable-less base and the vector) is the connection's, not the
    // subscription's: it is counted too, as a connection with one subscription pays it.
    state.counters["bytes_per_subscription"] = bytes / static_cast<double>(n);
}

void BM_SubscriptionMemoryOwnType(benchmark::State& state) {
    measure(state, shape::own_type);
}
void BM_SubscriptionMemorySharedType(benchmark::State& state) {
    measure(state, shape::shared_type);
}
void BM_SubscriptionMemorySharedTypeOneUser(benchmark::State& state) {
    measure(state, shape::shared_type_one_user);
}
BENCHMARK(BM_SubscriptionMemoryOwnType)->Arg(100'000)->Iterations(1);
BENCHMARK(BM_SubscriptionMemorySharedType)->Arg(100'000)->Iterations(1);
BENCHMARK(BM_SubscriptionMemorySharedTypeOneUser)->Arg(100'000)->Iterations(1);

}  // namespace
