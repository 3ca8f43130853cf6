#include "checks/access_check.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <optional>

namespace {

using rig::checks::parse_authorization;
namespace asio = boost::asio;
using namespace rig::checks;

// Runs one check to its end on a fresh io_context.
verdict run_check(const access_check& check, asio::io_context& io) {
    rig::http::client_pool pool(io);
    std::optional<verdict> out;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            // (named: GCC 12 cannot take a braced list of literals as a coroutine argument)
            std::vector<std::string> authorization{std::string("Bearer x")};
            std::string content_type = "application/json";
            out = co_await check.run(pool, std::move(authorization), std::move(content_type),
                                     std::string("{}"));
        },
        asio::detached);
    io.run();
    return out.value();
}

TEST(AccessCheckCounts, DenialsAndUnreachableServicesAreCountedApart) {
    check_options jwt;
    jwt.kind = check_options::mode::jwt_validation;
    const access_check by_jwt(jwt, nullptr);  // no JWT configured: every token is refused
    asio::io_context io1;
    EXPECT_FALSE(run_check(by_jwt, io1).allowed);
    EXPECT_EQ(by_jwt.counts()->denied, 1u);
    EXPECT_EQ(by_jwt.counts()->failed, 0u);

    // A port nothing listens on: connection refused, counted as failed, on the copy's counts.
    asio::io_context io2;
    rig::tcp::acceptor closed(io2, {asio::ip::make_address("127.0.0.1"), 0});
    check_options url;
    url.kind = check_options::mode::url;
    url.url = "http://127.0.0.1:" + std::to_string(closed.local_endpoint().port()) + "/check";
    closed.close();
    const access_check by_url(url, nullptr);
    const access_check copy = by_url;
    EXPECT_FALSE(run_check(copy, io2).allowed);
    EXPECT_EQ(by_url.counts()->failed, 1u);
    EXPECT_EQ(by_url.counts()->allowed + by_url.counts()->denied, 0u);
    const auto text = render_check_metrics("subscription", *by_url.counts());
    EXPECT_NE(text.find("rig_check_results_total{check=\"subscription\",result=\"failed\"} 1\n"),
              std::string::npos)
        << text;
}

TEST(ParseAuthorization, SplitsAtCommasAndFirstSpaceLowercasingTheScheme) {
    const auto c = parse_authorization({"Bearer abc, BEARER def", "Basic xyz"});
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c[0].scheme, "bearer");
    EXPECT_EQ(c[0].token, "abc");
    EXPECT_EQ(c[1].scheme, "bearer");
    EXPECT_EQ(c[1].token, "def");
    EXPECT_EQ(c[2].scheme, "basic");
    EXPECT_EQ(c[2].token, "xyz");
}

TEST(ParseAuthorization, APartWithoutSchemeIsABearerToken) {
    const auto c = parse_authorization({"eyJ.token.sig"});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].scheme, "bearer");
    EXPECT_EQ(c[0].token, "eyJ.token.sig");
}

TEST(ParseAuthorization, EmptyPartsAreSkipped) {
    EXPECT_TRUE(parse_authorization({"", " , ,"}).empty());
    EXPECT_TRUE(parse_authorization({}).empty());
}

}  // namespace
