#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "cluster/cluster_options.hpp"

struct __natsConnection;
struct __jsCtx;
struct __natsOptions;

namespace rig::cluster {

// The node's connection to the NATS backplane (cnats): connects to any server of the list,
// reconnects forever in the background (fails over to another server of a NATS cluster), and
// keeps the state the readiness endpoint and the metrics show.
//
// @par Thread safety
// All members may be called from any thread; cnats serialises use of the connection.
class nats_link {
public:
    explicit nats_link(const cluster_options& options);
    ~nats_link();
    nats_link(const nats_link&) = delete;
    nats_link& operator=(const nats_link&) = delete;

    // Connects; true when a server answered now, false when connecting goes on in the
    // background (no server reachable yet).
    bool connect();

    __natsConnection* connection() const { return conn_; }
    // JetStream context (key-value buckets), created on connect().
    __jsCtx* jetstream() const { return js_; }

    bool connected() const { return connected_.load(std::memory_order_relaxed); }
    uint64_t reconnects() const { return reconnects_.load(std::memory_order_relaxed); }
    // The server the link is on, or why it is not on one.
    std::string state() const;

    // Called by cnats (its threads).
    void on_connected();
    void on_disconnected();
    void on_closed();

private:
    const cluster_options& options_;
    __natsOptions* opts_ = nullptr;
    __natsConnection* conn_ = nullptr;
    __jsCtx* js_ = nullptr;
    std::atomic<bool> connected_{false};
    std::atomic<bool> closing_{false};  // the node closes the link: not a loss
    std::atomic<uint64_t> reconnects_{0};
    mutable std::mutex state_mutex_;
    std::string state_ = "connecting";
    bool closed_ = false;  // the closed callback ran: no callback comes after it
    std::condition_variable closed_cv_;
};

}  // namespace rig::cluster
