#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "cluster/cluster_options.hpp"
#include "cluster/nats_link.hpp"
#include "cluster/nats_subscription.hpp"

namespace rig::cluster {

// One-way messages addressed to one node instance, fire and forget: each node subscribes to
// its own subject `<prefix>.<kind>.<instance>` and hands what arrives to its handler; send()
// publishes to another instance's subject. Nothing is acknowledged or kept: a message to a node
// that is gone, or sent while the link is down and not buffered by cnats, is lost. Used for the
// API gateway's asynchronous responses that arrive at a node other than the waiting one.
//
// Owned by the cluster_member.
//
// @par Thread safety
// send() may be called from any thread and never blocks on the network. The handler is called
// on a cnats thread, one message at a time.
class node_inbox {
public:
    using handler = std::function<void(std::string_view message)>;

    node_inbox(nats_link& link, const cluster_options& options, std::string kind,
               uint32_t instance);
    ~node_inbox();
    node_inbox(const node_inbox&) = delete;
    node_inbox& operator=(const node_inbox&) = delete;

    // Subscribes to this instance's subject (nothing when `on_message` is empty).
    void start(handler on_message);
    void stop();

    // Publishes `message` to `instance`'s subject; false when cnats refused it at once.
    bool send(uint32_t instance, std::string_view message);

    // Called by cnats.
    void on_message(std::string_view message);

    uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
    uint64_t unsent() const { return unsent_.load(std::memory_order_relaxed); }
    uint64_t received() const { return received_.load(std::memory_order_relaxed); }

private:
    std::string subject(uint32_t instance) const;

    nats_link& link_;
    const cluster_options& options_;
    std::string kind_;
    uint32_t instance_;
    handler handler_;
    nats_subscription sub_;
    std::atomic<uint64_t> sent_{0};
    std::atomic<uint64_t> unsent_{0};
    std::atomic<uint64_t> received_{0};
};

}  // namespace rig::cluster
