#include "cloudevents/parse.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "core/base64url.hpp"

namespace {

namespace json = boost::json;
using rig::cloudevents::attribute_header;
using rig::cloudevents::cloud_event;
using rig::cloudevents::media_type;
using rig::cloudevents::parse_binary;
using rig::cloudevents::parse_http;
using rig::cloudevents::parse_structured;
using rig::cloudevents::spec_version;
using rig::core::condition;

constexpr std::string_view parse_now = "2019-03-27T11:53:18.435690+00:00";

using headers = std::vector<attribute_header>;

json::object doc_of(const cloud_event& ev) {
    return json::parse(ev.json).as_object();
}

// The text subscribers receive is always a JSON object.
void expect_consistent(const cloud_event& ev) {
    EXPECT_TRUE(json::parse(ev.json).is_object()) << ev.json;
}

// ---------------------------------------------------------------------------------------------
// parse_structured

TEST(ParseStructured, DetectsVersion01) {
    auto r = parse_structured(
        R"({"cloudEventsVersion":"0.1","eventType":"greeting","eventID":"1","eventTime":"t"})",
        parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->version, spec_version::v0_1);
    EXPECT_EQ(r->type, "greeting");
    EXPECT_EQ(r->id, "1");
    expect_consistent(*r);
}

TEST(ParseStructured, DetectsVersion02) {
    auto r = parse_structured(R"({"specversion":"0.2","type":"greeting","id":"2","time":"t"})",
                              parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->version, spec_version::v0_2);
    EXPECT_EQ(r->type, "greeting");
    EXPECT_EQ(r->id, "2");
}

TEST(ParseStructured, DetectsVersion03) {
    auto r = parse_structured(
        R"({"specversion":"0.3","type":"greeting","id":"3","source":"s","time":"t"})", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->version, spec_version::v0_3);
    EXPECT_EQ(r->id, "3");
}

TEST(ParseStructured, DetectsVersion10) {
    auto r = parse_structured(
        R"({"specversion":"1.0","type":"greeting","id":"4","source":"s","time":"t"})", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->version, spec_version::v1_0);
    EXPECT_EQ(r->type, "greeting");
    EXPECT_EQ(r->id, "4");
}

// The parse reads every top-level member: it tells the tracer whether `traceparent` is one,
// so an event without it is not searched again. Not knowing is "may": the Boost.JSON path.
TEST(ParseStructured, TellsWhetherTraceparentIsAMember) {
    const std::string head = R"({"specversion":"1.0","type":"t","id":"1","source":"s")";
    EXPECT_FALSE(parse_structured(head + "}", "now").value().may_have_traceparent);
    EXPECT_FALSE(parse_structured(head + R"(,"data":{"traceparent":"x"}})", "now")
                     .value()
                     .may_have_traceparent);
    EXPECT_TRUE(
        parse_structured(head + R"(,"traceparent":"x"})", "now").value().may_have_traceparent);
    EXPECT_TRUE(
        parse_structured(head + R"(,"trace\u0070arent":1})", "now").value().may_have_traceparent);
    EXPECT_TRUE(parse_structured(head + R"(,"big":123456789012345678901234567890})", "now")
                    .value()
                    .may_have_traceparent);
}

TEST(ParseStructured, VersionToString) {
    EXPECT_EQ(rig::cloudevents::to_string(spec_version::v0_1), "0.1");
    EXPECT_EQ(rig::cloudevents::to_string(spec_version::v0_2), "0.2");
    EXPECT_EQ(rig::cloudevents::to_string(spec_version::v0_3), "0.3");
    EXPECT_EQ(rig::cloudevents::to_string(spec_version::v1_0), "1.0");
}

// Spec §13.4 scenario 27.
TEST(ParseStructured, Version01RequiresEventTypeAndEventId) {
    EXPECT_FALSE(parse_structured("{}", parse_now).has_value());
    EXPECT_FALSE(parse_structured(R"({"cloudEventsVersion":"0.1"})", parse_now).has_value());
    EXPECT_FALSE(
        parse_structured(R"({"cloudEventsVersion":"0.1","eventType":"greeting"})", parse_now)
            .has_value());
    EXPECT_FALSE(
        parse_structured(R"({"cloudEventsVersion":"0.1","eventType":"greeting","source":"tests"})",
                         parse_now)
            .has_value());
    auto r = parse_structured(
        R"({"cloudEventsVersion":"0.1","eventType":"greeting","source":"tests","eventID":"1"})",
        parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->id, "1");
}

// Spec §13.4 scenario 28.
TEST(ParseStructured, Version02RequiresTypeAndId) {
    EXPECT_FALSE(parse_structured("{}", parse_now).has_value());
    EXPECT_FALSE(parse_structured(R"({"specversion":"0.2"})", parse_now).has_value());
    EXPECT_FALSE(
        parse_structured(R"({"specversion":"0.2","type":"greeting"})", parse_now).has_value());
    EXPECT_FALSE(
        parse_structured(R"({"specversion":"0.2","type":"greeting","source":"tests"})", parse_now)
            .has_value());
    auto r = parse_structured(
        R"({"specversion":"0.2","type":"greeting","source":"tests","id":"2"})", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->id, "2");
}

TEST(ParseStructured, MissingAttributeErrorsAreBadRequestsNamingTheAttribute) {
    auto r = parse_structured(R"({"specversion":"0.2","type":"greeting"})", parse_now);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().cond, condition::bad_request);
    EXPECT_NE(r.error().message.find("id"), std::string::npos) << r.error().message;

