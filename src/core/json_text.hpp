#pragma once

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <string>
#include <string_view>

namespace rig::core {

// Whether every number in `v` is finite. Boost.JSON (1.81) reads a number beyond a double's
// range (1e309) as infinity and serialises it as `Infinity`, which is not JSON: a value that
// rig writes out again must pass this (RIG's decoder refuses such numbers outright).
inline bool has_only_finite_numbers(const boost::json::value& v) {
    switch (v.kind()) {
        case boost::json::kind::double_:
            return std::isfinite(v.get_double());
        case boost::json::kind::array:
            for (const auto& e : v.get_array()) {
                if (!has_only_finite_numbers(e)) {
                    return false;
                }
            }
            return true;
        case boost::json::kind::object:
            for (const auto& kv : v.get_object()) {
                if (!has_only_finite_numbers(kv.value())) {
                    return false;
                }
            }
            return true;
        default:
            return true;
    }
}

// `s` as a JSON string literal, quotes included.
inline std::string json_quote(std::string_view s) {
    return boost::json::serialize(boost::json::value(boost::json::string_view(s.data(), s.size())));
}

// {"error": message}: the body of every 4xx/5xx response rig generates itself.
inline std::string error_body(std::string_view message) {
    std::string out = "{\"error\":";
    out += json_quote(message);
    out += '}';
    return out;
}

}  // namespace rig::core
