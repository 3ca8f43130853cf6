#include "url.hpp"

#include <charconv>

namespace rig::bench {

std::optional<url> parse_url(std::string_view text) {
    url u;
    if (text.starts_with("http://")) {
        text.remove_prefix(7);
    } else if (text.starts_with("https://")) {
        text.remove_prefix(8);
        u.tls = true;
    } else if (text.starts_with("ws://")) {
        text.remove_prefix(5);
        u.websocket = true;
    } else if (text.starts_with("wss://")) {
        text.remove_prefix(6);
        u.websocket = true;
        u.tls = true;
    } else {
        return std::nullopt;
    }
    u.port = u.tls ? 443 : 80;
    const auto slash = text.find('/');
    std::string_view authority = text.substr(0, slash);
    u.target = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
    const auto colon = authority.rfind(':');
    if (colon == std::string_view::npos) {
        u.host = std::string(authority);
    } else {
        u.host = std::string(authority.substr(0, colon));
        const auto p = authority.substr(colon + 1);
        if (std::from_chars(p.data(), p.data() + p.size(), u.port).ec != std::errc{}) {
            return std::nullopt;
        }
    }
    if (u.host == "localhost") {
        u.host = "127.0.0.1";
    }
    return u;
}

std::string fill(std::string tmpl, std::string_view name, std::string_view value) {
    std::string key;  // built piecewise: GCC 12 warns falsely on "{" + std::string(...)
    key += '{';
    key += name;
    key += '}';
    for (auto pos = tmpl.find(key); pos != std::string::npos; pos = tmpl.find(key, pos)) {
        tmpl.replace(pos, key.size(), value);
        pos += value.size();
    }
    return tmpl;
}

}  // namespace rig::bench
