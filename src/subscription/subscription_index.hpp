#pragma once

#include <boost/container/small_vector.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "subscription/constraint_key.hpp"
#include "subscription/subscription.hpp"

namespace rig::subscription {

class subscription_index;

// What the index stores for one subscriber (a connection). Subscribers derive from it; the
// index keeps pointers to it while it is registered, so it must be removed from the index
// (subscription_index::clear) before it is destroyed.
class index_member {
public:
    index_member() = default;
    index_member(const index_member&) = delete;
    index_member& operator=(const index_member&) = delete;

protected:
    ~index_member() = default;

private:
    friend class subscription_index;
    struct bucket;

    static constexpr uint32_t not_filed = UINT32_MAX;

    // One per distinct indexed key (exact type, or wildcard prefix) the member subscribes to:
    // the member's places in that key's bucket and the subscriptions to evaluate there.
    // A slot is either scanned for every event of the key, or filed under one constraint of
    // each of its conjunctions (keyed), or neither when none can ever hold.
    // Most slots hold one subscription filed under one key, so the first of each is kept
    // inline: a subscription then costs no allocation of the index's own. (Not boost's
    // small_vector: its move is not noexcept all the way down, and slots move.)
    struct slot {
        bucket* owner = nullptr;
        const subscription* first = nullptr;  // the slot's subscriptions: first, then more
        std::vector<const subscription*> more;
        // Places under the second, third... constraint key, in the order
        // subscription_index::filing_keys gives the keys (recomputed from the subscriptions,
        // which stay alive while they are filed, instead of stored a second time here).
        std::vector<uint32_t> more_keyed;
        // Scanned: the place in the bucket's scanned list; keyed: under the first key.
        uint32_t position = not_filed;
        uint32_t keys = 0;  // constraint keys filed under; 0 when scanned or filed nowhere
        bool match_all = false;

        std::size_t size() const { return first == nullptr ? 0 : 1 + more.size(); }
        const subscription& operator[](std::size_t i) const {
            return i == 0 ? *first : *more[i - 1];
        }
        void add(const subscription& s) {
            if (first == nullptr) {
                first = &s;
            } else {
                more.push_back(&s);
            }
        }
        bool scanned() const { return keys == 0 && position != not_filed; }
        uint32_t& keyed_position(std::size_t i) { return i == 0 ? position : more_keyed[i - 1]; }
    };
    std::vector<slot> slots_;
    uint64_t last_match_ = 0;
};

// A shard's subscription index: exact event type → subscribers, plus wildcard prefixes;
// within an exact type, subscribers with constraints are filed by constraint value.
//
// Matching costs one hash lookup for the exact type, plus one per dot-separated prefix when
// any wildcard subscription exists, plus one per extracted field of the event, plus the
// subscribers found there; it grows neither with unrelated subscriptions nor with subscribers
// of the same type whose constraints name other values (the usual "events of this type for
// this user" subscription). Each member is reported at most once per event, however many of
// its subscriptions match.
//
// @par Thread safety
// Not thread-safe: each shard owns one and touches it only from its own thread.
class subscription_index {
public:
    // `ex` (the node's EXTRACTORS, which outlive the index) tells which constraints can be
    // filed by value; without it every subscriber of a type is evaluated for each event.
    explicit subscription_index(const extractors* ex = nullptr) : extractors_(ex) {}
    subscription_index(const subscription_index&) = delete;
    subscription_index& operator=(const subscription_index&) = delete;
    subscription_index(subscription_index&&) = delete;
    subscription_index& operator=(subscription_index&&) = delete;
    ~subscription_index() = default;

    // Replaces the member's subscriptions. `subs` must stay alive and unchanged until the
    // member's next set() or clear() has returned: both read the subscriptions they replace
    // (the member owns them).
    void set(index_member& member, std::span<const subscription> subs);

    // Removes the member entirely.
    void clear(index_member& member);

    // Calls on_match(member) for every member with a subscription that matches the event.
    // on_match must not modify the index (defer any unsubscribe).
    template <class F>
    void match(std::string_view event_type, const event_fields& fields, F&& on_match);

    // Called when a key (an exact type, or a wildcard's prefix) gains its first member or
    // loses its last: key, whether it is a wildcard prefix, and whether it was added.
    using key_observer = std::function<void(std::string_view, bool, bool)>;
    void set_key_observer(key_observer o) { observer_ = std::move(o); }

    // Called when an exact type's bucket starts or stops filing members under a constraint
    // value (`value`), or starts or stops scanning members for every event of the type
    // (`value` null): type, value, whether it was added. Wildcard buckets are always scanned
    // and not reported. With it, a publisher can tell that an event of a type someone
    // subscribes to still matches nobody here (hub::interest_map::may_want).
    using filing_observer = std::function<void(std::string_view, const constraint_key_view*, bool)>;
    void set_filing_observer(filing_observer o) { filing_observer_ = std::move(o); }

    std::size_t member_entries() const { return entries_; }
    std::size_t exact_keys() const { return exact_.size(); }
    std::size_t wildcard_keys() const { return prefix_.size(); }
    // Distinct constraint values filed, over all exact types.
    std::size_t constraint_keys() const { return constraint_keys_; }

private:
    using bucket = index_member::bucket;

