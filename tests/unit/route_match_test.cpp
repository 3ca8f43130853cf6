#include "app/route_match.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace {

using rig::app::match_route;
using rig::app::route_kind;
using rig::http::verb;

route_kind kind(verb m, std::string_view target) {
    return match_route(m, target).kind;
}

TEST(MatchRoute, RigEndpoints) {
    EXPECT_EQ(kind(verb::get, "/_rig/v1/connection/sse?subscriptions=[]"), route_kind::sse);
    EXPECT_EQ(kind(verb::post, "/_rig/v1/connection/sse"), route_kind::sse);  // any method
    EXPECT_EQ(kind(verb::get, "/_rig/v1/connection/ws"), route_kind::ws);
    EXPECT_EQ(kind(verb::get, "/_rig/v1/connection/longpolling"), route_kind::longpoll);
    EXPECT_EQ(kind(verb::options, "/_rig/v1/connection/longpolling"),
              route_kind::longpoll_preflight);
    EXPECT_EQ(kind(verb::post, "/_rig/v1/events"), route_kind::events);
    EXPECT_EQ(kind(verb::options, "/_rig/v1/events"), route_kind::events_preflight);
    EXPECT_EQ(kind(verb::get, "/_rig/health"), route_kind::health);
}

TEST(MatchRoute, SubscriptionsCarryTheToken) {
    for (const char* t : {"/_rig/v1/connection/sse/abc/subscriptions",
                          "/_rig/v1/connection/ws/abc/subscriptions?x=1",
                          "/_rig/v1/connection/longpolling/abc/subscriptions"}) {
        const auto put = match_route(verb::put, t);
        EXPECT_EQ(put.kind, route_kind::subscriptions) << t;
        EXPECT_EQ(put.token, "abc") << t;
        EXPECT_EQ(kind(verb::post, t), route_kind::subscriptions) << t;
        EXPECT_EQ(kind(verb::options, t), route_kind::subscriptions_preflight) << t;
    }
    for (const char* t :
         {"/_rig/v1/connection/sse//subscriptions", "/_rig/v1/connection/other/abc/subscriptions",
          "/_rig/v1/connection/sse/a/b/subscriptions", "/_rig/v1/connection/subscriptions"}) {
        EXPECT_EQ(kind(verb::put, t), route_kind::gateway) << t;
    }
}

TEST(MatchRoute, OtherMethodsAre405WithTheirAllowHeader) {
    const auto r = match_route(verb::delete_, "/_rig/v1/events");
    EXPECT_EQ(r.kind, route_kind::method_not_allowed);
    EXPECT_EQ(r.allow, "POST, OPTIONS");
    EXPECT_EQ(match_route(verb::post, "/_rig/health").allow, "GET, HEAD");
    EXPECT_EQ(match_route(verb::put, "/_rig/v1/connection/longpolling").allow, "GET, OPTIONS");
    EXPECT_EQ(match_route(verb::get, "/_rig/v1/connection/ws/t/subscriptions").allow,
              "PUT, POST, OPTIONS");
}

TEST(MatchRoute, HeadRoutesAsGet) {
    EXPECT_EQ(kind(verb::head, "/_rig/health"), route_kind::health);
    EXPECT_EQ(kind(verb::head, "/_rig/v1/connection/longpolling"), route_kind::longpoll);
    EXPECT_EQ(kind(verb::head, "/_rig/v1/events"), route_kind::method_not_allowed);
}

TEST(MatchRoute, EverythingElseGoesToTheGateway) {
    // Unknown /_rig paths too (spec §2.1: the proxy answers 404 when no API matches).
    for (const char* t : {"/", "/api/x", "/_rig", "/_rig/", "/_rig/unknown", "/_rig/health/x",
                          "/_rig/v1/events/", "*", "http://h/_rig/health"}) {
        EXPECT_EQ(kind(verb::get, t), route_kind::gateway) << t;
    }
}

}  // namespace
