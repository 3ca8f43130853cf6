#include "subscription/subscription.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;
using rig::subscription::event_fields;
using rig::subscription::extractors;
using rig::subscription::field_values;
using rig::subscription::infer_from_claims;
using rig::subscription::merge_unique;
using rig::subscription::parse_failure;
using rig::subscription::parse_subscription;
using rig::subscription::parse_subscription_list;
using rig::subscription::scalar;
using rig::subscription::subscription;
using rig::subscription::to_json;

subscription parse_ok(std::string_view text) {
    parse_failure err;
    auto s = parse_subscription(json::parse(text), err);
    EXPECT_TRUE(s.has_value()) << text << ": " << err.describe();
    return s.value_or(subscription{});
}

parse_failure parse_fails(std::string_view text) {
    parse_failure err;
    auto s = parse_subscription(json::parse(text), err);
    EXPECT_FALSE(s.has_value()) << text;
    return err;
}

extractors make_extractors(std::string_view text) {
    auto r = extractors::parse(text);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r.has_value() ? std::move(*r) : extractors{};
}

// An event of a type, with its field values extracted as the hub does.
class event {
public:
    event(const extractors& ex, std::string_view type, std::string_view json_text)
        : type_(ex.for_type(type)) {
        if (type_ != nullptr) {
            values_ = extractors::extract(*type_, json::parse(json_text));
        }
    }
    event_fields fields() const { return {type_, values_}; }

private:
    const rig::subscription::type_extractors* type_;
    field_values values_;
};

// ---------------------------------------------------------------------------------------------
// parse_subscription

TEST(ParseSubscription, ParsesEventTypeAndOneOf) {
    const auto s = parse_ok(
        R"({"eventType":"com.github.pull.create","oneOf":[{"head_repo":"octocat/Hello-World"},)"
        R"({"base_repo":"octocat/Hello-World","assignee":"octocat"}]})");
    EXPECT_EQ(s.event_type, "com.github.pull.create");
    ASSERT_EQ(s.one_of.size(), 2u);
    ASSERT_EQ(s.one_of[0].all_of.size(), 1u);
    EXPECT_EQ(s.one_of[0].all_of[0].field, "head_repo");
    ASSERT_TRUE(s.one_of[0].all_of[0].value.has_value());
    EXPECT_EQ(*s.one_of[0].all_of[0].value, *scalar::from_json(json::value("octocat/Hello-World")));
    EXPECT_EQ(s.one_of[1].all_of.size(), 2u);
    EXPECT_EQ(s.one_of_json(),
              json::parse(R"([{"head_repo":"octocat/Hello-World"},)"
                          R"({"base_repo":"octocat/Hello-World","assignee":"octocat"}])"));
    EXPECT_FALSE(s.is_wildcard());
    EXPECT_EQ(s.index_key(), "com.github.pull.create");
}

TEST(ParseSubscription, AcceptsEventTypeAlias) {
    const auto s = parse_ok(R"({"event_type":"greeting","oneOf":[{"name":"alice"}]})");
    EXPECT_EQ(s.event_type, "greeting");
    EXPECT_EQ(s.one_of.size(), 1u);
}

TEST(ParseSubscription, AcceptsConstraintAliases) {
    for (const char* key : {"oneOf", "one_of", "constraints"}) {
        const auto s = parse_ok(std::string(R"({"eventType":"greeting",")") + key +
                                R"(":[{"name":"alice"},{"name":"bob"}]})");
        EXPECT_EQ(s.one_of.size(), 2u) << key;
        EXPECT_EQ(s.one_of_json(), json::parse(R"([{"name":"alice"},{"name":"bob"}])")) << key;
    }
}

TEST(ParseSubscription, ConstraintsAreOptional) {
    const auto s = parse_ok(R"({"eventType":"greeting"})");
    EXPECT_EQ(s.event_type, "greeting");
    EXPECT_TRUE(s.one_of.empty());
    EXPECT_TRUE(s.one_of_json().empty());
}

