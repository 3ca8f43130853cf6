#include "tracing/zipkin_exporter.hpp"

#include <gtest/gtest.h>

namespace {

using namespace rig::tracing;

span some_span() {
    span s;
    s.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    s.id = "1111111111111111";
    s.name = "test";
    s.kind = "SERVER";
    return s;
}

TEST(ZipkinExporter, DropsAndCountsBeyondTheQueueLimit) {
    tracing_options o;
    o.zipkin_url = "http://127.0.0.1:1/api/v2/spans";  // nothing listens: sends fail at once
    o.queue_limit = 2;
    o.batch_size = 100;                  // never full here...
    o.interval = std::chrono::hours(1);  // ...and never due: the queue only fills
    o.timeout = std::chrono::milliseconds(500);
    zipkin_exporter exporter(o);
    EXPECT_TRUE(exporter.submit(some_span()));
    EXPECT_TRUE(exporter.submit(some_span()));
    EXPECT_FALSE(exporter.submit(some_span()));
    EXPECT_EQ(exporter.dropped(), 1u);
    EXPECT_EQ(exporter.sent(), 0u);
    const auto text = exporter.metrics_text();
    EXPECT_NE(text.find("rig_zipkin_spans_dropped_total 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("# TYPE rig_zipkin_spans_sent_total counter\n"), std::string::npos);
    // The destructor sends what is queued (and fails: the collector is not there) and returns.
}

}  // namespace
