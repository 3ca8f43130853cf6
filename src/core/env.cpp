#include "core/env.hpp"

#include <charconv>

#include "core/text.hpp"

namespace rig::core {

std::optional<std::string> env::get(const char* name) const {
    auto v = lookup_(name);
    if (!v) {
        return std::nullopt;
    }
    std::string t(trim(*v));
    if (t.empty()) {
        return std::nullopt;
    }
    return t;
}

std::string env::value(const char* name, std::string_view fallback) const {
    auto v = get(name);
    return v ? std::move(*v) : std::string(fallback);
}

std::optional<error> env::read_u64(const char* name, uint64_t& out, uint64_t min, uint64_t max,
                                   const char* what) const {
    const auto v = get(name);
    if (!v) {
        return std::nullopt;
    }
    uint64_t n = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc{} || p != v->data() + v->size() || n < min || n > max) {
        return bad_setting(name, what, *raw(name));
    }
    out = n;
    return std::nullopt;
}

std::optional<error> env::read_ms(const char* name, std::chrono::milliseconds& out,
                                  uint64_t min_ms) const {
    auto ms = static_cast<uint64_t>(out.count());
    if (auto e = read_uint(name, ms, min_ms, 365ULL * 24 * 3600 * 1000,
                           "expected a duration in milliseconds")) {
        return e;
    }
    out = std::chrono::milliseconds(ms);
    return std::nullopt;
}

std::optional<error> env::read_bool(const char* name, bool& out) const {
    if (auto v = get(name)) {
        const auto on = parse_bool(*v);
        if (!on) {
            return bad_setting(name, "expected true or false", *raw(name));
        }
        out = *on;
    }
    return std::nullopt;
}

error bad_setting(std::string_view name, std::string_view what, std::string_view value) {
    return bad_request(std::string(name) + ": " + std::string(what) + ", got \"" +
                       std::string(value) + "\"");
}

std::vector<std::string> split_list(std::string_view s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        const auto comma = s.find(',', start);
        const auto item =
            trim(s.substr(start, comma == std::string_view::npos ? s.npos : comma - start));
        if (!item.empty()) {
            out.emplace_back(item);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
    return out;
}

std::optional<bool> parse_bool(std::string_view raw) {
    const std::string v = lower(trim(raw));
    if (v == "true" || v == "1" || v == "yes" || v == "on") {
        return true;
    }
    if (v == "false" || v == "0" || v == "no" || v == "off" || v.empty()) {
        return false;
    }
    return std::nullopt;
}

}  // namespace rig::core