// A oneOf of scalars is written again from its parsed form (no document kept per
// subscription); one that would not come back equal is kept as given.
TEST(ParseSubscription, KeepsTheGivenOneOfOnlyWhenItCannotBeWrittenAgain) {
    const auto plain = parse_ok(
        R"({"eventType":"t","oneOf":[{"s":"x","i":-3,"d":1.5,"b":true},{"u":7,"n":null}]})");
    EXPECT_TRUE(plain.given_one_of.empty());
    EXPECT_EQ(plain.one_of_json(),
              json::parse(R"([{"s":"x","i":-3,"d":1.5,"b":true},{"u":7,"n":null}])"));
    for (const char* one_of :
         {R"([{"o":{"k":1}}])", R"([{"a":[1]}])", R"([{"big":18446744073709551615}])"}) {
        const auto kept = parse_ok(std::string(R"({"eventType":"t","oneOf":)") + one_of + "}");
        EXPECT_FALSE(kept.given_one_of.empty()) << one_of;
        EXPECT_EQ(kept.one_of_json(), json::parse(one_of)) << one_of;
    }
}

TEST(ParseSubscription, EqualityIsTheDocumentsWhetherKeptOrNot) {
    EXPECT_EQ(parse_ok(R"({"eventType":"t","oneOf":[{"a":1,"b":"x"}]})"),
              parse_ok(R"({"eventType":"t","oneOf":[{"b":"x","a":1}]})"));
    EXPECT_NE(parse_ok(R"({"eventType":"t","oneOf":[{"a":1}]})"),
              parse_ok(R"({"eventType":"t","oneOf":[{"a":1.0}]})"));
    EXPECT_NE(parse_ok(R"({"eventType":"t","oneOf":[{"a":1}]})"),
              parse_ok(R"({"eventType":"t","oneOf":[{"a":[1]}]})"));
    EXPECT_NE(parse_ok(R"({"eventType":"t","oneOf":[{"a":1},{"b":2}]})"),
              parse_ok(R"({"eventType":"t","oneOf":[{"b":2},{"a":1}]})"));
    EXPECT_EQ(parse_ok(R"({"eventType":"t","oneOf":[{"a":{"k":[1]}}]})"),
              parse_ok(R"({"eventType":"t","oneOf":[{"a":{"k":[1]}}]})"));
}

TEST(ParseSubscription, IgnoresExtraKeys) {
    const auto s = parse_ok(R"({"eventType":"greeting","whatever":[1,2],"oneOf":[]})");
    EXPECT_EQ(s.event_type, "greeting");
    EXPECT_TRUE(s.one_of.empty());
}

TEST(ParseSubscription, ConstraintValuesMayBeAnyJson) {
    const auto s =
        parse_ok(R"({"eventType":"t","oneOf":[{"a":null,"b":{"x":1},"c":[1],"d":1.5,"e":true}]})");
    ASSERT_EQ(s.one_of.size(), 1u);
    EXPECT_EQ(s.one_of[0].all_of.size(), 5u);
}

TEST(ParseSubscription, NotAMap) {
    for (const char* text : {R"("greeting")", "42", "[]", "null", "true"}) {
        EXPECT_EQ(parse_fails(text).reason, "not a map") << text;
    }
}

TEST(ParseSubscription, EventTypeNotFound) {
    EXPECT_EQ(parse_fails("{}").reason, "event-type not found");
    // Spec §13.2 scenario 18.
    EXPECT_EQ(parse_fails(R"({"this":"is not","a":"subscription"})").reason,
              "event-type not found");
    EXPECT_EQ(parse_fails(R"({"EventType":"greeting"})").reason, "event-type not found");
}

TEST(ParseSubscription, EventTypeEmpty) {
    EXPECT_EQ(parse_fails(R"({"eventType":""})").reason, "event-type empty");
    EXPECT_EQ(parse_fails(R"({"eventType":123})").reason, "event-type empty");
    EXPECT_EQ(parse_fails(R"({"event_type":null})").reason, "event-type empty");
    EXPECT_EQ(parse_fails(R"({"eventType":["a"]})").reason, "event-type empty");
}

