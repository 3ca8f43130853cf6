#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "tracing/span.hpp"
#include "tracing/tracing_options.hpp"

namespace rig::tracing {

// Sends finished spans to a Zipkin v2 collector (ZIPKIN_ADDR) as JSON over HTTP, off the
// shard threads: submit() only queues; one exporter thread of its own POSTs batches of up to
// `batch_size` spans, as soon as a batch is full or `interval` after the first waiting span.
//
// Bounds: at most `queue_limit` spans wait; submit() drops (and counts) beyond that, and a
// batch the collector refuses or does not answer within `timeout` is dropped and counted too
// (spans are diagnostics: never retried, never allowed to slow events down).
//
// Owned by app::node, which destroys it after every component that submits spans; the
// destructor sends what is queued (within `timeout`) and joins the thread.
//
// @par Thread safety
// submit() and the counters may be called from any thread.
class zipkin_exporter {
public:
    explicit zipkin_exporter(tracing_options options);
    ~zipkin_exporter();
    zipkin_exporter(const zipkin_exporter&) = delete;
    zipkin_exporter& operator=(const zipkin_exporter&) = delete;

    // Queues a span; false (and counted as dropped) when the queue is full.
    bool submit(span s);

    uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
    uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

    // Prometheus text of the counters above.
    std::string metrics_text() const;

private:
    void run();
    bool post(const std::string& body);

    const tracing_options options_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<span> queue_;                                // under mutex_
    bool stopping_ = false;                                 // under mutex_
    std::chrono::steady_clock::time_point last_warning_{};  // exporter thread only
    uint64_t failed_since_warning_ = 0;                     // exporter thread only
    std::atomic<uint64_t> sent_{0};
    std::atomic<uint64_t> dropped_{0};
    std::thread thread_;  // last: starts once everything above exists
};

}  // namespace rig::tracing
