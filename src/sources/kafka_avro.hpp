#pragma once

#include <span>
#include <string_view>

#include "avro_codec/schema_registry.hpp"
#include "cloudevents/cloud_event.hpp"
#include "cloudevents/parse.hpp"
#include "core/error.hpp"

namespace rig::sources {

// How a Kafka message carries Avro (spec §3.4), if it does: `avro/binary` is binary mode (the
// attributes in ce_* headers, the body the data); `application/cloudevents+avro` is structured
// (the record's fields are the attributes), and so is any other `application/cloudevents+<fmt>`
// but JSON when the body is framed Avro; without a content type, a body that starts with the
// Confluent magic byte and a schema id is binary when a ce_specversion header is present and
// structured otherwise.
enum class avro_mode { none, structured, binary };

avro_mode avro_mode_of(std::span<const cloudevents::message_header> headers, std::string_view body);

// Decodes an Avro message (mode not none) through the registry's schema for the id in its
// Confluent framing and builds the event, checked by cloudevents-ex's rules as any Kafka event.
// Fails (bad_request) when no registry is configured, the body is not framed, the registry does
// not know the id or cannot be reached, or the bytes do not decode. Blocks while the registry is
// asked: call it on the consumer's thread only.
core::result<cloudevents::cloud_event> parse_avro_message(
    std::span<const cloudevents::message_header> headers, std::string_view body, avro_mode mode,
    avro_codec::schema_registry* registry, std::string_view now_rfc3339);

}  // namespace rig::sources
