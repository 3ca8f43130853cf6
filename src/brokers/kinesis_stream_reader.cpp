#include "brokers/kinesis_stream_reader.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <map>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "brokers/aws_json.hpp"
#include "brokers/kinesis_shard_list.hpp"
#include "core/log.hpp"

namespace rig::brokers {
namespace json = boost::json;

namespace {

log::rate_limited reader_log{5};

using clock = std::chrono::steady_clock;

using aws_json::base64_decode;
using aws_json::string_at;

bool is_throttled(const std::string& error) {
    return error.find("ProvisionedThroughputExceeded") != std::string::npos ||
           error.find("LimitExceeded") != std::string::npos;
}

// Sleeps in small steps, so that `stop` is seen soon.
void wait(const std::atomic<bool>& stop, clock::duration d) {
    const auto until = clock::now() + d;
    while (!stop && clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

// GetShardIterator for `id`: after its last record read if there is one, else at `position`.
json::object iterator_request(const std::string& stream, const std::string& id,
                              const std::string& position, const std::string& last_sequence) {
    json::object req{{"StreamName", stream}, {"ShardId", id}};
    if (last_sequence.empty()) {
        req["ShardIteratorType"] = position;
    } else {
        req["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER";
        req["StartingSequenceNumber"] = last_sequence;
    }
    return req;
}

}  // namespace

void decode_records(const json::value& body, std::vector<kinesis_record>& batch) {
    batch.clear();
    const auto* records = body.get_object().if_contains("Records");
    if (records && records->is_array()) {
        for (const auto& r : records->get_array()) {
            batch.push_back({base64_decode(string_at(r, "Data")), string_at(r, "SequenceNumber")});
        }
    }
}

struct kinesis_stream_reader::shard_state {
    std::string iterator;
    clock::time_point next_read{};
    std::string position;       // the iterator type it was first positioned with
    std::string last_sequence;  // of the last record read
};

struct kinesis_stream_reader::run_state {
    run_state(const kinesis_account& account, const std::atomic<bool>& stop_flag)
        : client(account), stop(stop_flag) {}

    kinesis_client client;
    const std::atomic<bool>& stop;
    std::map<std::string, shard_state> shards;  // open shards we read
    std::set<std::string> finished;             // shards read to their end
    // Shards whose iterator expired (unused for 5 min: an outage, or the shards' back-pressure),
    // to be positioned again after their last record read, or as they first were: never
    // from the start of the retention period again, which would replay days of events.
    std::map<std::string, shard_state> expired;
    bool first_listing = true;
    clock::time_point next_listing = clock::now();
    std::chrono::milliseconds backoff{0};  // throttling back-off; a successful read resets it
    std::vector<kinesis_record> batch;     // reused across reads
};

kinesis_stream_reader::kinesis_stream_reader(kinesis_reader_options options, handlers on)
    : options_(std::move(options)), on_(std::move(on)) {}

void kinesis_stream_reader::run(const std::atomic<bool>& stop) {
    run_state s(options_.account, stop);
    while (!stop) {
        // Discover shards: at start, after a shard ends (its children), and every 30 s.
        if (clock::now() >= s.next_listing && !refresh_shards(s)) {
            wait(stop, std::chrono::seconds(2));
            continue;
        }
        if (!read_due_shards(s)) {
            wait(stop, std::chrono::milliseconds(50));
        }
    }
}

void kinesis_stream_reader::report_status(bool connected, std::string_view detail) const {
    if (on_.status) {
        on_.status(connected, detail);
    }
}

// Lists the stream's shards and positions those not read yet; false if ListShards failed.
bool kinesis_stream_reader::refresh_shards(run_state& s) {
    const auto listing = list_shards(s.client, options_.stream, s.stop);
    if (!listing.error.empty()) {
        report_status(false, "ListShards: " + listing.error);
        reader_log.info("{}: ListShards on {}: {}", options_.log_name, options_.stream,
                        listing.error);
        return false;
    }
    for (const auto& shard : listing.shards) {
        if (!s.shards.contains(shard.id) && !s.finished.contains(shard.id)) {
            position_shard(s, shard.id);
        }
    }
    s.first_listing = false;
    shards_.store(s.shards.size(), std::memory_order_relaxed);
    report_status(true, {});
    s.next_listing = clock::now() + std::chrono::seconds(30);
    return true;
}

// Gets the shard's first iterator; on failure the shard is left for the next listing.
void kinesis_stream_reader::position_shard(run_state& s, const std::string& id) {
    // A shard found later (a child of a split or merge) is read from its start; at start-up,
    // the configured position applies.
    const bool from_start = options_.from_start || !s.first_listing;
    shard_state st{{}, clock::now(), from_start ? "TRIM_HORIZON" : "LATEST", {}};
    if (const auto again = s.expired.find(id); again != s.expired.end()) {
        st.position = again->second.position;
        st.last_sequence = again->second.last_sequence;
    }
    auto res = s.client.call("GetShardIterator",
                             iterator_request(options_.stream, id, st.position, st.last_sequence));
    if (!res.error.empty()) {
        reader_log.info("{}: GetShardIterator {}: {}", options_.log_name, id, res.error);
        return;
    }
    st.iterator = string_at(res.body, "ShardIterator");
    s.expired.erase(id);
    s.shards[id] = std::move(st);
}

// Reads each shard that is due once; whether any handed records (else the caller sleeps).
bool kinesis_stream_reader::read_due_shards(run_state& s) {
    bool any_records = false;
    for (auto it = s.shards.begin(); it != s.shards.end() && !s.stop;) {
        if (clock::now() < it->second.next_read) {
            ++it;
            continue;
        }
        const read_outcome read = read_shard(s, it->first, it->second);
        if (read.records) {
            any_records = true;
        }
        if (!read.drop) {
            ++it;
            continue;
        }
        // The next listing re-positions an expired shard, or finds an ended one's children.
        it = s.shards.erase(it);
        shards_.store(s.shards.size(), std::memory_order_relaxed);
        s.next_listing = clock::now();
    }
    return any_records;
}

kinesis_stream_reader::read_outcome kinesis_stream_reader::read_shard(run_state& s,
                                                                      const std::string& id,
                                                                      shard_state& st) {
    json::object req{{"ShardIterator", st.iterator}, {"Limit", 1000}};
    auto res = s.client.call("GetRecords", req);
    if (!res.error.empty()) {
        return {false, read_failed(s, id, st, res.error)};
    }
    s.backoff = std::chrono::milliseconds(0);
    report_status(true, {});
    const bool records = hand_over(s, id, st, res.body);
    const std::string next = string_at(res.body, "NextShardIterator");
    if (next.empty()) {
        // The shard was closed (split or merged): read its children from their start.
        s.finished.insert(id);
        return {records, true};
    }
    st.iterator = next;
    st.next_read =
        clock::now() + (records ? std::chrono::milliseconds(200) : options_.poll_interval);
    return {records, false};
}

// Handles a failed GetRecords; true if the shard is to be dropped (its iterator expired).
bool kinesis_stream_reader::read_failed(run_state& s, const std::string& id, shard_state& st,
                                        const std::string& error) {
    if (is_throttled(error)) {
        s.backoff = std::min(std::chrono::milliseconds(5000),
                             s.backoff.count() ? s.backoff * 2 : std::chrono::milliseconds(200));
        st.next_read = clock::now() + s.backoff;
        return false;
    }
    if (error.find("ExpiredIterator") != std::string::npos) {
        reader_log.info("{}: GetRecords {}: {}; positioning it again", options_.log_name, id,
                        error);
        s.expired[id] = std::move(st);
        return true;
    }
    report_status(false, "GetRecords: " + error);
    reader_log.info("{}: GetRecords {}: {}", options_.log_name, id, error);
    st.next_read = clock::now() + std::chrono::seconds(1);
    return false;
}

// Hands a GetRecords answer's lag and records to the handlers; whether it had records.
bool kinesis_stream_reader::hand_over(run_state& s, const std::string& id, shard_state& st,
                                      const json::value& body) {
    if (const auto* behind = body.get_object().if_contains("MillisBehindLatest");
        behind && behind->is_number() && on_.behind) {
        on_.behind(id, behind->to_number<int64_t>());
    }
    decode_records(body, s.batch);
    if (s.batch.empty()) {
        return false;
    }
    st.last_sequence = s.batch.back().sequence;
    if (on_.records) {
        on_.records(id, s.batch);
    }
    return true;
}

}  // namespace rig::brokers
