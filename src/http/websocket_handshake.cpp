#include "http/websocket_handshake.hpp"

#include <openssl/evp.h>

#include <array>
#include <boost/beast/http/rfc7230.hpp>

namespace rig::http::websocket {
namespace {

// RFC 6455 §1.3: appended to the client's key before hashing.
constexpr std::string_view accept_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// True when any `name` field of `req` lists `token` (case-insensitive; fields may repeat).
bool lists_token(const http::request& req, http::field name, std::string_view token) {
    const auto [first, last] = req.equal_range(name);
    for (auto it = first; it != last; ++it) {
        if (boost::beast::http::token_list(it->value()).exists(token)) {
            return true;
        }
    }
    return false;
}

// 16 bytes in base64 are exactly 22 characters of the alphabet and "==". EVP_DecodeBlock
// alone would also take '=' in the middle, so the padding is checked here.
bool is_valid_key(std::string_view key) {
    if (key.size() != 24 || key.find('=') != 22 || key[23] != '=') {
        return false;
    }
    std::array<unsigned char, 18> decoded{};
    return EVP_DecodeBlock(decoded.data(), reinterpret_cast<const unsigned char*>(key.data()),
                           static_cast<int>(key.size())) == 18;
}

// base64(SHA-1(key + GUID)), RFC 6455 §4.2.2.
std::string accept_key(std::string_view key) {
    std::string input;
    input.reserve(key.size() + accept_guid.size());
    input.append(key).append(accept_guid);
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int digest_size = 0;
    EVP_Digest(input.data(), input.size(), digest.data(), &digest_size, EVP_sha1(), nullptr);
    std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> encoded{};
    const int n = EVP_EncodeBlock(encoded.data(), digest.data(), static_cast<int>(digest_size));
    return {reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(n)};
}

}  // namespace

bool is_upgrade(const http::request& req) {
    return lists_token(req, field::upgrade, "websocket");
}

core::result<std::string> accept(const http::request& req, std::string_view extra_headers) {
    if (!is_upgrade(req)) {
        return core::bad_request("Expected a WebSocket upgrade request.");
    }
    if (req.method() != verb::get) {
        return core::bad_request("A WebSocket handshake must use GET.");
    }
    if (req.version() < 11) {
        return core::bad_request("A WebSocket handshake needs HTTP/1.1 or later.");
    }
    if (!lists_token(req, field::connection, "upgrade")) {
        return core::bad_request("A WebSocket handshake needs \"Connection: Upgrade\".");
    }
    if (req.count(field::sec_websocket_version) != 1 || req[field::sec_websocket_version] != "13") {
        return core::bad_request("Unsupported WebSocket version (expected 13).");
    }
    if (req.count(field::sec_websocket_key) != 1) {
        return core::bad_request("A WebSocket handshake needs one Sec-WebSocket-Key.");
    }
    const std::string_view key = req[field::sec_websocket_key];
    if (!is_valid_key(key)) {
        return core::bad_request("Invalid Sec-WebSocket-Key (expected 16 bytes in base64).");
    }
    std::string head =
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Accept: ";
    head.append(accept_key(key)).append("\r\n").append(extra_headers).append("\r\n");
    return head;
}

}  // namespace rig::http::websocket
