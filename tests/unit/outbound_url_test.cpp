#include "http/outbound_url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using rig::http::parse_outbound_url;

TEST(OutboundUrl, HttpWithDefaultPort) {
    auto u = parse_outbound_url("http://checks.example.com/allow?x=1");
    ASSERT_TRUE(u.has_value()) << u.error().message;
    EXPECT_FALSE(u->tls);
    EXPECT_EQ(u->host, "checks.example.com");
    EXPECT_EQ(u->port, "80");
    EXPECT_EQ(u->target, "/allow?x=1");
    EXPECT_EQ(u->host_header, "checks.example.com");
    EXPECT_EQ(u->pool_key, "http://checks.example.com:80");
}

TEST(OutboundUrl, HttpsWithDefaultPortAndEmptyPath) {
    auto u = parse_outbound_url("https://checks.example.com");
    ASSERT_TRUE(u.has_value()) << u.error().message;
    EXPECT_TRUE(u->tls);
    EXPECT_EQ(u->port, "443");
    EXPECT_EQ(u->target, "/");
    EXPECT_EQ(u->host_header, "checks.example.com");
    EXPECT_EQ(u->pool_key, "https://checks.example.com:443");
}

TEST(OutboundUrl, SchemeInAnyCase) {
    auto u = parse_outbound_url("HTTPS://checks.example.com/x");
    ASSERT_TRUE(u.has_value()) << u.error().message;
    EXPECT_TRUE(u->tls);
    auto h = parse_outbound_url("Http://checks.example.com/x");
    ASSERT_TRUE(h.has_value()) << h.error().message;
    EXPECT_FALSE(h->tls);
}

TEST(OutboundUrl, ExplicitPortGoesIntoHostHeaderAndPoolKey) {
    auto u = parse_outbound_url("https://127.0.0.1:8443/subscriptions");
    ASSERT_TRUE(u.has_value()) << u.error().message;
    EXPECT_EQ(u->host, "127.0.0.1");
    EXPECT_EQ(u->port, "8443");
    EXPECT_EQ(u->host_header, "127.0.0.1:8443");
    EXPECT_EQ(u->pool_key, "https://127.0.0.1:8443");
}

TEST(OutboundUrl, SamePortOverHttpAndHttpsIsPooledApart) {
    auto plain = parse_outbound_url("http://h:8000/");
    auto tls = parse_outbound_url("https://h:8000/");
    ASSERT_TRUE(plain.has_value() && tls.has_value());
    EXPECT_NE(plain->pool_key, tls->pool_key);
}

TEST(OutboundUrl, Ipv6HostIsUnbracketedForConnecting) {
    auto u = parse_outbound_url("https://[::1]:9443/x");
    ASSERT_TRUE(u.has_value()) << u.error().message;
    EXPECT_EQ(u->host, "::1");
    EXPECT_EQ(u->port, "9443");
    EXPECT_EQ(u->host_header, "[::1]:9443");
    EXPECT_EQ(u->pool_key, "https://[::1]:9443");
}

TEST(OutboundUrl, EmptyPortMeansTheDefault) {
    auto u = parse_outbound_url("https://h:/x");
    ASSERT_TRUE(u.has_value()) << u.error().message;
    EXPECT_EQ(u->port, "443");
    EXPECT_EQ(u->host_header, "h");
}

TEST(OutboundUrl, RefusesWhatItCannotCall) {
    const std::pair<const char*, const char*> cases[] = {
        {"ftp://h/x", "http:// or https://"},
        {"ws://h/x", "http:// or https://"},
        {"https://", "no host"},
        {"https:///path", "no host"},
        {"http:/path", "no host"},
        {"https://h:0/", "port"},
        {"https://h:99999/", "port"},
        {"/relative/path", "absolute"},
        {"not a url", "absolute"},
        {"", "absolute"},
    };
    for (const auto& [url, why] : cases) {
        auto u = parse_outbound_url(url);
        ASSERT_TRUE(u.has_error()) << url;
        EXPECT_NE(u.error().message.find(why), std::string::npos)
            << url << ": " << u.error().message;
    }
}

}  // namespace
