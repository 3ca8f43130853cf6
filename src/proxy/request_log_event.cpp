#include "proxy/request_log_event.hpp"

#include <boost/json/serialize.hpp>

#include "core/clock.hpp"
#include "core/random.hpp"

namespace rig::proxy {
namespace json = boost::json;

std::string make_request_log_event(const json::object& endpoint, std::string_view request_path,
                                   std::string_view remote_ip, std::string_view traceparent) {
    json::object event{
        {"id", core::uuid_v4()},
        {"time", core::rfc3339_now()},
        {"source", "/rig"},
        {"type", "com.rig.proxy.api.call"},
        {"specversion", "0.2"},
        {"contenttype", "application/json"},
        {"data",
         json::object{{"endpoint", endpoint},
                      {"request_path", json::string_view(request_path.data(), request_path.size())},
                      {"remote_ip", json::string_view(remote_ip.data(), remote_ip.size())}}}};
    if (!traceparent.empty()) {
        event["traceparent"] = json::string_view(traceparent.data(), traceparent.size());
    }
    return json::serialize(event);
}

json::object endpoint_source(const api_definition& api, std::string_view endpoint_id) {
    const auto* version_data = api.source.if_contains("version_data");
    const auto* versions = version_data ? version_data->if_object() : nullptr;
    const auto* default_version = versions ? versions->if_contains("default") : nullptr;
    const auto* version = default_version ? default_version->if_object() : nullptr;
    const auto* endpoints = version ? version->if_contains("endpoints") : nullptr;
    if (endpoints == nullptr || !endpoints->is_array()) {
        return {};
    }
    for (const auto& e : endpoints->get_array()) {
        const auto* o = e.if_object();
        const auto* id = o ? o->if_contains("id") : nullptr;
        if (id && id->is_string() && id->get_string() == endpoint_id) {
            return *o;
        }
    }
    return {};
}

}  // namespace rig::proxy
