#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "brokers/kinesis_client.hpp"

namespace rig::brokers {

struct kinesis_reader_options {
    kinesis_account account;
    std::string stream;
    // At start, read each shard from TRIM_HORIZON instead of LATEST. Shards found later
    // (children of a split or merge) are always read from their start.
    bool from_start = false;
    // How often an idle shard is polled (Kinesis allows 5 reads per second per shard).
    std::chrono::milliseconds poll_interval{1000};
    // Prefix of the log lines ("kinesis", "kinesis responses").
    std::string log_name = "kinesis";
};

// One record of a GetRecords answer: its data, or nothing if it was not base64, and its
// sequence number.
struct kinesis_record {
    std::optional<std::string> data;
    std::string sequence;
};

// The records of a GetRecords answer's body, into `batch` (cleared first); shared by both
// readers.
void decode_records(const boost::json::value& body, std::vector<kinesis_record>& batch);

// Reads every shard of one Kinesis stream, shared by the Kinesis event source and the proxy's
// Kinesis response consumer: lists the shards (at start, every 30 s, and when a shard ends),
// positions each at LATEST or TRIM_HORIZON, follows closed shards to their children, polls
// an idle shard at most every `poll_interval`, backs off when throttled, and re-positions on
// an expired iterator. Owns one kinesis_client.
//
// @par Thread safety
// run() blocks the thread that calls it (the owner's own thread) until `stop` is set; the
// handlers run on that thread. shards() may be read from any thread.
class kinesis_stream_reader {
public:
    struct handlers {
        // The records of one GetRecords answer that returned some, in shard order.
        std::function<void(std::string_view shard, std::span<const kinesis_record> records)>
            records;
        // After a listing or a read: whether Kinesis answered, and why not.
        std::function<void(bool connected, std::string_view detail)> status;
        // After each successful read of a shard: how far behind the stream's tip the shard's
        // iterator is (GetRecords' MillisBehindLatest), when the answer says.
        std::function<void(std::string_view shard, int64_t millis_behind)> behind;
    };

    kinesis_stream_reader(kinesis_reader_options options, handlers on);
    kinesis_stream_reader(const kinesis_stream_reader&) = delete;
    kinesis_stream_reader& operator=(const kinesis_stream_reader&) = delete;
    ~kinesis_stream_reader() = default;

    void run(const std::atomic<bool>& stop);

    // Shards positioned and being read now (0 until the first listing succeeded).
    std::size_t shards() const { return shards_.load(std::memory_order_relaxed); }

private:
    using clock = std::chrono::steady_clock;
    struct shard_state;  // where the reading of one shard stands; defined in the .cpp
    struct run_state;    // the client, shards and timers of one run(); in the .cpp
    // What one GetRecords of a shard did.
    struct read_outcome {
        bool records = false;  // handed records to on_.records
        bool drop = false;     // stop reading the shard: its iterator expired, or it ended
    };

    void report_status(bool connected, std::string_view detail) const;
    bool refresh_shards(run_state& s);
    void position_shard(run_state& s, const std::string& id);
    bool read_due_shards(run_state& s);
    read_outcome read_shard(run_state& s, const std::string& id, shard_state& st);
    bool read_failed(run_state& s, const std::string& id, shard_state& st,
                     const std::string& error);
    bool hand_over(run_state& s, const std::string& id, shard_state& st,
                   const boost::json::value& body);

    kinesis_reader_options options_;
    handlers on_;
    std::atomic<std::size_t> shards_{0};
};

}  // namespace rig::brokers