    r = parse_structured(R"({"cloudEventsVersion":"0.1","eventID":"1"})", parse_now);
    ASSERT_TRUE(r.has_error());
    EXPECT_NE(r.error().message.find("eventType"), std::string::npos) << r.error().message;
}

TEST(ParseStructured, SourceNotRequiredFor01And02) {
    EXPECT_TRUE(
        parse_structured(R"({"cloudEventsVersion":"0.1","eventType":"a","eventID":"1"})", parse_now)
            .has_value());
    EXPECT_TRUE(
        parse_structured(R"({"specversion":"0.2","type":"a","id":"1"})", parse_now).has_value());
}

TEST(ParseStructured, SourceRequiredFor03And10) {
    for (const char* v : {"0.3", "1.0"}) {
        const std::string without =
            std::string(R"({"specversion":")") + v + R"(","type":"a","id":"1"})";
        auto r = parse_structured(without, parse_now);
        ASSERT_TRUE(r.has_error()) << v;
        EXPECT_EQ(r.error().cond, condition::bad_request);
        EXPECT_NE(r.error().message.find("source"), std::string::npos) << r.error().message;

        const std::string empty =
            std::string(R"({"specversion":")") + v + R"(","type":"a","id":"1","source":""})";
        EXPECT_FALSE(parse_structured(empty, parse_now).has_value()) << v;

        const std::string with =
            std::string(R"({"specversion":")") + v + R"(","type":"a","id":"1","source":"s"})";
        EXPECT_TRUE(parse_structured(with, parse_now).has_value()) << v;
    }
}

TEST(ParseStructured, RejectsEmptyOrNonStringType) {
    EXPECT_FALSE(
        parse_structured(R"({"specversion":"0.2","type":"","id":"1"})", parse_now).has_value());
    EXPECT_FALSE(
        parse_structured(R"({"specversion":"0.2","type":5,"id":"1"})", parse_now).has_value());
    EXPECT_FALSE(parse_structured(R"({"specversion":"0.2","type":{"a":1},"id":"1"})", parse_now)
                     .has_value());
}

TEST(ParseStructured, RejectsEmptyOrStructuredId) {
    EXPECT_FALSE(
        parse_structured(R"({"specversion":"0.2","type":"a","id":""})", parse_now).has_value());
    EXPECT_FALSE(parse_structured(R"({"specversion":"0.2","type":"a","id":{"x":1}})", parse_now)
                     .has_value());
    EXPECT_FALSE(
        parse_structured(R"({"specversion":"0.2","type":"a","id":[1]})", parse_now).has_value());
}

TEST(ParseStructured, LegacyVersionsAcceptScalarIds) {
    auto r = parse_structured(R"({"specversion":"0.2","type":"a","id":2})", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->id, "2");
    r = parse_structured(R"({"cloudEventsVersion":"0.1","eventType":"a","eventID":17})", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->id, "17");
}

TEST(ParseStructured, Version10RequiresStringId) {
    EXPECT_FALSE(
        parse_structured(R"({"specversion":"1.0","type":"a","id":2,"source":"s"})", parse_now)
            .has_value());
}

TEST(ParseStructured, RejectsUnsupportedVersions) {
    EXPECT_FALSE(
        parse_structured(R"({"specversion":"0.4","type":"a","id":"1","source":"s"})", parse_now)
            .has_value());
    EXPECT_FALSE(
        parse_structured(R"({"specversion":"2.0","type":"a","id":"1","source":"s"})", parse_now)
            .has_value());
    EXPECT_FALSE(
        parse_structured(R"({"specversion":1.0,"type":"a","id":"1","source":"s"})", parse_now)
            .has_value());
    EXPECT_FALSE(
        parse_structured(R"({"cloudEventsVersion":"0.2","eventType":"a","eventID":"1"})", parse_now)
            .has_value());
    EXPECT_FALSE(parse_structured(R"({"type":"a","id":"1","source":"s"})", parse_now).has_value());
}

TEST(ParseStructured, KeepsUnknownAttributes) {
    const std::string body =
        R"({"additional top-level property":true,"cloudEventsVersion":"0.1","eventID":"1",)"
        R"("eventType":"greeting","source":"nil","eventTime":"t","ext":{"a":[1,2]}})";
    auto r = parse_structured(body, parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_NE(r->json.find(R"("additional top-level property":true)"), std::string::npos);
    EXPECT_EQ(doc_of(*r).at("additional top-level property"), json::value(true));
    EXPECT_EQ(doc_of(*r).at("ext"), json::parse(R"({"a":[1,2]})"));
}

TEST(ParseStructured, KeepsOriginalBytesWhenTimePresent) {
    const std::string body =
        "{ \"specversion\" : \"0.2\",\n  \"type\":\"greeting\", \"id\" : \"2\",\t\"time\": "
        "\"2020-01-01T00:00:00Z\", \"n\": 1.50, \"u\": \"\\u00e9\" }";
    auto r = parse_structured(body, parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->json, body);
    EXPECT_EQ(doc_of(*r).at("time"), json::value("2020-01-01T00:00:00Z"));
    expect_consistent(*r);
}

TEST(ParseStructured, StampsEventTimeFor01WhenMissing) {
    const std::string body = R"({"cloudEventsVersion":"0.1","eventType":"greeting","eventID":"1"})";
    auto r = parse_structured(body, parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->json, R"({"eventTime":")" + std::string(parse_now) + R"(",)" + body.substr(1));
    EXPECT_EQ(doc_of(*r).at("eventTime"), json::value(parse_now));
    EXPECT_FALSE(doc_of(*r).contains("time"));
    expect_consistent(*r);
}

TEST(ParseStructured, StampsEventTimeFor01EvenWhenTimeAttributePresent) {
    const std::string body =
        R"({"cloudEventsVersion":"0.1","eventType":"greeting","eventID":"1","time":"x"})";
    auto r = parse_structured(body, parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(doc_of(*r).at("eventTime"), json::value(parse_now));
    EXPECT_EQ(doc_of(*r).at("time"), json::value("x"));
    expect_consistent(*r);
}

TEST(ParseStructured, StampsTimeForLaterVersionsWhenMissing) {
    const std::string bodies[] = {
        R"({"specversion":"0.2","type":"greeting","id":"2"})",
        R"({"specversion":"0.3","type":"greeting","id":"3","source":"s"})",
        R"({"specversion":"1.0","type":"greeting","id":"4","source":"s","eventTime":"x"})",
    };
    for (const auto& body : bodies) {
        auto r = parse_structured(body, parse_now);
        ASSERT_TRUE(r.has_value()) << r.error().message;
        EXPECT_EQ(r->json, R"({"time":")" + std::string(parse_now) + R"(",)" + body.substr(1));
        EXPECT_EQ(doc_of(*r).at("time"), json::value(parse_now));
        expect_consistent(*r);
    }
}

TEST(ParseStructured, DoesNotStampWhenTimePresent) {
    const std::string body =
        R"({"specversion":"1.0","type":"a","id":"1","source":"s","time":null})";
    auto r = parse_structured(body, parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->json, body);
}

// parse_structured stamps and parses at once when the text cannot hold a time member; these
// are the texts that must take the other way, and what both leave in the event.
TEST(ParseStructured, StampsTimeWhenTheNameOccursOnlyDeeper) {
    const std::string body =
        R"({"specversion":"1.0","type":"a","id":"1","source":"s","data":{"time":"x"}})";
    auto r = parse_structured(body, parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->json, R"({"time":")" + std::string(parse_now) + R"(",)" + body.substr(1));
}

TEST(ParseStructured, AnEscapedTimeNameIsATime) {
    const std::string body =
        R"({"specversion":"1.0","type":"a","id":"1","source":"s","ti\u006de":"t"})";
    auto r = parse_structured(body, parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->json, body);
    const std::string escaped_data =
        R"({"specversion":"1.0","type":"a","id":"1","source":"s","data":"\u00e9"})";
    r = parse_structured(escaped_data, parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->json, R"({"time":")" + std::string(parse_now) + R"(",)" + escaped_data.substr(1));
}

TEST(ParseStructured, EmptyAndInvalidObjectsAreRefusedAsBefore) {
    const std::string_view bodies[] = {"{}", "{ }", R"({"specversion":"1.0","type":"a"})",
                                       R"({"specversion":"1.0","type":"a","id":"1",})"};
    for (const auto body : bodies) {
        auto r = parse_structured(body, parse_now);
        ASSERT_TRUE(r.has_error()) << body;
        EXPECT_EQ(r.error().message,
                  rig::cloudevents::parse_structured_dom(body, parse_now).error().message)
            << body;
    }
}

TEST(ParseStructured, LeavesRoomForTheWebSocketHeader) {
    for (const std::string body :
         {R"({"specversion":"1.0","type":"a","id":"1","source":"s"})",
          R"({"specversion":"1.0","type":"a","id":"1","source":"s","time":"t"})",
          R"({"cloudEventsVersion":"0.1","eventType":"a","eventID":"1"})"}) {
        auto r = parse_structured(body, parse_now);
        ASSERT_TRUE(r.has_value()) << r.error().message;
        EXPECT_GE(r->json.capacity(), r->json.size() + 10) << body;
    }
}

TEST(ParseStructured, TrimsLeadingAndTrailingWhitespace) {
    const std::string inner = R"({"specversion":"0.2","type":"a","id":"1","time":"t"})";
    auto r = parse_structured(" \r\n\t " + inner + "\n\r\n \t", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->json, inner);
}

TEST(ParseStructured, TrimsBeforeStampingTime) {
    const std::string inner = R"({"specversion":"0.2","type":"a","id":"1"})";
    auto r = parse_structured("\n  " + inner + "  \n", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->json, R"({"time":")" + std::string(parse_now) + R"(",)" + inner.substr(1));
    expect_consistent(*r);
}

TEST(ParseStructured, RejectsInvalidJson) {
    for (const char* body :
         {"", "   ", "{", "can't { be [ parsed.", R"({"specversion":"0.2","type":"a","id":"1",})",
          R"({"specversion":"0.2","type":"a","id":"1"} trailing)"}) {
        auto r = parse_structured(body, parse_now);
        ASSERT_TRUE(r.has_error()) << body;
        EXPECT_EQ(r.error().cond, condition::bad_request) << body;
        EXPECT_FALSE(r.error().message.empty());
    }
}

TEST(ParseStructured, RejectsNonObjects) {
    for (const char* body : {"[]", R"(["specversion","0.2"])", R"("text")", "42", "null", "true"}) {
        auto r = parse_structured(body, parse_now);
        ASSERT_TRUE(r.has_error()) << body;
        EXPECT_EQ(r.error().cond, condition::bad_request) << body;
    }
}

// ---------------------------------------------------------------------------------------------
// parse_binary

TEST(ParseBinary, Version02JsonBodyIsDecodedWithoutContentType) {
    // Spec §13.3 scenario 23.
    const headers h{
        {"specversion", "0.2"}, {"type", "greeting"}, {"source", "tests"}, {"id", "a1b2"}};
    auto r = parse_binary(h, "application/json", R"({"name": "alice"})", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->version, spec_version::v0_2);
    EXPECT_EQ(r->type, "greeting");
    EXPECT_EQ(r->id, "a1b2");
    const auto& d = doc_of(*r);
    EXPECT_EQ(d.at("specversion"), json::value("0.2"));
    EXPECT_EQ(d.at("source"), json::value("tests"));
    EXPECT_EQ(d.at("data"), json::parse(R"({"name":"alice"})"));
    EXPECT_FALSE(d.contains("contenttype"));
    EXPECT_FALSE(d.contains("datacontenttype"));
    EXPECT_EQ(d.at("time"), json::value(parse_now));
    expect_consistent(*r);
}

TEST(ParseBinary, Version02JsonWithParametersHasNoContentType) {
    const headers h{{"specversion", "0.2"}, {"type", "greeting"}, {"id", "1"}};
    auto r = parse_binary(h, "application/json; charset=utf-8", R"([1,2])", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(doc_of(*r).at("data"), json::parse("[1,2]"));
    EXPECT_FALSE(doc_of(*r).contains("contenttype"));
}

TEST(ParseBinary, Version02TextBodyIsStringWithContentType) {
    // Spec §13.3 scenario 24.
    const std::string body =
        "The name this event carries is \xc2\xbb"
        "Alice\xc2\xab.";
    const headers h{
        {"specversion", "0.2"}, {"type", "greeting"}, {"source", "tests"}, {"id", "a1b2"}};
    auto r = parse_binary(h, "text/plain", body, parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    const auto& d = doc_of(*r);
    EXPECT_EQ(d.at("data"), json::value(body));
    EXPECT_EQ(d.at("contenttype"), json::value("text/plain"));
    expect_consistent(*r);
}

TEST(ParseBinary, Version10AlwaysRecordsDataContentType) {
    const headers h{{"specversion", "1.0"}, {"type", "greeting"}, {"source", "s"}, {"id", "1"}};
    auto r = parse_binary(h, "application/json", R"({"name":"alice"})", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->version, spec_version::v1_0);
    EXPECT_EQ(doc_of(*r).at("datacontenttype"), json::value("application/json"));
    EXPECT_EQ(doc_of(*r).at("data"), json::parse(R"({"name":"alice"})"));
    EXPECT_FALSE(doc_of(*r).contains("contenttype"));

    r = parse_binary(h, "text/plain; charset=utf-8", "hello", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(doc_of(*r).at("datacontenttype"), json::value("text/plain; charset=utf-8"));
    EXPECT_EQ(doc_of(*r).at("data"), json::value("hello"));
    expect_consistent(*r);
}

TEST(ParseBinary, Version10NonUtf8BodyBecomesDataBase64) {
    const std::string body("\xff\xfe\x00\x01\x80", 5);
    const headers h{{"specversion", "1.0"}, {"type", "blob"}, {"source", "s"}, {"id", "1"}};
    auto r = parse_binary(h, "application/octet-stream", body, parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    const auto& d = doc_of(*r);
    EXPECT_EQ(d.at("data_base64"), json::value(rig::core::base64_encode(body)));
    EXPECT_FALSE(d.contains("data"));
    EXPECT_EQ(d.at("datacontenttype"), json::value("application/octet-stream"));
    expect_consistent(*r);
}

TEST(ParseBinary, Version10Utf8OctetStreamStaysString) {
    const headers h{{"specversion", "1.0"}, {"type", "blob"}, {"source", "s"}, {"id", "1"}};
    auto r = parse_binary(h, "application/octet-stream", "plain", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(doc_of(*r).at("data"), json::value("plain"));
    EXPECT_FALSE(doc_of(*r).contains("data_base64"));
}

TEST(ParseBinary, EmptyBodyHasNoData) {
    const headers h{{"specversion", "1.0"}, {"type", "ping"}, {"source", "s"}, {"id", "1"}};
    auto r = parse_binary(h, "application/json", "", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_FALSE(doc_of(*r).contains("data"));
    EXPECT_FALSE(doc_of(*r).contains("data_base64"));
}

TEST(ParseBinary, Version02ExtensionValuesAreJsonDecodedWhenTheyParse) {
    const headers h{{"specversion", "0.2"},  {"type", "greeting"}, {"id", "5"},
                    {"rig", R"({"a":1})"},   {"n", "5"},           {"flag", "true"},
                    {"text", "hello world"}, {"source", "42"}};
    auto r = parse_binary(h, "text/plain", "x", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    const auto& d = doc_of(*r);
    EXPECT_EQ(d.at("rig"), json::parse(R"({"a":1})"));
    EXPECT_EQ(d.at("n"), json::value(5));
    EXPECT_EQ(d.at("flag"), json::value(true));
    EXPECT_EQ(d.at("text"), json::value("hello world"));
    // The attributes RIG knows stay strings even when they look like JSON.
    EXPECT_EQ(d.at("id"), json::value("5"));
    EXPECT_EQ(d.at("source"), json::value("42"));
    EXPECT_EQ(r->id, "5");
}

// Found by fuzzing: "1e999" parsed as infinity, the event was serialised with `Infinity` and
// its own check refused it. A number out of range is not JSON to RIG, so it stays a string.
TEST(ParseBinary, Version02ExtensionOutOfRangeNumbersStayStrings) {
    const headers h{{"specversion", "0.2"},
                    {"type", "greeting"},
                    {"id", "5"},
                    {"big", "1e999"},
                    {"list", "[1,-1e400]"}};
    auto r = parse_binary(h, "text/plain", "x", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(doc_of(*r).at("big"), json::value("1e999"));
    EXPECT_EQ(doc_of(*r).at("list"), json::value("[1,-1e400]"));
}

TEST(ParseBinary, JsonBodyWithANumberOutOfRangeIsNotJson) {
    const headers h{{"specversion", "1.0"}, {"type", "t"}, {"source", "s"}, {"id", "1"}};
    auto r = parse_binary(h, "application/json", R"({"n":[1e309]})", parse_now);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().message,
              "The binary-mode request body is not valid JSON: a number is out of range");
}

TEST(ParseBinary, Version10ValuesArePercentDecodedNotJsonDecoded) {
    const headers h{{"specversion", "1.0"},
                    {"type", "greeting"},
                    {"id", "1"},
                    {"source", "caf%C3%A9%20bar"},
                    {"n", "5"},
                    {"obj", "%7B%22a%22%3A1%7D"},
                    {"lone", "100%"},
                    {"tail", "end%41"}};
    auto r = parse_binary(h, "text/plain", "x", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    const auto& d = doc_of(*r);
    EXPECT_EQ(d.at("source"), json::value("caf\xc3\xa9 bar"));
    EXPECT_EQ(d.at("n"), json::value("5"));
    EXPECT_EQ(d.at("obj"), json::value(R"({"a":1})"));
    EXPECT_EQ(d.at("lone"), json::value("100%"));
    EXPECT_EQ(d.at("tail"), json::value("endA"));
}

TEST(ParseBinary, AttributesComeFromHeadersAndEventIsStructured) {
    const headers h{{"specversion", "1.0"}, {"type", "com.example.created"},
                    {"id", "abc"},          {"source", "/here"},
                    {"subject", "thing"},   {"time", "2020-01-01T00:00:00Z"}};
    auto r = parse_binary(h, "application/json", "{\"k\": [1, 2]}", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->type, "com.example.created");
    EXPECT_EQ(r->id, "abc");
    const auto& d = doc_of(*r);
    EXPECT_EQ(d.at("subject"), json::value("thing"));
    EXPECT_EQ(d.at("time"), json::value("2020-01-01T00:00:00Z"));
    EXPECT_EQ(d.at("data"), json::parse(R"({"k":[1,2]})"));
    expect_consistent(*r);
}

TEST(ParseBinary, WrongSpecVersionIsRefused) {
    const headers h{{"specversion", "0.5"}, {"type", "greeting"}, {"id", "1"}, {"source", "s"}};
    auto r = parse_binary(h, "text/plain", "x", parse_now);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().cond, condition::bad_request);
    EXPECT_NE(r.error().message.find("ce-specversion"), std::string::npos) << r.error().message;
}

TEST(ParseBinary, MissingSpecVersionIsRefused) {
    const headers h{{"type", "greeting"}, {"id", "1"}, {"source", "s"}};
    auto r = parse_binary(h, "text/plain", "x", parse_now);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().cond, condition::bad_request);
    EXPECT_NE(r.error().message.find("ce-specversion"), std::string::npos) << r.error().message;
}

TEST(ParseBinary, DuplicateSpecVersionIsRefused) {
    const headers h{
        {"specversion", "0.2"}, {"specversion", "0.2"}, {"type", "greeting"}, {"id", "1"}};
    auto r = parse_binary(h, "text/plain", "x", parse_now);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().cond, condition::bad_request);
    EXPECT_NE(r.error().message.find("ce-specversion"), std::string::npos) << r.error().message;
}

TEST(ParseBinary, MissingTypeIsRefused) {
    const headers h{{"specversion", "0.2"}, {"id", "1"}, {"source", "s"}};
    auto r = parse_binary(h, "application/json", R"({"name":"alice"})", parse_now);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().cond, condition::bad_request);
    EXPECT_NE(r.error().message.find("type"), std::string::npos) << r.error().message;
}

TEST(ParseBinary, MissingIdIsRefused) {
    const headers h{{"specversion", "1.0"}, {"type", "greeting"}, {"source", "s"}};
    auto r = parse_binary(h, "text/plain", "x", parse_now);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().cond, condition::bad_request);
}

TEST(ParseBinary, MissingSourceIsRefusedFor10) {
    const headers h{{"specversion", "1.0"}, {"type", "greeting"}, {"id", "1"}};
    auto r = parse_binary(h, "text/plain", "x", parse_now);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().cond, condition::bad_request);
    EXPECT_NE(r.error().message.find("source"), std::string::npos) << r.error().message;
}

TEST(ParseBinary, InvalidJsonBodyIsBadRequest) {
    const headers h{{"specversion", "0.2"}, {"type", "greeting"}, {"id", "1"}};
    auto r = parse_binary(h, "application/json", "{not json", parse_now);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().cond, condition::bad_request);
}

// ---------------------------------------------------------------------------------------------
// parse_http (spec §2.12)

const std::string structured_body =
    R"({"specversion":"0.2","type":"greeting","id":"7","data":{"name":"alice"}})";

// Batches go to parse_batch (parse_batch_test.cpp); parse_http takes single events only.
TEST(ParseHttp, BatchMediaTypesAreUnsupportedMediaType) {
    for (const char* ct : {"application/cloudevents-batch+json",
                           "Application/CloudEvents-Batch+JSON; charset=utf-8"}) {
        auto r = parse_http({}, ct, "[]", parse_now);
        ASSERT_TRUE(r.has_error()) << ct;
        EXPECT_EQ(r.error().cond, condition::unsupported_media_type) << ct;
        EXPECT_EQ(r.error().message,
                  "application/cloudevents-batch+json holds a batch of events, not a single "
                  "event.");
    }
    for (const char* ct : {"application/cloudevents-batch", "application/cloudevents-batch+xml"}) {
        auto r = parse_http({}, ct, "[]", parse_now);
        ASSERT_TRUE(r.has_error()) << ct;
        EXPECT_EQ(r.error().cond, condition::unsupported_media_type) << ct;
        EXPECT_EQ(r.error().message, "The batch format \"" + std::string(ct) +
                                         "\" is not supported: send batches as "
                                         "application/cloudevents-batch+json.");
    }
    const headers h{{"specversion", "0.2"}, {"type", "greeting"}, {"id", "1"}};
    auto r = parse_http(h, "application/cloudevents-batch+json", "[]", parse_now);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().cond, condition::unsupported_media_type);
}

TEST(ParseHttp, StructuredNonJsonFormatIsUnsupportedMediaType) {
    auto r = parse_http({}, "application/cloudevents+xml", "<event/>", parse_now);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().cond, condition::unsupported_media_type);
    EXPECT_NE(r.error().message.find("structured mode"), std::string::npos) << r.error().message;
}

TEST(ParseHttp, CloudEventsJsonIsStructured) {
    // Spec §13.3 scenario 25; any ce-* headers are ignored in structured mode.
    const headers h{{"specversion", "1.0"}, {"type", "other"}, {"id", "x"}};
    for (const char* ct : {"application/cloudevents+json", "application/cloudevents",
                           "Application/CloudEvents+JSON; charset=utf-8"}) {
        auto r = parse_http(h, ct, structured_body, parse_now);
        ASSERT_TRUE(r.has_value()) << ct << ": " << r.error().message;
        EXPECT_EQ(r->type, "greeting");
        EXPECT_EQ(r->id, "7");
        EXPECT_EQ(doc_of(*r).at("data"), json::parse(R"({"name":"alice"})"));
    }
}

TEST(ParseHttp, JsonWithoutSpecVersionHeaderIsStructured) {
    // Spec §13.3 scenario 26.
    auto r = parse_http({}, "application/json", structured_body, parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->type, "greeting");
    EXPECT_EQ(r->version, spec_version::v0_2);
    EXPECT_EQ(r->json,
              R"({"time":")" + std::string(parse_now) + R"(",)" + structured_body.substr(1));

    // Other ce-* headers do not switch to binary mode; only ce-specversion does.
    const headers h{{"type", "other"}, {"id", "x"}};
    r = parse_http(h, "application/json; charset=utf-8", structured_body, parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->type, "greeting");
}

TEST(ParseHttp, JsonWithSpecVersionHeaderIsBinary) {
    const headers h{{"specversion", "0.2"}, {"type", "greeting"}, {"source", "s"}, {"id", "9"}};
    auto r = parse_http(h, "application/json", R"({"name": "alice"})", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->type, "greeting");
    EXPECT_EQ(r->id, "9");
    EXPECT_EQ(doc_of(*r).at("data"), json::parse(R"({"name":"alice"})"));
}

TEST(ParseHttp, OtherMediaTypesAreBinary) {
    const headers h{{"specversion", "0.2"}, {"type", "greeting"}, {"source", "s"}, {"id", "9"}};
    auto r = parse_http(h, "text/plain", "hello", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(doc_of(*r).at("data"), json::value("hello"));
    EXPECT_EQ(doc_of(*r).at("contenttype"), json::value("text/plain"));
}

TEST(ParseHttp, TextPlainWithoutCeHeadersIsBadRequestFromBinaryMode) {
    auto r = parse_http({}, "text/plain", structured_body, parse_now);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().cond, condition::bad_request);
    EXPECT_NE(r.error().message.find("ce-specversion"), std::string::npos) << r.error().message;
}

TEST(ParseHttp, MissingContentTypeWithoutCeHeadersIsUnsupportedMediaType) {
    auto r = parse_http({}, "", structured_body, parse_now);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().cond, condition::unsupported_media_type);
}

TEST(ParseHttp, MissingContentTypeWithCeHeadersIsBinary) {
    const headers h{{"specversion", "1.0"}, {"type", "greeting"}, {"source", "s"}, {"id", "9"}};
    auto r = parse_http(h, "", "hello", parse_now);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(doc_of(*r).at("data"), json::value("hello"));
}

TEST(ParseHttp, StructuredFailureExplainsWhy) {
    auto r =
        parse_http({}, "application/json", R"({"specversion":"0.2","type":"greeting"})", parse_now);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().cond, condition::bad_request);
    EXPECT_TRUE(r.error().message.starts_with("The request body does not look like a CloudEvent: "))
        << r.error().message;

    r = parse_http({}, "application/cloudevents+json", "not json", parse_now);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().cond, condition::bad_request);
}

// ---------------------------------------------------------------------------------------------
// media_type

TEST(MediaType, LowercasesAndDropsParameters) {
    EXPECT_EQ(media_type("application/json"), "application/json");
    EXPECT_EQ(media_type("Application/JSON; charset=utf-8"), "application/json");
    EXPECT_EQ(media_type("  text/plain  ;q=1"), "text/plain");
    EXPECT_EQ(media_type("\tAPPLICATION/CLOUDEVENTS+JSON\t"), "application/cloudevents+json");
    EXPECT_EQ(media_type(""), "");
    EXPECT_EQ(media_type(";charset=utf-8"), "");
}

}  // namespace
