#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>

#include "tracing/span.hpp"

namespace rig::tracing {

namespace json = boost::json;

uint64_t now_us() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

std::string zipkin_json(const std::vector<span>& spans, std::string_view service_name) {
    json::array out;
    out.reserve(spans.size());
    for (const auto& s : spans) {
        json::object o;
        o["traceId"] = s.trace_id;
        o["id"] = s.id;
        if (!s.parent_id.empty()) {
            o["parentId"] = s.parent_id;
        }
        o["name"] = s.name;
        if (!s.kind.empty()) {
            o["kind"] = s.kind;
        }
        o["timestamp"] = s.timestamp_us;
        o["duration"] = s.duration_us > 0 ? s.duration_us : 1;
        o["localEndpoint"] = json::object{{"serviceName", service_name}};
        if (!s.tags.empty()) {
            json::object tags;
            for (const auto& [k, v] : s.tags) {
                tags[k] = v;
            }
            o["tags"] = std::move(tags);
        }
        out.push_back(std::move(o));
    }
    return json::serialize(out);
}

}  // namespace rig::tracing
