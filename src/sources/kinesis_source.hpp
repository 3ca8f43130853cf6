#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "brokers/kinesis_client.hpp"
#include "sources/ingest.hpp"
#include "sources/kinesis_options.hpp"
#include "sources/source_status.hpp"

namespace rig::sources {

// Consumes CloudEvents from a Kinesis stream natively (RIG needed a JVM sidecar): Kinesis'
// JSON API over libcurl with AWS Signature V4, on a thread of its own. Reads every shard from
// LATEST (or TRIM_HORIZON), follows closed shards to their children, polls each shard at most
// every `poll_interval` when it is idle (Kinesis allows 5 reads per second per shard) and
// backs off when throttled. Each record's data is a structured CloudEvent. With
// KINESIS_APP_NAME, reads only the shards it holds leases for in a DynamoDB table shared with
// the other nodes, from their checkpoints (kinesis_lease_reader).
//
// Lifetime: stops and joins its thread in the destructor.
class kinesis_source {
public:
    kinesis_source(kinesis_options options, const ingest& sink, source_status& status);
    ~kinesis_source();
    kinesis_source(const kinesis_source&) = delete;
    kinesis_source& operator=(const kinesis_source&) = delete;

private:
    void run();

    kinesis_options options_;
    const ingest& sink_;
    source_status& status_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace rig::sources
