#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cloudevents/cloud_event.hpp"
#include "tracing/trace_context.hpp"

namespace rig::tracing {

class zipkin_exporter;

// Continues W3C trace context through rig (spec §11.3): an HTTP submission with a
// `traceparent` header, or a consumed event with a `traceparent` attribute, gets a span of
// rig's own (same trace, new span id) that the delivered events carry as their `traceparent`
// attribute (the CloudEvents distributed-tracing extension); with an exporter, that span is
// sent to Zipkin when the parent is sampled. Events without (valid) trace context are not
// touched at all: their bytes stay as they came.
//
// Owned by app::node, which keeps it (and the exporter) alive longer than the publisher and
// the sources that use it.
//
// @par Thread safety
// Immutable; every member may run on any thread (shards, broker client threads).
class tracer {
public:
    tracer(std::size_t max_tracestate_bytes, zipkin_exporter* exporter)
        : max_tracestate_bytes_(max_tracestate_bytes), exporter_(exporter) {}

    // rig's span for one HTTP request.
    struct request_span {
        trace_context ctx;                    // rig's: on the response and on the events
        std::optional<trace_context> parent;  // the client's valid traceparent, if any
        std::string tracestate;               // the client's, when passable; else empty
        uint64_t start_us = 0;
    };

    // From the request's `traceparent` and `tracestate` header values (empty when absent; the
    // tracestate of several headers joined by commas). A missing or invalid traceparent
    // starts a new trace (flags 00: rig records nothing for it).
    request_span start_request(std::string_view traceparent, std::string_view tracestate) const;

    // Puts the request's trace context on an event it carried (only when the client sent a
    // valid traceparent: otherwise the event stays byte-identical).
    void stamp(cloudevents::cloud_event& ev, const request_span& s) const;

    // Exports the request's span (SERVER) when the client's traceparent was sampled.
    void finish_request(const request_span& s, std::string_view method, std::string_view path,
                        unsigned status) const;

    // A consumed event (`source`: kafka, nats, kinesis): when it carries a valid traceparent
    // attribute, rewrites it to a span of rig's below it (tracestate kept as it is) and
    // exports that span (CONSUMER) when sampled. Returns whether the event was rewritten.
    bool continue_event(cloudevents::cloud_event& ev, std::string_view source) const;

private:
    std::size_t max_tracestate_bytes_;
    zipkin_exporter* exporter_;
};

// Sets the `traceparent` attribute of `ev` (a structured event: its JSON is an object) and
// re-serialises its JSON; `tracestate` set when given, removed when nullopt, left as it
// is when `keep_tracestate`. Returns false (nothing changed) when the document is no object.
bool set_trace_attributes(cloudevents::cloud_event& ev, std::string_view traceparent,
                          std::optional<std::string_view> tracestate, bool keep_tracestate);

}  // namespace rig::tracing
