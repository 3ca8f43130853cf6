#include "proxy/response_messages.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using rig::proxy::message_header;
using rig::proxy::parse_kafka_response;
using rig::proxy::parse_kinesis_response;
using rig::proxy::parse_v2_response;
using rig::proxy::parse_v3_response;

using header_list = std::vector<std::pair<std::string, std::string>>;

bool has_header(const header_list& headers, std::string_view name) {
    for (const auto& [n, v] : headers) {
        if (n == name) {
            return true;
        }
    }
    return false;
}

std::string header_value(const header_list& headers, std::string_view name) {
    for (const auto& [n, v] : headers) {
        if (n == name) {
            return v;
        }
    }
    return "<none>";
}

TEST(V3Response, ParsesCorrelationCodeHeadersAndBody) {
    const std::vector<message_header> headers = {
        {"Host", "localhost:4010"},
        {"Rig-Correlation", "abc"},
        {"rig-response-code", "201"},
        {"Content-Type", "application/json"},
        {"Content-Length", "11"},
        {"Authorization", "Bearer internal-api-key"},
        {"User-Agent", "curl/8"},
        {"Accept", "*/*"},
        {"Connection", "keep-alive"},
        {"Transfer-Encoding", "chunked"},
        {"Expect", "100-continue"},
        {"X-Custom", "kept"},
        {"Set-Cookie", "a=b"},
        {"x-bad", "one\r\ninjected: yes"},
        {"bad name", "v"},
        {":authority", "localhost"},
    };
    const auto parsed = parse_v3_response(headers, R"({ "a" : 1 })");
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.message->correlation, "abc");
    const auto& r = parsed.message->response;
    EXPECT_EQ(r.status, 201U);
    EXPECT_EQ(r.body, R"({ "a" : 1 })");  // verbatim, not re-encoded
    const header_list expected = {
        {"content-type", "application/json"}, {"x-custom", "kept"}, {"set-cookie", "a=b"}};
    EXPECT_EQ(r.headers, expected);
}

TEST(V3Response, NonIntegerCodeIsRigsError) {
    const std::vector<message_header> headers = {{"rig-correlation", "abc"},
                                                 {"rig-response-code", "abc201"}};
    const auto parsed = parse_v3_response(headers, "");
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error,
              R"(Failed to parse request body: {:error, {:not_an_integer, "abc201"}})");
    for (const char* bad : {"201abc", "", "2.5", "-201", " ", "0x1F"}) {
        const std::vector<message_header> h = {{"rig-correlation", "abc"},
                                               {"rig-response-code", bad}};
        const auto p = parse_v3_response(h, "");
        EXPECT_FALSE(p) << bad;
        EXPECT_EQ(p.error,
                  std::string("Failed to parse request body: {:error, {:not_an_integer, \"") + bad +
                      "\"}}");
    }
}

TEST(V3Response, QuotesInTheCodeAreEscapedAsElixirWould) {
    const std::vector<message_header> headers = {{"rig-correlation", "abc"},
                                                 {"rig-response-code", R"(2"0\1)"}};
    EXPECT_EQ(parse_v3_response(headers, "").error,
              R"(Failed to parse request body: {:error, {:not_an_integer, "2\"0\\1"}})");
}

TEST(V3Response, CodeOutsideTheStatusRangeIsRefused) {
    for (const char* bad : {"42", "600", "0", "99999999999999999999999"}) {
        const std::vector<message_header> h = {{"rig-correlation", "abc"},
                                               {"rig-response-code", bad}};
        const auto p = parse_v3_response(h, "");
        EXPECT_FALSE(p) << bad;
        EXPECT_EQ(p.error, std::string("Failed to parse request body: {:error, "
                                       "{:invalid_status_code, ") +
                               bad + "}}");
    }
    const std::vector<message_header> ok = {{"rig-correlation", "abc"},
                                            {"rig-response-code", "599"}};
    EXPECT_TRUE(parse_v3_response(ok, ""));
}

TEST(V3Response, MissingHeaderIsError) {
    const std::string error = "Failed to parse request body: :error";
    const std::vector<message_header> no_code = {{"rig-correlation", "abc"}};
    const std::vector<message_header> no_correlation = {{"rig-response-code", "200"}};
    EXPECT_EQ(parse_v3_response(no_code, "").error, error);
    EXPECT_EQ(parse_v3_response(no_correlation, "").error, error);
    EXPECT_EQ(parse_v3_response({}, "{}").error, error);
}

TEST(V2Response, CloudEventWithRigCorrelation) {
    const std::string body =
        R"({"specversion":"0.2","type":"t","id":"1","source":"s","rig":{"correlation":"xyz"},"data":{"a":1}})";
    const auto parsed = parse_v2_response(body);
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.message->correlation, "xyz");
    EXPECT_EQ(parsed.message->response.status, 200U);
    EXPECT_EQ(parsed.message->response.body, body);
    EXPECT_EQ(header_value(parsed.message->response.headers, "content-type"),
              "application/json; charset=utf-8");
    EXPECT_EQ(parsed.message->response.headers.size(), 1U);
}

TEST(V2Response, CorrelationInExtensions) {
    const std::string body =
        R"({"cloudEventsVersion":"0.1","eventType":"t","extensions":{"rig":{"correlation":"in-ext"}}})";
    const auto parsed = parse_v2_response(body);
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.message->correlation, "in-ext");
}

