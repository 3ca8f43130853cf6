// The per-event work: parse a submitted CloudEvent and encode its SSE chunk once.
#include <benchmark/benchmark.h>

#include <string>

#include "cloudevents/encode.hpp"
#include "cloudevents/parse.hpp"
#include "hub/published_event.hpp"

namespace {

const std::string event_200 =
    R"({"specversion":"1.0","type":"bench","source":"bench","id":"42","time":"2026-01-01T00:00:00Z","data":{"seq":42,"ts":123456789,"pad":")" +
    std::string(60, 'x') + R"("}})";

void BM_EncodeSseChunk(benchmark::State& state) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(rig::cloudevents::encode_sse_chunk("bench", "42", event_200));
    }
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(event_200.size()));
}
BENCHMARK(BM_EncodeSseChunk);

void BM_ParseAndPrepareEvent(benchmark::State& state) {
    const rig::subscription::extractors none;
    for (auto _ : state) {
        auto parsed = rig::cloudevents::parse_structured(event_200, "2026-01-01T00:00:00Z");
        benchmark::DoNotOptimize(rig::hub::make_published_event(std::move(*parsed), none));
    }
}
BENCHMARK(BM_ParseAndPrepareEvent);

}  // namespace

BENCHMARK_MAIN();
