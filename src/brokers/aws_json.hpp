#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/base64url.hpp"

// Reading the JSON answers of the AWS APIs (Kinesis, DynamoDB) the brokers module calls.
namespace rig::brokers::aws_json {

// A record's Data: Kinesis sends standard base64; core decodes the URL-safe alphabet.
inline std::optional<std::string> base64_decode(std::string_view s) {
    std::string urlsafe(s);
    for (auto& c : urlsafe) {
        c = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    return core::base64url_decode(urlsafe);
}

// The string member `key` of `v`, or "" when `v` is not an object or has no such string.
inline std::string string_at(const boost::json::value& v, std::string_view key) {
    if (!v.is_object()) {
        return {};
    }
    const auto* m = v.get_object().if_contains(key);
    return m && m->is_string() ? std::string(m->get_string()) : std::string();
}

}  // namespace rig::brokers::aws_json
