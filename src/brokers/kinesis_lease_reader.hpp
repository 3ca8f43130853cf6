#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include "brokers/kinesis_client.hpp"
#include "brokers/kinesis_stream_reader.hpp"
#include "brokers/lease_coordinator.hpp"
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
    ~kinesis_lease_reader() = default;

    void run(const std::atomic<bool>& stop);

private:
    using clock = std::chrono::steady_clock;
    struct held_shard;  // a shard whose lease this node holds; defined in the .cpp
    struct run_state;   // the clients, held shards and timers of one run(); in the .cpp

    void report_status(bool connected, std::string_view detail) const;
    void publish_held(const run_state& s);
    void table_failed(run_state& s, std::string_view what);
    void lose(run_state& s, const std::string& shard, std::string_view why);
    bool checkpoint(run_state& s, const std::string& shard, held_shard& h, const std::string& at);
    void hold(run_state& s, shard_lease lease, clock::time_point renewed);

    void ensure_table(run_state& s);
    void sync_shards(run_state& s);
    void take_leases(run_state& s);
    void take_lease(run_state& s, shard_lease lease);
    void renew_leases(run_state& s);
    bool read_held_shards(run_state& s);
    bool read_shard(run_state& s, const std::string& id, held_shard& h);
    bool position(run_state& s, const std::string& id, held_shard& h);
    void read_failed(const std::string& id, held_shard& h, const std::string& error);
    void finish_shard(run_state& s, const std::string& id);
    void release_all(run_state& s);

    kinesis_lease_options options_;
    kinesis_stream_reader::handlers on_;
    lease_counters& counters_;
};

}  // namespace rig::brokers
