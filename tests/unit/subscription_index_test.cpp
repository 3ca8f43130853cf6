#include "subscription/subscription_index.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "hub/interest_map.hpp"

namespace {

namespace json = boost::json;
using ids = std::vector<int>;
using rig::subscription::event_fields;
using rig::subscription::extractors;
using rig::subscription::field_values;
using rig::subscription::index_member;
using rig::subscription::parse_failure;
using rig::subscription::parse_subscription_list;
using rig::subscription::scalar;
using rig::subscription::subscription;
using rig::subscription::subscription_index;

// A subscriber as the index sees it: it owns the subscriptions it registered.
struct test_member : index_member {
    explicit test_member(int id_) : id(id_) {}
    int id;
    std::vector<subscription> subs;
};

std::vector<subscription> subs_of(std::string_view list_json) {
    parse_failure err;
    auto list = parse_subscription_list(json::parse(list_json), err);
    EXPECT_TRUE(list.has_value()) << err.describe();
    return list.value_or(std::vector<subscription>{});
}

class SubscriptionIndex : public ::testing::Test {
protected:
    test_member& add_member() {
        members_.push_back(std::make_unique<test_member>(static_cast<int>(members_.size())));
        return *members_.back();
    }

    void set(test_member& m, std::string_view list_json) {
        index_.clear(m);
        // The index reads the subscriptions it replaces: they live until set() returns.
        auto next = subs_of(list_json);
        index_.set(m, next);
        m.subs = std::move(next);
    }

    // Ids of the members reported for an event, in report order.
    std::vector<int> reported(std::string_view type, std::string_view event_json = "{}") {
        const auto* te = extractors_.for_type(type);
        field_values values;
        if (te != nullptr) {
            values = extractors::extract(*te, json::parse(event_json));
        }
        std::vector<int> found;
        index_.match(type, event_fields{te, values},
                     [&](index_member& m) { found.push_back(static_cast<test_member&>(m).id); });
        return found;
    }

    // Sorted ids of the members reported, failing when one is reported twice.
    std::vector<int> matched(std::string_view type, std::string_view event_json = "{}") {
        auto found = reported(type, event_json);
        std::sort(found.begin(), found.end());
        EXPECT_EQ(std::adjacent_find(found.begin(), found.end()), found.end())
            << "a member was reported more than once for " << type;
        return found;
    }

