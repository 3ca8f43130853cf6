#include <gtest/gtest.h>

#include <vector>

#include "cloudevents/parse.hpp"

namespace {

using namespace rig::cloudevents;
constexpr std::string_view message_now = "2026-01-01T00:00:00.000000+00:00";

TEST(ParseMessage, KafkaAppliesCloudeventsExRules) {
    const std::vector<message_header> none;
    EXPECT_TRUE(parse_message(none, binding::kafka,
                              R"({"specversion":"0.2","type":"t","id":"1","source":"s"})",
                              message_now)
                    .has_value());
    for (std::string_view bad : {
             R"({"specversion":"0.2","type":"t","id":"1"})",                         // no source
             R"({"specversion":"0.2","type":"t","id":42,"source":"s"})",             // numeric id
             R"({"specversion":"1.0","type":"t","id":"1","source":"s","time":""})",  // empty time
             R"({"specversion":"1.0","type":"t","id":"1","source":"s","Bad_Name":1})",
             // an attribute of another version is an extension here, and not a lowercase one
             R"({"specversion":"1.0","type":"t","id":"1","source":"s","eventType":"t"})",
         }) {
        EXPECT_FALSE(parse_message(none, binding::kafka, bad, message_now).has_value()) << bad;
        // NATS uses RIG's own parser, which accepts these.
        if (bad.find("\"0.2\"") != std::string_view::npos) {
            EXPECT_TRUE(parse_message(none, binding::nats, bad, message_now).has_value()) << bad;
        }
    }
}

// Names that are not lowercase letters and digits pass the strict rules when they are the
// version's own attributes.
TEST(ParseMessage, KafkaAcceptsTheVersionsOwnAttributeNames) {
    const std::vector<message_header> none;
    for (std::string_view good : {
             R"({"specversion":"1.0","type":"t","id":"1","source":"s","data_base64":"aGk="})",
             R"({"cloudEventsVersion":"0.1","eventType":"t","eventID":"1","source":"s",)"
             R"("contentType":"text/plain"})",
             R"({"specversion":"1.0","type":"t","id":"1","source":"s","ext1":"x"})",
         }) {
        EXPECT_TRUE(parse_message(none, binding::kafka, good, message_now).has_value()) << good;
    }
}

TEST(ParseMessage, KafkaHeaderValuesAreNotPercentDecoded) {
    const std::vector<message_header> headers{{"ce_specversion", "1.0"},
                                              {"ce_type", "t"},
                                              {"ce_id", "1"},
                                              {"ce_source", "s"},
                                              {"ce_subject", "50%25 off"},
                                              {"content-type", "text/plain"}};
    auto ev = parse_message(headers, binding::kafka, "hello", message_now);
    ASSERT_TRUE(ev.has_value());
    EXPECT_EQ(boost::json::parse(ev->json).at("subject").as_string(), "50%25 off");
}

TEST(ParseMessage, NatsUsesDashPrefixedHeaders) {
    const std::vector<message_header> headers{{"ce-specversion", "1.0"},
                                              {"ce-type", "t"},
                                              {"ce-id", "1"},
                                              {"ce-source", "s"},
                                              {"Content-Type", "application/json"}};
    auto ev = parse_message(headers, binding::nats, R"({"x":1})", message_now);
    ASSERT_TRUE(ev.has_value());
    EXPECT_EQ(ev->type, "t");
    EXPECT_EQ(boost::json::parse(ev->json).at("data").at("x").as_int64(), 1);
}

}  // namespace
