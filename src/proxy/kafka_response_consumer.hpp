#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "kafka/client_settings.hpp"

namespace rig::proxy {

class response_router;

struct kafka_response_options {
    kafka::client_settings client;  // KAFKA_BROKERS, KAFKA_SASL, KAFKA_SSL_*
    std::vector<std::string> topics{"rig-proxy-response"};  // PROXY_KAFKA_RESPONSE_TOPICS
    std::string group_id = "rig-proxy-response";            // PROXY_KAFKA_RESPONSE_KAFKA_GROUP_ID
    std::chrono::milliseconds restart_delay{20'000};        // KAFKA_RESTART_DELAY_MS
    // A new group starts at the latest offset: a response older than the consumer answers
    // no request of this run. Tests start at the earliest to not race the group join.
    bool from_earliest = false;
};

// Consumes the responses for `response_from: kafka` (spec §8.7) on a consumer of its own
// (librdkafka, one thread of its own) and hands each to the response router, which posts it
// to the waiting request's shard or the cluster. Malformed records (no correlation, no or a
// bad response code) are counted and skipped. The group is shared by the cluster's nodes, so
// each response reaches one node; the correlation id says which node waits for it.
//
// Lifetime: the router must outlive the consumer. The destructor stops and joins the thread
// and closes the consumer (leaving the group).
class kafka_response_consumer {
public:
    struct stats {
        std::atomic<uint64_t> consumed{0};   // records read
        std::atomic<uint64_t> malformed{0};  // of which skipped as malformed
        std::atomic<int> assigned{0};        // partitions assigned to this node now
    };

    kafka_response_consumer(kafka_response_options options, response_router& router);
    ~kafka_response_consumer();
    kafka_response_consumer(const kafka_response_consumer&) = delete;
    kafka_response_consumer& operator=(const kafka_response_consumer&) = delete;

    // Readable from any thread.
    const stats& counters() const { return stats_; }

private:
    void run();

    kafka_response_options options_;
    response_router& router_;
    stats stats_;
    std::atomic<bool> stop_{false};
    std::thread thread_;  // last: started once everything it uses is built
};

}  // namespace rig::proxy
