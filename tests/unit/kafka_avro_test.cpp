#include "sources/kafka_avro.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <vector>

#include "avro_codec/json_codec.hpp"
#include "avro_codec/wire_format.hpp"
#include "proxy/avro_producer.hpp"

namespace rig {
namespace {

using cloudevents::message_header;
using sources::avro_mode;
using sources::avro_mode_of;

const std::string framed = avro_codec::frame(7, "\x02x");

TEST(KafkaAvro, ContentTypeOrMagicByteSelectsTheMode) {
    const std::vector<message_header> binary{{"Content-Type", "avro/binary"}};
    EXPECT_EQ(avro_mode_of(binary, "anything"), avro_mode::binary);
    const std::vector<message_header> structured{
        {"content-type", "application/cloudevents+avro; charset=utf-8"}};
    EXPECT_EQ(avro_mode_of(structured, framed), avro_mode::structured);
    // Spec §3.4: +xml (any format but JSON) with a framed body is structured Avro; not framed,
    // it is left to the JSON parser (which refuses it).
    const std::vector<message_header> xml{{"content-type", "application/cloudevents+xml"}};
    EXPECT_EQ(avro_mode_of(xml, framed), avro_mode::structured);
    EXPECT_EQ(avro_mode_of(xml, "<xml/>"), avro_mode::none);
    EXPECT_EQ(avro_mode_of({}, framed), avro_mode::structured);
    const std::vector<message_header> with_version{{"ce_specversion", "1.0"}};
    EXPECT_EQ(avro_mode_of(with_version, framed), avro_mode::binary);
    // JSON, or another content type with a magic-byte body: not Avro.
    EXPECT_EQ(avro_mode_of({}, R"({"specversion":"1.0"})"), avro_mode::none);
    const std::vector<message_header> json{{"content-type", "application/json"}};
    EXPECT_EQ(avro_mode_of(json, framed), avro_mode::none);
}

TEST(KafkaAvro, WithoutARegistryAnAvroMessageFails) {
    auto parsed = sources::parse_avro_message({}, framed, avro_mode::structured, nullptr,
                                              "2026-01-01T00:00:00Z");
    ASSERT_FALSE(parsed.has_value());
    EXPECT_NE(parsed.error().message.find("KAFKA_SCHEMA_REGISTRY_HOST"), std::string::npos);
}

TEST(AvroProducer, EventBecomesBinaryModeMessageWithFramedData) {
    auto schema = avro_codec::avro_schema::parse(
        R"({"type":"record","name":"D","fields":[{"name":"foo","type":"string"}]})");
    ASSERT_TRUE(schema.has_value());
    auto m = proxy::make_avro_message(
        R"({"specversion":"0.2","type":"t","id":"1","contenttype":"application/json",)"
        R"("rig":{"a":1},"data":{"foo":"bar"}})",
        **schema, 42);
    ASSERT_TRUE(m.has_value()) << m.error().message;
    const auto u = avro_codec::unframe(m->value);
    ASSERT_TRUE(u.has_value());
    EXPECT_EQ(u->schema_id, 42);
    EXPECT_EQ(boost::json::serialize(*avro_codec::decode(**schema, u->payload)),
              R"({"foo":"bar"})");
    const std::vector<std::pair<std::string, std::string>> want{{"ce_specversion", "0.2"},
                                                                {"ce_type", "t"},
                                                                {"ce_id", "1"},
                                                                {"ce_contenttype", "avro/binary"},
                                                                {"ce_rig", R"({"a":1})"},
                                                                {"content-type", "avro/binary"}};
    EXPECT_EQ(m->headers, want);
}

TEST(AvroProducer, DataThatDoesNotFitIsRefused) {
    auto schema = avro_codec::avro_schema::parse(
        R"({"type":"record","name":"D","fields":[{"name":"foo","type":"int"}]})");
    ASSERT_TRUE(schema.has_value());
    EXPECT_FALSE(proxy::make_avro_message(R"({"data":{"foo":"bar"}})", **schema, 1).has_value());
    EXPECT_FALSE(proxy::make_avro_message("[1]", **schema, 1).has_value());
}

}  // namespace
}  // namespace rig
