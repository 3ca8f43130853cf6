#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "cloudevents/parse.hpp"

namespace {

namespace json = boost::json;
using rig::cloudevents::cloud_event;
using rig::cloudevents::is_batch;
using rig::cloudevents::parse_batch;
using rig::cloudevents::parse_structured;
using rig::cloudevents::spec_version;
using rig::core::condition;

constexpr std::string_view now = "2019-03-27T11:53:18.435690+00:00";
constexpr std::size_t limit = 1000;

// Members as clients write them: every version, odd spacing, and strings holding the array's
// punctuation, quotes and escapes.
const std::string v01 =
    R"({"cloudEventsVersion":"0.1","eventType":"batch.a","eventID":"a","eventTime":"t1"})";
const std::string v02 = R"({ "specversion" : "0.2" , "type":"batch.b","id":"b","time":"t2" })";
const std::string v03 =
    R"({"specversion":"0.3","type":"batch.c","id":"c","source":"s","time":"t3","data":"],[{\"}"})";
const std::string v10 =
    "{\n  \"specversion\": \"1.0\",\n  \"type\": \"batch.d\",\n  \"id\": \"d\",\n"
    "  \"source\": \"s\",\n  \"time\": \"t4\",\n  \"data\": {\"list\": [1, {\"x\": \"\\\\\"}]}\n}";

std::string array_of(const std::vector<std::string>& members, std::string_view sep = ",") {
    std::string out = "[";
    for (std::size_t i = 0; i < members.size(); ++i) {
        out += (i ? std::string(sep) : std::string()) + members[i];
    }
    return out + "]";
}

std::vector<cloud_event> parse_ok(std::string_view body, std::size_t max = limit) {
    auto r = parse_batch(body, now, max);
    EXPECT_TRUE(r.has_value()) << (r.has_error() ? r.error().message : "") << "\n" << body;
    return r.has_value() ? std::move(*r) : std::vector<cloud_event>{};
}

rig::core::error parse_error(std::string_view body, std::size_t max = limit) {
    auto r = parse_batch(body, now, max);
    EXPECT_TRUE(r.has_error()) << body;
    return r.has_error() ? r.error() : rig::core::error{condition::bad_request, ""};
}

// The batch's own parse agrees with a full Boost.JSON parse of the body: the same number of
// members, each member's document equal to the body's element (plus a stamped time).
void expect_agrees_with_full_parse(std::string_view body, const std::vector<cloud_event>& events) {
    const json::value whole = json::parse(body);
    ASSERT_TRUE(whole.is_array());
    const auto& arr = whole.get_array();
    ASSERT_EQ(arr.size(), events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        json::object doc = json::parse(events[i].json).as_object();
        const auto& sent = arr[i].as_object();
        if (doc.size() == sent.size() + 1) {
            doc.erase(events[i].version == spec_version::v0_1 ? "eventTime" : "time");
        }
        EXPECT_EQ(json::value(doc), arr[i]) << i;
    }
}

TEST(IsBatch, JsonBatchMediaTypeInAnyCaseWithParameters) {
    for (const char* ct :
         {"application/cloudevents-batch+json", "Application/CloudEvents-Batch+JSON",
          "application/cloudevents-batch+json; charset=utf-8",
          " application/cloudevents-batch+json ;charset=UTF-8"}) {
        EXPECT_TRUE(is_batch(ct)) << ct;
    }
    for (const char* ct : {"", "application/json", "application/cloudevents+json",
                           "application/cloudevents-batch", "application/cloudevents-batch+xml",
                           "application/cloudevents-batch+json2", "text/plain"}) {
        EXPECT_FALSE(is_batch(ct)) << ct;
    }
}

TEST(ParseBatch, EveryVersionInOrder) {
    const std::string body = array_of({v01, v02, v03, v10});
    const auto events = parse_ok(body);
    ASSERT_EQ(events.size(), 4u);
    const spec_version versions[] = {spec_version::v0_1, spec_version::v0_2, spec_version::v0_3,
                                     spec_version::v1_0};
    const char* ids[] = {"a", "b", "c", "d"};
    for (std::size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(events[i].version, versions[i]);
        EXPECT_EQ(events[i].id, ids[i]);
        EXPECT_EQ(events[i].type, std::string("batch.") + ids[i]);
    }
    expect_agrees_with_full_parse(body, events);
}

