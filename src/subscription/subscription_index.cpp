#include "subscription/subscription_index.hpp"

#include <algorithm>
#include <boost/container_hash/hash.hpp>

namespace rig::subscription {
namespace {

// Swap-removes `list[position]`; `moved(ref, position)` tells the owner of the ref that took
// its place where it now is.
template <class Ref, class Moved>
void swap_remove(std::vector<Ref>& list, uint32_t position, Moved moved) {
    if (position + 1 != list.size()) {
        list[position] = list.back();
        moved(list[position], position);
    }
    list.pop_back();
}

}  // namespace

std::size_t subscription_index::string_hash::operator()(std::string_view s) const noexcept {
    return boost::hash_range(s.begin(), s.end());
}

void subscription_index::clear(index_member& member) {
    for (auto& s : member.slots_) {
        bucket& b = *s.owner;
        if (s.position != index_member::not_scanned) {
            swap_remove(b.scanned, s.position, [](const bucket::ref& r, uint32_t pos) {
                r.member->slots_[r.slot].position = pos;
            });
        }
        for (const auto& entry : s.keyed) {
            auto it = b.keyed.find(entry.key.view());
            swap_remove(it->second, entry.position, [](const bucket::ref& r, uint32_t pos) {
                r.member->slots_[r.slot].keyed[r.keyno].position = pos;
            });
            if (it->second.empty()) {
                b.keyed.erase(it);
                --constraint_keys_;
            }
        }
        entries_ -= s.subscriptions.size();
        if (--b.slots == 0) {
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

subscription_index::bucket& subscription_index::bucket_for(const subscription& sub) {
    const bool wildcard = sub.is_wildcard();
    const std::string_view key = sub.index_key();
    auto& map = wildcard ? prefix_ : exact_;
    auto it = map.find(key);
    if (it == map.end()) {
        auto fresh = std::make_unique<bucket>();
        fresh->key = std::string(key);
        fresh->wildcard = wildcard;
        if (!wildcard && extractors_ != nullptr) {
            fresh->fields = extractors_->for_type(key);
        }
        it = map.emplace(std::string(key), std::move(fresh)).first;
        if (observer_) {
            observer_(key, wildcard, true);
        }
    }
    return *it->second;
}

void subscription_index::set(index_member& member, std::span<const subscription> subs) {
    clear(member);
    for (const auto& sub : subs) {
        bucket* b = &bucket_for(sub);
        auto slot = std::find_if(member.slots_.begin(), member.slots_.end(),
                                 [b](const index_member::slot& s) { return s.owner == b; });
        if (slot == member.slots_.end()) {
            ++b->slots;
            member.slots_.push_back({});
            slot = member.slots_.end() - 1;
            slot->owner = b;
        }
        slot->subscriptions.push_back(&sub);
        slot->match_all = slot->match_all || sub.one_of.empty();
        ++entries_;
    }
    for (uint32_t i = 0; i < member.slots_.size(); ++i) {
        file(member, i);
    }
}

// Files a slot in its bucket: under one constraint of each conjunction when every
// conjunction has one on a field the type extracts (an event can only satisfy the
// conjunction if it carries that value); otherwise in the list scanned for every event.
void subscription_index::file(index_member& member, uint32_t slot_no) {
    auto& s = member.slots_[slot_no];
    bucket& b = *s.owner;
    std::vector<constraint_key> keys;
    bool scan = s.match_all || b.fields == nullptr;
    for (std::size_t i = 0; !scan && i < s.subscriptions.size(); ++i) {
        for (const auto& conj : s.subscriptions[i]->one_of) {
            const auto declared =
                std::find_if(conj.all_of.begin(), conj.all_of.end(),
                             [&](const constraint& c) { return b.fields->find(c.field) >= 0; });
            if (declared == conj.all_of.end()) {
                scan = true;  // constraints on undeclared fields hold for every event
                break;
            }
            if (!declared->value) {
                continue;  // a non-scalar value on an extracted field never holds
            }
            constraint_key key(static_cast<uint32_t>(b.fields->find(declared->field)),
                               declared->value->key());
            if (std::none_of(keys.begin(), keys.end(),
                             [&](const constraint_key& k) { return k.view() == key.view(); })) {
                keys.push_back(std::move(key));
            }
        }
    }
    if (scan) {
        s.position = static_cast<uint32_t>(b.scanned.size());
        b.scanned.push_back({&member, slot_no, 0});
        return;
    }
    for (auto& key : keys) {
        auto [it, added] = b.keyed.try_emplace(std::move(key));
        constraint_keys_ += added ? 1 : 0;
        const auto keyno = static_cast<uint32_t>(s.keyed.size());
        s.keyed.push_back({it->first, static_cast<uint32_t>(it->second.size())});
        it->second.push_back({&member, slot_no, keyno});
    }
}

}  // namespace rig::subscription