TEST(ParseSubscription, ConstraintsNotAList) {
    for (const char* c : {R"({})", R"({"name":"alice"})", R"("x")", "1"}) {
        EXPECT_EQ(parse_fails(std::string(R"({"eventType":"greeting","oneOf":)") + c + "}").reason,
                  "constraints expected to be a list of disjunctive clauses")
            << c;
    }
    EXPECT_EQ(parse_fails(R"({"eventType":"greeting","constraints":{}})").reason,
              "constraints expected to be a list of disjunctive clauses");
}

TEST(ParseSubscription, ClauseNotAMap) {
    for (const char* c : {R"(["x"])", R"([{"a":"b"},1])", R"([[]])", R"([null])"}) {
        EXPECT_EQ(parse_fails(std::string(R"({"eventType":"greeting","oneOf":)") + c + "}").reason,
                  "a disjunctive clause expected to be a conjunction represented by a map")
            << c;
    }
}

TEST(ParseSubscription, ClauseKeysMustBeNonEmpty) {
    EXPECT_EQ(parse_fails(R"({"eventType":"greeting","oneOf":[{"":"x"}]})").reason,
              "conjunctive clauses expected to be a map with nonempty strings as keys");
    EXPECT_EQ(parse_fails(R"({"eventType":"greeting","one_of":[{"a":"b","":"x"}]})").reason,
              "conjunctive clauses expected to be a map with nonempty strings as keys");
}

// Found by fuzzing (tests/fuzz/corpus/subscriptions/number_out_of_range): Boost.JSON reads
// 1e309 as infinity and writes it back as `Infinity`, so the subscription list rig echoed in
// rig.subscriptions_set and in the 201 answer was not JSON.
TEST(ParseSubscription, NumbersOutOfRangeAreRefused) {
    for (const char* c :
         {R"([{"n":1e309}])", R"([{"n":-1e400}])", R"([{"a":1},{"o":{"x":[1e999]}}])"}) {
        EXPECT_EQ(parse_fails(std::string(R"({"eventType":"greeting","oneOf":)") + c + "}").reason,
                  "constraint values expected to hold no number out of range")
            << c;
    }
    const auto s = parse_ok(R"({"eventType":"t","oneOf":[{"n":1e308,"m":-1.5e-320}]})");
    const std::string written = json::serialize(to_json({s}));
    EXPECT_EQ(json::parse(written),
              json::parse(R"([{"eventType":"t","oneOf":[{"n":1e308,"m":-1.5e-320}]}])"));
}

TEST(ParseSubscription, DescribeFormat) {
    auto err = parse_fails("42");
    EXPECT_EQ(err.describe(), "invalid subscription: not a map when parsing 42");

    const json::value v = json::parse(R"({"this":"is not","a":"subscription"})");
    parse_failure e2;
    ASSERT_FALSE(parse_subscription(v, e2).has_value());
    EXPECT_EQ(e2.element, json::serialize(v));
    EXPECT_EQ(e2.describe(),
              "invalid subscription: event-type not found when parsing " + json::serialize(v));
}

TEST(ParseSubscription, Wildcard) {
    const auto s = parse_ok(R"({"eventType":"com.github.pull.*"})");
    EXPECT_TRUE(s.is_wildcard());
    EXPECT_EQ(s.index_key(), "com.github.pull");
    EXPECT_EQ(s.event_type, "com.github.pull.*");
}

TEST(ParseSubscription, BareWildcardIsRefused) {
    auto err = parse_fails(R"({"eventType":".*"})");
    EXPECT_FALSE(err.reason.empty());
}

// ---------------------------------------------------------------------------------------------
// parse_subscription_list

