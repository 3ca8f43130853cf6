#include "tracing/tracer.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "cloudevents/parse.hpp"

namespace {

namespace json = boost::json;
using namespace rig::tracing;

constexpr const char* parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

rig::cloudevents::cloud_event traced_event(std::string_view text) {
    return rig::cloudevents::parse_structured(text, "2026-01-01T00:00:00Z").value();
}

TEST(Tracer, RequestWithTraceparentStampsItsEvents) {
    const tracer t(512, nullptr);
    const auto s = t.start_request(parent, "rojo=00f067aa0ba902b7");
    ASSERT_TRUE(s.parent);
    EXPECT_EQ(trace_id_hex(s.ctx), "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_NE(span_id_hex(s.ctx), "00f067aa0ba902b7");
    auto ev = traced_event(
        R"({"specversion":"1.0","type":"t","id":"1","source":"s","tracestate":"old=1","data":{}})");
    t.stamp(ev, s);
    const auto doc = json::parse(ev.json);
    EXPECT_EQ(doc.at("traceparent"), json::string(format_traceparent(s.ctx)));
    EXPECT_EQ(doc.at("tracestate"), "rojo=00f067aa0ba902b7");
    EXPECT_EQ(doc.at("type"), "t");
}

TEST(Tracer, RequestWithoutTracestateDropsTheEventsOwn) {
    const tracer t(512, nullptr);
    const auto s = t.start_request(parent, "");
    auto ev = traced_event(
        R"({"specversion":"1.0","type":"t","id":"1","source":"s","tracestate":"x=1"})");
    t.stamp(ev, s);
    EXPECT_FALSE(json::parse(ev.json).as_object().contains("tracestate"));
}

TEST(Tracer, OverlongTracestateIsNotPassedOn) {
    const tracer t(8, nullptr);
    const auto s = t.start_request(parent, "a=123456789");
    EXPECT_TRUE(s.tracestate.empty());
}

TEST(Tracer, MissingOrMalformedTraceparentLeavesEventsByteIdentical) {
    const tracer t(512, nullptr);
    const std::string text = R"({"specversion":"1.0", "type":"t","id":"1","source":"s"})";
    for (const char* header : {"", "00-zz-00f067aa0ba902b7-01"}) {
        const auto s = t.start_request(header, "a=b");
        EXPECT_FALSE(s.parent);
        EXPECT_TRUE(parse_traceparent(format_traceparent(s.ctx)));  // a new, valid trace
        EXPECT_FALSE(s.ctx.sampled());
        auto ev = traced_event(text);
        const std::string before = ev.json;
        t.stamp(ev, s);
        EXPECT_EQ(ev.json, before);
    }
}

TEST(Tracer, ConsumedEventWithTraceparentGetsRigsSpan) {
    const tracer t(512, nullptr);
    auto ev =
        traced_event(std::string(R"({"specversion":"1.0","type":"t","id":"1","source":"s",)") +
                     R"("traceparent":")" + parent + R"(","tracestate":"k=v"})");
    EXPECT_TRUE(t.continue_event(ev, "kafka"));
    const auto doc = json::parse(ev.json);
    const auto rewritten = parse_traceparent(doc.at("traceparent").as_string());
    ASSERT_TRUE(rewritten);
    EXPECT_EQ(trace_id_hex(*rewritten), "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_NE(span_id_hex(*rewritten), "00f067aa0ba902b7");
    EXPECT_EQ(rewritten->flags, 1);
    EXPECT_EQ(doc.at("tracestate"), "k=v");
}

// Whether an event has the member is read in the document its checks parsed, or, for a text
// simdjson leaves to Boost.JSON, from its bytes: an escaped name counts, a nested one does not.
TEST(Tracer, TraceparentIsFoundHoweverTheEventWasRead) {
    const tracer t(512, nullptr);
    const std::string head = R"({"specversion":"1.0","type":"t","id":"1","source":"s",)";
    for (const std::string& text :
         {head + R"("trace\u0070arent":")" + parent + R"("})",
          head + R"("big":123456789012345678901234567890,"traceparent":")" + parent + R"("})",
          head + R"("time":"t","traceparent":")" + parent + R"("})"}) {
        auto ev = traced_event(text);
        EXPECT_TRUE(t.continue_event(ev, "kafka")) << text;
        EXPECT_TRUE(json::parse(ev.json).as_object().contains("traceparent")) << text;
    }
    auto nested = traced_event(head + R"("data":{"traceparent":")" + parent + R"("}})");
    const std::string before = nested.json;
    EXPECT_FALSE(t.continue_event(nested, "kafka"));
    EXPECT_EQ(nested.json, before);
    // Events parsed before any is traced (a batch): the document of the first is gone.
    auto first = traced_event(head + R"("traceparent":")" + parent + R"("})");
    auto plain = traced_event(head + R"("data":1})");
    auto second = traced_event(head + R"("data":2})");
    EXPECT_TRUE(t.continue_event(first, "http"));
    EXPECT_FALSE(t.continue_event(plain, "http"));
    EXPECT_FALSE(t.continue_event(second, "http"));
}

TEST(Tracer, ConsumedEventWithoutValidTraceparentIsUntouched) {
    const tracer t(512, nullptr);
    for (const char* text : {
             R"({"specversion":"1.0","type":"t","id":"1","source":"s"})",
             R"({"specversion":"1.0","type":"t","id":"1","source":"s","traceparent":"nope"})",
             R"({"specversion":"1.0","type":"t","id":"1","source":"s","traceparent":42})",
         }) {
        auto ev = traced_event(text);
        const std::string before = ev.json;
        EXPECT_FALSE(t.continue_event(ev, "nats"));
        EXPECT_EQ(ev.json, before);
    }
}

}  // namespace