    // Random set/clear churn over `members` subscribers; after every few steps, every
    // (type, event) pair must be reported exactly as a brute-force evaluation says.
    void churn_against_model(const std::vector<std::string>& pool,
                             const std::vector<std::string>& types,
                             const std::vector<std::string>& events, unsigned seed) {
        const auto type_matches = [](const subscription& s, const std::string& type) {
            if (!s.is_wildcard()) {
                return s.event_type == type;
            }
            const std::string prefix(s.index_key());
            return type == prefix || type.starts_with(prefix + ".");
        };
        const auto brute_force = [&](const std::string& type, const std::string& event_json) {
            const auto* te = extractors_.for_type(type);
            field_values values;
            if (te != nullptr) {
                values = extractors::extract(*te, json::parse(event_json));
            }
            const event_fields fields{te, values};
            ids out;
            for (const auto& m : members_) {
                for (const auto& s : m->subs) {
                    if (type_matches(s, type) && s.matches(fields)) {
                        out.push_back(m->id);
                        break;
                    }
                }
            }
            return out;
        };
        const auto check_counters = [&] {
            std::size_t entries = 0;
            std::set<std::string> exact;
            std::set<std::string> wildcard;
            for (const auto& m : members_) {
                entries += m->subs.size();
                for (const auto& s : m->subs) {
                    (s.is_wildcard() ? wildcard : exact).insert(std::string(s.index_key()));
                }
            }
            EXPECT_EQ(index_.member_entries(), entries);
            EXPECT_EQ(index_.exact_keys(), exact.size());
            EXPECT_EQ(index_.wildcard_keys(), wildcard.size());
        };

        constexpr int member_count = 150;
        for (int i = 0; i < member_count; ++i) {
            add_member();
        }
        std::mt19937 rng(seed);
        std::uniform_int_distribution<int> pick_member(0, member_count - 1);
        std::uniform_int_distribution<int> pick_sub(0, static_cast<int>(pool.size()) - 1);
        std::uniform_int_distribution<int> pick_count(0, 4);
        std::uniform_int_distribution<int> pick_op(0, 9);

        for (int step = 0; step < 3000; ++step) {
            auto& m = *members_[static_cast<std::size_t>(pick_member(rng))];
            if (pick_op(rng) < 3) {
                index_.clear(m);
                m.subs.clear();
            } else {
                std::string list = "[";
                const int n = pick_count(rng);
                for (int k = 0; k < n; ++k) {
                    list += (k ? "," : "") + pool[static_cast<std::size_t>(pick_sub(rng))];
                }
                list += "]";
                set(m, list);
            }
            if (step % 25 == 0) {
                check_counters();
                for (const auto& type : types) {
                    for (const auto& e : events) {
                        const auto expected = brute_force(type, e);
                        ASSERT_EQ(matched(type, e), expected)
                            << "step " << step << ", type " << type << ", event " << e;
                        // The publishers' filter has no false negatives.
                        ASSERT_TRUE(expected.empty() || may_want(type, e))
                            << "step " << step << ", type " << type << ", event " << e;
                    }
                }
            }
        }
        check_counters();

        // Remove everyone in random order, checking as the index drains.
        std::vector<std::size_t> order(members_.size());
        for (std::size_t i = 0; i < order.size(); ++i) {
            order[i] = i;
        }
        std::shuffle(order.begin(), order.end(), rng);
        for (std::size_t k = 0; k < order.size(); ++k) {
            auto& m = *members_[order[k]];
            index_.clear(m);
            m.subs.clear();
            if (k % 10 == 0) {
                check_counters();
                for (const auto& type : types) {
                    ASSERT_EQ(matched(type, R"({"n":1})"), brute_force(type, R"({"n":1})"));
                }
            }
        }
        EXPECT_EQ(index_.member_entries(), 0u);
        EXPECT_EQ(index_.exact_keys(), 0u);
        EXPECT_EQ(index_.wildcard_keys(), 0u);
        // Every filing the index reported was taken back: the filter wants nothing again.
        for (const auto& type : types) {
            for (const auto& e : events) {
                EXPECT_FALSE(may_want(type, e)) << type << " " << e;
            }
        }
    }

    // What a publisher asks of the shard's interest_map, fed by this index's observers.
    bool may_want(std::string_view type, std::string_view event_json) {
        const auto* te = extractors_.for_type(type);
        field_values values;
        if (te != nullptr) {
            values = extractors::extract(*te, json::parse(event_json));
        }
        return interest_.may_want(type, rig::hub::interest_key::of(type, event_fields{te, values}));
    }

    void SetUp() override {
        index_.set_key_observer([this](std::string_view key, bool wildcard, bool added) {
            added ? interest_.add(key, wildcard) : interest_.remove(key, wildcard);
        });
        index_.set_filing_observer([this](std::string_view type,
                                          const rig::subscription::constraint_key_view* value,
                                          bool added) {
            added ? interest_.add_filing(type, value) : interest_.remove_filing(type, value);
        });
    }

    void TearDown() override {
        for (auto& m : members_) {
            index_.clear(*m);
        }
        EXPECT_EQ(index_.member_entries(), 0u);
        EXPECT_EQ(index_.exact_keys(), 0u);
        EXPECT_EQ(index_.wildcard_keys(), 0u);
        EXPECT_EQ(index_.constraint_keys(), 0u);
    }