TEST(ParseSubscriptionList, ParsesEveryElement) {
    // Spec §13.7 scenario 52.
    parse_failure err;
    auto list = parse_subscription_list(
        json::parse(R"([{"eventType":"foo","oneOf":[{"a":"b"}]},{"eventType":"bar","oneOf":[]}])"),
        err);
    ASSERT_TRUE(list.has_value()) << err.describe();
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[0].event_type, "foo");
    EXPECT_EQ((*list)[1].event_type, "bar");
}

TEST(ParseSubscriptionList, EmptyList) {
    parse_failure err;
    auto list = parse_subscription_list(json::parse("[]"), err);
    ASSERT_TRUE(list.has_value());
    EXPECT_TRUE(list->empty());
}

TEST(ParseSubscriptionList, OneBadElementRefusesTheList) {
    parse_failure err;
    auto list = parse_subscription_list(
        json::parse(R"([{"eventType":"foo","oneOf":[{"a":"b"}]},{"eventType":123,"oneOf":[]}])"),
        err);
    EXPECT_FALSE(list.has_value());
    EXPECT_EQ(err.reason, "event-type empty");
    EXPECT_EQ(err.element, R"({"eventType":123,"oneOf":[]})");
}

TEST(ParseSubscriptionList, NotAList) {
    for (const char* text : {R"({"eventType":"foo"})", R"("foo")", "1", "null"}) {
        parse_failure err;
        EXPECT_FALSE(parse_subscription_list(json::parse(text), err).has_value()) << text;
        EXPECT_FALSE(err.reason.empty()) << text;
    }
}

// ---------------------------------------------------------------------------------------------
// matches (spec §4.2, §13.9)

const char* const name_age_config = R"({"greeting": {
    "name": {"stable_field_index": 0, "event": {"json_pointer": "/data/name"}},
    "age": {"stable_field_index": 1, "event": {"json_pointer": "/data/age"}}}})";

std::string greeting(std::string_view name, std::string_view age_json) {
    return std::string(R"({"specversion":"0.2","type":"greeting","id":"1","data":{"name":")") +
           std::string(name) + R"(","age":)" + std::string(age_json) + "}}";
}

TEST(SubscriptionMatches, NameOnlyConstraint) {
    // Spec §13.9 scenario 62, first half.
    const auto ex = make_extractors(name_age_config);
    const auto s = parse_ok(R"({"eventType":"greeting","oneOf":[{"name":"joe"}]})");
    EXPECT_TRUE(s.matches(event(ex, "greeting", greeting("joe", "20")).fields()));
    EXPECT_TRUE(s.matches(event(ex, "greeting", greeting("joe", "30")).fields()));
    EXPECT_TRUE(s.matches(event(ex, "greeting", greeting("joe", "null")).fields()));
    EXPECT_FALSE(s.matches(event(ex, "greeting", greeting("bob", "30")).fields()));
}

TEST(SubscriptionMatches, NameAndAgeConstraint) {
    // Spec §13.9 scenario 62, second half.
    const auto ex = make_extractors(name_age_config);
    const auto s = parse_ok(R"({"eventType":"greeting","oneOf":[{"name":"joe","age":30}]})");
    EXPECT_TRUE(s.matches(event(ex, "greeting", greeting("joe", "30")).fields()));
    EXPECT_FALSE(s.matches(event(ex, "greeting", greeting("joe", "20")).fields()));
    EXPECT_FALSE(s.matches(event(ex, "greeting", greeting("joe", "null")).fields()));
    EXPECT_FALSE(s.matches(event(ex, "greeting", greeting("bob", "30")).fields()));
}