TEST(V2Response, NoCorrelationIsError) {
    for (const char* body :
         {"", "not json", "[1,2]", R"("string")", R"({"rig":{}})", R"({"rig":{"correlation":5}})",
          R"({"rig":"x"})", R"({"extensions":{"rig":{}}})", R"({"specversion":"0.2"})"}) {
        const auto parsed = parse_v2_response(body);
        EXPECT_FALSE(parsed) << body;
        EXPECT_EQ(parsed.error, "Failed to parse request body: :error") << body;
    }
}

TEST(KafkaResponse, StringCodeHeadersAndPayload) {
    const std::vector<message_header> headers = {{"rig-correlation", "c1"},
                                                 {"rig-response-code", "201"},
                                                 {"content-type", "text/plain"},
                                                 {"Host", "kept for kafka"},
                                                 {"content-length", "99"}};
    const auto parsed = parse_kafka_response(headers, "payload \x01 bytes");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->correlation, "c1");
    EXPECT_EQ(parsed->response.status, 201U);
    EXPECT_EQ(parsed->response.body, "payload \x01 bytes");
    EXPECT_EQ(header_value(parsed->response.headers, "content-type"), "text/plain");
    EXPECT_TRUE(has_header(parsed->response.headers, "host"));
    EXPECT_FALSE(has_header(parsed->response.headers, "content-length"));
    EXPECT_FALSE(has_header(parsed->response.headers, "rig-correlation"));
    EXPECT_FALSE(has_header(parsed->response.headers, "rig-response-code"));
}

TEST(KafkaResponse, IntegerEncodedCode) {
    for (const std::string& code : {std::string("\x00\xc9", 2), std::string("\x00\x00\x00\xc9", 4),
                                    std::string("\x00\x00\x00\x00\x00\x00\x00\xc9", 8)}) {
        const std::vector<message_header> headers = {{"rig-correlation", "c1"},
                                                     {"rig-response-code", code}};
        const auto parsed = parse_kafka_response(headers, "");
        ASSERT_TRUE(parsed) << code.size();
        EXPECT_EQ(parsed->response.status, 201U);
    }
}

TEST(KafkaResponse, MalformedIsNothing) {
    const std::vector<std::vector<message_header>> cases = {
        {},
        {{"rig-correlation", "c1"}},
        {{"rig-response-code", "200"}},
        {{"rig-correlation", ""}, {"rig-response-code", "200"}},
        {{"rig-correlation", "c1"}, {"rig-response-code", "abc"}},
        {{"rig-correlation", "c1"}, {"rig-response-code", "42"}},
        {{"rig-correlation", "c1"}, {"rig-response-code", std::string_view("\x00\x00\x27\x10", 4)}},
        {{"rig-correlation", "c1"}, {"rig-response-code", std::string_view("\xc9", 1)}},
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        EXPECT_FALSE(parse_kafka_response(cases[i], "body")) << i;
    }
}

TEST(KinesisResponse, HeadersAndStringBody) {
    const auto parsed = parse_kinesis_response(
        R"({"headers":{"rig-correlation":"c1","rig-response-code":"201",)"
        R"("Content-Type":"text/plain","content-length":"99"},"body":"a \"body\"\n"})");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->correlation, "c1");
    EXPECT_EQ(parsed->response.status, 201U);
    EXPECT_EQ(parsed->response.body, "a \"body\"\n");
    EXPECT_EQ(header_value(parsed->response.headers, "content-type"), "text/plain");
    EXPECT_FALSE(has_header(parsed->response.headers, "content-length"));
    EXPECT_FALSE(has_header(parsed->response.headers, "rig-correlation"));
    EXPECT_FALSE(has_header(parsed->response.headers, "rig-response-code"));
}

TEST(KinesisResponse, IntegerCodeAndJsonBody) {
    const auto parsed = parse_kinesis_response(
        R"({"body":{"b":[1,2],"a":"x"},"headers":{"rig-response-code":404,"rig-correlation":"c"}})");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->response.status, 404U);
    EXPECT_EQ(parsed->response.body, R"({"b":[1,2],"a":"x"})");
    EXPECT_TRUE(parsed->response.headers.empty());
}

TEST(KinesisResponse, NoBodyIsEmpty) {
    for (const char* record : {R"({"headers":{"rig-correlation":"c","rig-response-code":"204"}})",
                               R"({"headers":{"rig-correlation":"c","rig-response-code":"204"},)"
                               R"("body":null})"}) {
        const auto parsed = parse_kinesis_response(record);
        ASSERT_TRUE(parsed) << record;
        EXPECT_EQ(parsed->response.status, 204U);
        EXPECT_EQ(parsed->response.body, "");
    }
}

TEST(KinesisResponse, MalformedIsNothing) {
    for (const char* record : {
             "",
             "not json",
             R"([1,2])",
             R"({"rig-correlation":"c","rig-response-code":"200"})",
             R"({"headers":[["rig-correlation","c"]]})",
             R"({"headers":{"rig-response-code":"200"}})",
             R"({"headers":{"rig-correlation":"c"}})",
             R"({"headers":{"rig-correlation":"","rig-response-code":"200"}})",
             R"({"headers":{"rig-correlation":"c","rig-response-code":"abc"}})",
             R"({"headers":{"rig-correlation":"c","rig-response-code":"42"}})",
             R"({"headers":{"rig-correlation":"c","rig-response-code":2.5}})",
             R"({"headers":{"rig-correlation":"c","rig-response-code":-200}})",
             // Two characters would be a binary integer in Kafka; not here.
             R"({"headers":{"rig-correlation":"c","rig-response-code":"\u0000\u00c9"}})",
             R"({"headers":{"rig-correlation":"c","rig-response-code":"200","x":{"y":1}}})",
         }) {
        EXPECT_FALSE(parse_kinesis_response(record)) << record;
    }
}

}  // namespace
