#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <limits>

#include "avro_codec/json_codec.hpp"
#include "avro_codec/schema_registry.hpp"
#include "avro_codec/wire_format.hpp"

namespace rig::avro_codec {
namespace {

namespace json = boost::json;

std::shared_ptr<const avro_schema> schema_of(std::string_view text) {
    auto s = avro_schema::parse(text);
    EXPECT_TRUE(s.has_value()) << text;
    return s ? *s : nullptr;
}

// Encodes, checks the bytes when given, decodes, and returns the decoded JSON text.
std::string round_trip(std::string_view schema_text, std::string_view value_text,
                       std::string_view expect_bytes = {}) {
    auto schema = schema_of(schema_text);
    auto bytes = encode(*schema, json::parse(value_text));
    EXPECT_TRUE(bytes.has_value()) << (bytes ? "" : bytes.error().message);
    if (!bytes) {
        return "";
    }
    if (!expect_bytes.empty()) {
        EXPECT_EQ(*bytes, std::string(expect_bytes));
    }
    auto decoded = decode(*schema, *bytes);
    EXPECT_TRUE(decoded.has_value()) << (decoded ? "" : decoded.error().message);
    return decoded ? json::serialize(*decoded) : "";
}

constexpr std::string_view user_schema = R"({
  "type": "record", "name": "User", "namespace": "test",
  "fields": [
    {"name": "name", "type": "string"},
    {"name": "age", "type": ["null", "int"], "default": null},
    {"name": "email", "type": ["null", "string"]},
    {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "scores", "type": {"type": "map", "values": "double"}},
    {"name": "raw", "type": "bytes"},
    {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 2}},
    {"name": "address", "type": ["null", {"type": "record", "name": "Address",
       "fields": [{"name": "city", "type": "string"}, {"name": "zip", "type": "long"}]}]}
  ]})";

TEST(AvroCodec, RecordWithEveryKindRoundTrips) {
    const std::string in =
        R"({"name":"Ann","age":42,"email":null,"color":"GREEN","tags":["a","b"],)"
        R"("scores":{"x":1.5},"raw":"\u0000\u00ff","hash":"ab",)"
        R"("address":{"city":"Oslo","zip":9007199254740993}})";
    EXPECT_EQ(json::parse(round_trip(user_schema, in)), json::parse(in));
}

TEST(AvroCodec, UnionsDecodeToTheBareValueOrNull) {
    EXPECT_EQ(round_trip(R"(["null","string"])", R"("x")", std::string("\x02\x02x", 3)), R"("x")");
    EXPECT_EQ(round_trip(R"(["null","string"])", "null", std::string("\x00", 1)), "null");
    // A union of a record: the record itself, not {"Address": {...}}.
    EXPECT_EQ(
        round_trip(R"(["null",{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}])",
                   R"({"a":1})"),
        R"({"a":1})");
}

TEST(AvroCodec, MissingOptionalFieldIsNullAndMissingRequiredIsAnError) {
    const auto schema = schema_of(
        R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":["null","string"]}]})");
    auto ok = encode(*schema, json::parse(R"({"a":1,"extra":true})"));
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(json::serialize(*decode(*schema, *ok)), R"({"a":1,"b":null})");
    auto bad = encode(*schema, json::parse(R"({"b":"x"})"));
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().message.find("/a"), std::string::npos) << bad.error().message;
}

TEST(AvroCodec, IntegerAndDoubleEdges) {
    // Zigzag varints: -1 -> 0x01, 2^31-1 -> ff ff ff ff 0f.
    EXPECT_EQ(round_trip(R"("int")", "-1", "\x01"), "-1");
    EXPECT_EQ(round_trip(R"("int")", "2147483647", "\xfe\xff\xff\xff\x0f"), "2147483647");
    EXPECT_EQ(round_trip(R"("int")", "-2147483648"), "-2147483648");
    EXPECT_EQ(round_trip(R"("long")", "9223372036854775807"), "9223372036854775807");
    EXPECT_EQ(round_trip(R"("long")", "-9223372036854775808"), "-9223372036854775808");
    EXPECT_EQ(json::parse(round_trip(R"("double")", "1.7976931348623157E308")).as_double(),
              std::numeric_limits<double>::max());
    EXPECT_EQ(round_trip(R"("double")", "-0.5"), "-5E-1");
    EXPECT_EQ(round_trip(R"("float")", "0.25"), "2.5E-1");
    EXPECT_EQ(round_trip(R"("boolean")", "true", "\x01"), "true");
}

TEST(AvroCodec, ValuesThatDoNotFitAreRefused) {
    const auto refused = [](std::string_view schema, std::string_view value) {
        auto s = schema_of(schema);
        return !encode(*s, json::parse(value)).has_value();
    };
    EXPECT_TRUE(refused(R"("int")", "2147483648"));
    EXPECT_TRUE(refused(R"("int")", "1.5"));
    EXPECT_TRUE(refused(R"("long")", "18446744073709551615"));
    EXPECT_TRUE(refused(R"("string")", "1"));
    EXPECT_TRUE(refused(R"({"type":"enum","name":"E","symbols":["A"]})", R"("B")"));
    EXPECT_TRUE(refused(R"({"type":"fixed","name":"F","size":2})", R"("abc")"));
    EXPECT_TRUE(refused(R"("bytes")", R"("\u0100")"));
    EXPECT_TRUE(refused(R"(["null","int"])", R"("x")"));
    EXPECT_TRUE(refused(R"({"type":"array","items":"int"})", R"([1,"x"])"));
    EXPECT_TRUE(refused(R"({"type":"map","values":"int"})", "[]"));
}