    extractors extractors_;
    rig::hub::interest_map interest_;
    subscription_index index_{&extractors_};
    std::vector<std::unique_ptr<test_member>> members_;
};

TEST_F(SubscriptionIndex, EmptyIndexMatchesNothing) {
    EXPECT_EQ(matched("greeting"), ids{});
    EXPECT_EQ(index_.member_entries(), 0u);
    EXPECT_EQ(index_.exact_keys(), 0u);
    EXPECT_EQ(index_.wildcard_keys(), 0u);
}

TEST_F(SubscriptionIndex, ExactMatch) {
    auto& m = add_member();
    set(m, R"([{"eventType":"greeting"}])");
    EXPECT_EQ(matched("greeting"), ids{0});
    EXPECT_EQ(matched("Greeting"), ids{});
    EXPECT_EQ(matched("greeting2"), ids{});
    EXPECT_EQ(matched("greet"), ids{});
    EXPECT_EQ(matched("greeting.x"), ids{});
    EXPECT_EQ(matched(""), ids{});
    EXPECT_EQ(index_.member_entries(), 1u);
    EXPECT_EQ(index_.exact_keys(), 1u);
    EXPECT_EQ(index_.wildcard_keys(), 0u);
}

TEST_F(SubscriptionIndex, ExactTypesAreNotHierarchical) {
    auto& m = add_member();
    set(m, R"([{"eventType":"a.b"}])");
    EXPECT_EQ(matched("a.b"), ids{0});
    EXPECT_EQ(matched("a.b.c"), ids{});
    EXPECT_EQ(matched("a"), ids{});
}

TEST_F(SubscriptionIndex, WildcardMatchesPrefixAtAnyDepth) {
    auto& m = add_member();
    set(m, R"([{"eventType":"a.b.*"}])");
    EXPECT_EQ(matched("a.b"), ids{0});
    EXPECT_EQ(matched("a.b.c"), ids{0});
    EXPECT_EQ(matched("a.b.c.d"), ids{0});
    EXPECT_EQ(matched("a.bc"), ids{});
    EXPECT_EQ(matched("a.bc.d"), ids{});
    EXPECT_EQ(matched("a"), ids{});
    EXPECT_EQ(matched("a.c"), ids{});
    EXPECT_EQ(matched("b"), ids{});
    EXPECT_EQ(matched("x.a.b"), ids{});
    EXPECT_EQ(index_.exact_keys(), 0u);
    EXPECT_EQ(index_.wildcard_keys(), 1u);
}

TEST_F(SubscriptionIndex, SingleSegmentWildcard) {
    auto& m = add_member();
    set(m, R"([{"eventType":"com.*"}])");
    EXPECT_EQ(matched("com"), ids{0});
    EXPECT_EQ(matched("com.example"), ids{0});
    EXPECT_EQ(matched("com.example.deep.er"), ids{0});
    EXPECT_EQ(matched("comx"), ids{});
    EXPECT_EQ(matched("co"), ids{});
}

TEST_F(SubscriptionIndex, ExactAndWildcardReportMemberOnce) {
    auto& m = add_member();
    set(m, R"([{"eventType":"a.b.c"},{"eventType":"a.b.*"}])");
    EXPECT_EQ(reported("a.b.c"), ids{0});
    EXPECT_EQ(reported("a.b.d"), ids{0});
    EXPECT_EQ(index_.member_entries(), 2u);
}

TEST_F(SubscriptionIndex, TwoWildcardsReportMemberOnce) {
    auto& m = add_member();
    set(m, R"([{"eventType":"a.*"},{"eventType":"a.b.*"}])");
    EXPECT_EQ(reported("a.b.c"), ids{0});
    EXPECT_EQ(reported("a.b"), ids{0});
    EXPECT_EQ(reported("a.x"), ids{0});
    EXPECT_EQ(index_.wildcard_keys(), 2u);
}

TEST_F(SubscriptionIndex, SeveralSubscriptionsOfOneTypeReportMemberOnce) {
    auto& m = add_member();
    set(m, R"([{"eventType":"t"},{"eventType":"t","oneOf":[{"x":1}]},{"eventType":"t.*"}])");
    EXPECT_EQ(reported("t"), ids{0});
    EXPECT_EQ(index_.member_entries(), 3u);
    EXPECT_EQ(index_.exact_keys(), 1u);
    EXPECT_EQ(index_.wildcard_keys(), 1u);
}

TEST_F(SubscriptionIndex, EachMemberReportedOncePerEventAcrossEvents) {
    auto& a = add_member();
    auto& b = add_member();
    set(a, R"([{"eventType":"x.y"},{"eventType":"x.*"}])");
    set(b, R"([{"eventType":"x.*"},{"eventType":"x.y.*"}])");
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(matched("x.y"), (ids{0, 1}));
        EXPECT_EQ(reported("x.y").size(), 2u);
    }
}

