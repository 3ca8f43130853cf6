#include "subscription/extractors.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>

#include "core/json_scan.hpp"

namespace {

namespace json = boost::json;
using rig::subscription::extractors;
using rig::subscription::scalar;
using rig::subscription::scalar_at;

scalar sc(const json::value& v) {
    return *scalar::from_json(v);
}

const char* const greeting_config = R"({
  "greeting": {
    "name": {"stable_field_index": 1, "event": {"json_pointer": "/data/name"},
             "jwt": {"json_pointer": "/username"}},
    "age": {"stable_field_index": 0, "event": {"json_pointer": "/data/age"}}
  },
  "other": {
    "source": {"stable_field_index": 0, "event": {"json_pointer": "/source"}}
  }
})";

TEST(Extractors, ParsesValidConfiguration) {
    auto r = extractors::parse(greeting_config);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->types().size(), 2u);

    const auto* greeting = r->for_type("greeting");
    ASSERT_NE(greeting, nullptr);
    ASSERT_EQ(greeting->fields.size(), 2u);
    // Ordered by stable_field_index, not by appearance.
    EXPECT_EQ(greeting->fields[0].name, "age");
    EXPECT_EQ(greeting->fields[0].stable_field_index, 0u);
    EXPECT_EQ(greeting->fields[0].event_pointer, "/data/age");
    EXPECT_FALSE(greeting->fields[0].jwt_pointer.has_value());
    EXPECT_EQ(greeting->fields[1].name, "name");
    EXPECT_EQ(greeting->fields[1].stable_field_index, 1u);
    EXPECT_EQ(greeting->fields[1].event_pointer, "/data/name");
    ASSERT_TRUE(greeting->fields[1].jwt_pointer.has_value());
    EXPECT_EQ(*greeting->fields[1].jwt_pointer, "/username");

    EXPECT_EQ(greeting->find("age"), 0);
    EXPECT_EQ(greeting->find("name"), 1);
    EXPECT_EQ(greeting->find("nosuchfield"), -1);
}

TEST(Extractors, EmptyConfigurationHasNoTypes) {
    auto r = extractors::parse("{}");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_TRUE(r->types().empty());
    EXPECT_EQ(r->for_type("greeting"), nullptr);
    EXPECT_TRUE(extractors().types().empty());
}

TEST(Extractors, ForTypeIsExactLookup) {
    auto r = extractors::parse(greeting_config);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_NE(r->for_type("greeting"), nullptr);
    EXPECT_NE(r->for_type("other"), nullptr);
    EXPECT_EQ(r->for_type("Greeting"), nullptr);
    EXPECT_EQ(r->for_type("greeting.sub"), nullptr);
    EXPECT_EQ(r->for_type("greet"), nullptr);
    EXPECT_EQ(r->for_type(""), nullptr);
}

TEST(Extractors, SameIndexInDifferentTypesIsFine) {
    auto r = extractors::parse(R"({
      "a": {"x": {"stable_field_index": 0, "event": {"json_pointer": "/x"}}},
      "b": {"y": {"stable_field_index": 0, "event": {"json_pointer": "/y"}}}})");
    EXPECT_TRUE(r.has_value()) << r.error().message;
}

void expect_parse_error(const std::string& config, const std::string& fragment) {
    auto r = extractors::parse(config);
    ASSERT_TRUE(r.has_error()) << config;
    EXPECT_EQ(r.error().cond, rig::core::condition::bad_request);
    EXPECT_NE(r.error().message.find(fragment), std::string::npos)
        << "message: " << r.error().message << "\nexpected to contain: " << fragment;
}

TEST(Extractors, RejectsInvalidJsonAndNonObjects) {
    expect_parse_error("{not json", "");
    expect_parse_error("[]", "");
    expect_parse_error(R"({"greeting": []})", "greeting");
    expect_parse_error(R"({"greeting": {"name": 1}})", "name");
}

TEST(Extractors, RejectsMissingStableFieldIndex) {
    expect_parse_error(R"({"greeting": {"name": {"event": {"json_pointer": "/data/name"}}}})",
                       "stable_field_index");
    expect_parse_error(R"({"greeting": {"name": {"event": {"json_pointer": "/data/name"}}}})",
                       "greeting");
    expect_parse_error(R"({"greeting": {"name": {"event": {"json_pointer": "/data/name"}}}})",
                       "name");
}

