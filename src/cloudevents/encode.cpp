#include "cloudevents/encode.hpp"

#include <fmt/format.h>

namespace rig::cloudevents {
namespace {

void append_single_line(std::string& out, std::string_view s) {
    for (char c : s) {
        if (c != '\r' && c != '\n') {
            out += c;
        }
    }
}

}  // namespace

std::string http_chunk(std::string_view payload) {
    std::string out = fmt::format("{:x}\r\n", payload.size());
    out.reserve(out.size() + payload.size() + 2);
    out += payload;
    out += "\r\n";
    return out;
}

std::string encode_sse_chunk(std::string_view type, std::string_view id, std::string_view json) {
    std::string msg;
    msg.reserve(json.size() + type.size() + id.size() + 32);
    msg += "event: ";
    append_single_line(msg, type);
    msg += "\nid: ";
    append_single_line(msg, id);
    msg += '\n';
    std::size_t start = 0;
    while (start <= json.size()) {
        std::size_t end = json.find_first_of("\r\n", start);
        if (end == std::string_view::npos) {
            end = json.size();
        }
        msg += "data: ";
        msg.append(json.substr(start, end - start));
        msg += '\n';
        if (end == json.size()) {
            break;
        }
        start =
            end + ((json[end] == '\r' && end + 1 < json.size() && json[end + 1] == '\n') ? 2 : 1);
    }
    msg += '\n';
    return http_chunk(msg);
}

}  // namespace rig::cloudevents
