#include "cloudevents/encode.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/websocket_wire.hpp"

namespace {

using rig::cloudevents::encode_sse_chunk;
using rig::cloudevents::encode_ws_text_frame;
using rig::cloudevents::http_chunk;

// Unwraps one HTTP/1.1 chunk, checking that its size line matches its payload.
std::string unchunk(const std::string& chunk) {
    const auto crlf = chunk.find("\r\n");
    EXPECT_NE(crlf, std::string::npos);
    if (crlf == std::string::npos) {
        return {};
    }
    const std::string size_text = chunk.substr(0, crlf);
    EXPECT_EQ(size_text.find_first_not_of("0123456789abcdef"), std::string::npos) << size_text;
    const std::size_t size = std::strtoul(size_text.c_str(), nullptr, 16);
    EXPECT_EQ(chunk.size(), crlf + 2 + size + 2) << chunk;
    EXPECT_TRUE(chunk.ends_with("\r\n"));
    return chunk.substr(crlf + 2, size);
}

TEST(HttpChunk, FramesPayloadWithHexSize) {
    EXPECT_EQ(http_chunk("hello"), "5\r\nhello\r\n");
    EXPECT_EQ(http_chunk(std::string(16, 'x')), "10\r\n" + std::string(16, 'x') + "\r\n");
    const std::string big(0xabc, 'y');
    EXPECT_EQ(http_chunk(big), "abc\r\n" + big + "\r\n");
    EXPECT_EQ(unchunk(http_chunk(big)), big);
}

TEST(HttpChunk, LastChunk) {
    EXPECT_EQ(rig::cloudevents::last_chunk, "0\r\n\r\n");
}

TEST(EncodeSseChunk, SingleLineJson) {
    const std::string json = R"({"specversion":"1.0","type":"greeting","id":"1"})";
    const std::string chunk = encode_sse_chunk("greeting", "1", json).bytes;
    EXPECT_EQ(unchunk(chunk), "event: greeting\nid: 1\ndata: " + json + "\n\n");
}

TEST(EncodeSseChunk, ChunkSizeIsHexOfPayload) {
    const std::string json = "{\"data\":\"" + std::string(300, 'z') + "\"}";
    const std::string chunk = encode_sse_chunk("t", "i", json).bytes;
    const std::string payload = "event: t\nid: i\ndata: " + json + "\n\n";
    char size[16];
    std::snprintf(size, sizeof size, "%zx", payload.size());
    EXPECT_EQ(chunk, std::string(size) + "\r\n" + payload + "\r\n");
}

TEST(EncodeSseChunk, OneDataLinePerLfLine) {
    const std::string json = "{\n  \"a\": 1,\n  \"b\": 2\n}";
    EXPECT_EQ(unchunk(encode_sse_chunk("t", "1", json).bytes),
              "event: t\nid: 1\ndata: {\ndata:   \"a\": 1,\ndata:   \"b\": 2\ndata: }\n\n");
}

TEST(EncodeSseChunk, OneDataLinePerCrLfLine) {
    const std::string json = "{\r\n  \"a\": 1,\r\n  \"b\": 2\r\n}";
    EXPECT_EQ(unchunk(encode_sse_chunk("t", "1", json).bytes),
              "event: t\nid: 1\ndata: {\ndata:   \"a\": 1,\ndata:   \"b\": 2\ndata: }\n\n");
}

TEST(EncodeSseChunk, OneDataLinePerCrLine) {
    const std::string json = "{\r  \"a\": 1,\r  \"b\": 2\r}";
    EXPECT_EQ(unchunk(encode_sse_chunk("t", "1", json).bytes),
              "event: t\nid: 1\ndata: {\ndata:   \"a\": 1,\ndata:   \"b\": 2\ndata: }\n\n");
}

TEST(EncodeSseChunk, MixedLineEndings) {
    const std::string json = "{\r\n\"a\":1,\n\"b\":2\r}";
    EXPECT_EQ(unchunk(encode_sse_chunk("t", "1", json).bytes),
              "event: t\nid: 1\ndata: {\ndata: \"a\":1,\ndata: \"b\":2\ndata: }\n\n");
}

TEST(EncodeSseChunk, PayloadHasNoBareCarriageReturn) {
    const std::string json = "{\r\"a\":\r\n1\r}";
    const std::string payload = unchunk(encode_sse_chunk("t", "1", json).bytes);
    EXPECT_EQ(payload.find('\r'), std::string::npos) << payload;
}

TEST(EncodeSseChunk, StripsLineBreaksFromTypeAndId) {
    const std::string payload =
        unchunk(encode_sse_chunk("evil\r\ndata: injected", "1\n\nid: 2\r", "{}").bytes);
    EXPECT_EQ(payload, "event: evildata: injected\nid: 1id: 2\ndata: {}\n\n");
}

TEST(EncodeSseChunk, EmptyType) {
    EXPECT_EQ(unchunk(encode_sse_chunk("", "1", "{}").bytes), "event: \nid: 1\ndata: {}\n\n");
}

TEST(EncodeSseChunk, AnEmptyIdWritesNoIdLine) {
    const std::string chunk = encode_sse_chunk("rig.subscriptions_set", "", "{}").bytes;
    EXPECT_EQ(unchunk(chunk), "event: rig.subscriptions_set\ndata: {}\n\n");
}

TEST(EncodeWsTextFrame, HeaderThenPayload) {
    const auto frame = encode_ws_text_frame(std::string_view(R"({"a":1})"));
    EXPECT_EQ(frame.bytes, std::string("\x81\x07") + R"({"a":1})");
    EXPECT_EQ(frame.payload_offset, 2U);
    const std::string long_json(300, 'x');
    const auto longer = encode_ws_text_frame(std::string_view(long_json));
    EXPECT_EQ(longer.bytes.substr(0, 4), std::string("\x81\x7e\x01\x2c", 4));
    EXPECT_EQ(longer.payload_offset, 4U);
}

TEST(EncodeWsTextFrame, InPlaceGivesTheSameBytesWithoutReallocating) {
    for (const std::size_t size : {7U, 300U, 70000U}) {
        std::string json(size, 'x');
        const auto copied = encode_ws_text_frame(std::string_view(json));
        json.reserve(size + rig::core::websocket::max_server_header);
        const char* buffer = json.data();
        const auto in_place = encode_ws_text_frame(std::move(json));
        EXPECT_EQ(in_place.bytes, copied.bytes) << size;
        EXPECT_EQ(in_place.payload_offset, copied.payload_offset) << size;
        EXPECT_EQ(in_place.bytes.data(), buffer) << size;  // the parsers leave this room
    }
}

}  // namespace