TEST_F(SubscriptionIndex, ConstraintsAreEvaluated) {
    auto ex = extractors::parse(
        R"({"greeting":{"name":{"stable_field_index":0,"event":{"json_pointer":"/data/name"}}},)"
        R"("greeting.loud":{"name":{"stable_field_index":0,"event":{"json_pointer":"/data/name"}}}})");
    ASSERT_TRUE(ex.has_value()) << ex.error().message;
    extractors_ = std::move(*ex);

    auto& alice = add_member();
    auto& bob = add_member();
    auto& all = add_member();
    auto& wild = add_member();
    set(alice, R"([{"eventType":"greeting","oneOf":[{"name":"alice"}]}])");
    set(bob, R"([{"eventType":"greeting","oneOf":[{"name":"bob"}]}])");
    set(all, R"([{"eventType":"greeting"}])");
    set(wild, R"([{"eventType":"greeting.*","oneOf":[{"name":"alice"}]}])");

    EXPECT_EQ(matched("greeting", R"({"data":{"name":"alice"}})"), (ids{0, 2, 3}));
    EXPECT_EQ(matched("greeting", R"({"data":{"name":"bob"}})"), (ids{1, 2}));
    EXPECT_EQ(matched("greeting", R"({"data":{"name":"carol"}})"), (ids{2}));
    EXPECT_EQ(matched("greeting.loud", R"({"data":{"name":"alice"}})"), (ids{3}));
    EXPECT_EQ(matched("greeting.loud", R"({"data":{"name":"bob"}})"), (ids{}));
    // A type without extractors ignores the constraint.
    EXPECT_EQ(matched("greeting.quiet", R"({"data":{"name":"bob"}})"), (ids{3}));
}

TEST_F(SubscriptionIndex, OneMatchingSubscriptionSufficesWithinASlot) {
    auto ex =
        extractors::parse(R"({"t":{"n":{"stable_field_index":0,"event":{"json_pointer":"/n"}}}})");
    ASSERT_TRUE(ex.has_value()) << ex.error().message;
    extractors_ = std::move(*ex);
    auto& m = add_member();
    set(m, R"([{"eventType":"t","oneOf":[{"n":1}]},{"eventType":"t","oneOf":[{"n":2}]}])");
    EXPECT_EQ(reported("t", R"({"n":1})"), ids{0});
    EXPECT_EQ(reported("t", R"({"n":2})"), ids{0});
    EXPECT_EQ(reported("t", R"({"n":3})"), ids{});
}

TEST_F(SubscriptionIndex, SetReplacesPreviousSubscriptions) {
    auto& m = add_member();
    set(m, R"([{"eventType":"a"},{"eventType":"b.*"}])");
    EXPECT_EQ(matched("a"), ids{0});
    EXPECT_EQ(matched("b.x"), ids{0});

    set(m, R"([{"eventType":"c"}])");
    EXPECT_EQ(matched("a"), ids{});
    EXPECT_EQ(matched("b.x"), ids{});
    EXPECT_EQ(matched("c"), ids{0});
    EXPECT_EQ(index_.member_entries(), 1u);
    EXPECT_EQ(index_.exact_keys(), 1u);
    EXPECT_EQ(index_.wildcard_keys(), 0u);
}

TEST_F(SubscriptionIndex, SetWithoutPriorClear) {
    // set() itself replaces; the member keeps the old subscriptions alive until it returns.
    auto& m = add_member();
    m.subs = subs_of(R"([{"eventType":"a"}])");
    index_.set(m, m.subs);
    auto next = subs_of(R"([{"eventType":"b"},{"eventType":"b"}])");
    index_.set(m, next);
    m.subs = std::move(next);
    EXPECT_EQ(matched("a"), ids{});
    EXPECT_EQ(reported("b"), ids{0});
    EXPECT_EQ(index_.member_entries(), 2u);
    EXPECT_EQ(index_.exact_keys(), 1u);
}

TEST_F(SubscriptionIndex, SetEmptyRemovesEverything) {
    auto& m = add_member();
    set(m, R"([{"eventType":"a"}])");
    set(m, "[]");
    EXPECT_EQ(matched("a"), ids{});
    EXPECT_EQ(index_.member_entries(), 0u);
    EXPECT_EQ(index_.exact_keys(), 0u);
}

