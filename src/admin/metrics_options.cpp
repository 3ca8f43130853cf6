#include "admin/metrics_options.hpp"

#include <charconv>

#include "core/text.hpp"

namespace rig::admin {
namespace {

core::error bad(const char* name, const char* what, const std::string& value) {
    return core::bad_request(std::string(name) + ": " + what + ", got \"" + value + "\"");
}

}  // namespace

std::optional<core::error> parse_metrics_options(
    const std::function<std::optional<std::string>(const char*)>& env, metrics_options& out) {
    if (const auto raw = env("PROMETHEUS_METRICS_ENABLED"); raw && !core::trim(*raw).empty()) {
        const std::string v = core::lower(core::trim(*raw));
        if (v == "true" || v == "1" || v == "yes") {
            out.enabled = true;
        } else if (v == "false" || v == "0" || v == "no") {
            out.enabled = false;
        } else {
            return bad("PROMETHEUS_METRICS_ENABLED", "expected true or false", *raw);
        }
    }
    if (const auto raw = env("RIG_METRICS_MAX_EVENT_TYPES"); raw && !core::trim(*raw).empty()) {
        const std::string_view v = core::trim(*raw);
        std::size_t n = 0;
        const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc{} || p != v.data() + v.size() || n > 10'000) {
            return bad("RIG_METRICS_MAX_EVENT_TYPES", "expected a type count (0-10000)", *raw);
        }
        out.max_event_types = n;
    }
    return std::nullopt;
}

}  // namespace rig::admin
