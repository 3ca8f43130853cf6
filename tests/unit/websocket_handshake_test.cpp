#include "http/websocket_handshake.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

namespace ws = rig::http::websocket;
using rig::http::field;
using rig::http::request;
using rig::http::verb;

// RFC 6455 §1.3: the sample nonce and the accept value it must give.
constexpr const char* sample_key = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr const char* sample_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

request handshake() {
    request req{verb::get, "/_rig/v1/connection/ws", 11};
    req.set(field::host, "server.example.com");
    req.set(field::upgrade, "websocket");
    req.set(field::connection, "Upgrade");
    req.set(field::sec_websocket_key, sample_key);
    req.set(field::sec_websocket_version, "13");
    return req;
}

std::string error_of(const request& req) {
    const auto res = ws::accept(req, "");
    EXPECT_FALSE(res.has_value());
    if (res.has_value()) {
        return {};
    }
    EXPECT_EQ(res.error().cond, rig::core::condition::bad_request);
    return res.error().message;
}

TEST(WebsocketHandshake, AcceptsTheRfcExample) {
    const auto res = ws::accept(handshake(), "");
    ASSERT_TRUE(res.has_value()) << res.error().message;
    EXPECT_EQ(*res, std::string("HTTP/1.1 101 Switching Protocols\r\n"
                                "Upgrade: websocket\r\n"
                                "Connection: Upgrade\r\n"
                                "Sec-WebSocket-Accept: ") +
                        sample_accept + "\r\n\r\n");
}

TEST(WebsocketHandshake, AppendsExtraHeadersVerbatim) {
    const auto res = ws::accept(handshake(), "Server: rig\r\nX-Trace: a b\r\n");
    ASSERT_TRUE(res.has_value());
    EXPECT_EQ(*res, std::string("HTTP/1.1 101 Switching Protocols\r\n"
                                "Upgrade: websocket\r\n"
                                "Connection: Upgrade\r\n"
                                "Sec-WebSocket-Accept: ") +
                        sample_accept +
                        "\r\n"
                        "Server: rig\r\nX-Trace: a b\r\n\r\n");
}

TEST(WebsocketHandshake, AcceptKeyDependsOnTheKey) {
    auto req = handshake();
    req.set(field::sec_websocket_key, "AQIDBAUGBwgJCgsMDQ4PEA==");  // bytes 1..16
    const auto res = ws::accept(req, "");
    ASSERT_TRUE(res.has_value());
    // base64(SHA-1("AQIDBAUGBwgJCgsMDQ4PEA==" + GUID)), computed with Python's hashlib.
    EXPECT_NE(res->find("Sec-WebSocket-Accept: C/0nmHhBztSRGR1CwL6Tf4ZjwpY=\r\n"),
              std::string::npos)
        << *res;
}

TEST(WebsocketHandshake, TokensAreCaseInsensitiveAndMayBeInLists) {
    auto req = handshake();
    req.set(field::upgrade, "h2c, WebSocket");
    req.set(field::connection, "keep-alive, UPGRADE");
    EXPECT_TRUE(ws::accept(req, "").has_value());
    // Repeated fields count as one list.
    req.set(field::connection, "keep-alive");
    req.insert(field::connection, "upgrade");
    EXPECT_TRUE(ws::accept(req, "").has_value());
}

TEST(WebsocketHandshake, AcceptsLaterHttpVersions) {
    auto req = handshake();
    req.version(20);
    EXPECT_TRUE(ws::accept(req, "").has_value());
}

TEST(WebsocketHandshake, RejectsRequestsWithoutWebsocketUpgrade) {
    auto req = handshake();
    req.erase(field::upgrade);
    EXPECT_EQ(error_of(req), "Expected a WebSocket upgrade request.");
    req.set(field::upgrade, "h2c");
    EXPECT_EQ(error_of(req), "Expected a WebSocket upgrade request.");
    req.set(field::upgrade, "websockets");
    EXPECT_EQ(error_of(req), "Expected a WebSocket upgrade request.");
}

