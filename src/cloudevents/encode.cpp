#include "cloudevents/encode.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "core/websocket_wire.hpp"

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

framed encode_sse_chunk(std::string_view type, std::string_view id, std::string_view json) {
    // The message is assembled in a per-thread scratch buffer so that the chunk itself is
    // allocated once, at its final size.
    thread_local std::string msg;
    msg.clear();
    msg += "event: ";
    append_single_line(msg, type);
    msg += '\n';
    if (!id.empty()) {
        msg += "id: ";
        append_single_line(msg, id);
        msg += '\n';
    }
    // Every line of the payload becomes a data: line. (Not string_view::find_first_of: it
    // calls memchr once per character scanned.)
    const auto is_break = [](char c) { return c == '\r' || c == '\n'; };
    auto start = json.begin();
    while (true) {
        const auto end = std::find_if(start, json.end(), is_break);
        msg += "data: ";
        msg.append(start, end);
        msg += '\n';
        if (end == json.end()) {
            break;
        }
        start = end + ((*end == '\r' && end + 1 != json.end() && end[1] == '\n') ? 2 : 1);
    }
    msg += '\n';
    framed out;
    out.bytes = http_chunk(msg);
    out.payload_offset = out.bytes.size() - msg.size() - 2;
    return out;
}

framed encode_ws_text_frame(std::string_view json) {
    std::array<std::uint8_t, core::websocket::max_server_header> header{};
    const std::size_t n =
        core::websocket::encode_header(core::websocket::opcode::text, json.size(), header.data());
    framed out;
    out.bytes.reserve(n + json.size());
    out.bytes.append(reinterpret_cast<const char*>(header.data()), n);
    out.bytes += json;
    out.payload_offset = n;
    return out;
}

framed encode_ws_text_frame(std::string&& json) {
    std::array<std::uint8_t, core::websocket::max_server_header> header{};
    const std::size_t n =
        core::websocket::encode_header(core::websocket::opcode::text, json.size(), header.data());
    framed out;
    out.bytes = std::move(json);
    out.bytes.insert(0, reinterpret_cast<const char*>(header.data()), n);
    out.payload_offset = n;
    return out;
}

}  // namespace rig::cloudevents
