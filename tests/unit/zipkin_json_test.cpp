#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "tracing/span.hpp"

namespace {

namespace json = boost::json;
using rig::tracing::span;

TEST(ZipkinJson, WritesZipkinV2Spans) {
    span s;
    s.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    s.id = "1111111111111111";
    s.parent_id = "00f067aa0ba902b7";
    s.name = "POST /_rig/v1/events";
    s.kind = "SERVER";
    s.timestamp_us = 1700000000000000;
    s.duration_us = 250;
    s.tags = {{"http.status_code", "202"}};
    span root;
    root.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    root.id = "2222222222222222";
    root.name = "kafka consume";
    root.kind = "CONSUMER";
    root.timestamp_us = 1700000000000001;
    root.duration_us = 0;

    const auto doc = json::parse(rig::tracing::zipkin_json({s, root}, "my \"rig\""));
    const auto& a = doc.as_array();
    ASSERT_EQ(a.size(), 2u);
    const auto& first = a[0].as_object();
    EXPECT_EQ(first.at("traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(first.at("id"), "1111111111111111");
    EXPECT_EQ(first.at("parentId"), "00f067aa0ba902b7");
    EXPECT_EQ(first.at("name"), "POST /_rig/v1/events");
    EXPECT_EQ(first.at("kind"), "SERVER");
    EXPECT_EQ(first.at("timestamp").to_number<uint64_t>(), 1700000000000000u);
    EXPECT_EQ(first.at("duration").to_number<uint64_t>(), 250u);
    EXPECT_EQ(first.at("localEndpoint").at("serviceName"), "my \"rig\"");
    EXPECT_EQ(first.at("tags").at("http.status_code"), "202");
    const auto& second = a[1].as_object();
    EXPECT_FALSE(second.contains("parentId"));  // a root span has none
    EXPECT_FALSE(second.contains("tags"));
    EXPECT_EQ(second.at("duration").to_number<uint64_t>(), 1u);  // Zipkin drops a 0
}

TEST(ZipkinJson, NoSpansIsAnEmptyArray) {
    EXPECT_EQ(rig::tracing::zipkin_json({}, "rig"), "[]");
}

}  // namespace
