#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "cloudevents/cloud_event.hpp"
#include "core/error.hpp"

namespace rig::cloudevents {

// Parses one event in structured mode: a JSON object carrying its context attributes
// (CloudEvents 0.1 `cloudEventsVersion`, or `specversion` 0.2, 0.3 or 1.0).
// Required: type and id for every version, and source for 0.3/1.0. Unknown attributes are
// kept. When the time attribute (`eventTime` in 0.1, else `time`) is missing it is stamped
// with `now_rfc3339` by inserting it at the front of the original text.
// How strictly to check: RIG's own parser (HTTP, NATS, Kinesis: type and id required, source
// for 0.3/1.0), or cloudevents-ex's rules that RIG applies to Kafka (spec §3.3: also source
// for every version, string ids, non-empty optional attributes, lowercase extension names).
enum class validation { rig, strict };

//
// simdjson reads the text first (core::scan_json: no document is built) and accepts the events
// that pass; everything else goes to parse_structured_dom, which decides and words the error,
// so the verdict and the event are those of parse_structured_dom for every input
// (docs/adr/0015-event-parsing.md).
core::result<cloud_event> parse_structured(std::string_view body, std::string_view now_rfc3339,
                                           validation rules = validation::rig);

// parse_structured on Boost.JSON's document alone: the reference the fast path is held to
// (tests/fuzz/event_scan_fuzz.cpp and its corpus compare the two) and its fallback.
core::result<cloud_event> parse_structured_dom(std::string_view body, std::string_view now_rfc3339,
                                               validation rules = validation::rig);

// parse_structured for a document already decoded (structured Avro, by the Kafka source): the
// same checks; the event's JSON is the document serialised (with the time attribute added when
// missing).
core::result<cloud_event> parse_structured_document(boost::json::value document,
                                                    std::string_view now_rfc3339,
                                                    validation rules = validation::strict);

// The transport a binary-mode event came over: header prefixes and value encodings differ.
enum class binding { http, kafka, nats };

// One `ce-…` request header of a binary-mode request: name lowercased, without the prefix.
struct attribute_header {
    std::string_view name;
    std::string_view value;
};

// Builds an event from a binary-mode request: context attributes from `ce-*` headers, data
// from the body (JSON-decoded for JSON media types, else a string, or data_base64 for 1.0
// bodies that are not UTF-8). The serialised event then passes the structured checks.
core::result<cloud_event> parse_binary(std::span<const attribute_header> headers,
                                       std::string_view content_type, std::string_view body,
                                       std::string_view now_rfc3339,
                                       binding transport = binding::http);

// parse_binary for a body already decoded (Avro, by the Kafka source): `data` becomes the
// event's data as it is, and `content_type` is recorded as parse_binary records it.
core::result<cloud_event> parse_binary_decoded(std::span<const attribute_header> headers,
                                               std::string_view content_type,
                                               const boost::json::value& data,
                                               std::string_view now_rfc3339,
                                               binding transport = binding::kafka);

// The media type of the CloudEvents JSON batch format: a JSON array of structured-mode events.
inline constexpr std::string_view batch_media_type = "application/cloudevents-batch+json";

// Does a raw Content-Type value select the JSON batch format? Case-insensitive; parameters
// such as charset are ignored.
bool is_batch(std::string_view content_type);

// Parses a body in the CloudEvents JSON batch format: a JSON array whose members are events in
// structured mode. Every member is checked exactly as parse_structured(member, now_rfc3339,
// validation::rig) checks a single event, and keeps its own text (only the time attribute is
// inserted when missing). All or nothing: the first invalid member fails the whole batch with
// "batch member <0-based index>: <parse_structured's message>" (bad_request). A body that is not
// a JSON array is bad_request; more than `max_events` members is payload_too_large (checked
// before any member is parsed). An empty array gives no events.
core::result<std::vector<cloud_event>> parse_batch(std::string_view body,
                                                   std::string_view now_rfc3339,
                                                   std::size_t max_events);

// Chooses the content mode of an HTTP submission as RIG does (spec §2.12) and parses it.
// Single events only: callers send batches (is_batch) to parse_batch; here every
// application/cloudevents-batch type is unsupported_media_type.
// `content_type` is the raw header value (empty when absent).
core::result<cloud_event> parse_http(std::span<const attribute_header> ce_headers,
                                     std::string_view content_type, std::string_view body,
                                     std::string_view now_rfc3339);

// A message from a broker, in the CloudEvents binding of that broker: Kafka (`ce_` header
// prefix, cloudevents-ex's strict rules) or NATS (`ce-` prefix, RIG's parser). `headers` are the
// message's headers as they came (names in any case). Structured when the content-type header is
// application/cloudevents(+json) or absent, or when it is a JSON type and no specversion header is
// present; binary (attributes from the prefixed headers, data from the body) otherwise.
struct message_header {
    std::string_view name;
    std::string_view value;
};
core::result<cloud_event> parse_message(std::span<const message_header> headers, binding transport,
                                        std::string_view body, std::string_view now_rfc3339);

// The media type of a Content-Type value: lowercased, parameters and whitespace removed.
std::string media_type(std::string_view content_type);

}  // namespace rig::cloudevents
