#include "subscription/subscription_index.hpp"

#include <algorithm>
#include <boost/container_hash/hash.hpp>

namespace rig::subscription {
namespace {

// Swap-removes `list[position]`; `moved(ref, position)` tells the owner of the ref that took
// its place where it now is.
template <class List, class Moved>
void swap_remove(List& list, uint32_t position, Moved moved) {
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

void subscription_index::tell_filing(const bucket& b, const constraint_key_view* value,
                                     bool added) {
    if (!filing_observer_ || b.wildcard) {
        return;
    }
    if (!added && deferring_) {
        std::optional<constraint_key> owned;
        if (value != nullptr) {
            owned.emplace(value->field, value->value);
        }
        deferred_.push_back({b.key, false, false, std::move(owned)});
        return;
    }
    filing_observer_(b.key, value, added);
}

void subscription_index::tell_removals() {
    for (const auto& r : deferred_) {
        if (r.bucket) {
            if (observer_) {
                observer_(r.key, r.wildcard, false);
            }
        } else if (filing_observer_) {
            if (r.value) {
                const constraint_key_view v = r.value->view();
                filing_observer_(r.key, &v, false);
            } else {
                filing_observer_(r.key, nullptr, false);
            }
        }
    }
    deferred_.clear();
}

void subscription_index::clear(index_member& member) {
    for (auto& s : member.slots_) {
        bucket& b = *s.owner;
        if (s.scanned()) {
            swap_remove(b.scanned, s.position, [](const bucket::ref& r, uint32_t pos) {
                r.member->slots_[r.slot].position = pos;
            });
            if (b.scanned.empty()) {
                tell_filing(b, nullptr, false);
            }
        }
        if (s.keys != 0) {
            filing_key_list keys;
            filing_keys(s, b, keys);  // the keys file() used: same subscriptions, same bucket
            for (std::size_t i = 0; i < keys.size(); ++i) {
                auto it = b.keyed.find(keys[i]);
                swap_remove(it->second, s.keyed_position(i),
                            [](const bucket::ref& r, uint32_t pos) {
                                r.member->slots_[r.slot].keyed_position(r.keyno) = pos;
                            });
                if (it->second.empty()) {
                    tell_filing(b, &keys[i], false);
                    b.keyed.erase(it);
                    --constraint_keys_;
                }
            }
        }
        entries_ -= s.size();
        if (--b.slots == 0) {
            // Drop empty buckets so that churn over many types does not grow the maps. The
            // entry is found while its key (a view of the bucket's) is intact; the key moves
            // out for the observer, as erasing destroys the bucket that holds it.
            const bool wildcard = b.wildcard;
            auto& map = wildcard ? prefix_ : exact_;
            const auto it = map.find(std::string_view(b.key));
            std::string key = std::move(b.key);
            map.erase(it);
            if (observer_ && deferring_) {
                deferred_.push_back({std::move(key), wildcard, true, std::nullopt});
            } else if (observer_) {
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
        const std::string_view own_key = fresh->key;
        it = map.emplace(own_key, std::move(fresh)).first;
        if (observer_) {
            observer_(key, wildcard, true);
        }
    }
    return *it->second;
}

void subscription_index::set(index_member& member, std::span<const subscription> subs) {
    deferring_ = true;
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
        slot->add(sub);
        slot->match_all = slot->match_all || sub.one_of.empty();
        ++entries_;
    }
    for (uint32_t i = 0; i < member.slots_.size(); ++i) {
        file(member, i);
    }
    deferring_ = false;
    tell_removals();
}

// A slot is filed under one constraint of each conjunction when every conjunction has one on
// a field the type extracts (an event can only satisfy the conjunction if it carries that
// value); otherwise it is scanned for every event of its key.
bool subscription_index::filing_keys(const index_member::slot& s, const bucket& b,
                                     filing_key_list& keys) {
    if (s.match_all || b.fields == nullptr) {
        return false;
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
        for (const auto& conj : s[i].one_of) {
            const auto declared =
                std::find_if(conj.all_of.begin(), conj.all_of.end(),
                             [&](const constraint& c) { return b.fields->find(c.field) >= 0; });
            if (declared == conj.all_of.end()) {
                return false;  // constraints on undeclared fields hold for every event
            }
            if (!declared->value) {
                continue;  // a non-scalar value on an extracted field never holds
            }
            const constraint_key_view key{static_cast<uint32_t>(b.fields->find(declared->field)),
                                          declared->value->key()};
            if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
                keys.push_back(key);
            }
        }
    }
    return true;
}

void subscription_index::file(index_member& member, uint32_t slot_no) {
    auto& s = member.slots_[slot_no];
    bucket& b = *s.owner;
    filing_key_list keys;
    if (!filing_keys(s, b, keys)) {
        s.position = static_cast<uint32_t>(b.scanned.size());
        b.scanned.push_back({&member, slot_no, 0});
        if (b.scanned.size() == 1) {
            tell_filing(b, nullptr, true);
        }
        return;
    }
    for (const auto& key : keys) {
        auto it = b.keyed.find(key);
        if (it == b.keyed.end()) {
            it = b.keyed.try_emplace(constraint_key(key.field, key.value)).first;
            ++constraint_keys_;
            tell_filing(b, &key, true);
        }
        const auto place = static_cast<uint32_t>(it->second.size());
        if (s.keys == 0) {
            s.position = place;
        } else {
            s.more_keyed.push_back(place);
        }
        it->second.push_back({&member, slot_no, s.keys++});
    }
}

}  // namespace rig::subscription
