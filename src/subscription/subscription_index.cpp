#include "subscription/subscription_index.hpp"

#include <boost/container_hash/hash.hpp>

namespace rig::subscription {

std::size_t subscription_index::string_hash::operator()(std::string_view s) const noexcept {
    return boost::hash_range(s.begin(), s.end());
}

void subscription_index::clear(index_member& member) {
    for (auto& s : member.slots_) {
        bucket& b = *s.owner;
        // Swap-remove: move the last ref into this position and tell its owner where it went.
        const auto last = b.members.back();
        b.members[s.position] = last;
        last.member->slots_[last.slot].position = s.position;
        b.members.pop_back();
        entries_ -= s.subscriptions.size();
        if (b.members.empty()) {
            // Drop empty buckets so that churn over many types does not grow the maps.
            // The key moves out first: erase destroys the bucket that holds it.
            const std::string key = std::move(b.key);
            const bool wildcard = b.wildcard;
            (wildcard ? prefix_ : exact_).erase(key);
            if (observer_) {
                observer_(key, wildcard, false);
            }
        }
    }
    member.slots_.clear();
}

void subscription_index::set(index_member& member, std::span<const subscription> subs) {
    clear(member);
    for (const auto& sub : subs) {
        const bool wildcard = sub.is_wildcard();
        const std::string_view key = sub.index_key();
        auto& map = wildcard ? prefix_ : exact_;
        auto it = map.find(key);
        if (it == map.end()) {
            auto fresh = std::make_unique<bucket>();
            fresh->key = std::string(key);
            fresh->wildcard = wildcard;
            it = map.emplace(std::string(key), std::move(fresh)).first;
            if (observer_) {
                observer_(key, wildcard, true);
            }
        }
        bucket* b = it->second.get();
        index_member::slot* slot = nullptr;
        for (auto& s : member.slots_) {
            if (s.owner == b) {
                slot = &s;
                break;
            }
        }
        if (slot == nullptr) {
            const auto slot_no = static_cast<uint32_t>(member.slots_.size());
            member.slots_.push_back({b, static_cast<uint32_t>(b->members.size()), false, {}});
            b->members.push_back({&member, slot_no});
            slot = &member.slots_.back();
        }
        slot->subscriptions.push_back(&sub);
        slot->match_all = slot->match_all || sub.one_of.empty();
        ++entries_;
    }
}

}  // namespace rig::subscription