TEST_F(SubscriptionIndex, ClearRemovesMember) {
    auto& a = add_member();
    auto& b = add_member();
    set(a, R"([{"eventType":"t"},{"eventType":"w.*"}])");
    set(b, R"([{"eventType":"t"},{"eventType":"w.*"}])");
    EXPECT_EQ(matched("t"), (ids{0, 1}));
    index_.clear(a);
    EXPECT_EQ(matched("t"), ids{1});
    EXPECT_EQ(matched("w.x"), ids{1});
    EXPECT_EQ(index_.member_entries(), 2u);
    index_.clear(a);  // clearing twice is harmless
    EXPECT_EQ(index_.member_entries(), 2u);
}

TEST_F(SubscriptionIndex, CountersShrinkToZeroAfterClearingEverything) {
    for (int i = 0; i < 10; ++i) {
        auto& m = add_member();
        const std::string n = std::to_string(i);
        std::string list = R"([{"eventType":"t)";
        list += n;
        list += R"("},{"eventType":"shared"},{"eventType":"w)";
        list += n;
        list += R"(.*"},{"eventType":"w.*"}])";
        set(m, list);
    }
    EXPECT_EQ(index_.member_entries(), 40u);
    EXPECT_EQ(index_.exact_keys(), 11u);
    EXPECT_EQ(index_.wildcard_keys(), 11u);
    for (auto& m : members_) {
        index_.clear(*m);
    }
    EXPECT_EQ(index_.member_entries(), 0u);
    EXPECT_EQ(index_.exact_keys(), 0u);
    EXPECT_EQ(index_.wildcard_keys(), 0u);
    for (int i = 0; i < 10; ++i) {
        std::string type = "t";
        type += std::to_string(i);
        EXPECT_EQ(matched(type), ids{});
    }
}

TEST_F(SubscriptionIndex, RemovingFromTheMiddleKeepsOthers) {
    for (int i = 0; i < 5; ++i) {
        set(add_member(), R"([{"eventType":"x"}])");
    }
    index_.clear(*members_[1]);
    EXPECT_EQ(matched("x"), (ids{0, 2, 3, 4}));
    index_.clear(*members_[0]);
    EXPECT_EQ(matched("x"), (ids{2, 3, 4}));
    index_.clear(*members_[4]);
    EXPECT_EQ(matched("x"), (ids{2, 3}));
    set(*members_[1], R"([{"eventType":"x"}])");
    EXPECT_EQ(matched("x"), (ids{1, 2, 3}));
}

// Many members added, replaced and removed in random order; after every step the index must
// report exactly what a brute-force evaluation of every member's subscriptions reports.
TEST_F(SubscriptionIndex, RandomChurnAgreesWithBruteForceModel) {
    auto ex = extractors::parse(
        R"({"a":{"n":{"stable_field_index":0,"event":{"json_pointer":"/n"}}},)"
        R"("a.b":{"n":{"stable_field_index":0,"event":{"json_pointer":"/n"}}},)"
        R"("a.b.c":{"n":{"stable_field_index":0,"event":{"json_pointer":"/n"}}}})");
    ASSERT_TRUE(ex.has_value()) << ex.error().message;
    extractors_ = std::move(*ex);

    const std::vector<std::string> pool = {
        R"({"eventType":"a"})",
        R"({"eventType":"a","oneOf":[{"n":1}]})",
        R"({"eventType":"a","oneOf":[{"n":2},{"n":3}]})",
        R"({"eventType":"a.b"})",
        R"({"eventType":"a.b","oneOf":[{"n":1}]})",
        R"({"eventType":"a.b.c"})",
        R"({"eventType":"a.b.c","oneOf":[{"n":2}]})",
        R"({"eventType":"a.*"})",
        R"({"eventType":"a.*","oneOf":[{"n":1}]})",
        R"({"eventType":"a.b.*"})",
        R"({"eventType":"a.b.*","oneOf":[{"n":3}]})",
        R"({"eventType":"a.b.c.*"})",
        R"({"eventType":"z"})",
        R"({"eventType":"z.*","oneOf":[{"n":2}]})",
        R"({"eventType":"ab"})",
    };
    const std::vector<std::string> types = {"a",  "a.b", "a.b.c", "a.b.c.d", "a.bc",
                                            "ab", "z",   "z.y",   "b"};
    const std::vector<std::string> events = {R"({"n":1})", R"({"n":2})", R"({"n":3})", "{}"};

    churn_against_model(pool, types, events, 20240611);
}

