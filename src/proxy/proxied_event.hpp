#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "proxy/api_definition.hpp"

namespace rig::proxy {

// What RIG tells the event's consumers about the HTTP request that carried it (spec §8.8, the
// `rig` object). Views: they need to live only for the call of make_proxied_event.
struct proxied_request {
    std::string_view correlation;  // the correlation id of the waiting request (§8.7)
    std::string_view remote_ip;
    std::string_view host;  // without port
    uint16_t port = 0;      // the inbound port the request came in on
    std::string_view scheme;
    std::vector<std::pair<std::string_view, std::string_view>> headers;  // lowercase, in order
    std::string_view method;
    std::string_view path;   // after path_replacement
    std::string_view query;  // raw query string, without '?'
    // RIG's current span (§11.3); added as top-level attributes when not empty.
    std::string_view traceparent;
    std::string_view tracestate;
};

// The message to publish for a request to a kafka, kinesis or nats endpoint.
struct proxied_event {
    std::string json;           // the event with its `rig` object replaced, compact
    std::string partition_key;  // the body's rig.target_partition (string), or empty
    // The Kafka header of the structured event's content type: ce_contenttype (0.2) or
    // ce_contentType (0.1), when the event has one that is a string.
    std::optional<std::pair<std::string, std::string>> kafka_content_type_header;
};

// Turns the body of a request to an event-target endpoint into the event RIG publishes
// (spec §8.8): the body must be a JSON object with a `specversion` key; its top-level `rig`
// object is replaced by the request's metadata, which also drops `rig.target_partition` after
// taking it as the partition key. Otherwise a bad_request error whose message is RIG's text
// for `target` (kafka and kinesis share theirs; nats has its own).
core::result<proxied_event> make_proxied_event(target_kind target, std::string_view body,
                                               const proxied_request& request);

}  // namespace rig::proxy
