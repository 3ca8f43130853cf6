// Fuzz target for the CloudEvents batch parser: any input must be accepted or refused without
// crashing, and the batch parser (simdjson boundaries + per-member Boost.JSON) must agree with
// one full Boost.JSON parse of the body:
// - accepted: the body is a JSON array with as many elements as events, and each event's
//   document is its element (plus the stamped time, when the element had none);
// - refused for member i: element i is the first that would not pass as a single event;
// - refused over the limit: the array is longer than the limit;
// - refused otherwise: the body is not a JSON array.
// A disagreement aborts, which libFuzzer and the corpus replay under ctest both report.
//
// With clang and -DRIG_FUZZ=ON this links against libFuzzer; by default
// tests/fuzz/replay_main.cpp replays tests/fuzz/corpus/parse_batch under ctest.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cloudevents/parse.hpp"
#include "require.hpp"

namespace {

using rig::fuzz::require;

namespace json = boost::json;
using rig::cloudevents::parse_batch;
using rig::cloudevents::parse_structured;
using rig::cloudevents::spec_version;

constexpr std::string_view now = "2020-01-01T00:00:00Z";
constexpr std::size_t max_events = 64;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto batch = parse_batch(input, now, max_events);

    // A member may nest as deep as a single event (Boost.JSON's default limit); the array
    // around it adds one level.
    json::parse_options options;
    options.max_depth = json::parse_options{}.max_depth + 1;
    json::error_code ec;
    const json::value whole = json::parse(input, ec, {}, options);
    if (batch) {
        require(!ec && whole.is_array() && whole.get_array().size() == batch->size());
        for (std::size_t i = 0; i < batch->size(); ++i) {
            const auto& ev = (*batch)[i];
            json::object doc = json::parse(ev.json).as_object();
            const auto& sent = whole.get_array()[i].as_object();
            if (doc.size() == sent.size() + 1) {
                doc.erase(ev.version == spec_version::v0_1 ? "eventTime" : "time");
            }
            require(json::value(doc) == whole.get_array()[i]);
        }
        return 0;
    }
    if (ec || !whole.is_array()) {
        return 0;  // refused, rightly: whatever the reason, the body is no JSON array
    }
    const auto& elements = whole.get_array();
    const auto& e = batch.error();
    constexpr std::string_view member_prefix = "batch member ";
    if (e.cond == rig::core::condition::payload_too_large) {
        require(elements.size() > max_events);
    } else if (e.message.starts_with(member_prefix)) {
        // The first element that would not pass as a single event, and no earlier one.
        const std::size_t index =
            std::strtoul(e.message.c_str() + member_prefix.size(), nullptr, 10);
        require(index < elements.size());
        for (std::size_t i = 0; i <= index; ++i) {
            const bool valid = parse_structured(json::serialize(elements[i]), now).has_value();
            require(valid == (i < index));
        }
    } else {
        require(false);  // a JSON array refused as "not JSON" or "not an array"
    }
    return 0;
}
