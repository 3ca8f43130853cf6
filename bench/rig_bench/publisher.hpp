#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "url.hpp"

namespace rig::bench {

// Publishes events over one keep-alive HTTP connection with pipelining: requests go out on
// schedule (open loop) without waiting for earlier responses, up to `window` outstanding, so
// that a slow response does not hide queueing delay from the latency measurement. One
// connection keeps the events in order at the target. The body template's {seq}, {ts}
// (monotonic nanoseconds at send) and {pad} are filled per event.
//
// With a batch size N > 1, each request carries N events as a JSON array (the CloudEvents
// batch content mode, `application/cloudevents-batch+json`); sequence numbers and the counts
// are of events, not requests.
//
// A target that answers `Connection: close` (Pushpin's HTTP publish API does) gets one request
// per connection from then on: the publisher reconnects before each event.
class publisher {
public:
    publisher(url target, std::string content_type, std::string body_template, std::size_t pad,
              std::size_t window, std::size_t batch = 1);
    ~publisher();

    // Connects and starts reading responses; false if the target is unreachable.
    bool start();

    // Sends events `seq` .. `seq + batch() - 1` in one request, first waiting while `window`
    // requests are outstanding. False when the connection failed.
    bool send(uint64_t seq);
    std::size_t batch() const { return batch_; }

    // Waits until every sent request has been answered (or the connection failed).
    void wait_idle();

    // Events (not requests) answered with 2xx, and not.
    uint64_t ok() const { return ok_ * batch_; }
    uint64_t failed() const { return failed_ * batch_; }
    // The first non-2xx answer (status line and body), for the log.
    std::string first_error() const;

private:
    bool connect();
    void read_responses();
    bool read_response(int& status, bool& close_after, std::string& body);
    std::string event(uint64_t seq) const;

    url target_;
    std::string content_type_;
    std::string body_template_;
    std::string pad_;
    std::size_t window_;
    std::size_t batch_;
    int fd_ = -1;
    std::string in_;
    std::thread reader_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::size_t outstanding_ = 0;
    bool broken_ = false;          // the connection failed or was closed: reconnect
    bool single_request_ = false;  // the target closes after every response
    std::atomic<uint64_t> ok_{0};
    std::atomic<uint64_t> failed_{0};
    std::string first_error_;  // guarded by mutex_
};

uint64_t monotonic_ns();

}  // namespace rig::bench