TEST(WebsocketHandshake, RejectsOtherMethods) {
    auto req = handshake();
    req.method(verb::post);
    EXPECT_EQ(error_of(req), "A WebSocket handshake must use GET.");
}

TEST(WebsocketHandshake, RejectsHttp10) {
    auto req = handshake();
    req.version(10);
    EXPECT_EQ(error_of(req), "A WebSocket handshake needs HTTP/1.1 or later.");
}

TEST(WebsocketHandshake, RejectsMissingConnectionUpgrade) {
    auto req = handshake();
    req.erase(field::connection);
    EXPECT_EQ(error_of(req), "A WebSocket handshake needs \"Connection: Upgrade\".");
    req.set(field::connection, "keep-alive");
    EXPECT_EQ(error_of(req), "A WebSocket handshake needs \"Connection: Upgrade\".");
    req.set(field::connection, "upgraded");
    EXPECT_EQ(error_of(req), "A WebSocket handshake needs \"Connection: Upgrade\".");
}

TEST(WebsocketHandshake, RejectsOtherVersions) {
    auto req = handshake();
    for (const char* v : {"12", "8", "14", "13, 8", ""}) {
        req.set(field::sec_websocket_version, v);
        EXPECT_EQ(error_of(req), "Unsupported WebSocket version (expected 13).") << v;
    }
    req.erase(field::sec_websocket_version);
    EXPECT_EQ(error_of(req), "Unsupported WebSocket version (expected 13).");
    req.set(field::sec_websocket_version, "13");
    req.insert(field::sec_websocket_version, "13");
    EXPECT_EQ(error_of(req), "Unsupported WebSocket version (expected 13).");
}

TEST(WebsocketHandshake, RejectsMissingOrRepeatedKey) {
    auto req = handshake();
    req.erase(field::sec_websocket_key);
    EXPECT_EQ(error_of(req), "A WebSocket handshake needs one Sec-WebSocket-Key.");
    req.set(field::sec_websocket_key, sample_key);
    req.insert(field::sec_websocket_key, sample_key);
    EXPECT_EQ(error_of(req), "A WebSocket handshake needs one Sec-WebSocket-Key.");
}

TEST(WebsocketHandshake, RejectsKeysThatAreNotSixteenBytesOfBase64) {
    auto req = handshake();
    for (const char* key : {
             "",
             "dGhlIHNhbXBsZSBub25jZQ",        // no padding
             "dGhlIHNhbXBsZSBub25jZQ=",       // half the padding
             "dGhlIHNhbXBsZSBub25j",          // 15 bytes
             "dGhlIHNhbXBsZSBub25jZSE=",      // 17 bytes
             "dGhlIHNhbXBsZSBub25jZSEh",      // 18 bytes
             "dGhlIHNhbXBsZSBub25j=Q==",      // '=' inside
             "dGhlIHNhbXBsZSBub25jZ===",      // 15 bytes and padding
             "dGhlIHNhbXBs*SBub25jZQ==",      // not in the alphabet
             "dGhlIHNhbXBs ZSBub25jZQ=",      // space inside
             "dGhlIHNhbXBsZSBub25jZQ==dGhl",  // trailing data
             "dGhlIHNhbXBsZSBub25j-_==",      // base64url alphabet
         }) {
        req.set(field::sec_websocket_key, key);
        EXPECT_EQ(error_of(req), "Invalid Sec-WebSocket-Key (expected 16 bytes in base64).") << key;
    }
}

TEST(WebsocketHandshake, IsUpgradeLooksOnlyAtTheUpgradeHeader) {
    EXPECT_TRUE(ws::is_upgrade(handshake()));
    request plain{verb::get, "/_rig/v1/connection/ws", 11};
    EXPECT_FALSE(ws::is_upgrade(plain));
    plain.set(field::upgrade, "h2c");
    EXPECT_FALSE(ws::is_upgrade(plain));
    // A broken handshake is still an upgrade request, so the router can refuse it as one.
    request broken{verb::post, "/", 10};
    broken.set(field::upgrade, "WebSocket");
    EXPECT_TRUE(ws::is_upgrade(broken));
    EXPECT_FALSE(ws::accept(broken, "").has_value());
}

}  // namespace
