#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster_options.hpp"
#include "cluster/nats_link.hpp"
#include "cluster/nats_subscription.hpp"
#include "sources/event_relay.hpp"
#include "sources/ingest.hpp"

namespace rig::cluster {

// Events across the cluster: every event accepted by any node is published once on the
// events subject, and every node (its sender included) delivers what arrives there to its own
// subscribers, in the order it arrives. No node delivers an event it did not get from the
// backplane, so every node sees one order, and no node forwards what it received.
//
// A relay that wants to know (the HTTP publisher, for its 202) is told once the NATS server
// has processed the events: one flush (PING/PONG) acknowledges everything published before
// it, so concurrent publishers share one round trip.
//
// @par Thread safety
// relay() may be called from any thread. Received events are handed to `local` on cnats's
// delivery thread for the subscription, one message at a time, in order.
class event_backplane final : public sources::event_relay {
public:
    event_backplane(nats_link& link, const cluster_options& options, const sources::ingest& local);
    ~event_backplane() override;
    event_backplane(const event_backplane&) = delete;
    event_backplane& operator=(const event_backplane&) = delete;

    // Subscribes to the events subject; when the link is up, waits until the server has the
    // subscription, so events published anywhere after this returns reach this node.
    void start();
    // Unsubscribes and stops acknowledging (pending relays are answered false).
    void stop();

    void relay(std::string_view events, std::function<void(bool)> committed) override;

    // Called by cnats for a received message.
    void on_message(std::string_view payload);

    uint64_t relayed() const { return relayed_.load(std::memory_order_relaxed); }
    uint64_t received() const { return received_.load(std::memory_order_relaxed); }
    uint64_t unacknowledged() const { return unacknowledged_.load(std::memory_order_relaxed); }
    // Messages the NATS client dropped because this node did not keep up.
    uint64_t dropped() const;

private:
    void acknowledge_loop();

    nats_link& link_;
    const cluster_options& options_;
    const sources::ingest& local_;
    std::string subject_;
    nats_subscription sub_;

    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<std::function<void(bool)>> waiting_;  // relays waiting for the next flush
    bool stopping_ = false;
    std::thread acknowledger_;

    std::atomic<uint64_t> relayed_{0};
    std::atomic<uint64_t> received_{0};
    std::atomic<uint64_t> unacknowledged_{0};
};

}  // namespace rig::cluster
