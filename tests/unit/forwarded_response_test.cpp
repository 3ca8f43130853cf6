#include "proxy/forwarded_response.hpp"

#include <gtest/gtest.h>

namespace {

using rig::proxy::correlated_response;

correlated_response sample() {
    correlated_response m;
    m.correlation = "c0rrelation-id_x";
    m.response.status = 201;
    m.response.headers = {{"content-type", "application/json"}, {"x-empty", ""}};
    m.response.body = std::string("line 1\nline 2\r\n\0binary\xff", 23);
    return m;
}

TEST(ForwardedResponse, RoundTripsStatusHeadersAndABinaryBody) {
    const auto m = sample();
    const auto wire = rig::proxy::encode_forwarded_response(m);
    const auto back = rig::proxy::decode_forwarded_response(wire);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->correlation, m.correlation);
    EXPECT_EQ(back->response.status, 201U);
    EXPECT_EQ(back->response.headers, m.response.headers);
    EXPECT_EQ(back->response.body, m.response.body);
}

TEST(ForwardedResponse, AnEmptyBodyAndNoHeaders) {
    correlated_response m;
    m.correlation = "c";
    m.response.status = 204;
    const auto back =
        rig::proxy::decode_forwarded_response(rig::proxy::encode_forwarded_response(m));
    ASSERT_TRUE(back);
    EXPECT_TRUE(back->response.headers.empty());
    EXPECT_TRUE(back->response.body.empty());
    EXPECT_EQ(back->response.status, 204U);
}

TEST(ForwardedResponse, TheEncoderDropsHeadersThatWouldBreakTheLines) {
    auto m = sample();
    m.response.headers.emplace_back("x-bad", "a\nb");
    m.response.headers.emplace_back("x-bad\nname", "v");
    m.response.headers.emplace_back("", "v");
    const auto back =
        rig::proxy::decode_forwarded_response(rig::proxy::encode_forwarded_response(m));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->response.headers, sample().response.headers);
}

TEST(ForwardedResponse, MalformedMessagesAreRefused) {
    const std::string good = rig::proxy::encode_forwarded_response(sample());
    ASSERT_TRUE(rig::proxy::decode_forwarded_response(good));
    for (const std::string& bad : {
             std::string(), std::string("rig-response/2\nc\n200\n0\n"),
             std::string("rig-response/1\n\n200\n0\n"),         // no correlation
             std::string("rig-response/1\nc\n42\n0\n"),         // status out of range
             std::string("rig-response/1\nc\n600\n0\n"),        // status out of range
             std::string("rig-response/1\nc\n2x0\n0\n"),        // not a number
             std::string("rig-response/1\nc\n200\n-1\n"),       // not a count
             std::string("rig-response/1\nc\n200\n1001\n"),     // too many headers
             std::string("rig-response/1\nc\n200\n2\na\nb\n"),  // fewer headers than said
             std::string("rig-response/1\nc\n200\n1\n\nv\n"),   // an empty name
             std::string("rig-response/1\nc\n200"),             // truncated
         }) {
        EXPECT_FALSE(rig::proxy::decode_forwarded_response(bad)) << bad;
    }
}

}  // namespace
