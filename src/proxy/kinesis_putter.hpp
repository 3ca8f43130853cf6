#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "brokers/kinesis_client.hpp"
#include "proxy/produce_counters.hpp"

namespace rig::proxy {

struct kinesis_putter_options {
    // region: PROXY_KINESIS_REQUEST_REGION (default eu-west-1); endpoint: KINESIS_ENDPOINT;
    // credentials as the Kinesis source's.
    brokers::kinesis_account account;
    // Records waiting for the worker, at most; past that, put fails at once.
    std::size_t queue_limit = 10'000;
    // How long the destructor keeps putting what is still queued.
    std::chrono::milliseconds drain_timeout{5'000};
};

// Puts the proxy's kinesis-target events into Kinesis streams (PutRecord over libcurl, SigV4)
// on a worker thread of its own, one record at a time, so that callers never wait for AWS.
// Each record counts as produced or failed per stream.
//
// @par Thread safety
// put() may be called from any thread, concurrently. Completions run on the
// worker thread.
//
// Lifetime: `counters` must outlive the putter. The destructor puts what is queued for up to
// `drain_timeout`, completes the rest as failed, and joins the worker.
class kinesis_putter {
public:
    using completion = std::function<void(bool ok)>;

    kinesis_putter(kinesis_putter_options options, produce_counters& counters);
    ~kinesis_putter();
    kinesis_putter(const kinesis_putter&) = delete;
    kinesis_putter& operator=(const kinesis_putter&) = delete;

    // Queues a PutRecord of `data` to `stream`; an empty partition key becomes a random UUID
    // (as RIG does without rig.target_partition). Never blocks. False (counted failed, `done`
    // not called) when the queue is full.
    bool put(std::string stream, std::string partition_key, std::string data, completion done = {});

private:
    struct record {
        std::string stream;
        std::string partition_key;
        std::string data;
        completion done;
    };

    void work();

    kinesis_putter_options options_;
    produce_counters& counters_;
    std::mutex mutex_;
    std::condition_variable queued_;
    std::deque<record> queue_;
    bool stop_ = false;
    std::thread worker_;
};

}  // namespace rig::proxy