TEST(SubscriptionMatches, MissingFieldOnlyMatchesConstraintsNotMentioningIt) {
    const auto ex = make_extractors(name_age_config);
    const event no_age(ex, "greeting", R"({"type":"greeting","data":{"name":"joe"}})");
    const event obj_age(ex, "greeting", R"({"type":"greeting","data":{"name":"joe","age":{}}})");
    const event arr_age(ex, "greeting", R"({"type":"greeting","data":{"name":"joe","age":[30]}})");
    EXPECT_TRUE(
        parse_ok(R"({"eventType":"greeting","oneOf":[{"name":"joe"}]})").matches(no_age.fields()));
    for (const event* e : {&no_age, &obj_age, &arr_age}) {
        EXPECT_FALSE(parse_ok(R"({"eventType":"greeting","oneOf":[{"name":"joe","age":30}]})")
                         .matches(e->fields()));
        EXPECT_FALSE(
            parse_ok(R"({"eventType":"greeting","oneOf":[{"age":null}]})").matches(e->fields()));
    }
}

TEST(SubscriptionMatches, ValueComparisonFollowsErlangEquality) {
    const auto ex = make_extractors(name_age_config);
    const event joe30(ex, "greeting", greeting("joe", "30"));
    EXPECT_TRUE(
        parse_ok(R"({"eventType":"greeting","oneOf":[{"age":30.0}]})").matches(joe30.fields()));
    EXPECT_FALSE(
        parse_ok(R"({"eventType":"greeting","oneOf":[{"age":"30"}]})").matches(joe30.fields()));
    EXPECT_FALSE(
        parse_ok(R"({"eventType":"greeting","oneOf":[{"name":"Joe"}]})").matches(joe30.fields()));
}

TEST(SubscriptionMatches, NonScalarConstraintValueNeverMatches) {
    const auto ex = make_extractors(name_age_config);
    const event joe(ex, "greeting", greeting("joe", "30"));
    EXPECT_FALSE(parse_ok(R"({"eventType":"greeting","oneOf":[{"name":{"first":"joe"}}]})")
                     .matches(joe.fields()));
    EXPECT_FALSE(
        parse_ok(R"({"eventType":"greeting","oneOf":[{"name":["joe"]}]})").matches(joe.fields()));
    EXPECT_FALSE(
        parse_ok(R"({"eventType":"greeting","oneOf":[{"name":null}]})").matches(joe.fields()));
}

TEST(SubscriptionMatches, EmptyOneOfAndEmptyClauseMatchEverything) {
    const auto ex = make_extractors(name_age_config);
    const event bob(ex, "greeting", greeting("bob", "null"));
    EXPECT_TRUE(parse_ok(R"({"eventType":"greeting"})").matches(bob.fields()));
    EXPECT_TRUE(parse_ok(R"({"eventType":"greeting","oneOf":[]})").matches(bob.fields()));
    EXPECT_TRUE(parse_ok(R"({"eventType":"greeting","oneOf":[{}]})").matches(bob.fields()));
    EXPECT_TRUE(
        parse_ok(R"({"eventType":"greeting","oneOf":[{"name":"x"},{}]})").matches(bob.fields()));
}

TEST(SubscriptionMatches, OneOfIsDisjunction) {
    const auto ex = make_extractors(name_age_config);
    const auto s =
        parse_ok(R"({"eventType":"greeting","oneOf":[{"name":"alice"},{"name":"joe","age":20}]})");
    EXPECT_TRUE(s.matches(event(ex, "greeting", greeting("alice", "1")).fields()));
    EXPECT_TRUE(s.matches(event(ex, "greeting", greeting("joe", "20")).fields()));
    EXPECT_FALSE(s.matches(event(ex, "greeting", greeting("joe", "21")).fields()));
    EXPECT_FALSE(s.matches(event(ex, "greeting", greeting("bob", "20")).fields()));
}

TEST(SubscriptionMatches, UnknownConstraintFieldsAreIgnored) {
    const auto ex = make_extractors(name_age_config);
    const event joe(ex, "greeting", greeting("joe", "30"));
    EXPECT_TRUE(parse_ok(R"({"eventType":"greeting","oneOf":[{"nosuchfield":"x"}]})")
                    .matches(joe.fields()));
    EXPECT_TRUE(parse_ok(R"({"eventType":"greeting","oneOf":[{"name":"joe","nosuchfield":"x"}]})")
                    .matches(joe.fields()));
    EXPECT_FALSE(parse_ok(R"({"eventType":"greeting","oneOf":[{"name":"bob","nosuchfield":"x"}]})")
                     .matches(joe.fields()));
}

