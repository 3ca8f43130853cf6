#include "proxy/proxied_event.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace rig::proxy {
namespace json = boost::json;

namespace {

json::string_view js(std::string_view s) {
    return {s.data(), s.size()};
}

// RIG's texts, which differ between its Kafka/Kinesis handlers and its NATS handler: a body
// that is valid JSON but no object with `specversion` (an array too) "does not look like a
// CloudEvent"; only invalid JSON is "not JSON encoded".
core::error not_json(target_kind target, const json::error_code& ec) {
    if (target == target_kind::nats) {
        return core::bad_request("Bad request: The body is not JSON encoded (" + ec.message() +
                                 ").");
    }
    return core::bad_request("Bad request: expected a JSON encoded request body.");
}

core::error not_a_cloud_event(target_kind target) {
    if (target == target_kind::nats) {
        return core::bad_request(
            "Bad request: The body is a valid JSON object but does not look like a CloudEvent.");
    }
    return core::bad_request("Bad request: the body does not look like a CloudEvent.");
}

json::object rig_metadata(const proxied_request& r) {
    json::array headers;
    headers.reserve(r.headers.size());
    for (const auto& [name, value] : r.headers) {
        headers.push_back(json::array{js(name), js(value)});
    }
    return json::object{{"correlation", js(r.correlation)},
                        {"remoteip", js(r.remote_ip)},
                        {"host", js(r.host)},
                        {"port", r.port},
                        {"scheme", js(r.scheme)},
                        {"headers", std::move(headers)},
                        {"method", js(r.method)},
                        {"path", js(r.path)},
                        {"query", js(r.query)}};
}

}  // namespace

core::result<proxied_event> make_proxied_event(target_kind target, std::string_view body,
                                               const proxied_request& request) {
    json::error_code ec;
    json::value parsed = json::parse(js(body), ec);
    if (ec) {
        return not_json(target, ec);
    }
    auto* event = parsed.if_object();
    if (event == nullptr || !event->contains("specversion")) {
        return not_a_cloud_event(target);
    }

    proxied_event out;
    if (const auto* rig = event->if_contains("rig"); rig && rig->is_object()) {
        if (const auto* key = rig->get_object().if_contains("target_partition");
            key && key->is_string()) {
            out.partition_key = key->get_string();
        }
    }
    if (const auto* type = event->if_contains("contenttype"); type && type->is_string()) {
        out.kafka_content_type_header.emplace("ce_contenttype", type->get_string());
    } else if (const auto* type01 = event->if_contains("contentType");
               type01 && type01->is_string()) {
        out.kafka_content_type_header.emplace("ce_contentType", type01->get_string());
    }

    (*event)["rig"] = rig_metadata(request);
    if (!request.traceparent.empty()) {
        (*event)["traceparent"] = js(request.traceparent);
        if (!request.tracestate.empty()) {
            (*event)["tracestate"] = js(request.tracestate);
        }
    }
    out.json = json::serialize(parsed);
    return out;
}

}  // namespace rig::proxy