TEST_F(SubscriptionIndex, ConstrainedChurnAgreesWithBruteForceModel) {
    // Several extracted fields of each kind, constraints on undeclared fields, non-scalar
    // values, numbers as integers and floats, multi-constraint and multi-clause subscriptions.
    auto ex = extractors::parse(
        R"({"u":{"name":{"stable_field_index":0,"event":{"json_pointer":"/name"}},)"
        R"(      "n":{"stable_field_index":1,"event":{"json_pointer":"/n"}},)"
        R"(      "flag":{"stable_field_index":2,"event":{"json_pointer":"/flag"}}},)"
        R"("u.v":{"n":{"stable_field_index":0,"event":{"json_pointer":"/n"}}}})");
    ASSERT_TRUE(ex.has_value()) << ex.error().message;
    extractors_ = std::move(*ex);

    const std::vector<std::string> pool = {
        R"({"eventType":"u","oneOf":[{"name":"alice"}]})",
        R"({"eventType":"u","oneOf":[{"name":"bob"}]})",
        R"({"eventType":"u","oneOf":[{"name":"alice","n":1}]})",
        R"({"eventType":"u","oneOf":[{"n":1.0}]})",
        R"({"eventType":"u","oneOf":[{"n":"1"}]})",
        R"({"eventType":"u","oneOf":[{"flag":true}]})",
        R"({"eventType":"u","oneOf":[{"flag":false},{"name":"bob"}]})",
        R"({"eventType":"u","oneOf":[{"undeclared":"x"}]})",
        R"({"eventType":"u","oneOf":[{"undeclared":"x","name":"bob"}]})",
        R"({"eventType":"u","oneOf":[{"name":{"o":1}}]})",
        R"({"eventType":"u","oneOf":[{"name":["alice"]},{"n":2}]})",
        R"({"eventType":"u","oneOf":[{}]})",
        R"({"eventType":"u","oneOf":[]})",
        R"({"eventType":"u"})",
        R"({"eventType":"u.v","oneOf":[{"n":1}]})",
        R"({"eventType":"u.v","oneOf":[{"name":"alice"}]})",
        R"({"eventType":"u.*","oneOf":[{"n":2}]})",
        R"({"eventType":"u.w","oneOf":[{"name":"alice"}]})",
    };
    const std::vector<std::string> types = {"u", "u.v", "u.w"};
    const std::vector<std::string> events = {
        R"({"name":"alice","n":1,"flag":true})",
        R"({"name":"alice","n":1.0})",
        R"({"name":"bob","n":"1","flag":false})",
        R"({"name":"carol","n":2})",
        R"({"name":{"o":1},"n":-0.0})",
        R"({"n":1})",
        "{}",
    };
    churn_against_model(pool, types, events, 7);
}

// The publishers' filter tells events apart by the values their subscribers are filed under:
// an event of a subscribed type that carries no wanted value is wanted nowhere here.
TEST_F(SubscriptionIndex, FilingObserverLetsTheInterestFilterTellValuesApart) {
    auto ex = extractors::parse(
        R"({"u":{"name":{"stable_field_index":0,"event":{"json_pointer":"/name"}}}})");
    ASSERT_TRUE(ex.has_value()) << ex.error().message;
    extractors_ = std::move(*ex);
    auto& alice = add_member();
    set(alice, R"([{"eventType":"u","oneOf":[{"name":"alice"}]}])");
    EXPECT_TRUE(may_want("u", R"({"name":"alice"})"));
    EXPECT_FALSE(may_want("u", R"({"name":"bob"})"));
    EXPECT_FALSE(may_want("u", "{}"));
    EXPECT_FALSE(may_want("v", R"({"name":"alice"})"));

    // A subscriber evaluated for every event of the type (no constraint) wants them all.
    auto& everyone = add_member();
    set(everyone, R"([{"eventType":"u"}])");
    EXPECT_TRUE(may_want("u", R"({"name":"bob"})"));
    index_.clear(everyone);
    EXPECT_FALSE(may_want("u", R"({"name":"bob"})"));

    // So does a wildcard covering the type, whatever it is constrained to.
    set(everyone, R"([{"eventType":"u.*","oneOf":[{"name":"carol"}]}])");
    EXPECT_TRUE(may_want("u", R"({"name":"bob"})"));
    index_.clear(everyone);

    index_.clear(alice);
    EXPECT_FALSE(may_want("u", R"({"name":"alice"})"));
}

