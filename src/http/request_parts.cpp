#include "http/request_parts.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "core/text.hpp"

namespace rig::http {
namespace {}  // namespace

std::string_view target_path(std::string_view target) {
    return target.substr(0, target.find('?'));
}

std::optional<std::string> query_param(std::string_view target, std::string_view name) {
    auto parsed = boost::urls::parse_origin_form(target);
    if (!parsed) {
        return std::nullopt;
    }
    // Query strings from HTML forms encode spaces as '+'; JSON and JWT values never contain
    // a literal '+' that matters, so decode it as a space like browsers' form encoding.
    boost::urls::encoding_opts opts;
    opts.space_as_plus = true;
    for (auto param : parsed->encoded_params()) {
        if (param.key.decode(opts) == name) {
            if (!param.has_value) {
                return std::string();
            }
            return param.value.decode(opts);
        }
    }
    return std::nullopt;
}

std::optional<std::string> cookie(const request& req, std::string_view name) {
    for (auto [it, end] = req.equal_range(field::cookie); it != end; ++it) {
        std::string_view rest = it->value();
        while (!rest.empty()) {
            const auto semi = rest.find(';');
            std::string_view pair = core::trim(rest.substr(0, semi));
            rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
            const auto eq = pair.find('=');
            if (eq != std::string_view::npos && core::trim(pair.substr(0, eq)) == name) {
                return std::string(core::trim(pair.substr(eq + 1)));
            }
        }
    }
    return std::nullopt;
}

std::vector<std::string> header_list(const request& req, field f) {
    std::vector<std::string> out;
    for (auto [it, end] = req.equal_range(f); it != end; ++it) {
        std::string_view rest = it->value();
        while (true) {
            const auto comma = rest.find(',');
            const auto part = core::trim(rest.substr(0, comma));
            if (!part.empty()) {
                out.emplace_back(part);
            }
            if (comma == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(comma + 1);
        }
    }
    return out;
}

}  // namespace rig::http
