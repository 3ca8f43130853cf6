#include "proxy/request_head.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>

namespace {

using rig::proxy::append_request_head;
using rig::proxy::backend_request;

backend_request sample(rig::http::verb method) {
    backend_request r;
    r.method = method;
    r.target = "/users/7?x=1";
    r.headers = {{"accept", "*/*"}, {"x-Mixed", "Keeps Its Case"}, {"host", "b:8080"}};
    return r;
}

TEST(RequestHead, WritesTheRequestLineAndHeadersInOrder) {
    std::string out;
    append_request_head(out, sample(rig::http::verb::get), std::nullopt);
    EXPECT_EQ(out,
              "GET /users/7?x=1 HTTP/1.1\r\n"
              "accept: */*\r\n"
              "x-Mixed: Keeps Its Case\r\n"
              "host: b:8080\r\n"
              "\r\n");
}

TEST(RequestHead, AddsTheContentLengthWhenGiven) {
    std::string out;
    append_request_head(out, sample(rig::http::verb::post), 12345678901ULL);
    EXPECT_TRUE(out.starts_with("POST /users/7?x=1 HTTP/1.1\r\n"));
    EXPECT_TRUE(out.ends_with("host: b:8080\r\ncontent-length: 12345678901\r\n\r\n"));
}

TEST(RequestHead, AZeroLengthIsStillDeclared) {
    std::string out;
    append_request_head(out, sample(rig::http::verb::put), 0);
    EXPECT_TRUE(out.ends_with("content-length: 0\r\n\r\n"));
}

TEST(RequestHead, AppendsToWhatIsThere) {
    std::string out = "x";
    append_request_head(out, sample(rig::http::verb::delete_), std::nullopt);
    EXPECT_TRUE(out.starts_with("xDELETE /users/7?x=1 HTTP/1.1\r\n"));
}

TEST(RequestHead, LeavesOutHeadersThatWouldEndTheHead) {
    backend_request r = sample(rig::http::verb::get);
    r.headers = {{"a", "1\r\nx-injected: yes"}, {"b\n", "2"}, {"", "3"},
                 {"c", std::string("4\0z", 3)}, {"d", ""},    {"e", "ok"}};
    std::string out;
    append_request_head(out, r, std::nullopt);
    EXPECT_EQ(out, "GET /users/7?x=1 HTTP/1.1\r\nd: \r\ne: ok\r\n\r\n");
}

TEST(RequestHead, BeastParsesWhatItWrites) {
    std::string out;
    append_request_head(out, sample(rig::http::verb::patch), 2);
    out += "{}";
    rig::http::bhttp::request_parser<rig::http::bhttp::string_body> parser;
    boost::system::error_code ec;
    parser.eager(true);
    const auto used = parser.put(boost::asio::buffer(out), ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(used, out.size());
    ASSERT_TRUE(parser.is_done());
    const auto& m = parser.get();
    EXPECT_EQ(m.method(), rig::http::verb::patch);
    EXPECT_EQ(m.target(), "/users/7?x=1");
    EXPECT_EQ(m["x-mixed"], "Keeps Its Case");
    EXPECT_EQ(m.body(), "{}");
}

}  // namespace