TEST(Extractors, RejectsInvalidStableFieldIndex) {
    for (const char* idx : {"-1", "1.5", "\"0\"", "null", "true"}) {
        expect_parse_error(std::string(R"({"greeting": {"name": {"stable_field_index": )") + idx +
                               R"(, "event": {"json_pointer": "/data/name"}}}})",
                           "stable_field_index");
    }
}

TEST(Extractors, RejectsDuplicateStableFieldIndex) {
    expect_parse_error(R"({"greeting": {
        "name": {"stable_field_index": 0, "event": {"json_pointer": "/data/name"}},
        "age": {"stable_field_index": 0, "event": {"json_pointer": "/data/age"}}}})",
                       "stable_field_index");
}

TEST(Extractors, RejectsMissingEventJsonPointer) {
    expect_parse_error(R"({"greeting": {"name": {"stable_field_index": 0}}})",
                       "event.json_pointer");
    expect_parse_error(R"({"greeting": {"name": {"stable_field_index": 0, "event": {}}}})",
                       "event.json_pointer");
    expect_parse_error(
        R"({"greeting": {"name": {"stable_field_index": 0, "event": "/data/name"}}})",
        "event.json_pointer");
    expect_parse_error(
        R"({"greeting": {"name": {"stable_field_index": 0, "event": {"json_pointer": ""}}}})",
        "event.json_pointer");
    expect_parse_error(
        R"({"greeting": {"name": {"stable_field_index": 0, "event": {"json_pointer": 5}}}})",
        "event.json_pointer");
}

TEST(Extractors, RejectsBadJwtPointer) {
    const std::string prefix =
        R"({"greeting": {"name": {"stable_field_index": 0, "event": {"json_pointer": "/n"}, )";
    expect_parse_error(prefix + R"("jwt": {"json_pointer": "username"}}}})", "jwt.json_pointer");
    expect_parse_error(prefix + R"("jwt": {"json_pointer": ""}}}})", "jwt.json_pointer");
    expect_parse_error(prefix + R"("jwt": {}}}})", "jwt.json_pointer");
    expect_parse_error(prefix + R"("jwt": "/username"}}})", "jwt.json_pointer");
}

TEST(Extractors, ExtractEvaluatesPointersInFieldOrder) {
    auto r = extractors::parse(greeting_config);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    const auto* t = r->for_type("greeting");
    ASSERT_NE(t, nullptr);

    auto values = extractors::extract(
        *t, json::parse(R"({"type":"greeting","data":{"name":"joe","age":30}})"));
    ASSERT_EQ(values.size(), 2u);
    ASSERT_TRUE(values[0].has_value());
    EXPECT_EQ(*values[0], sc(30));
    ASSERT_TRUE(values[1].has_value());
    EXPECT_EQ(*values[1], sc("joe"));

    values =
        extractors::extract(*t, json::parse(R"({"data":{"name":{"first":"joe"},"age":null}})"));
    ASSERT_EQ(values.size(), 2u);
    EXPECT_FALSE(values[0].has_value());
    EXPECT_FALSE(values[1].has_value());

    values = extractors::extract(*t, json::parse(R"({"type":"greeting"})"));
    ASSERT_EQ(values.size(), 2u);
    EXPECT_FALSE(values[0].has_value());
    EXPECT_FALSE(values[1].has_value());
}

TEST(Extractors, ExtractReadsTopLevelAttributes) {
    auto r = extractors::parse(greeting_config);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    const auto values = extractors::extract(*r->for_type("other"),
                                            json::parse(R"({"type":"other","source":"here"})"));
    ASSERT_EQ(values.size(), 1u);
    ASSERT_TRUE(values[0].has_value());
    EXPECT_EQ(*values[0], sc("here"));
}

