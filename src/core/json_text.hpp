#pragma once

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace rig::core {

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
