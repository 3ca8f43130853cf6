#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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
    // One per distinct indexed key (exact type, or wildcard prefix) the member subscribes to:
    // the member's place in that key's bucket and the subscriptions to evaluate there.
    struct slot {
        bucket* owner = nullptr;
        uint32_t position = 0;
        bool match_all = false;
        std::vector<const subscription*> subscriptions;
    };
    std::vector<slot> slots_;
    uint64_t last_match_ = 0;
};

// A shard's subscription index: exact event type → subscribers, plus wildcard prefixes.
//
// Matching costs one hash lookup for the exact type, plus one per dot-separated prefix when
// any wildcard subscription exists, plus the number of subscribers found there; it does not
// grow with the number of unrelated subscriptions. Each member is reported at most once per
// event, however many of its subscriptions match.
//
// @par Thread safety
// Not thread-safe: each shard owns one and touches it only from its own thread.
class subscription_index {
public:
    subscription_index() = default;
    subscription_index(const subscription_index&) = delete;
    subscription_index& operator=(const subscription_index&) = delete;

    // Replaces the member's subscriptions. `subs` must stay alive and unchanged until the
    // next set() or clear() of this member (the member owns them).
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

    std::size_t member_entries() const { return entries_; }
    std::size_t exact_keys() const { return exact_.size(); }
    std::size_t wildcard_keys() const { return prefix_.size(); }

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
    using bucket_map =
        boost::unordered_flat_map<std::string, std::unique_ptr<bucket>, string_hash, string_equal>;

    template <class F>
    void match_bucket(const bucket& b, const event_fields& fields, F& on_match);

    bucket_map exact_;
    bucket_map prefix_;
    uint64_t match_seq_ = 0;
    key_observer observer_;
    std::size_t entries_ = 0;
};

struct index_member::bucket {
    struct ref {
        index_member* member;
        uint32_t slot;
    };
    std::vector<ref> members;
    std::string key;
    bool wildcard = false;
};

template <class F>
void subscription_index::match_bucket(const bucket& b, const event_fields& fields, F& on_match) {
    for (const auto& ref : b.members) {
        index_member& m = *ref.member;
        if (m.last_match_ == match_seq_) {
            continue;
        }
        const auto& s = m.slots_[ref.slot];
        bool hit = s.match_all;
        for (std::size_t i = 0; !hit && i < s.subscriptions.size(); ++i) {
            hit = s.subscriptions[i]->matches(fields);
        }
        if (hit) {
            m.last_match_ = match_seq_;
            on_match(m);
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
