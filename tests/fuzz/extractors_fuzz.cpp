// Fuzz target for the EXTRACTORS configuration parser (spec §4.4). Input: the configuration
// text. Invariants beyond "no crash", checked against a Boost.JSON parse of the same text:
// an accepted configuration has exactly the body's event types, each with exactly its fields,
// sorted by a stable_field_index unique within the type, each with the event pointer (and JWT
// pointer, when given) of the body, both starting with '/'; lookups by type and by field name
// find them. The accepted configuration then extracts fields from the configuration's own
// document and infers subscriptions from it as claims, without crashing, and every inferred
// subscription names a configured type.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "require.hpp"
#include "subscription/extractors.hpp"
#include "subscription/subscription.hpp"

namespace {

using rig::fuzz::require;

namespace json = boost::json;
using rig::subscription::extractors;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto parsed = extractors::parse(input);
    json::error_code ec;
    const json::value doc = json::parse(input, ec);
    if (!parsed) {
        require(!parsed.error().message.empty());
        return 0;
    }
    require(!ec && doc.is_object());
    const auto& ex = *parsed;
    const auto& types = doc.get_object();
    require(ex.types().size() == types.size());
    for (const auto& [type, fields_value] : types) {
        const auto* te = ex.for_type(type);
        require(te != nullptr);
        const auto& fields = fields_value.as_object();
        require(te->fields.size() == fields.size());
        for (std::size_t i = 0; i < te->fields.size(); ++i) {
            const auto& f = te->fields[i];
            require(i == 0 || te->fields[i - 1].stable_field_index < f.stable_field_index);
            require(te->find(f.name) == static_cast<int>(i));
            const auto& spec = fields.at(f.name).as_object();
            require(spec.at("stable_field_index").to_number<uint64_t>() == f.stable_field_index);
            require(spec.at("event").at("json_pointer").as_string() == f.event_pointer);
            require(f.event_pointer.starts_with('/'));
            if (const auto* jwt = spec.if_contains("jwt")) {
                require(f.jwt_pointer && jwt->at("json_pointer").as_string() == *f.jwt_pointer &&
                        f.jwt_pointer->starts_with('/'));
            } else {
                require(!f.jwt_pointer);
            }
        }
        const auto values = extractors::extract(*te, doc);
        require(values.size() == te->fields.size());
    }
    for (const auto& s : rig::subscription::infer_from_claims(ex, doc)) {
        require(ex.for_type(s.event_type) != nullptr && s.one_of.size() == 1);
    }
    return 0;
}