TEST(SubscriptionMatches, WithoutFieldConfigEveryConstraintIsIgnored) {
    // Spec §13.9 scenario 63.
    const auto s = parse_ok(R"({"eventType":"greeting","oneOf":[{"name":"joe"}]})");
    const extractors none;
    EXPECT_TRUE(s.matches(event(none, "greeting", greeting("sam", "1")).fields()));
    EXPECT_TRUE(s.matches(event_fields{}));

    const auto with_name = make_extractors(
        R"({"greeting":{"name":{"stable_field_index":0,"event":{"json_pointer":"/data/name"}}}})");
    EXPECT_FALSE(s.matches(event(with_name, "greeting", greeting("sam", "1")).fields()));
    EXPECT_TRUE(s.matches(event(with_name, "greeting", greeting("joe", "1")).fields()));
}

TEST(SubscriptionMatches, MatchSpecWithNullField) {
    // Spec §13.9 scenario 64: fields [foo, bar], event foo = "a foo value", bar = null.
    const auto ex = make_extractors(R"({"t": {
        "foo": {"stable_field_index": 0, "event": {"json_pointer": "/data/foo"}},
        "bar": {"stable_field_index": 1, "event": {"json_pointer": "/data/bar"}}}})");
    const event e(ex, "t", R"({"type":"t","data":{"foo":"a foo value","bar":null}})");
    EXPECT_TRUE(parse_ok(R"({"eventType":"t","oneOf":[{}]})").matches(e.fields()));
    EXPECT_TRUE(
        parse_ok(R"({"eventType":"t","oneOf":[{"foo":"a foo value"}]})").matches(e.fields()));
    EXPECT_FALSE(
        parse_ok(R"({"eventType":"t","oneOf":[{"foo":"a foo value","bar":"a bar value"}]})")
            .matches(e.fields()));
    EXPECT_FALSE(
        parse_ok(R"({"eventType":"t","oneOf":[{"foo":"some other"}]})").matches(e.fields()));

    // No fields configured: a catch-all.
    const extractors none;
    const event plain(none, "t", R"({"type":"t"})");
    EXPECT_TRUE(
        parse_ok(R"({"eventType":"t","oneOf":[{"foo":"some other"}]})").matches(plain.fields()));
}

// ---------------------------------------------------------------------------------------------
// merge_unique

TEST(MergeUnique, AppendsOnlyNewSubscriptionsKeepingOrder) {
    std::vector<subscription> into{parse_ok(R"({"eventType":"a"})"),
                                   parse_ok(R"({"eventType":"b","oneOf":[{"x":1}]})")};
    std::vector<subscription> more{parse_ok(R"({"eventType":"b","oneOf":[{"x":1}]})"),
                                   parse_ok(R"({"eventType":"c"})"),
                                   parse_ok(R"({"eventType":"b","oneOf":[{"x":2}]})"),
                                   parse_ok(R"({"event_type":"a","one_of":[]})")};
    merge_unique(into, std::move(more));
    ASSERT_EQ(into.size(), 4u);
    EXPECT_EQ(into[0].event_type, "a");
    EXPECT_EQ(into[1].event_type, "b");
    EXPECT_EQ(into[1].one_of_json(), json::parse(R"([{"x":1}])"));
    EXPECT_EQ(into[2].event_type, "c");
    EXPECT_EQ(into[3].event_type, "b");
    EXPECT_EQ(into[3].one_of_json(), json::parse(R"([{"x":2}])"));
}

TEST(MergeUnique, MergingIntoEmpty) {
    std::vector<subscription> into;
    merge_unique(into, {parse_ok(R"({"eventType":"a"})"), parse_ok(R"({"eventType":"b"})")});
    EXPECT_EQ(into.size(), 2u);
    merge_unique(into, {});
    EXPECT_EQ(into.size(), 2u);
}

