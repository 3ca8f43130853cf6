#include "proxy/request_head.hpp"

#include <array>
#include <charconv>

namespace rig::proxy {
namespace {

// One comparison per byte for the usual ones: find_first_of would call memchr per byte.
bool breaks_head(std::string_view s) {
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= '\r' && (c == '\r' || c == '\n' || c == 0)) {
            return true;
        }
    }
    return false;
}

}  // namespace

void append_request_head(std::string& out, const backend_request& req,
                         std::optional<std::uint64_t> content_length) {
    std::size_t size = req.target.size() + 64;
    for (const auto& [name, value] : req.headers) {
        size += name.size() + value.size() + 4;
    }
    out.reserve(out.size() + size);
    const auto method = http::bhttp::to_string(req.method);
    out.append(method.data(), method.size());
    out += ' ';
    out += req.target;
    out += " HTTP/1.1\r\n";
    for (const auto& [name, value] : req.headers) {
        if (name.empty() || breaks_head(name) || breaks_head(value)) {
            continue;
        }
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    if (content_length) {
        std::array<char, 24> digits{};
        const auto end =
            std::to_chars(digits.data(), digits.data() + digits.size(), *content_length).ptr;
        out += "content-length: ";
        out.append(digits.data(), end);
        out += "\r\n";
    }
    out += "\r\n";
}

}  // namespace rig::proxy
