#include "tracing/trace_context.hpp"

#include <gtest/gtest.h>

namespace {

using namespace rig::tracing;

constexpr const char* valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContext, ParsesAndFormatsTheW3cExample) {
    const auto ctx = parse_traceparent(valid);
    ASSERT_TRUE(ctx);
    EXPECT_EQ(trace_id_hex(*ctx), "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(span_id_hex(*ctx), "00f067aa0ba902b7");
    EXPECT_EQ(ctx->flags, 1);
    EXPECT_TRUE(ctx->sampled());
    EXPECT_EQ(format_traceparent(*ctx), valid);
}

TEST(TraceContext, IgnoresSurroundingWhitespaceAndKeepsFlags) {
    const auto ctx =
        parse_traceparent(" \t00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00 ");
    ASSERT_TRUE(ctx);
    EXPECT_FALSE(ctx->sampled());
    EXPECT_EQ(format_traceparent(*ctx).substr(53), "00");
}

TEST(TraceContext, RefusesMalformedValues) {
    for (const char* bad : {
             "", "garbage",
             "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",        // no flags
             "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",     // uppercase
             "00-00000000000000000000000000000000-00f067aa0ba902b7-01",     // zero trace id
             "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",     // zero span id
             "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",     // version ff
             "0-04bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",     // short version
             "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",     // misplaced dash
             "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",     // wrong separator
             "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xx",  // 00 has no more
             "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",     // not hex
             "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",     // flags not hex
             "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",  // later version, no dash
         }) {
        EXPECT_FALSE(parse_traceparent(bad)) << bad;
    }
}

TEST(TraceContext, ReadsTheKnownFieldsOfALaterVersion) {
    const auto ctx =
        parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever");
    ASSERT_TRUE(ctx);
    EXPECT_EQ(trace_id_hex(*ctx), "4bf92f3577b34da6a3ce929d0e0e4736");
    // rig answers in the version it knows.
    EXPECT_EQ(format_traceparent(*ctx), valid);
}

TEST(TraceContext, ChildKeepsTraceAndFlagsWithANewSpan) {
    const auto parent = *parse_traceparent(valid);
    const auto child = child_of(parent);
    EXPECT_EQ(child.trace_id, parent.trace_id);
    EXPECT_EQ(child.flags, parent.flags);
    EXPECT_NE(child.span_id, parent.span_id);
    const auto reparsed = parse_traceparent(format_traceparent(child));
    ASSERT_TRUE(reparsed);
    EXPECT_EQ(reparsed->span_id, child.span_id);
}

TEST(TraceContext, NewTracesAreValidAndDistinct) {
    const auto a = new_trace(0);
    const auto b = new_trace(0);
    EXPECT_NE(a.trace_id, b.trace_id);
    EXPECT_FALSE(a.sampled());
    EXPECT_TRUE(parse_traceparent(format_traceparent(a)));
    EXPECT_TRUE(parse_traceparent(format_traceparent(b)));
}

TEST(TraceContext, TracestateIsPassedOnlyWhenBoundedAndPrintable) {
    EXPECT_TRUE(passable_tracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", 512));
    EXPECT_TRUE(passable_tracestate("", 512));
    EXPECT_FALSE(passable_tracestate(std::string(513, 'a'), 512));
    EXPECT_TRUE(passable_tracestate(std::string(512, 'a'), 512));
    EXPECT_FALSE(passable_tracestate("a=b\x01", 512));
    EXPECT_FALSE(passable_tracestate("a=\xc3\xa9", 512));
}

}  // namespace