// ---------------------------------------------------------------------------------------------
// infer_from_claims (spec §4.4, §13.7)

TEST(InferFromClaims, Scenario50) {
    const auto ex = make_extractors(R"({
      "event_one": {"name": {"stable_field_index": 0, "event": {"json_pointer": "/data/name"},
                             "jwt": {"json_pointer": "/username"}}},
      "event_two": {
        "fullname": {"stable_field_index": 0, "event": {"json_pointer": "/data/fullname"},
                     "jwt": {"json_pointer": "/fullname"}},
        "name": {"stable_field_index": 1, "event": {"json_pointer": "/data/name"},
                 "jwt": {"json_pointer": "/username"}}},
      "example": {"email": {"stable_field_index": 0, "event": {"json_pointer": "/data/email"}}}
    })");
    const auto subs =
        infer_from_claims(ex, json::parse(R"({"username":"john","fullname":"John Doe"})"));
    EXPECT_EQ(to_json(subs), json::parse(R"([
      {"eventType":"event_one","oneOf":[{"name":"john"}]},
      {"eventType":"event_two","oneOf":[{"fullname":"John Doe","name":"john"}]}])"));
    ASSERT_EQ(subs.size(), 2u);
    ASSERT_EQ(subs[1].one_of.size(), 1u);
    EXPECT_EQ(subs[1].one_of[0].all_of.size(), 2u);
}

TEST(InferFromClaims, Scenario53) {
    const auto ex = make_extractors(R"({"testevent": {
      "name": {"stable_field_index": 0, "event": {"json_pointer": "/data/name"},
               "jwt": {"json_pointer": "/givenName"}},
      "age": {"stable_field_index": 1, "event": {"json_pointer": "/data/age"},
              "jwt": {"json_pointer": "/age"}}}})");
    const auto subs = infer_from_claims(ex, json::parse(R"({"givenName":"alice","age":33})"));
    ASSERT_EQ(subs.size(), 1u);
    EXPECT_EQ(subs[0].event_type, "testevent");
    EXPECT_EQ(subs[0].one_of_json(), json::parse(R"([{"name":"alice","age":33}])"));

    // The inferred subscription filters like a manual one.
    const event alice33(ex, "testevent",
                        R"({"type":"testevent","data":{"name":"alice","age":33}})");
    const event alice34(ex, "testevent",
                        R"({"type":"testevent","data":{"name":"alice","age":34}})");
    EXPECT_TRUE(subs[0].matches(alice33.fields()));
    EXPECT_FALSE(subs[0].matches(alice34.fields()));
}

TEST(InferFromClaims, Scenario54NothingToInfer) {
    const auto with_jwt = make_extractors(R"({"testevent": {
      "name": {"stable_field_index": 0, "event": {"json_pointer": "/data/name"},
               "jwt": {"json_pointer": "/givenName"}}}})");
    EXPECT_TRUE(infer_from_claims(with_jwt, json::parse(R"({"username":"alice"})")).empty());

    const auto without_jwt = make_extractors(R"({"testevent": {
      "name": {"stable_field_index": 0, "event": {"json_pointer": "/data/name"}}}})");
    EXPECT_TRUE(infer_from_claims(without_jwt, json::parse(R"({"givenName":"alice"})")).empty());

    EXPECT_TRUE(infer_from_claims(extractors{}, json::parse(R"({"givenName":"alice"})")).empty());
}

