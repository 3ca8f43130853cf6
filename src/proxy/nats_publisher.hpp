#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "proxy/produce_counters.hpp"

struct __natsConnection;
struct __natsSubscription;
struct __natsOptions;
struct __natsMsg;

namespace rig::proxy {

struct nats_publisher_options {
    std::vector<std::string> servers;  // NATS_SERVERS
};

// Publishes the proxy's nats-target events (cnats) on a connection of its own, and does NATS
// request-reply for `response_from: nats` without blocking the caller: every request's reply
// subject is <inbox>.<n> under one wildcard subscription <inbox>.*, and a pending request is
// completed when its reply arrives or its timeout passes. Connects in the background and
// reconnects forever; messages published while disconnected wait in cnats' reconnect buffer.
//
// @par Thread safety
// publish() and request() may be called from any thread, concurrently. Reply
// handlers run on a cnats thread (a reply) or on the publisher's timer thread (a timeout or a
// failed publish), never inside request(); they must not call back into this object's
// destructor.
//
// Lifetime: `counters` must outlive the publisher. The destructor stops the reply subscription,
// completes every pending request with no reply (on the destructor's thread), and closes the
// connection once cnats has made its last callback.
class nats_publisher {
public:
    using reply_handler = std::function<void(std::optional<std::string> reply)>;

    // Throws std::runtime_error when cnats refuses the servers (start-up only).
    nats_publisher(nats_publisher_options options, produce_counters& counters);
    ~nats_publisher();
    nats_publisher(const nats_publisher&) = delete;
    nats_publisher& operator=(const nats_publisher&) = delete;

    // Publishes `payload` to `subject`; false (and counted failed) when cnats refuses it.
    bool publish(std::string_view subject, std::string_view payload);

    // Publishes `payload` to `subject` with a reply subject; `on_reply` gets the first reply's
    // payload, or nullopt when none came within `timeout`, the server said nobody listens on
    // `subject` (no responders), or the publish failed.
    void request(std::string_view subject, std::string_view payload,
                 std::chrono::milliseconds timeout, reply_handler on_reply);

    bool connected() const { return connected_.load(std::memory_order_relaxed); }

    // Called by cnats (its threads).
    void on_reply(__natsMsg* msg);
    void on_connection_event(bool connected);
    void on_closed();
    void on_subscription_complete();

private:
    using clock = std::chrono::steady_clock;
    struct pending_request {
        reply_handler handler;
        clock::time_point deadline;
    };

    // Removes a pending request; an empty handler when it was completed already.
    reply_handler take(uint64_t id);
    void expire_until_stopped();

    nats_publisher_options options_;
    produce_counters& counters_;
    __natsOptions* opts_ = nullptr;
    __natsConnection* conn_ = nullptr;
    __natsSubscription* replies_ = nullptr;
    std::string inbox_;
    std::atomic<bool> connected_{false};
    std::atomic<bool> closing_{false};  // the destructor closes the connection: not a loss

    std::mutex mutex_;
    std::condition_variable changed_;  // a new deadline, a cnats close/complete, or stop
    uint64_t next_id_ = 0;
    std::map<uint64_t, pending_request> pending_;
    std::set<std::pair<clock::time_point, uint64_t>> deadlines_;
    bool stop_ = false;
    bool closed_ = false;                 // the connection's last callback ran
    bool subscription_complete_ = false;  // the reply handler's last call returned
    std::thread timer_thread_;
};

}  // namespace rig::proxy