// An event carrying more extracted values than interest_key keeps in place is never ruled out
// by its values: the one that is wanted may be among those not kept.
TEST_F(SubscriptionIndex, AnEventWithMoreValuesThanTheFilterKeepsIsNotRuledOut) {
    std::string rules = R"({"u":{)";
    std::string event = "{";
    for (int i = 0; i < 6; ++i) {
        const std::string n = std::to_string(i);
        if (i > 0) {
            rules += ',';
            event += ',';
        }
        rules += R"("f)" + n + R"(":{"stable_field_index":)" + n +
                 R"(,"event":{"json_pointer":"/f)" + n + R"("}})";
        event += R"("f)" + n + R"(":"v)" + n + '"';
    }
    rules += "}}";
    event += "}";
    auto ex = extractors::parse(rules);
    ASSERT_TRUE(ex.has_value()) << ex.error().message;
    extractors_ = std::move(*ex);
    auto& last = add_member();
    set(last, R"([{"eventType":"u","oneOf":[{"f5":"v5"}]}])");
    EXPECT_EQ(matched("u", event), ids{0});
    EXPECT_TRUE(may_want("u", event));
    EXPECT_FALSE(may_want("u", R"({"f5":"other"})"));
    index_.clear(last);
}

// Renewing a member's subscriptions tells the observers what is filed anew before what is
// taken away: a counting filter never reads zero for a key or value the member keeps, so no
// publisher skips its shard while set() runs.
TEST_F(SubscriptionIndex, ReplacingSubscriptionsTellsAdditionsBeforeRemovals) {
    auto ex = extractors::parse(
        R"({"u":{"name":{"stable_field_index":0,"event":{"json_pointer":"/name"}}}})");
    ASSERT_TRUE(ex.has_value()) << ex.error().message;
    extractors_ = std::move(*ex);
    std::map<std::string, int> counts;
    std::set<std::string> zeroed;  // keys whose count fell to zero
    const auto count = [&](const std::string& key, bool added) {
        const int n = counts[key] += added ? 1 : -1;
        if (n == 0) {
            zeroed.insert(key);
        }
    };
    index_.set_key_observer([&](std::string_view key, bool wildcard, bool added) {
        std::string name = wildcard ? "prefix " : "type ";
        name.append(key);
        count(name, added);
    });
    index_.set_filing_observer([&](std::string_view type,
                                   const rig::subscription::constraint_key_view* value,
                                   bool added) {
        std::string key = "filing ";
        key.append(type);
        if (value == nullptr) {
            key.append(" scanned");
        } else if (const auto* text = std::get_if<std::string_view>(&value->value)) {
            key.append(" ").append(std::to_string(value->field)).append("=").append(*text);
        }
        count(key, added);
    });

    // As a connection renews them: set() straight over the old ones, which live until it
    // returns (the fixture's set() clears first).
    auto& m = add_member();
    const auto renew = [&](std::string_view list) {
        auto next = subs_of(list);
        index_.set(m, next);
        m.subs = std::move(next);
    };
    const char* const kept =
        R"([{"eventType":"u","oneOf":[{"name":"alice"}]},{"eventType":"v"},{"eventType":"w.*"}])";
    renew(kept);
    renew(kept);
    EXPECT_TRUE(zeroed.empty()) << *zeroed.begin();
    EXPECT_EQ(counts["filing u 0=alice"], 1);
    EXPECT_EQ(counts["filing v scanned"], 1);
    EXPECT_EQ(counts["type u"], 1);
    EXPECT_EQ(counts["prefix w"], 1);

    // What is really dropped is told, after the additions.
    renew(R"([{"eventType":"u","oneOf":[{"name":"bob"}]}])");
    EXPECT_EQ(zeroed, (std::set<std::string>{"filing u 0=alice", "filing v scanned", "type v",
                                             "prefix w"}));
    EXPECT_EQ(counts["filing u 0=bob"], 1);
    EXPECT_EQ(counts["type u"], 1);

    index_.clear(m);
    EXPECT_EQ(counts["filing u 0=bob"], 0);
    EXPECT_EQ(counts["type u"], 0);
    index_.set_key_observer({});
    index_.set_filing_observer({});
}

}  // namespace