TEST(InferFromClaims, OnlyResolvingFieldsAreBound) {
    const auto ex = make_extractors(R"({"t": {
      "a": {"stable_field_index": 0, "event": {"json_pointer": "/data/a"},
            "jwt": {"json_pointer": "/a"}},
      "b": {"stable_field_index": 1, "event": {"json_pointer": "/data/b"},
            "jwt": {"json_pointer": "/nested/b"}}}})");
    const auto subs = infer_from_claims(ex, json::parse(R"({"a":"x","nested":{"c":1}})"));
    ASSERT_EQ(subs.size(), 1u);
    EXPECT_EQ(subs[0].one_of_json(), json::parse(R"([{"a":"x"}])"));

    const auto nested = infer_from_claims(ex, json::parse(R"({"nested":{"b":[1,2]}})"));
    ASSERT_EQ(nested.size(), 1u);
    EXPECT_EQ(nested[0].one_of_json(), json::parse(R"([{"b":[1,2]}])"));
}

TEST(InferFromClaims, NumbersOutOfRangeBindNothing) {
    // A claim 1e999 reads as infinity and would be written back as `Infinity`; dropping only
    // that binding would widen the subscription, so the type gets no inferred subscription.
    const auto ex = make_extractors(R"({"t": {
      "a": {"stable_field_index": 0, "event": {"json_pointer": "/data/a"},
            "jwt": {"json_pointer": "/a"}},
      "b": {"stable_field_index": 1, "event": {"json_pointer": "/data/b"},
            "jwt": {"json_pointer": "/b"}}},
      "u": {"a": {"stable_field_index": 0, "event": {"json_pointer": "/data/a"},
                  "jwt": {"json_pointer": "/a"}}}})");
    const auto subs = infer_from_claims(ex, json::parse(R"({"a":"x","b":1e999})"));
    ASSERT_EQ(subs.size(), 1u);
    EXPECT_EQ(subs[0].event_type, "u");
    EXPECT_EQ(json::serialize(to_json(subs)), R"([{"eventType":"u","oneOf":[{"a":"x"}]}])");
    EXPECT_TRUE(infer_from_claims(ex, json::parse(R"({"a":[1,-1e999]})")).empty());
}

// ---------------------------------------------------------------------------------------------
// to_json

TEST(SubscriptionToJson, UsesCanonicalKeys) {
    std::vector<subscription> subs{
        parse_ok(R"({"event_type":"a","constraints":[{"x":1}],"extra":true})"),
        parse_ok(R"({"eventType":"b"})"),
        parse_ok(R"({"eventType":"c.*","one_of":[{}]})"),
    };
    EXPECT_EQ(to_json(subs), json::parse(R"([
      {"eventType":"a","oneOf":[{"x":1}]},
      {"eventType":"b","oneOf":[]},
      {"eventType":"c.*","oneOf":[{}]}])"));
    for (const auto& v : to_json(subs)) {
        EXPECT_EQ(v.as_object().size(), 2u);
    }
}

TEST(SubscriptionToJson, EmptyList) {
    EXPECT_TRUE(to_json({}).empty());
}

TEST(SubscriptionToJson, RoundTripsThroughParser) {
    const auto original = json::parse(
        R"([{"eventType":"greeting","oneOf":[{"name":"alice"}]},{"eventType":"x","oneOf":[]}])");
    parse_failure err;
    auto subs = parse_subscription_list(original, err);
    ASSERT_TRUE(subs.has_value()) << err.describe();
    EXPECT_EQ(json::value(to_json(*subs)), original);
}

TEST(Subscription, WantsMatchesTypesAndWildcardsLikeTheIndex) {
    parse_failure err;
    auto subs = parse_subscription_list(
        json::parse(R"([{"eventType":"com.pull.*"},{"eventType":"exact"}])"), err);
    ASSERT_TRUE(subs.has_value()) << err.describe();
    const event_fields none{};
    EXPECT_TRUE(rig::subscription::wants(*subs, "com.pull", none));
    EXPECT_TRUE(rig::subscription::wants(*subs, "com.pull.create", none));
    EXPECT_FALSE(rig::subscription::wants(*subs, "com.pullx", none));
    EXPECT_FALSE(rig::subscription::wants(*subs, "com", none));
    EXPECT_TRUE(rig::subscription::wants(*subs, "exact", none));
    EXPECT_FALSE(rig::subscription::wants(*subs, "exact.more", none));
}

}  // namespace
