#include "admin/blacklist_request.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse_query.hpp>
#include <charconv>
#include <cmath>

#include "core/text.hpp"

namespace rig::admin {
namespace json = boost::json;

namespace {

core::result<uint64_t> validity_from(const json::value& v) {
    if (v.is_string()) {
        const std::string_view s = v.get_string();
        int64_t n = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) {
            return core::bad_request("Expected a number, got " + json::serialize(v));
        }
        if (n <= 0) {
            return core::bad_request("Expected a positive number, got " + std::string(s));
        }
        return static_cast<uint64_t>(n);
    }
    if (v.is_number()) {
        const double d = v.to_number<double>();
        if (!(d > 0)) {
            return core::bad_request("Expected a positive number, got " + json::serialize(v));
        }
        return static_cast<uint64_t>(std::ceil(std::min(d, 1e12)));
    }
    return core::bad_request("Expected a number, got " + json::serialize(v));
}

}  // namespace

core::result<blacklist_request> parse_blacklist_request(std::string_view content_type,
                                                        std::string_view body) {
    const std::string mt = core::media_type(content_type);
    json::object fields;
    if (mt == "application/json" || mt.ends_with("+json")) {
        json::error_code ec;
        json::value doc = json::parse(body, ec);
        if (ec || !doc.is_object()) {
            return core::bad_request("Expected a JSON object body.");
        }
        fields = std::move(doc.get_object());
    } else if (mt == "application/x-www-form-urlencoded") {
        auto params = boost::urls::parse_query(body);
        if (!params) {
            return core::bad_request("Malformed form body.");
        }
        boost::urls::encoding_opts opts;
        opts.space_as_plus = true;
        for (auto p : *params) {
            if (p.has_value) {
                fields[p.key.decode(opts)] = json::string(p.value.decode(opts));
            }
        }
    } else {
        return core::error{core::condition::unsupported_media_type,
                           "Unsupported content type: use application/json."};
    }

    blacklist_request out;
    const auto* id = fields.if_contains("sessionId");
    if (id == nullptr) {
        return core::bad_request("Missing value for \"sessionId\"");
    }
    if (!id->is_string() || id->get_string().empty()) {
        return core::bad_request("Expected non-empty string, got " + json::serialize(*id));
    }
    out.session_id = std::string(id->get_string());
    const auto* validity = fields.if_contains("validityInSeconds");
    if (validity == nullptr) {
        return core::bad_request("Missing value for \"validityInSeconds\"");
    }
    auto seconds = validity_from(*validity);
    if (!seconds) {
        return seconds.error();
    }
    out.validity_seconds = *seconds;
    return out;
}

}  // namespace rig::admin
