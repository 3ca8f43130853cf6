#include "config/env_warnings.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using rig::config::env_var;
using rig::config::environment_warnings;

std::vector<std::string> warnings(std::vector<env_var> vars,
                                  std::vector<std::string> extra_known = {}) {
    return environment_warnings(vars, extra_known);
}

TEST(EnvWarnings, KnownSettingsAndOtherSoftwaresVariablesAreQuiet) {
    EXPECT_TRUE(warnings({{"INBOUND_PORT", "4000"},
                          {"RIG_SHARDS", "2"},
                          {"KAFKA_SSL_CERTFILE", ""},
                          {"PATH", "/usr/bin"},
                          {"HOME", "/root"},
                          {"NODE_OPTIONS", "--x"},
                          {"AWS_REGION", "eu-west-1"}})
                    .empty());
}

TEST(EnvWarnings, TestHarnessVariablesAreIgnored) {
    EXPECT_TRUE(warnings({{"RIG_BINARY", "/b/rig"},
                          {"RIG_KAFKA_MOCK", "/b/kafka_mock"},
                          {"RIG_BENCH_BINARY", "x"},
                          {"RIG_KINESALITE_DIR", "x"},
                          {"RIG_BUILD_DIR", "x"},
                          {"RIG_NATS_SERVER", "x"},
                          {"RIG_TEST_TIMEOUT", "10"},
                          {"RIG_TEST_BACKEND_HOST", "http://x"}})
                    .empty());
}

TEST(EnvWarnings, UnimplementedRigVariableGetsOneLineWhenSet) {
    const auto w = warnings({{"DISCOVERY_TYPE", "dns"}, {"JAEGER_PORT", "6831"}});
    ASSERT_EQ(w.size(), 2u);
    EXPECT_TRUE(w[0].starts_with("DISCOVERY_TYPE is set, but rig does not implement it")) << w[0];
    EXPECT_NE(w[0].find("RIG_CLUSTER_NATS"), std::string::npos);
    EXPECT_NE(w[0].find("no effect"), std::string::npos);
    EXPECT_TRUE(w[1].starts_with("JAEGER_PORT is set")) << w[1];
    // Set but empty (as RIG's Helm values leave them): nothing to warn about.
    EXPECT_TRUE(warnings({{"DISCOVERY_TYPE", ""}, {"KINESIS_APP_NAME", ""}}).empty());
}

TEST(EnvWarnings, MisspeltSettingNamesTheClosestKnownName) {
    const auto w = warnings({{"RIG_SHRADS", "2"}, {"KAFKA_BROKER", "b:9092"}});
    ASSERT_EQ(w.size(), 2u);
    EXPECT_EQ(w[0], "RIG_SHRADS is not a rig setting (did you mean RIG_SHARDS?); it is ignored");
    EXPECT_EQ(w[1],
              "KAFKA_BROKER is not a rig setting (did you mean KAFKA_BROKERS?); it is ignored");
    // Close to an unimplemented RIG name: that name is suggested.
    EXPECT_EQ(warnings({{"KAFKA_SERIALISER", "avro"}}),
              std::vector<std::string>{"KAFKA_SERIALISER is not a rig setting (did you mean "
                                       "KAFKA_SERIALIZER?); it is ignored"});
}

TEST(EnvWarnings, RigPrefixInFrontOfARigNameSuggestsTheName) {
    EXPECT_EQ(warnings({{"RIG_LOG_LEVEL", "warn"}}),
              std::vector<std::string>{
                  "RIG_LOG_LEVEL is not a rig setting (did you mean LOG_LEVEL?); it is ignored"});
}

TEST(EnvWarnings, UnknownNameWithAKnownPrefixWithoutSuggestion) {
    EXPECT_EQ(warnings({{"RIG_SOMETHING_ELSE_ENTIRELY", "1"}}),
              std::vector<std::string>{"RIG_SOMETHING_ELSE_ENTIRELY is not a rig setting; it is "
                                       "ignored"});
    // Set but empty is still a misspelling worth a line.
    EXPECT_EQ(warnings({{"NATS_SERVER", ""}}).size(), 1u);
}

TEST(EnvWarnings, VariablesTheProxyConfigNamesAreKnown) {
    EXPECT_TRUE(warnings({{"PROXY_BACKEND_HOST", "http://b"}}, {"PROXY_BACKEND_HOST"}).empty());
    EXPECT_EQ(warnings({{"PROXY_BACKEND_HOST", "http://b"}}).size(), 1u);
}

TEST(EnvWarnings, EditDistance) {
    using rig::config::edit_distance;
    EXPECT_EQ(edit_distance("", ""), 0u);
    EXPECT_EQ(edit_distance("abc", ""), 3u);
    EXPECT_EQ(edit_distance("RIG_SHARDS", "RIG_SHRADS"), 2u);
    EXPECT_EQ(edit_distance("KAFKA_BROKER", "KAFKA_BROKERS"), 1u);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(EnvWarnings, ProcessEnvironmentIsRead) {
    ::setenv("RIG_ENV_WARNINGS_TEST_VAR", "a=b", 1);
    const auto vars = rig::config::process_environment();
    ::unsetenv("RIG_ENV_WARNINGS_TEST_VAR");
    bool found = false;
    for (const auto& [name, value] : vars) {
        found = found || (name == "RIG_ENV_WARNINGS_TEST_VAR" && value == "a=b");
    }
    EXPECT_TRUE(found);
}

}  // namespace
