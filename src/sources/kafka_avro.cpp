#include "sources/kafka_avro.hpp"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "avro_codec/json_codec.hpp"
#include "avro_codec/wire_format.hpp"
#include "core/text.hpp"

namespace rig::sources {
namespace {

constexpr std::string_view avro_binary = "avro/binary";

bool iequals_prefix(std::string_view s, std::string_view lower_prefix) {
    return s.size() >= lower_prefix.size() &&
           core::lower(s.substr(0, lower_prefix.size())) == std::string(lower_prefix);
}

}  // namespace

avro_mode avro_mode_of(std::span<const cloudevents::message_header> headers,
                       std::string_view body) {
    bool has_content_type = false;
    bool has_specversion = false;
    for (const auto& h : headers) {
        if (h.name.size() == 12 && iequals_prefix(h.name, "content-type")) {
            has_content_type = true;
            const std::string mt = cloudevents::media_type(h.value);
            if (mt == avro_binary) {
                return avro_mode::binary;
            }
            if (mt == "application/cloudevents+avro") {
                return avro_mode::structured;
            }
            // Spec §3.4: another structured format than JSON works when the body is framed Avro.
            if (mt.starts_with("application/cloudevents+") &&
                mt != "application/cloudevents+json" && avro_codec::unframe(body)) {
                return avro_mode::structured;
            }
        } else if (h.name.size() == 14 && iequals_prefix(h.name, "ce_specversion")) {
            has_specversion = true;
        }
    }
    if (has_content_type || !avro_codec::unframe(body)) {
        return avro_mode::none;
    }
    return has_specversion ? avro_mode::binary : avro_mode::structured;
}

core::result<cloudevents::cloud_event> parse_avro_message(
    std::span<const cloudevents::message_header> headers, std::string_view body, avro_mode mode,
    avro_codec::schema_registry* registry, std::string_view now_rfc3339) {
    if (registry == nullptr) {
        return core::bad_request("an Avro message, but KAFKA_SCHEMA_REGISTRY_HOST is not set");
    }
    const auto framed = avro_codec::unframe(body);
    if (!framed) {
        return core::bad_request("an Avro message without the Confluent magic byte and schema id");
    }
    const auto found = registry->by_id(framed->schema_id);
    using status = avro_codec::schema_registry::status;
    if (found.result == status::not_found) {
        return core::bad_request("the schema registry does not know schema id " +
                                 std::to_string(framed->schema_id));
    }
    if (found.result != status::ok) {
        return core::bad_request("the schema registry is unavailable (schema id " +
                                 std::to_string(framed->schema_id) + ")");
    }
    // One decoder per schema and thread (the consumer's), reused for every message: schemas
    // are cached for the life of the process, so this map is bounded by the same ids.
    thread_local std::unordered_map<const avro_codec::avro_schema*,
                                    std::unique_ptr<avro_codec::decoder>>
        decoders;
    auto& dec = decoders[found.schema.get()];
    if (!dec) {
        dec = std::make_unique<avro_codec::decoder>(found.schema);
    }
    auto decoded = dec->decode(framed->payload);
    if (!decoded) {
        return decoded.error();
    }
    if (mode == avro_mode::structured) {
        if (!decoded->is_object()) {
            return core::bad_request("a structured Avro event must be a record");
        }
        return cloudevents::parse_structured_document(std::move(*decoded), now_rfc3339,
                                                      cloudevents::validation::strict);
    }
    std::vector<std::string> names;  // lowercased, prefix removed
    std::vector<cloudevents::attribute_header> attributes;
    names.reserve(headers.size());  // no reallocation: the views below stay valid
    for (const auto& h : headers) {
        if (h.name.size() > 3 && iequals_prefix(h.name, "ce_")) {
            names.push_back(core::lower(h.name.substr(3)));
            attributes.push_back({names.back(), h.value});
        }
    }
    return cloudevents::parse_binary_decoded(attributes, avro_binary, *decoded, now_rfc3339,
                                             cloudevents::binding::kafka);
}

}  // namespace rig::sources
