#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace rig::brokers {

// Checkpoint values with a meaning of their own (anything else is a sequence number).
inline constexpr const char* checkpoint_shard_end = "SHARD_END";        // read to its end
inline constexpr const char* checkpoint_trim_horizon = "TRIM_HORIZON";  // from its start
// Followed by Unix milliseconds: from the records that arrived since (where LATEST was when
// the shard was first read, so that a restart before any record still reads what came after).
inline constexpr const char* checkpoint_at_timestamp = "AT_TIMESTAMP:";

// One item of the lease table: who reads a shard, and how far it has been handed over.
struct shard_lease {
    std::string shard_id;
    std::string owner;     // empty: free
    uint64_t counter = 0;  // bumped by every renew, take and release
    // Last sequence number handed to the shards, a checkpoint_* value, or empty (read from
    // the configured initial position).
    std::string checkpoint;
    std::vector<std::string> parents;

    bool finished() const { return checkpoint == checkpoint_shard_end; }
};

// What one node should do with the lease table in one round.
struct lease_decisions {
    std::vector<shard_lease> take;   // free, expired or stolen leases, as read (counter to match)
    std::vector<shard_lease> renew;  // leases this node holds, as read
};

// Decides, without any I/O, which leases a node takes, renews and keeps (KCL's lease taker
// rules): a lease is expired when its counter has not changed for `lease_duration` by this
// node's clock (so clocks of different nodes never compare); a node aims at its fair share,
// ceil(open leases / live owners); it takes free and expired leases up to that share, and when
// there are none but it is still below its share it steals one lease from the owner holding
// the most, if that owner holds more than the share. A shard is taken only when every parent
// that has a lease is finished (SHARD_END), so children are read after their parents.
//
// Owned by the lease reader; used by its thread only. Remembers one counter and time per
// shard in the table (bounded by the table).
class lease_coordinator {
public:
    using clock = std::chrono::steady_clock;

    lease_coordinator(std::string worker_id, clock::duration lease_duration)
        : worker_id_(std::move(worker_id)), lease_duration_(lease_duration) {}

    // Records the table as scanned at `now` (counters seen change → not expired).
    void observe(const std::vector<shard_lease>& table, clock::time_point now);

    // Whether `l` has an owner whose counter has stood still for the lease duration.
    bool expired(const shard_lease& l, clock::time_point now) const;

    // The round's decisions for the table last observed; `max_takes` bounds the leases taken
    // (free and expired ones; a steal is always one).
    lease_decisions decide(const std::vector<shard_lease>& table, clock::time_point now,
                           std::size_t max_takes = 1000) const;

    // Whether every parent of `l` that has a lease in `table` is finished.
    static bool parents_finished(const shard_lease& l, const std::vector<shard_lease>& table);

    const std::string& worker_id() const { return worker_id_; }

private:
    struct seen {
        uint64_t counter = 0;
        clock::time_point since{};
    };
    std::string worker_id_;
    clock::duration lease_duration_;
    std::map<std::string, seen> seen_;
};

}  // namespace rig::brokers