TEST(ParseBatch, MembersKeepTheirTextExactly) {
    const std::string body = array_of({v01, v02, v03, v10});
    const auto events = parse_ok(body);
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[0].json, v01);
    EXPECT_EQ(events[1].json, v02);
    EXPECT_EQ(events[2].json, v03);
    EXPECT_EQ(events[3].json, v10);
}

TEST(ParseBatch, WhitespaceAroundMembersIsNotPartOfThem) {
    const std::string body = " \r\n[\n\t" + v02 + "\n ,\n" + v10 + "  \n]\n ";
    const auto events = parse_ok(body);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].json, v02);
    EXPECT_EQ(events[1].json, v10);
    expect_agrees_with_full_parse(body, events);
}

TEST(ParseBatch, MissingTimeIsStampedOnEachMember) {
    const std::string a = R"({"cloudEventsVersion":"0.1","eventType":"t","eventID":"1"})";
    const std::string b = R"({"specversion":"1.0","type":"t","id":"2","source":"s"})";
    const std::string c = R"({"specversion":"0.2","type":"t","id":"3","time":"kept"})";
    const std::string body = array_of({a, b, c}, " , ");
    const auto events = parse_ok(body);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].json, "{\"eventTime\":\"" + std::string(now) + "\"," + a.substr(1));
    EXPECT_EQ(events[1].json, "{\"time\":\"" + std::string(now) + "\"," + b.substr(1));
    EXPECT_EQ(events[2].json, c);
    EXPECT_EQ(json::parse(events[0].json).at("eventTime").as_string(), now);
    EXPECT_EQ(json::parse(events[1].json).at("time").as_string(), now);
    expect_agrees_with_full_parse(body, events);
}

TEST(ParseBatch, EmptyArrayHasNoEvents) {
    for (const char* body : {"[]", " [ ] ", "\n[\n\t]\r\n"}) {
        auto r = parse_batch(body, now, limit);
        ASSERT_TRUE(r.has_value()) << body << ": " << r.error().message;
        EXPECT_TRUE(r->empty()) << body;
    }
}

TEST(ParseBatch, FirstInvalidMemberRejectsTheBatchWithItsIndex) {
    const std::string no_id = R"({"specversion":"0.2","type":"t"})";
    const std::string no_type = R"({"specversion":"0.2","id":"x"})";
    const auto e = parse_error(array_of({v01, v02, no_id, v10, no_type}));
    EXPECT_EQ(e.cond, condition::bad_request);
    EXPECT_EQ(e.message, "batch member 2: missing or invalid attribute \"id\"");
    EXPECT_EQ(parse_error(array_of({no_type})).message,
              "batch member 0: missing or invalid attribute \"type\"");
}

// Each member is judged exactly like a single structured event: the batch error carries
// parse_structured's own message.
TEST(ParseBatch, MemberErrorsAreTheSingleEventMessages) {
    const char* bad[] = {
        R"({"specversion":"1.0","type":"t","id":"1"})",           // 1.0 needs source
        R"({"specversion":"9.9","type":"t","id":"1"})",           // unknown version
        R"({"type":"t","id":"1"})",                               // no version at all
        R"({"specversion":"0.2","type":"t","id":{"x":1}})",       // id not a scalar
        R"({"specversion":"0.2","type":"t","id":"1","a": tru})",  // bad literal inside
        R"({"specversion":"0.2","type":"t","id":"1","n": 01})",   // bad number inside
        R"({})",
        R"([1, 2])",
        R"("event")",
        "1",
        "null",
        "true",
        "tru",
    };
    for (const char* member : bad) {
        const auto single = parse_structured(member, now);
        ASSERT_TRUE(single.has_error()) << member;
        const auto e = parse_error(array_of({v02, member}));
        EXPECT_EQ(e.cond, condition::bad_request) << member;
        EXPECT_EQ(e.message, "batch member 1: " + single.error().message) << member;
    }
}

