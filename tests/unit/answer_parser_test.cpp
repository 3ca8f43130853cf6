#include "proxy/answer_parser.hpp"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace {

using rig::proxy::answer_parser;
namespace bhttp = boost::beast::http;

// Feeds `wire` to `p` in one piece; the bytes taken.
std::size_t feed(answer_parser& p, std::string_view wire, boost::beast::error_code& ec) {
    return p.put(boost::asio::buffer(wire.data(), wire.size()), ec);
}

std::vector<std::pair<std::string, std::string>> headers_of(const rig::http::response& res) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& f : res) {
        out.emplace_back(std::string(f.name_string()), std::string(f.value()));
    }
    return out;
}

TEST(AnswerParser, GivesTheClientsResponseWithLowerCaseNamesAndWithoutHopByHopHeaders) {
    answer_parser p;
    p.eager(true);
    boost::beast::error_code ec;
    const std::string_view wire =
        "HTTP/1.1 201 Created Here\r\n"
        "Server: nginx\r\n"
        "Content-Type: text/plain\r\n"
        "Content-Length: 5\r\n"
        "Connection: keep-alive\r\n"
        "Keep-Alive: timeout=5\r\n"
        "X-Mixed-Case: Value Keeps Its Case\r\n"
        "\r\n"
        "hello";
    EXPECT_EQ(feed(p, wire, ec), wire.size());
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_TRUE(p.is_done());
    EXPECT_TRUE(p.keep_alive());
    const auto& res = p.response();
    EXPECT_EQ(res.result_int(), 201u);
    EXPECT_EQ(res.body(), "hello");
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"server", "nginx"},
        {"content-type", "text/plain"},
        {"x-mixed-case", "Value Keeps Its Case"},
    };
    EXPECT_EQ(headers_of(res), expected);
}

TEST(AnswerParser, TellsAConnectionThatEndsFromOneThatStays) {
    for (const auto& [wire, stays] : std::vector<std::pair<std::string, bool>>{
             {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
             {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false},
             {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false},
             {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true},
         }) {
        answer_parser p;
        boost::beast::error_code ec;
        feed(p, wire, ec);
        ASSERT_FALSE(ec) << wire;
        ASSERT_TRUE(p.is_done()) << wire;
        EXPECT_EQ(p.keep_alive(), stays) << wire;
        EXPECT_TRUE(headers_of(p.response()).empty()) << wire;
    }
}

TEST(AnswerParser, StreamsAChunkedBodyThroughTheCallersBuffer) {
    answer_parser p;
    p.eager(true);
    boost::beast::error_code ec;
    const std::string_view head =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: a/b\r\n\r\n";
    std::string wire(head);
    wire += "6\r\nhello \r\n7\r\nchunked\r\n0\r\n\r\n";

    std::string got;
    std::array<char, 4> buf{};
    std::size_t at = 0;
    p.eager(false);
    at += feed(p, wire, ec);
    ASSERT_FALSE(ec);
    ASSERT_TRUE(p.is_header_done());
    EXPECT_EQ(at, head.size());
    p.eager(true);
    while (!p.is_done()) {
        p.stream_into(buf.data(), buf.size());
        at += feed(p, std::string_view(wire).substr(at), ec);
        if (ec == bhttp::error::need_buffer) {
            ec = {};
        }
        ASSERT_FALSE(ec) << ec.message();
        got.append(buf.data(), p.streamed());
    }
    EXPECT_EQ(got, "hello chunked");
    EXPECT_EQ(at, wire.size());
    EXPECT_TRUE(p.response().body().empty());
    const std::vector<std::pair<std::string, std::string>> expected = {{"content-type", "a/b"}};
    EXPECT_EQ(headers_of(p.response()), expected);
}

TEST(AnswerParser, RefusesABodyOverItsLimit) {
    answer_parser p;
    p.eager(true);
    p.body_limit(3);
    boost::beast::error_code ec;
    feed(p, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", ec);
    EXPECT_EQ(ec, bhttp::error::body_limit);
}

}  // namespace
