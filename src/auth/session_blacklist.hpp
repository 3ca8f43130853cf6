#pragma once

#include <chrono>
#include <cstddef>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/string_hash.hpp"

namespace rig::auth {

// The session blacklist (spec §6): session ids that are refused until their entry expires.
// Adding an id again extends its expiry. Node-wide and in memory, as in RIG. Expired entries
// are swept by add() whenever the map has doubled since the last sweep.
//
// @par Thread safety
// All members may be called from any thread. Reads take a shared lock; they happen when a
// JWT is checked (connect, subscription update, submission), never per delivered event.
class session_blacklist {
public:
    using clock = std::chrono::system_clock;

    // True when the entry is new or its expiry moved later (not for a repeat of what is known).
    bool add(std::string_view session, clock::time_point expires);
    bool contains(std::string_view session, clock::time_point now = clock::now()) const;
    // Drops expired entries; returns how many remain.
    std::size_t purge(clock::time_point now = clock::now());
    std::size_t size() const;
    // Entries added or extended since start, from this node or (in a cluster) another;
    // adding an entry again with the same expiry does not count.
    uint64_t adds() const;

private:
    mutable std::shared_mutex mutex_;
    std::size_t swept_size_ = 0;
    uint64_t adds_ = 0;
    std::unordered_map<std::string, clock::time_point, core::string_hash, std::equal_to<>> entries_;
};

}  // namespace rig::auth
