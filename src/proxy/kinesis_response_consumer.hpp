#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "brokers/kinesis_client.hpp"
#include "brokers/kinesis_stream_reader.hpp"
#include "proxy/api_definition.hpp"

namespace rig::proxy {

class response_router;

struct kinesis_response_options {
    // PROXY_KINESIS_REQUEST_REGION, KINESIS_ENDPOINT and the credentials of the Kinesis
    // source: the same account the proxy's Kinesis producer uses.
    brokers::kinesis_account account;
    std::string stream;                             // PROXY_KINESIS_RESPONSE_STREAM
    std::chrono::milliseconds poll_interval{1000};  // RIG_KINESIS_POLL_MS
};

// Consumes the responses for `response_from: kinesis` (spec §8.7, which RIG never delivered)
// from every shard of one stream, from LATEST at start, on a thread of its own through the
// Kinesis source's shard reader, and hands each record (parse_kinesis_response) to the
// response router. Kinesis has no consumer groups here, so every node of a cluster reads every
// record: a response whose correlation id names another node instance is left to that node
// (counted as `elsewhere`), never forwarded. Malformed records are counted and skipped.
//
// Lifetime: the router must outlive the consumer. stop() (main thread, at drain) and the
// destructor stop and join the thread; a stopped consumer stays readable (its counters are in
// /metrics until the shards stop).
class kinesis_response_consumer {
public:
    struct stats {
        std::atomic<uint64_t> consumed{0};   // records read
        std::atomic<uint64_t> malformed{0};  // of which skipped as malformed
        std::atomic<uint64_t> elsewhere{0};  // of which for another node instance
    };

    kinesis_response_consumer(kinesis_response_options options, response_router& router);
    ~kinesis_response_consumer();
    kinesis_response_consumer(const kinesis_response_consumer&) = delete;
    kinesis_response_consumer& operator=(const kinesis_response_consumer&) = delete;

    // Stops reading and joins the thread; idempotent. Main thread only.
    void stop();

    // Readable from any thread.
    const stats& counters() const { return stats_; }
    const std::string& stream() const { return options_.stream; }
    // Shards positioned and read now: once it is the stream's count, a response put from then
    // on is read.
    std::size_t shards() const { return reader_.shards(); }

private:
    kinesis_response_options options_;
    response_router& router_;
    stats stats_;
    brokers::kinesis_stream_reader reader_;
    std::atomic<bool> stop_{false};
    std::thread thread_;  // last: started once everything it uses is built
};

// rig_proxy_kinesis_responses_total, rig_proxy_kinesis_responses_failed_total (malformed) and
// the gauge rig_proxy_kinesis_response_shards, each {stream="..."}, HELP and TYPE included.
std::string render_kinesis_response_metrics(const kinesis_response_consumer& consumer);

// Says once, at start, that no stream delivers `response_from: kinesis` answers: a warning
// when an endpoint of `apis` waits for one, else at info level (an API added later may).
void log_kinesis_responses_off(const std::vector<api_definition>& apis);

}  // namespace rig::proxy