    struct string_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept;
    };
    struct string_equal {
        using is_transparent = void;
        bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
    };
    // Keyed by a view of the bucket's own key: the bucket is on the heap and outlives its
    // entry, so the type is held once.
    using bucket_map = boost::unordered_flat_map<std::string_view, std::unique_ptr<bucket>,
                                                 string_hash, string_equal>;
    using filing_key_list = boost::container::small_vector<constraint_key_view, 4>;

    bucket& bucket_for(const subscription& sub);
    // The constraint keys a slot is filed under (views into its subscriptions), or false when
    // it must be scanned for every event of its key.
    static bool filing_keys(const index_member::slot& s, const bucket& b, filing_key_list& keys);
    void file(index_member& member, uint32_t slot_no);
    void tell_filing(const bucket& b, const constraint_key_view* value, bool added);
    void tell_removals();
    template <class F>
    void visit(index_member& m, uint32_t slot_no, const event_fields& fields, F& on_match);
    template <class F>
    void match_bucket(const bucket& b, const event_fields& fields, F& on_match);

    const extractors* extractors_;
    bucket_map exact_;
    bucket_map prefix_;
    uint64_t match_seq_ = 0;
    key_observer observer_;
    filing_observer filing_observer_;
    // While set() replaces a member's subscriptions, what its clear() takes away is told to
    // the observers only after what it files anew: a filter that counts both never drops to
    // zero for a key or value the member keeps, so no publisher skips the shard meanwhile
    // (a subscriber renewing its subscriptions would miss an event published then).
    struct removal {
        std::string key;
        bool wildcard = false;
        bool bucket = false;                  // the key itself (key_observer), else a filing
        std::optional<constraint_key> value;  // a filing under a value; none: scanned
    };
    std::vector<removal> deferred_;
    bool deferring_ = false;
    std::size_t entries_ = 0;
    std::size_t constraint_keys_ = 0;
};

struct index_member::bucket {
    struct ref {
        index_member* member;
        uint32_t slot;
        uint32_t keyno;  // the entry in the slot's `keyed` (lists under a constraint key)
    };
    // Usually one subscriber per constraint value ("events of this type for this user").
    using keyed_list = boost::container::small_vector<ref, 1>;  // not moved once in the map
    std::vector<ref> scanned;  // evaluated for every event of the key
    boost::unordered_flat_map<constraint_key, keyed_list, constraint_key_hash, constraint_key_equal>
        keyed;
    const type_extractors* fields = nullptr;  // the exact type's extractors, if any
    std::size_t slots = 0;                    // members with a slot here
    std::string key;
    bool wildcard = false;
};

template <class F>
void subscription_index::visit(index_member& m, uint32_t slot_no, const event_fields& fields,
                               F& on_match) {
    if (m.last_match_ == match_seq_) {
        return;
    }
    const auto& s = m.slots_[slot_no];
    bool hit = s.match_all;
    for (std::size_t i = 0; !hit && i < s.size(); ++i) {
        hit = s[i].matches(fields);
    }
    if (hit) {
        m.last_match_ = match_seq_;
        on_match(m);
    }
}

template <class F>
void subscription_index::match_bucket(const bucket& b, const event_fields& fields, F& on_match) {
    for (const auto& ref : b.scanned) {
        visit(*ref.member, ref.slot, fields, on_match);
    }
    if (b.keyed.empty()) {
        return;
    }
    if (fields.extractor == b.fields && b.fields != nullptr) {
        for (std::size_t i = 0; i < fields.values.size(); ++i) {
            if (const auto& v = fields.values[i]) {
                const constraint_key_view key{static_cast<uint32_t>(i), v->key()};
                if (auto it = b.keyed.find(key); it != b.keyed.end()) {
                    for (const auto& ref : it->second) {
                        visit(*ref.member, ref.slot, fields, on_match);
                    }
                }
            }
        }
    } else {
        // Fields extracted by other rules than the bucket was filed by (not expected: every
        // event of a type is extracted with that type's rules): evaluate everyone.
        for (const auto& [key, refs] : b.keyed) {
            for (const auto& ref : refs) {
                visit(*ref.member, ref.slot, fields, on_match);
            }
        }
    }
}

template <class F>
void subscription_index::match(std::string_view event_type, const event_fields& fields,
                               F&& on_match) {
    ++match_seq_;
    if (auto it = exact_.find(event_type); it != exact_.end()) {
        match_bucket(*it->second, fields, on_match);
    }
    if (prefix_.empty()) {
        return;
    }
    // A wildcard prefix P matches P itself and every type that starts with "P.".
    std::size_t dot = 0;
    for (;;) {
        dot = event_type.find('.', dot);
        const std::string_view prefix = event_type.substr(0, dot);
        if (auto it = prefix_.find(prefix); it != prefix_.end()) {
            match_bucket(*it->second, fields, on_match);
        }
        if (dot == std::string_view::npos) {
            break;
        }
        ++dot;
    }
}

}  // namespace rig::subscription
