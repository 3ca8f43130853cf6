// Fuzz target holding the event path's simdjson reading to Boost.JSON's (issue 16, ADR 0015):
// for any input taken as a structured-mode body,
// - parse_structured (simdjson first, Boost.JSON for what it does not accept) gives what
//   parse_structured_dom (Boost.JSON alone, the parser before) gives, for RIG's rules and the
//   strict ones: the same verdict, error condition and message, version, type, id and bytes;
// - for JSON text, EXTRACTORS fields read from the text equal those read from Boost.JSON's
//   document (same kind and value, as written out), for pointers into the members events usually
//   carry and into escapes, arrays and duplicates; and so does the conflation key; for an
//   accepted event also when they are read, as published_event does, in the document parsed
//   before its time was stamped in (cloud_event::stamp_size);
// - the same for the JSON of a binary-mode event whose body is the input (its JSON is
//   serialised by Boost.JSON, then read back by simdjson).
// Its corpus (tests/fuzz/corpus/event_scan) is the parser-equivalence corpus: valid and
// invalid CloudEvents 0.1 to 1.0, unicode escapes, nesting at Boost.JSON's depth limit,
// numbers beyond 64 bits and a double's range, duplicate keys; ctest replays it in every build.
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cloudevents/parse.hpp"
#include "require.hpp"
#include "subscription/extractors.hpp"

namespace {

using rig::fuzz::require;

namespace json = boost::json;
using namespace rig::cloudevents;
using rig::subscription::extractors;

constexpr std::string_view now = "2020-01-01T00:00:00Z";

constexpr auto pointers = std::to_array<std::string_view>(
    {"/data/name", "/data",       "/id",        "/type",       "/data/0", "/data/1/a", "/data/a~1b",
     "/data/m~0n", "/data/x/y/z", "/data/",     "/data/00",    "/data/-", "/a",        "/a/b",
     "/a/0",       "/n",          "/data/n",    "/data//name", "/data//", "/data/1/",  "/time",
     "/time/0",    "/timex",      "/eventTime", "/ti~0me"});

const extractors& fields() {
    static const extractors ex = [] {
        std::string config = R"({"t":{)";
        for (std::size_t i = 0; i < pointers.size(); ++i) {
            const std::string n = std::to_string(i);
            config += i == 0 ? R"("f)" : R"(,"f)";
            config += n;
            config += R"(":{"stable_field_index":)";
            config += n;
            config += R"(,"event":{"json_pointer":")";
            config += pointers[i];
            config += R"("}})";
        }
        config += "}}";
        auto parsed = extractors::parse(config);
        require(parsed.has_value());
        return std::move(*parsed);
    }();
    return ex;
}

void same_event(const rig::core::result<cloud_event>& a, const rig::core::result<cloud_event>& b) {
    require(a.has_value() == b.has_value());
    if (!a) {
        require(a.error().cond == b.error().cond && a.error().message == b.error().message);
        return;
    }
    require(a->version == b->version && a->type == b->type && a->id == b->id &&
            a->json == b->json && a->stamp_size == b->stamp_size);
}

// Fields and conflation keys read from `text` equal those read from its document; with
// `stamp_size` (an event's, read right after its parse) also where they are read in the document
// parsed before the time was stamped in.
void same_reading(std::string_view text, std::size_t stamp_size = 0) {
    json::error_code ec;
    const json::value doc = json::parse(text, ec);
    if (ec) {
        return;
    }
    const auto& type = fields().types().begin()->second;
    const auto from_text = extractors::extract(type, text, stamp_size);
    const auto from_doc = extractors::extract(type, doc);
    require(from_text.size() == from_doc.size());
    for (std::size_t i = 0; i < from_text.size(); ++i) {
        require(from_text[i].has_value() == from_doc[i].has_value());
        // Same kind and value; written out, so that NaN (Boost.JSON reads 0e400 so) is itself.
        require(!from_text[i] || json::serialize(from_text[i]->to_json()) ==
                                     json::serialize(from_doc[i]->to_json()));
    }
    for (const std::string_view pointer : pointers) {
        extractors ex;
        ex.set_conflation_pointer(std::string(pointer));
        const auto key_text = ex.conflation_key_of("t", text, stamp_size);
        const auto key_doc = ex.conflation_key_of("t", doc);
        require(key_text.has_value() == key_doc.has_value());
        require(!key_text || *key_text == *key_doc);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    for (const auto rules : {validation::rig, validation::strict}) {
        const auto event = parse_structured(input, now, rules);
        same_event(event, parse_structured_dom(input, now, rules));
        if (event) {
            same_reading(event->json, event->stamp_size);
        }
    }
    same_reading(input);

    const std::array<attribute_header, 4> headers{
        {{"specversion", "1.0"}, {"type", "t"}, {"id", "1"}, {"source", "s"}}};
    if (const auto binary = parse_binary(headers, "application/json", input, now)) {
        same_reading(binary->json);
    }
    return 0;
}