// An event rig stamped a time into is read, for the pointers that do not lead into the stamp,
// in the document its checks parsed (cloud_event::stamp_size); the values are the stamped text's.
TEST(Extractors, AStampedEventReadsAsItsFullText) {
    auto r = extractors::parse(R"({"t":{
        "name":{"stable_field_index":0,"event":{"json_pointer":"/data/name"}},
        "when":{"stable_field_index":1,"event":{"json_pointer":"/time"}},
        "timex":{"stable_field_index":2,"event":{"json_pointer":"/timex"}}}})");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    const std::string before = R"({"type":"t","timex":"x","data":{"name":"joe"}})";
    const std::string stamped = R"({"time":"now",)" + before.substr(1);
    const std::size_t stamp = stamped.size() - before.size();
    ASSERT_TRUE(rig::core::scan_json(before));  // as the event's checks leave it
    const auto values = extractors::extract(*r->for_type("t"), stamped, stamp);
    ASSERT_EQ(values.size(), 3u);
    ASSERT_TRUE(values[0] && values[1] && values[2]);
    EXPECT_EQ(*values[0], sc("joe"));
    EXPECT_EQ(*values[1], sc("now"));
    EXPECT_EQ(*values[2], sc("x"));

    auto& ex = *r;
    for (const auto& [pointer, key] :
         {std::pair<std::string, std::string>{"/data/name", R"("joe")"},
          {"/time", R"("now")"},
          {"/timex", R"("x")"}}) {
        ex.set_conflation_pointer(pointer);
        ASSERT_TRUE(rig::core::scan_json(before));
        const auto k = ex.conflation_key_of("t", stamped, stamp);
        ASSERT_TRUE(k.has_value()) << pointer;
        EXPECT_EQ(*k, rig::core::conflation_key::of("t", key)) << pointer;
    }
}

// The example document of RFC 6901 §5 (spec §13.4 scenario 30).
const json::value& rfc6901_document() {
    static const json::value doc = json::parse(R"({
      "foo": ["bar", "baz"],
      "": 0,
      "a/b": 1,
      "c%d": 2,
      "e^f": 3,
      "g|h": 4,
      "i\\j": 5,
      "k\"l": 6,
      " ": 7,
      "m~n": 8
    })");
    return doc;
}

TEST(ScalarAt, Rfc6901NonScalarResults) {
    EXPECT_FALSE(scalar_at(rfc6901_document(), "").has_value());
    EXPECT_FALSE(scalar_at(rfc6901_document(), "/foo").has_value());
}

TEST(ScalarAt, Rfc6901ScalarResults) {
    const auto& doc = rfc6901_document();
    const std::pair<const char*, int> cases[] = {
        {"/", 0},     {"/a~1b", 1}, {"/c%d", 2}, {"/e^f", 3},  {"/g|h", 4},
        {"/i\\j", 5}, {"/k\"l", 6}, {"/ ", 7},   {"/m~0n", 8},
    };
    for (const auto& [pointer, expected] : cases) {
        const auto v = scalar_at(doc, pointer);
        ASSERT_TRUE(v.has_value()) << pointer;
        EXPECT_EQ(*v, sc(expected)) << pointer;
    }
}

TEST(ScalarAt, Rfc6901ArrayElements) {
    const auto v = scalar_at(rfc6901_document(), "/foo/0");
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(*v, sc("bar"));
    EXPECT_FALSE(scalar_at(rfc6901_document(), "/foo/2").has_value());
    EXPECT_FALSE(scalar_at(rfc6901_document(), "/foo/-").has_value());
}

TEST(ScalarAt, UnknownPathIsNotFound) {
    const auto& doc = rfc6901_document();
    EXPECT_FALSE(scalar_at(doc, "/unknown").has_value());
    EXPECT_FALSE(scalar_at(doc, "/a/b").has_value());
    EXPECT_FALSE(scalar_at(doc, "/m~n").has_value());
    EXPECT_FALSE(scalar_at(doc, "/ /x").has_value());
}

TEST(ScalarAt, InvalidPointerIsNotFound) {
    const auto& doc = rfc6901_document();
    EXPECT_FALSE(scalar_at(doc, "foo").has_value());
    EXPECT_FALSE(scalar_at(doc, "/m~2n").has_value());
    EXPECT_FALSE(scalar_at(doc, "/m~").has_value());
}

TEST(ScalarAt, NestedPath) {
    const auto doc = json::parse(R"({"a":{"b":{"c":"d"}},"n":null,"t":true})");
    const auto v = scalar_at(doc, "/a/b/c");
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(*v, sc("d"));
    EXPECT_FALSE(scalar_at(doc, "/a/b").has_value());
    EXPECT_FALSE(scalar_at(doc, "/n").has_value());
    ASSERT_TRUE(scalar_at(doc, "/t").has_value());
    EXPECT_EQ(*scalar_at(doc, "/t"), sc(true));
}

TEST(ScalarAt, ScalarDocumentOnlyMatchesEmptyPointer) {
    const json::value doc = "text";
    const auto v = scalar_at(doc, "");
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(*v, sc("text"));
    EXPECT_FALSE(scalar_at(doc, "/x").has_value());
}

}  // namespace
