#include "tracing/tracer.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <functional>

#include "core/json_scan.hpp"
#include "tracing/span.hpp"
#include "tracing/zipkin_exporter.hpp"

namespace rig::tracing {

namespace json = boost::json;

namespace {

// The event's JSON as a document, when it is an object (a parse error cannot happen for a
// validated event, and leaves null).
json::value event_document(const cloudevents::cloud_event& ev) {
    json::error_code ec;
    json::value doc = json::parse(ev.json, ec);
    return ec ? json::value() : doc;
}

bool set_attributes(cloudevents::cloud_event& ev, json::value& doc, std::string_view traceparent,
                    std::optional<std::string_view> tracestate, bool keep_tracestate) {
    auto* obj = doc.if_object();
    if (obj == nullptr) {
        return false;
    }
    (*obj)["traceparent"] = traceparent;
    if (!keep_tracestate) {
        if (tracestate) {
            (*obj)["tracestate"] = *tracestate;
        } else {
            obj->erase("tracestate");
        }
    }
    ev.json = json::serialize(doc);
    ev.stamp_size = 0;  // the stamped time is one member among the others now
    ev.may_have_traceparent = true;
    return true;
}

// Can the event have a `traceparent` member? Most events are ruled out without a parse: the
// parse that validated a structured event tells (cloud_event::may_have_traceparent). When
// the document the event's checks parsed is still in core::scan_json's memo (the time rig
// stamped in is not in it, and is not that member), its top-level members answer. Otherwise
// (a batch's events, parsed before any is traced; texts simdjson leaves to Boost.JSON) the
// bytes do: without the name, or an escape that could spell it, there is no such member.
bool may_carry_traceparent(const cloudevents::cloud_event& ev) {
    if (!ev.may_have_traceparent) {
        return false;  // the parse saw every top-level member
    }
    simdjson::dom::object object;
    if (const auto root = core::last_scan_without(ev.json, 1, ev.stamp_size);
        root && root->get(object) == simdjson::SUCCESS) {
        return core::last_member(object, "traceparent").has_value();
    }
    // Horspool's search skips ahead by up to the name's length, where string_view::find calls
    // memchr at every 't'. A backslash is rare: find's one memchr rules escapes out.
    static const std::boyer_moore_horspool_searcher name(std::string_view("traceparent").begin(),
                                                         std::string_view("traceparent").end());
    return std::search(ev.json.begin(), ev.json.end(), name) != ev.json.end() ||
           ev.json.find("\\u") != std::string_view::npos;
}

}  // namespace

bool set_trace_attributes(cloudevents::cloud_event& ev, std::string_view traceparent,
                          std::optional<std::string_view> tracestate, bool keep_tracestate) {
    json::value doc = event_document(ev);
    return set_attributes(ev, doc, traceparent, tracestate, keep_tracestate);
}

tracer::request_span tracer::start_request(std::string_view traceparent,
                                           std::string_view tracestate) const {
    request_span s;
    s.start_us = now_us();
    if (!traceparent.empty()) {
        s.parent = parse_traceparent(traceparent);
    }
    if (s.parent) {
        s.ctx = child_of(*s.parent);
        if (!tracestate.empty() && passable_tracestate(tracestate, max_tracestate_bytes_)) {
            s.tracestate = std::string(tracestate);
        }
    } else {
        s.ctx = new_trace(0);
    }
    return s;
}

void tracer::stamp(cloudevents::cloud_event& ev, const request_span& s) const {
    if (!s.parent) {
        return;
    }
    set_trace_attributes(
        ev, format_traceparent(s.ctx),
        s.tracestate.empty() ? std::nullopt : std::optional<std::string_view>(s.tracestate), false);
}

void tracer::finish_request(const request_span& s, std::string_view method, std::string_view path,
                            unsigned status) const {
    if (exporter_ == nullptr || !s.parent || !s.ctx.sampled()) {
        return;
    }
    span out;
    out.trace_id = trace_id_hex(s.ctx);
    out.id = span_id_hex(s.ctx);
    out.parent_id = span_id_hex(*s.parent);
    out.name = std::string(method) + " " + std::string(path);
    out.kind = "SERVER";
    out.timestamp_us = s.start_us;
    out.duration_us = now_us() - s.start_us;
    out.tags = {{"http.method", std::string(method)},
                {"http.path", std::string(path)},
                {"http.status_code", std::to_string(status)}};
    exporter_->submit(std::move(out));
}

bool tracer::continue_event(cloudevents::cloud_event& ev, std::string_view source) const {
    if (!may_carry_traceparent(ev)) {
        return false;
    }
    json::value doc = event_document(ev);
    const auto* obj = doc.if_object();
    if (obj == nullptr) {
        return false;
    }
    const auto it = obj->find("traceparent");
    if (it == obj->end() || !it->value().is_string()) {
        return false;
    }
    const auto parent = parse_traceparent(it->value().get_string());
    if (!parent) {
        return false;
    }
    const uint64_t start = now_us();
    const trace_context ctx = child_of(*parent);
    if (!set_attributes(ev, doc, format_traceparent(ctx), std::nullopt, true)) {
        return false;
    }
    if (exporter_ != nullptr && ctx.sampled()) {
        span out;
        out.trace_id = trace_id_hex(ctx);
        out.id = span_id_hex(ctx);
        out.parent_id = span_id_hex(*parent);
        out.name = std::string(source) + " consume";
        out.kind = "CONSUMER";
        out.timestamp_us = start;
        out.duration_us = now_us() - start;
        out.tags = {{"messaging.system", std::string(source)},
                    {"cloudevents.event_type", ev.type},
                    {"cloudevents.event_id", ev.id}};
        exporter_->submit(std::move(out));
    }
    return true;
}

}  // namespace rig::tracing
