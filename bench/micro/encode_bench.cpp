// The per-event work: parse a submitted CloudEvent and encode its SSE chunk once.
#include <benchmark/benchmark.h>

#include <boost/json/parse.hpp>
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

// Two texts that differ in one byte, taken in turns: core::scan_json answers a repeated text
// from the document it kept, which a stream of events never sees.
std::string_view take_turns(const std::string& a, const std::string& b, std::size_t& n) {
    return (n++ & 1U) != 0 ? std::string_view(a) : std::string_view(b);
}
std::string other(std::string text) {
    text[text.size() - 4] = 'y';  // the last of the pad's x's (both events end `x"}}`)
    return text;
}

void BM_ParseAndPrepareEvent(benchmark::State& state) {
    const rig::subscription::extractors none;
    const std::string second = other(event_200);
    std::size_t n = 0;
    for (auto _ : state) {
        auto parsed = rig::cloudevents::parse_structured(take_turns(event_200, second, n),
                                                         "2026-01-01T00:00:00Z");
        benchmark::DoNotOptimize(rig::hub::make_published_event(std::move(*parsed), none));
    }
}
BENCHMARK(BM_ParseAndPrepareEvent);

// parse_structured (simdjson's reading, ADR 0015) against parse_structured_dom (Boost.JSON's
// document, the parser before it), on bench/kafka_consume.py's event, for RIG's rules and the
// strict ones the Kafka source applies.
const std::string kafka_event =
    R"({"specversion": "1.0", "type": "bench.kafka", "source": "bench", "id": "1", "data": {"name": "alice", "pad": ")" +
    std::string(90, 'x') + R"("}})";

void BM_ParseStructured(benchmark::State& state) {
    const auto rules = static_cast<rig::cloudevents::validation>(state.range(0));
    const std::string second = other(kafka_event);
    std::size_t n = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(
            rig::cloudevents::parse_structured(take_turns(kafka_event, second, n), "now", rules));
    }
}
BENCHMARK(BM_ParseStructured)
    ->Arg(static_cast<int>(rig::cloudevents::validation::rig))
    ->Arg(static_cast<int>(rig::cloudevents::validation::strict));

void BM_ParseStructuredDom(benchmark::State& state) {
    const auto rules = static_cast<rig::cloudevents::validation>(state.range(0));
    for (auto _ : state) {
        benchmark::DoNotOptimize(rig::cloudevents::parse_structured_dom(kafka_event, "now", rules));
    }
}
BENCHMARK(BM_ParseStructuredDom)
    ->Arg(static_cast<int>(rig::cloudevents::validation::rig))
    ->Arg(static_cast<int>(rig::cloudevents::validation::strict));

// The Kafka benchmark's EXTRACTORS field (/data/name), read from the event's text (simdjson;
// a text other than the last one scanned, so parsed again) and, as before, from its Boost.JSON
// document (parse included, as the event path paid it).
const rig::subscription::extractors& name_extractor() {
    static const auto ex = *rig::subscription::extractors::parse(
        R"({"bench.kafka":{"name":{"stable_field_index":0,"event":{"json_pointer":"/data/name"}}}})");
    return ex;
}

void BM_ExtractFromText(benchmark::State& state) {
    const auto& type = *name_extractor().for_type("bench.kafka");
    const std::string second = other(kafka_event);
    std::size_t n = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(
            rig::subscription::extractors::extract(type, take_turns(kafka_event, second, n)));
    }
}
BENCHMARK(BM_ExtractFromText);

void BM_ExtractFromDocument(benchmark::State& state) {
    const auto& type = *name_extractor().for_type("bench.kafka");
    for (auto _ : state) {
        const auto doc = boost::json::parse(kafka_event);
        benchmark::DoNotOptimize(rig::subscription::extractors::extract(type, doc));
    }
}
BENCHMARK(BM_ExtractFromDocument);

}  // namespace

BENCHMARK_MAIN();
