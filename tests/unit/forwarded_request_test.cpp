#include "transport/forwarded_request.hpp"

#include <gtest/gtest.h>

namespace {

using rig::transport::decode_forwarded;
using rig::transport::decode_forwarded_response;
using rig::transport::encode_forwarded;
using rig::transport::encode_forwarded_response;
using rig::transport::forwarded_op;
namespace http = rig::http;

TEST(ForwardedRequest, RoundTripKeepsMethodTargetHeadersAndBody) {
    http::request req{http::verb::put, "/_rig/v1/connection/sse/tok/subscriptions", 11};
    req.set(http::field::content_type, "application/json");
    req.insert(http::field::authorization, "Bearer one");
    req.insert(http::field::authorization, "Bearer two");
    req.set("X-Odd", "\"quoted\" \\ and ünïcode");
    req.body() = R"({"subscriptions":[]})";
    const auto back = decode_forwarded(encode_forwarded(forwarded_op::subscriptions, "tok", req));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->op, forwarded_op::subscriptions);
    EXPECT_EQ(back->token, "tok");
    EXPECT_EQ(back->req.method(), http::verb::put);
    EXPECT_EQ(back->req.target(), req.target());
    EXPECT_EQ(back->req.body(), req.body());
    EXPECT_EQ(back->req["X-Odd"], req["X-Odd"]);
    std::vector<std::string> auth;
    for (auto [it, end] = back->req.equal_range(http::field::authorization); it != end; ++it) {
        auth.emplace_back(it->value());
    }
    EXPECT_EQ(auth, (std::vector<std::string>{"Bearer one", "Bearer two"}));
}

TEST(ForwardedRequest, PollOp) {
    http::request req{http::verb::get, "/_rig/v1/connection/longpolling", 11};
    req.set(http::field::cookie, "connection_token=t; last_event_id=x");
    const auto back = decode_forwarded(encode_forwarded(forwarded_op::poll, "t", req));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->op, forwarded_op::poll);
    EXPECT_EQ(back->req[http::field::cookie], req[http::field::cookie]);
}

TEST(ForwardedRequest, UnreadableRequestsAreRefused) {
    for (const char* bad :
         {"", "[]", "{}", "not json",
          R"({"op":"other","token":"t","method":"GET","target":"/","body":""})",
          R"({"op":"poll","token":"t","method":"GET","target":"/","body":"","headers":[["a"]]})",
          R"({"op":"poll","token":1,"method":"GET","target":"/","body":"","headers":[]})"}) {
        EXPECT_FALSE(decode_forwarded(bad).has_value()) << bad;
    }
}

TEST(ForwardedResponse, RoundTrip) {
    http::response res{http::status::gone, 11};
    res.set(http::field::content_type, "application/json");
    res.insert(http::field::set_cookie, "a=1");
    res.insert(http::field::set_cookie, "b=2");
    res.body() = R"({"error":"Connection no longer exists."})";
    const auto back = decode_forwarded_response(encode_forwarded_response(res));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->result(), http::status::gone);
    EXPECT_EQ(back->body(), res.body());
    EXPECT_EQ(std::distance(back->equal_range(http::field::set_cookie).first,
                            back->equal_range(http::field::set_cookie).second),
              2);
}

TEST(ForwardedResponse, UnreadableResponsesAreRefused) {
    for (const char* bad : {"", "{}", R"({"status":99,"headers":[],"body":""})",
                            R"({"status":"200","headers":[],"body":""})",
                            R"({"status":200,"headers":{},"body":""})"}) {
        EXPECT_FALSE(decode_forwarded_response(bad).has_value()) << bad;
    }
}

}  // namespace