TEST(ParseBatch, MemberNestedDeeperThanAnEventMayBeIsRejected) {
    std::string deep = R"({"specversion":"0.2","type":"t","id":"1","data":)";
    deep += std::string(100, '[') + std::string(100, ']') + "}";
    const auto e = parse_error(array_of({deep}));
    EXPECT_EQ(e.cond, condition::bad_request);
    EXPECT_TRUE(e.message.starts_with("batch member 0: invalid JSON")) << e.message;
}

// Deep nesting is skipped by counting, not recursion; the member parse then refuses it.
TEST(ParseBatch, DeeplyNestedBodyIsRefusedWithoutCrashing) {
    const std::string body = std::string(100000, '[') + std::string(100000, ']');
    const auto e = parse_error(body);
    EXPECT_EQ(e.cond, condition::bad_request);
    EXPECT_EQ(e.message, "batch member 0: invalid JSON: too deep");
}

TEST(ParseBatch, BodyThatIsNotJsonIsBadRequest) {
    const std::string a = R"({"specversion":"0.2","type":"t","id":"1"})";
    const std::string bodies[] = {
        "",
        "   ",
        "[",
        "[" + a,
        "[" + a + ",]",
        "[," + a + "]",
        "[" + a + " " + a + "]",
        "[" + a + "] x",
        "[" + a + "] [" + a + "]",
        "[" + a + "]]",
        "x[]",
        "[}",
        "[\"\xff\"]",
        "[" + a + ",," + a + "]",
        std::string(5000, '['),
        // Each starts like a value of another kind (On-Demand reads only the first character).
        "nonsense",
        "tru",
        "-",
        "\"abc",
        "{\"a\":",
        "{} x",
    };
    for (const auto& body : bodies) {
        const auto e = parse_error(body);
        EXPECT_EQ(e.cond, condition::bad_request) << body;
        EXPECT_TRUE(e.message.starts_with("The batch is not valid JSON: ")) << e.message;
    }
}

TEST(ParseBatch, BodyThatIsNotAnArrayIsBadRequest) {
    const std::pair<const char*, const char*> cases[] = {
        {R"({"specversion":"0.2","type":"t","id":"1"})", "an object"},
        {R"("[]")", "a string"},
        {"42", "a number"},
        {"true", "a boolean"},
        {"null", "null"},
    };
    for (const auto& [body, what] : cases) {
        const auto e = parse_error(body);
        EXPECT_EQ(e.cond, condition::bad_request) << body;
        EXPECT_EQ(e.message,
                  std::string("A batch must be a JSON array of CloudEvents, not ") + what + ".");
    }
}

TEST(ParseBatch, MoreMembersThanTheLimitIsPayloadTooLarge) {
    const std::string a = R"({"specversion":"0.2","type":"t","id":"1"})";
    EXPECT_EQ(parse_ok(array_of({a, a}), 2).size(), 2u);
    const auto e = parse_error(array_of({a, a, a}), 2);
    EXPECT_EQ(e.cond, condition::payload_too_large);
    EXPECT_EQ(e.message, "The batch has 3 events; at most 2 are allowed (RIG_MAX_BATCH_EVENTS).");
    // The limit is checked before the members: a long batch of bad events is still 413.
    EXPECT_EQ(parse_error(array_of({"{}", "{}", "{}"}), 2).cond, condition::payload_too_large);
}

TEST(ParseBatch, AThousandEventsKeepTheirOrder) {
    std::vector<std::string> members;
    for (int i = 0; i < 1000; ++i) {
        members.push_back(R"({"specversion":"1.0","type":"t","source":"s","id":")" +
                          std::to_string(i) + "\"}");
    }
    const std::string body = array_of(members);
    const auto events = parse_ok(body);
    ASSERT_EQ(events.size(), 1000u);
    for (int i = 0; i < 1000; ++i) {
        EXPECT_EQ(events[static_cast<std::size_t>(i)].id, std::to_string(i));
    }
    expect_agrees_with_full_parse(body, events);
}

}  // namespace
