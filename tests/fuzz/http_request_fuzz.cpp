// Fuzz target for HTTP/1.1 request heads as rig's public listener reads them: Beast's request
// parser with the h1 session's header limit (RIG_MAX_HEADER_BYTES' default), then the request
// helpers every handler uses (target path, query parameters, cookies, header lists) and the
// WebSocket handshake check. The router itself (app/routes.cpp) needs live endpoints, a
// publisher and the API gateway, so it is not driven here.
//
// Invariants beyond "no crash": the target path is a prefix of the target without '?'; a
// header list has no empty or untrimmed item and no comma; a cookie value is trimmed and holds
// no ';'; an accepted WebSocket handshake is a GET that is_upgrade recognises, and its
// Sec-WebSocket-Accept is base64(SHA-1(key + RFC 6455 GUID)), computed here again.
#include <openssl/evp.h>

#include <boost/beast/core/buffer_traits.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/base64url.hpp"
#include "http/request_parts.hpp"
#include "http/websocket_handshake.hpp"
#include "require.hpp"

namespace {

using rig::fuzz::require;

namespace bhttp = boost::beast::http;
using rig::http::field;

constexpr std::size_t max_header_bytes = 32 << 10;  // server_options' default
constexpr std::size_t max_body_bytes = 1 << 16;

bool trimmed(std::string_view s) {
    const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    return s.empty() || (!space(s.front()) && !space(s.back()));
}

std::string expected_accept(std::string_view key) {
    const std::string text = std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha1(), nullptr);
    return rig::core::base64_encode(std::string_view(reinterpret_cast<char*>(digest), len));
}

void check_request(const rig::http::request& req) {
    const std::string_view target = req.target();
    const std::string_view path = rig::http::target_path(target);
    require(target.starts_with(path) && path.find('?') == std::string_view::npos);
    for (const char* name : {"jwt", "subscriptions", "last_event_id"}) {
        (void)rig::http::query_param(target, name);
    }
    for (const char* name : {"connection_token", "last_event_id"}) {
        if (const auto c = rig::http::cookie(req, name)) {
            require(trimmed(*c) && c->find(';') == std::string::npos);
        }
    }
    for (const field f : {field::connection, field::upgrade, field::accept, field::authorization,
                          field::sec_websocket_protocol}) {
        for (const auto& item : rig::http::header_list(req, f)) {
            require(!item.empty() && trimmed(item) && item.find(',') == std::string::npos);
        }
    }
    const auto handshake = rig::http::websocket::accept(req, "X-Extra: 1\r\n");
    if (handshake) {
        require(req.method() == bhttp::verb::get && rig::http::websocket::is_upgrade(req));
        const std::string& head = *handshake;
        require(head.starts_with("HTTP/1.1 101 ") && head.ends_with("X-Extra: 1\r\n\r\n"));
        const std::string accept_line =
            "Sec-WebSocket-Accept: " + expected_accept(req[field::sec_websocket_key]) + "\r\n";
        require(head.find(accept_line) != std::string::npos);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(max_header_bytes));
    parser.body_limit(max_body_bytes);
    parser.eager(true);
    boost::beast::error_code ec;
    std::size_t used = 0;
    // Fed in pieces as a socket would deliver them: the first byte decides the piece size.
    const std::size_t piece = size == 0 ? 1 : 1 + data[0] % 64;
    const uint8_t* p = size == 0 ? data : data + 1;
    std::size_t left = size == 0 ? 0 : size - 1;
    std::string pending;
    while (left > 0 && !parser.is_done()) {
        const std::size_t n = left < piece ? left : piece;
        pending.append(reinterpret_cast<const char*>(p), n);
        p += n;
        left -= n;
        used = parser.put(boost::asio::buffer(pending), ec);
        if (ec == bhttp::error::need_more) {
            ec = {};
        } else if (ec) {
            return 0;
        }
        pending.erase(0, used);
    }
    if (parser.is_header_done()) {
        check_request(parser.get());
    }
    return 0;
}
