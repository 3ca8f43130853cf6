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

using aws_json::base64_decode;
using aws_json::string_at;

}  // namespace

kinesis_stream_reader::kinesis_stream_reader(kinesis_reader_options options, handlers on)
    : options_(std::move(options)), on_(std::move(on)) {}

void kinesis_stream_reader::run(const std::atomic<bool>& stop) {
    using clock = std::chrono::steady_clock;
    kinesis_client client(options_.account);
    const std::string& name = options_.log_name;
    const auto status = [this](bool connected, std::string_view detail) {
        if (on_.status) {
            on_.status(connected, detail);
        }
    };
    struct shard_state {
        std::string iterator;
        clock::time_point next_read{};
        std::string position;       // the iterator type it was first positioned with
        std::string last_sequence;  // of the last record read
    };
    std::map<std::string, shard_state> shards;  // open shards we read
    std::set<std::string> finished;             // shards read to their end
    // Shards whose iterator expired (unused for 5 min: an outage, or the shards' back-pressure),
    // to be positioned again after their last record read, or as they first were: never
    // from the start of the retention period again, which would replay days of events.
    std::map<std::string, shard_state> expired;
    bool first_listing = true;
    auto next_listing = clock::now();
    auto backoff = std::chrono::milliseconds(0);
    const auto wait = [&](clock::duration d) {
        const auto until = clock::now() + d;
        while (!stop && clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    };
    std::vector<kinesis_record> batch;

    while (!stop) {
        // Discover shards: at start, after a shard ends (its children), and every 30 s.
        if (clock::now() >= next_listing) {
            auto listing = list_shards(client, options_.stream, stop);
            if (!listing.error.empty()) {
                status(false, "ListShards: " + listing.error);
                reader_log.info("{}: ListShards on {}: {}", name, options_.stream, listing.error);
                wait(std::chrono::seconds(2));
                continue;
            }
            for (const auto& shard : listing.shards) {
                const std::string& id = shard.id;
                if (shards.count(id) || finished.count(id)) {
                    continue;
                }
                // A shard found later (a child of a split or merge) is read from its start;
                // at start-up, the configured position applies.
                const bool from_start = options_.from_start || !first_listing;
                shard_state st{{}, clock::now(), from_start ? "TRIM_HORIZON" : "LATEST", {}};
                if (const auto again = expired.find(id); again != expired.end()) {
                    st.position = again->second.position;
                    st.last_sequence = again->second.last_sequence;
                }
                json::object req{{"StreamName", options_.stream}, {"ShardId", id}};
                if (st.last_sequence.empty()) {
                    req["ShardIteratorType"] = st.position;
                } else {
                    req["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER";
                    req["StartingSequenceNumber"] = st.last_sequence;
                }
                auto res = client.call("GetShardIterator", req);
                if (!res.error.empty()) {
                    reader_log.info("{}: GetShardIterator {}: {}", name, id, res.error);
                    continue;
                }
                st.iterator = string_at(res.body, "ShardIterator");
                expired.erase(id);
                shards[id] = std::move(st);
            }
            first_listing = false;
            shards_.store(shards.size(), std::memory_order_relaxed);
            status(true, {});
            next_listing = clock::now() + std::chrono::seconds(30);
        }

        bool any_records = false;
        for (auto it = shards.begin(); it != shards.end() && !stop;) {
            auto& [id, st] = *it;
            if (clock::now() < st.next_read) {
                ++it;
                continue;
            }
            json::object req{{"ShardIterator", st.iterator}, {"Limit", 1000}};
            auto res = client.call("GetRecords", req);
            if (!res.error.empty()) {
                if (res.error.find("ProvisionedThroughputExceeded") != std::string::npos ||
                    res.error.find("LimitExceeded") != std::string::npos) {
                    backoff =
                        std::min(std::chrono::milliseconds(5000),
                                 backoff.count() ? backoff * 2 : std::chrono::milliseconds(200));
                    st.next_read = clock::now() + backoff;
                } else if (res.error.find("ExpiredIterator") != std::string::npos) {
                    reader_log.info("{}: GetRecords {}: {}; positioning it again", name, id,
                                    res.error);
                    expired[id] = std::move(st);
                    shards.erase(it++);  // re-listed and re-positioned above
                    shards_.store(shards.size(), std::memory_order_relaxed);
                    next_listing = clock::now();
                    continue;
                } else {
                    status(false, "GetRecords: " + res.error);
                    reader_log.info("{}: GetRecords {}: {}", name, id, res.error);
                    st.next_read = clock::now() + std::chrono::seconds(1);
                }
                ++it;
                continue;
            }
            backoff = std::chrono::milliseconds(0);
            status(true, {});
            if (const auto* behind = res.body.get_object().if_contains("MillisBehindLatest");
                behind && behind->is_number() && on_.behind) {
                on_.behind(id, behind->to_number<int64_t>());
            }
            const auto* records = res.body.get_object().if_contains("Records");
            batch.clear();
            if (records && records->is_array()) {
                for (const auto& r : records->get_array()) {
                    batch.push_back(
                        {base64_decode(string_at(r, "Data")), string_at(r, "SequenceNumber")});
                }
                if (!records->get_array().empty()) {
                    st.last_sequence = string_at(records->get_array().back(), "SequenceNumber");
                }
            }
            if (!batch.empty()) {
                any_records = true;
                if (on_.records) {
                    on_.records(id, batch);
                }
            }
            const std::string next = string_at(res.body, "NextShardIterator");
            if (next.empty()) {
                // The shard was closed (split or merged): read its children from their start.
                finished.insert(id);
                shards.erase(it++);
                shards_.store(shards.size(), std::memory_order_relaxed);
                next_listing = clock::now();
                continue;
            }
            st.iterator = next;
            st.next_read = clock::now() + (batch.empty() ? options_.poll_interval
                                                         : std::chrono::milliseconds(200));
            ++it;
        }
        if (!any_records) {
            wait(std::chrono::milliseconds(50));
        }
    }
}

}  // namespace rig::brokers
