#include "http/origin_form.hpp"

#include <gtest/gtest.h>

#include <string>

#include "http/request_parts.hpp"

namespace {

using rig::http::field;
using rig::http::query_param;
using rig::http::target_path;
using rig::http::to_origin_form;

rig::http::request with_target(std::string_view target, std::string_view host = "rig:4000") {
    rig::http::request req;
    req.target(target);
    req.set(field::host, host);
    return req;
}

TEST(ToOriginForm, AbsoluteFormBecomesPathAndQueryWithItsHost) {
    // RFC 9112 §3.2.2: a server MUST accept the absolute form, and its authority replaces Host.
    auto req = with_target("http://127.0.0.1:4000/_rig/v1/events?a=1&b=%20", "elsewhere");
    EXPECT_TRUE(to_origin_form(req));
    EXPECT_EQ(req.target(), "/_rig/v1/events?a=1&b=%20");
    EXPECT_EQ(req[field::host], "127.0.0.1:4000");
    EXPECT_EQ(target_path(req.target()), "/_rig/v1/events");
    EXPECT_EQ(query_param(req.target(), "b"), " ");

    auto https = with_target("HTTPS://Example.com");
    EXPECT_TRUE(to_origin_form(https));
    EXPECT_EQ(https.target(), "/");
    EXPECT_EQ(https[field::host], "Example.com");

    auto empty_query = with_target("http://h/p?");
    EXPECT_TRUE(to_origin_form(empty_query));
    EXPECT_EQ(empty_query.target(), "/p?");
}

TEST(ToOriginForm, OtherFormsAreLeftAlone) {
    for (const char* t : {"/_rig/health?x=1", "*", "", "ftp://h/x", "h:80", "not a url", "//h/x",
                          "http//h/x", "http:/_rig/health", "http:///_rig/health",
                          // Boost.URL 1.81 parses this one with port "" and path ".1/x" (router
                          // fuzz target, corpus/router/port_not_digits).
                          "http://h:.1/_rig/health"}) {
        auto req = with_target(t);
        EXPECT_FALSE(to_origin_form(req)) << t;
        EXPECT_EQ(req.target(), t);
        EXPECT_EQ(req[field::host], "rig:4000");
    }
}

TEST(TargetPath, StopsAtTheQuery) {
    EXPECT_EQ(target_path("/a/b?c=d?e"), "/a/b");
    EXPECT_EQ(target_path("/a/b"), "/a/b");
    EXPECT_EQ(query_param("/a?jwt=x+y&s=%5B%5D", "jwt"), "x y");
    EXPECT_EQ(query_param("/a?jwt=x+y&s=%5B%5D", "s"), "[]");
    EXPECT_EQ(query_param("/a?jwt", "jwt"), "");
    EXPECT_EQ(query_param("/a?jwt=1", "s"), std::nullopt);
}

}  // namespace
