#include "proxy/forwarded_response.hpp"

#include <fmt/format.h>

#include <charconv>

namespace rig::proxy {
namespace {

constexpr std::string_view magic = "rig-response/1";

bool one_line(std::string_view s) {
    return s.find('\n') == std::string_view::npos;
}

// Takes the text up to the next '\n' off the front of `rest`; nothing when there is none.
std::optional<std::string_view> next_line(std::string_view& rest) {
    const auto end = rest.find('\n');
    if (end == std::string_view::npos) {
        return std::nullopt;
    }
    const auto line = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    return line;
}

template <class T>
std::optional<T> number(std::optional<std::string_view> text) {
    T value{};
    if (!text || text->empty()) {
        return std::nullopt;
    }
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size()) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

std::string encode_forwarded_response(const correlated_response& message) {
    const auto& r = message.response;
    std::size_t count = 0;
    std::string headers;
    for (const auto& [name, value] : r.headers) {
        if (!name.empty() && one_line(name) && one_line(value)) {
            headers += fmt::format("{}\n{}\n", name, value);
            ++count;
        }
    }
    std::string out = fmt::format("{}\n{}\n{}\n{}\n", magic, message.correlation, r.status, count);
    out += headers;
    out += r.body;
    return out;
}

std::optional<correlated_response> decode_forwarded_response(std::string_view wire) {
    if (next_line(wire) != magic) {
        return std::nullopt;
    }
    correlated_response m;
    const auto correlation = next_line(wire);
    const auto status = number<unsigned>(next_line(wire));
    const auto count = number<std::size_t>(next_line(wire));
    if (!correlation || correlation->empty() || !status || *status < 100 || *status > 599 ||
        !count || *count > max_forwarded_headers) {
        return std::nullopt;
    }
    m.correlation = std::string(*correlation);
    m.response.status = *status;
    for (std::size_t i = 0; i < *count; ++i) {
        const auto name = next_line(wire);
        const auto value = next_line(wire);
        if (!name || name->empty() || !value) {
            return std::nullopt;
        }
        m.response.headers.emplace_back(std::string(*name), std::string(*value));
    }
    m.response.body = std::string(wire);
    return m;
}

}  // namespace rig::proxy
