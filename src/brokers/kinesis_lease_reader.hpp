#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "brokers/kinesis_client.hpp"
#include "brokers/kinesis_stream_reader.hpp"
#include "brokers/lease_counters.hpp"

namespace rig::brokers {

struct kinesis_lease_options {
    kinesis_account kinesis;
    kinesis_account dynamodb;  // endpoint: KINESIS_DYNAMODB_ENDPOINT
    std::string stream;
    std::string table;        // KINESIS_APP_NAME
    std::string worker_id;    // unique per process start
    bool from_start = false;  // shards without a checkpoint: TRIM_HORIZON instead of LATEST
    std::chrono::milliseconds poll_interval{1000};
    // KCL's defaults: a lease whose counter stood still for 10 s is expired; renewals every
    // third of that; looking for leases to take every 20 s; listing shards every 60 s.
    std::chrono::milliseconds lease_duration{10000};
    std::chrono::milliseconds renew_interval{3333};
    std::chrono::milliseconds take_interval{20000};
    std::chrono::milliseconds shard_sync_interval{60000};
};

// Reads the shards of one Kinesis stream that this node holds leases for, in a DynamoDB lease
// table shared with the other nodes of the same application: keeps one lease per shard in the
// table (new shards get one when listed), takes free, expired and - to balance - other nodes'
// leases (lease_coordinator decides), renews its own, reads each from its checkpoint, and
// checkpoints after each batch was handed to `on.records`. A shard read to its end is marked
// finished, which lets its children be taken. On stop, checkpoints and releases every lease so
// another node (or this one restarted) continues where it stopped.
//
// @par Thread safety
// run() blocks the calling thread (the source's own) until `stop` is set; the handlers run on
// it. The counters may be read from any thread.
class kinesis_lease_reader {
public:
    kinesis_lease_reader(kinesis_lease_options options, kinesis_stream_reader::handlers on,
                         lease_counters& counters);
    kinesis_lease_reader(const kinesis_lease_reader&) = delete;
    kinesis_lease_reader& operator=(const kinesis_lease_reader&) = delete;

    void run(const std::atomic<bool>& stop);

private:
    kinesis_lease_options options_;
    kinesis_stream_reader::handlers on_;
    lease_counters& counters_;
};

}  // namespace rig::brokers
