#include "brokers/lease_coordinator.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace rig::brokers {

void lease_coordinator::observe(const std::vector<shard_lease>& table, clock::time_point now) {
    std::map<std::string, seen> next;
    for (const auto& l : table) {
        auto it = seen_.find(l.shard_id);
        if (it != seen_.end() && it->second.counter == l.counter) {
            next[l.shard_id] = it->second;
        } else {
            next[l.shard_id] = seen{l.counter, now};
        }
    }
    seen_ = std::move(next);  // shards gone from the table are forgotten
}

bool lease_coordinator::expired(const shard_lease& l, clock::time_point now) const {
    if (l.owner.empty()) {
        return false;
    }
    auto it = seen_.find(l.shard_id);
    if (it == seen_.end() || it->second.counter != l.counter) {
        return false;  // not observed yet: give its owner the full duration
    }
    return now - it->second.since >= lease_duration_;
}

bool lease_coordinator::parents_finished(const shard_lease& l,
                                         const std::vector<shard_lease>& table) {
    for (const auto& parent : l.parents) {
        auto it = std::find_if(table.begin(), table.end(),
                               [&](const shard_lease& p) { return p.shard_id == parent; });
        if (it != table.end() && !it->finished()) {
            return false;
        }
    }
    return true;
}

namespace {

// When nothing is free: a lease of the most loaded other owner, if it holds more than the
// share `target`.
const shard_lease* steal_candidate(const std::vector<shard_lease>& table,
                                   const std::map<std::string, std::size_t>& held,
                                   const std::string& me, std::size_t target) {
    std::string richest;
    std::size_t most = 0;
    for (const auto& [owner, n] : held) {
        if (owner != me && n > most) {
            richest = owner;
            most = n;
        }
    }
    if (most <= target) {
        return nullptr;
    }
    for (const auto& l : table) {
        if (!l.finished() && l.owner == richest) {
            return &l;
        }
    }
    return nullptr;
}

}  // namespace

lease_decisions lease_coordinator::decide(const std::vector<shard_lease>& table,
                                          clock::time_point now, std::size_t max_takes) const {
    lease_decisions out;
    std::map<std::string, std::size_t> held;  // live owner → open leases
    std::vector<const shard_lease*> available;
    std::size_t open = 0;
    held[worker_id_] = 0;
    for (const auto& l : table) {
        if (l.finished()) {
            continue;
        }
        ++open;
        if (l.owner == worker_id_) {
            // Our own lease is renewed even if our renewals stalled: the conditional write
            // fails if someone took it meanwhile.
            out.renew.push_back(l);
            ++held[worker_id_];
        } else if (l.owner.empty() || expired(l, now)) {
            if (parents_finished(l, table)) {
                available.push_back(&l);
            }
        } else {
            ++held[l.owner];
        }
    }
    if (open == 0) {
        return out;
    }
    const std::size_t workers = held.size();
    const std::size_t target = (open + workers - 1) / workers;
    const std::size_t mine = held[worker_id_];
    if (mine >= target) {
        return out;
    }
    std::size_t want = std::min(target - mine, max_takes);
    for (const auto* l : available) {
        if (want == 0) {
            break;
        }
        out.take.push_back(*l);
        --want;
    }
    if (!out.take.empty() || want == 0) {
        return out;
    }
    // Nothing free: steal one from the most loaded owner above the share.
    if (const auto* l = steal_candidate(table, held, worker_id_, target)) {
        out.take.push_back(*l);
    }
    return out;
}

}  // namespace rig::brokers