TEST(AvroCodec, BadBytesAreRefusedNotCrashed) {
    const auto schema = schema_of(user_schema);
    EXPECT_FALSE(decode(*schema, "").has_value());
    EXPECT_FALSE(decode(*schema, std::string("\x06"
                                             "An",
                                             3))
                     .has_value());  // short string
    const auto s = schema_of(R"("string")");
    EXPECT_FALSE(decode(*s, "\x80").has_value());  // an unfinished varint
    // Lengths that lie: negative (zigzag 0x01 is -1, 0x03 is -2), and far beyond the data.
    EXPECT_FALSE(decode(*s, "\x01").has_value());
    EXPECT_FALSE(decode(*s,
                        "\x03"
                        "ab")
                     .has_value());
    EXPECT_FALSE(decode(*s, "\xfe\xff\xff\xff\xff\xff\xff\xff\x7f").has_value());
    const auto b = schema_of(R"("bytes")");
    EXPECT_FALSE(decode(*b, "\x01").has_value());
    EXPECT_FALSE(decode(*b, "\xfe\xff\xff\xff\xff\xff\xff\xff\x7f").has_value());
}

TEST(AvroCodec, ReusedDecoderStartsEachDatumAfresh) {
    // Arrays and maps of one datum must not leak into the next.
    const auto schema = schema_of(user_schema);
    decoder dec(schema);
    const std::string a =
        R"({"name":"A","age":1,"email":"e","color":"RED","tags":["x","y"],"scores":{"s":1.5},)"
        R"("raw":"","hash":"zz","address":null})";
    const std::string b =
        R"({"name":"B","age":null,"email":null,"color":"GREEN","tags":["z"],"scores":{},)"
        R"("raw":"r","hash":"qq","address":{"city":"C","zip":1}})";
    for (const auto& text : {a, b, a}) {
        auto bytes = encode(*schema, json::parse(text));
        ASSERT_TRUE(bytes.has_value());
        auto decoded = dec.decode(*bytes);
        ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
        EXPECT_EQ(*decoded, json::parse(text));
    }
    EXPECT_FALSE(dec.decode("\x80").has_value());
    EXPECT_TRUE(dec.decode(*encode(*schema, json::parse(a))).has_value());  // usable after
}

TEST(AvroCodec, NotASchemaIsRefused) {
    EXPECT_FALSE(avro_schema::parse("{").has_value());
    // Arrays of items that take no bytes: a 10-byte count would ask for 2^62 of them.
    EXPECT_FALSE(avro_schema::parse(R"({"type":"array","items":"null"})").has_value());
    EXPECT_FALSE(
        avro_schema::parse(
            R"({"type":"record","name":"R","fields":[{"name":"a","type":{"type":"map",)"
            R"("values":{"type":"array","items":{"type":"record","name":"E","fields":[]}}}}]})")
            .has_value());
    // Items that take a byte (a union's branch index) are fine, and so are recursive records.
    EXPECT_TRUE(avro_schema::parse(R"({"type":"array","items":["null","int"]})").has_value());
    EXPECT_TRUE(
        avro_schema::parse(
            R"({"type":"record","name":"N","fields":[{"name":"next","type":["null","N"]}]})")
            .has_value());
    EXPECT_FALSE(avro_schema::parse(R"({"type":"nope"})").has_value());
}

TEST(AvroWireFormat, FramesAndUnframes) {
    const std::string framed = frame(0x01020304, "abc");
    EXPECT_EQ(framed, std::string("\x00\x01\x02\x03\x04"
                                  "abc",
                                  8));
    const auto u = unframe(framed);
    ASSERT_TRUE(u.has_value());
    EXPECT_EQ(u->schema_id, 0x01020304);
    EXPECT_EQ(u->payload, "abc");
    EXPECT_FALSE(unframe(std::string("\x00\x01\x02\x03", 4)).has_value());
    EXPECT_FALSE(unframe("{\"a\":1}").has_value());
    EXPECT_EQ(unframe(std::string("\x00\x00\x00\x00\x07", 5))->payload, "");
}

TEST(SchemaRegistry, UrlGetsHttpWhenItHasNoScheme) {
    EXPECT_EQ(registry_url("localhost:8081"), "http://localhost:8081");
    EXPECT_EQ(registry_url("https://reg.example/"), "https://reg.example");
}

TEST(SchemaRegistry, UnreachableRegistryBacksOff) {
    // Port 1 on loopback refuses at once; the second lookup is refused by the back-off without
    // a request, both counted.
    schema_registry r(
        {"127.0.0.1:1", std::chrono::milliseconds(1000), std::chrono::milliseconds(60'000)});
    EXPECT_EQ(r.by_id(1).result, schema_registry::status::unavailable);
    EXPECT_EQ(r.latest("s").result, schema_registry::status::unavailable);
    EXPECT_EQ(r.stats().unavailable.load(), 2u);
    EXPECT_EQ(r.stats().fetched.load(), 0u);
}

}  // namespace
}  // namespace rig::avro_codec
