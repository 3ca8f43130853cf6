#include "admin/metrics_options.hpp"

#include <gtest/gtest.h>

#include <map>

namespace {

using rig::admin::metrics_options;

std::optional<rig::core::error> parse(const std::map<std::string, std::string>& vars,
                                      metrics_options& out) {
    return rig::admin::parse_metrics_options(
        [&](const char* name) -> std::optional<std::string> {
            if (auto it = vars.find(name); it != vars.end()) {
                return it->second;
            }
            return std::nullopt;
        },
        out);
}

TEST(MetricsOptions, DefaultsWhenUnsetOrEmpty) {
    metrics_options o;
    EXPECT_FALSE(parse({}, o));
    EXPECT_TRUE(o.enabled);
    EXPECT_EQ(o.max_event_types, 100u);
    EXPECT_FALSE(
        parse({{"PROMETHEUS_METRICS_ENABLED", " "}, {"RIG_METRICS_MAX_EVENT_TYPES", ""}}, o));
    EXPECT_TRUE(o.enabled);
    EXPECT_EQ(o.max_event_types, 100u);
}

TEST(MetricsOptions, RigsBooleanSpellings) {
    for (const char* off : {"false", "0", "no", "FALSE", " No "}) {
        metrics_options o;
        EXPECT_FALSE(parse({{"PROMETHEUS_METRICS_ENABLED", off}}, o)) << off;
        EXPECT_FALSE(o.enabled) << off;
    }
    for (const char* on : {"true", "1", "yes", "True"}) {
        metrics_options o;
        o.enabled = false;
        EXPECT_FALSE(parse({{"PROMETHEUS_METRICS_ENABLED", on}}, o)) << on;
        EXPECT_TRUE(o.enabled) << on;
    }
}

TEST(MetricsOptions, BadValuesNameTheVariable) {
    metrics_options o;
    auto e = parse({{"PROMETHEUS_METRICS_ENABLED", "maybe"}}, o);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->message, "PROMETHEUS_METRICS_ENABLED: expected true or false, got \"maybe\"");
    for (const char* bad : {"-1", "lots", "10001", "5x"}) {
        e = parse({{"RIG_METRICS_MAX_EVENT_TYPES", bad}}, o);
        ASSERT_TRUE(e) << bad;
        EXPECT_EQ(e->message.rfind("RIG_METRICS_MAX_EVENT_TYPES: ", 0), 0u) << e->message;
    }
}

TEST(MetricsOptions, TypeBound) {
    metrics_options o;
    EXPECT_FALSE(parse({{"RIG_METRICS_MAX_EVENT_TYPES", "0"}}, o));
    EXPECT_EQ(o.max_event_types, 0u);
    EXPECT_FALSE(parse({{"RIG_METRICS_MAX_EVENT_TYPES", "10000"}}, o));
    EXPECT_EQ(o.max_event_types, 10000u);
}

}  // namespace
