#include "tracing/tracing_options.hpp"

#include <gtest/gtest.h>

#include <map>

namespace {

using namespace rig::tracing;

env_lookup env_of(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
        if (auto it = vars.find(name); it != vars.end()) {
            return it->second;
        }
        return std::nullopt;
    };
}

TEST(TracingOptions, DefaultsExportNothing) {
    tracing_options o;
    EXPECT_FALSE(read_tracing_options(env_of({}), o));
    EXPECT_TRUE(o.zipkin_url.empty());
    EXPECT_EQ(o.service_name, "rig");
    EXPECT_EQ(o.max_tracestate_bytes, 512u);
}

TEST(TracingOptions, ZipkinAddrBecomesTheSpanUrl) {
    EXPECT_EQ(*zipkin_url("http://127.0.0.1:9411/api/v2/spans"),
              "http://127.0.0.1:9411/api/v2/spans");
    EXPECT_EQ(*zipkin_url("127.0.0.1:9411"), "http://127.0.0.1:9411/api/v2/spans");
    EXPECT_EQ(*zipkin_url("zipkin:9411"), "http://zipkin:9411/api/v2/spans");
    EXPECT_EQ(*zipkin_url("https://collector.example/"), "https://collector.example/api/v2/spans");
    EXPECT_EQ(*zipkin_url("http://jaeger:9411/custom"), "http://jaeger:9411/custom");
    EXPECT_FALSE(zipkin_url("ftp://host/x"));
    EXPECT_FALSE(zipkin_url("http://"));
    EXPECT_FALSE(zipkin_url("http://host:port:bad/"));
}

TEST(TracingOptions, ReadsEverySetting) {
    tracing_options o;
    EXPECT_FALSE(read_tracing_options(env_of({{"ZIPKIN_ADDR", " localhost:9411 "},
                                              {"ZIPKIN_SERVICE_NAME", "gateway"},
                                              {"JAEGER_HOST", "jaeger"},
                                              {"RIG_ZIPKIN_QUEUE", "5"},
                                              {"RIG_ZIPKIN_BATCH", "2"},
                                              {"RIG_ZIPKIN_INTERVAL_MS", "50"},
                                              {"RIG_ZIPKIN_TIMEOUT_MS", "700"},
                                              {"RIG_TRACESTATE_MAX_BYTES", "0"}}),
                                      o));
    EXPECT_EQ(o.zipkin_url, "http://localhost:9411/api/v2/spans");
    EXPECT_EQ(o.service_name, "gateway");
    EXPECT_EQ(o.jaeger_host, "jaeger");
    EXPECT_EQ(o.queue_limit, 5u);
    EXPECT_EQ(o.batch_size, 2u);
    EXPECT_EQ(o.interval.count(), 50);
    EXPECT_EQ(o.timeout.count(), 700);
    EXPECT_EQ(o.max_tracestate_bytes, 0u);
}

TEST(TracingOptions, BadValuesNameTheVariable) {
    tracing_options o;
    auto e = read_tracing_options(env_of({{"ZIPKIN_ADDR", "ftp://x"}}), o);
    ASSERT_TRUE(e);
    EXPECT_NE(e->message.find("ZIPKIN_ADDR"), std::string::npos);
    e = read_tracing_options(env_of({{"RIG_ZIPKIN_QUEUE", "0"}}), o);
    ASSERT_TRUE(e);
    EXPECT_NE(e->message.find("RIG_ZIPKIN_QUEUE"), std::string::npos);
    e = read_tracing_options(env_of({{"RIG_ZIPKIN_BATCH", "many"}}), o);
    ASSERT_TRUE(e);
    EXPECT_NE(e->message.find("RIG_ZIPKIN_BATCH"), std::string::npos);
}

}  // namespace
