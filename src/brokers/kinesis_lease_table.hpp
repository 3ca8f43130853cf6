#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "brokers/kinesis_client.hpp"
#include "brokers/lease_coordinator.hpp"

namespace rig::brokers {

// How a lease table write ended.
enum class lease_write { ok, lost, throttled, failed };

// The DynamoDB lease table of one Kinesis application (KINESIS_APP_NAME): one item per shard,
// keyed by `leaseKey` (the shard id), with `leaseOwner`, `leaseCounter`, `checkpoint` and
// `parentShardIds`. Every ownership change is a conditional write on the counter (or the
// owner), so two nodes never both win a lease. Over DynamoDB's JSON API (1.0) with the same
// SigV4 client as Kinesis.
//
// Owned by the lease reader; used by its thread only (one curl handle). Each call blocks for
// at most the client's 10 s.
class kinesis_lease_table {
public:
    // `account.endpoint` is the DynamoDB endpoint (empty: AWS's for the region).
    kinesis_lease_table(kinesis_account account, std::string table);

    const std::string& name() const { return table_; }
    // The last error (AWS error type or transport error), for logs and health.
    const std::string& error() const { return error_; }
    // Whether the last failure was DynamoDB throttling.
    bool throttled() const { return throttled_; }

    // Creates the table when it is missing and waits (up to `timeout`) until it is ACTIVE.
    bool ensure(const std::atomic<bool>& stop, std::chrono::milliseconds timeout);
    // Every lease (consistent read); nullopt on failure.
    std::optional<std::vector<shard_lease>> scan();
    // Adds a lease for a shard that has none (a lease that exists already counts as ok).
    lease_write create(const shard_lease& lease);
    // Takes `lease` (as scanned) for `owner`; on ok, lease.counter is the new counter.
    lease_write take(shard_lease& lease, const std::string& owner);
    // Renews a lease `owner` holds (as last written); on ok, lease.counter is the new counter.
    lease_write renew(shard_lease& lease, const std::string& owner);
    // Records `checkpoint` for a lease `owner` holds.
    lease_write checkpoint(const std::string& shard, const std::string& owner,
                           const std::string& checkpoint);
    // Gives up a lease `owner` holds (after its last checkpoint), optionally marking the
    // shard finished, so that another node may take it at once.
    lease_write release(const std::string& shard, const std::string& owner, bool finished);

private:
    lease_write update(const boost::json::object& request);
    kinesis_result call(const char* action, const boost::json::object& request);

    kinesis_client client_;
    std::string table_;
    std::string error_;
    bool throttled_ = false;
};

}  // namespace rig::brokers
