#include "proxy/proxied_event.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace {

namespace json = boost::json;
using rig::core::condition;
using rig::proxy::make_proxied_event;
using rig::proxy::proxied_request;
using rig::proxy::target_kind;

proxied_request request() {
    proxied_request r;
    r.correlation = "corr-1";
    r.remote_ip = "127.0.0.1";
    r.host = "localhost";
    r.port = 4000;
    r.scheme = "http";
    r.headers = {{"host", "localhost:4000"}, {"content-type", "application/json"}};
    r.method = "POST";
    r.path = "/rewritten";
    r.query = "a=1&b=2";
    return r;
}

std::string error_of(target_kind target, std::string_view body) {
    auto out = make_proxied_event(target, body, request());
    EXPECT_FALSE(out.has_value());
    if (out) {
        return {};
    }
    EXPECT_EQ(out.error().cond, condition::bad_request);
    return out.error().message;
}

TEST(ProxiedEvent, KafkaAndKinesisErrorTexts) {
    for (auto target : {target_kind::kafka, target_kind::kinesis}) {
        EXPECT_EQ(error_of(target, "not json"),
                  "Bad request: expected a JSON encoded request body.");
        EXPECT_EQ(error_of(target, ""), "Bad request: expected a JSON encoded request body.");
        EXPECT_EQ(error_of(target, R"({"type":"x"})"),
                  "Bad request: the body does not look like a CloudEvent.");
        // A 0.1 event has cloudEventsVersion, not specversion.
        EXPECT_EQ(error_of(target, R"({"cloudEventsVersion":"0.1"})"),
                  "Bad request: the body does not look like a CloudEvent.");
        // Valid JSON that is no object is "not a CloudEvent" in RIG, not "not JSON".
        EXPECT_EQ(error_of(target, R"([1,2])"),
                  "Bad request: the body does not look like a CloudEvent.");
    }
}

TEST(ProxiedEvent, NatsErrorTexts) {
    EXPECT_EQ(error_of(target_kind::nats, R"({"type":"x"})"),
              "Bad request: The body is a valid JSON object but does not look like a CloudEvent.");
    const auto not_json = error_of(target_kind::nats, "{nope");
    EXPECT_EQ(not_json.rfind("Bad request: The body is not JSON encoded (", 0), 0u) << not_json;
    EXPECT_EQ(not_json.substr(not_json.size() - 2), ").");
    EXPECT_GT(not_json.size(), std::string("Bad request: The body is not JSON encoded ().").size());
}

TEST(ProxiedEvent, ReplacesTheRigObjectWithTheRequestMetadata) {
    const auto out = make_proxied_event(
        target_kind::kafka,
        R"({ "specversion": "0.2", "type": "t", "rig": {"target_partition": "pk", "x": 1},
             "data": {"a": [1, 2]} })",
        request());
    ASSERT_TRUE(out.has_value()) << out.error().message;
    EXPECT_EQ(out->partition_key, "pk");
    // Compact, the body's keys in their order, `rig` where it was.
    EXPECT_EQ(out->json,
              R"({"specversion":"0.2","type":"t","rig":{"correlation":"corr-1",)"
              R"("remoteip":"127.0.0.1","host":"localhost","port":4000,"scheme":"http",)"
              R"("headers":[["host","localhost:4000"],["content-type","application/json"]],)"
              R"("method":"POST","path":"/rewritten","query":"a=1&b=2"},"data":{"a":[1,2]}})");
    EXPECT_FALSE(out->kafka_content_type_header.has_value());
}

TEST(ProxiedEvent, AddsRigWhenTheBodyHasNone) {
    const auto out = make_proxied_event(target_kind::nats, R"({"specversion":"1.0"})", request());
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->partition_key, "");
    const auto event = json::parse(out->json).as_object();
    EXPECT_EQ(event.at("rig").at("correlation"), "corr-1");
    EXPECT_EQ(event.at("rig").at("port"), 4000);
    EXPECT_EQ(event.size(), 2u);
}

TEST(ProxiedEvent, PartitionKeyOnlyFromAStringInARigObject) {
    auto key_of = [](std::string_view body) {
        auto out = make_proxied_event(target_kind::kinesis, body, request());
        EXPECT_TRUE(out.has_value());
        return out ? out->partition_key : std::string("?");
    };
    EXPECT_EQ(key_of(R"({"specversion":"0.2","rig":{"target_partition":"k1"}})"), "k1");
    EXPECT_EQ(key_of(R"({"specversion":"0.2","rig":{"target_partition":7}})"), "");
    EXPECT_EQ(key_of(R"({"specversion":"0.2","rig":"target_partition"})"), "");
    EXPECT_EQ(key_of(R"({"specversion":"0.2","target_partition":"top"})"), "");
}

TEST(ProxiedEvent, TargetPartitionIsDroppedWithTheRigObject) {
    const auto out = make_proxied_event(
        target_kind::kafka, R"({"specversion":"0.2","rig":{"target_partition":"k1"}})", request());
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->json.find("target_partition"), std::string::npos);
}

TEST(ProxiedEvent, ContentTypeHeader) {
    auto header_of = [](std::string_view body) {
        auto out = make_proxied_event(target_kind::kafka, body, request());
        EXPECT_TRUE(out.has_value());
        return out ? out->kafka_content_type_header
                   : std::optional<std::pair<std::string, std::string>>();
    };
    EXPECT_EQ(header_of(R"({"specversion":"0.2","contenttype":"application/xml"})"),
              std::make_pair(std::string("ce_contenttype"), std::string("application/xml")));
    EXPECT_EQ(header_of(R"({"specversion":"0.2","contentType":"text/plain"})"),
              std::make_pair(std::string("ce_contentType"), std::string("text/plain")));
    EXPECT_EQ(header_of(R"({"specversion":"0.2","contenttype":"a","contentType":"b"})")->first,
              "ce_contenttype");
    EXPECT_FALSE(header_of(R"({"specversion":"0.2","datacontenttype":"a"})").has_value());
    EXPECT_FALSE(header_of(R"({"specversion":"0.2","contenttype":5})").has_value());
}

TEST(ProxiedEvent, TraceContextBecomesTopLevelAttributes) {
    auto r = request();
    r.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    r.tracestate = "rig=1";
    const auto out = make_proxied_event(target_kind::kafka, R"({"specversion":"0.2"})", r);
    ASSERT_TRUE(out.has_value());
    const auto event = json::parse(out->json).as_object();
    EXPECT_EQ(event.at("traceparent").as_string(), std::string(r.traceparent));
    EXPECT_EQ(event.at("tracestate"), "rig=1");
}

}  // namespace
