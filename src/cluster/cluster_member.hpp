#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "cluster/cluster_options.hpp"
#include "cluster/event_backplane.hpp"
#include "cluster/nats_link.hpp"
#include "cluster/node_requests.hpp"
#include "cluster/replicated_blacklist.hpp"

namespace rig::cluster {

// Thrown by join() when the running nodes use another NODE_COOKIE.
class cookie_mismatch : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// This node's part in a cluster on NATS: the link, the events backplane, requests between
// nodes and the replicated blacklist, joined and left in order.
//
// @par Thread safety
// join() and leave() from the main thread; the accessors from any thread.
class cluster_member {
public:
    cluster_member(cluster_options options, uint32_t instance, std::string cookie_fingerprint,
                   const sources::ingest& local, replicated_blacklist::apply on_blacklisted);
    ~cluster_member();

    // Connects (or goes on connecting in the background), checks the cookie, then subscribes
    // everything and catches up with the blacklist before returning, so that the node answers
    // health only once events and entries from the other nodes reach it.
    void join(node_requests::server serve);
    // Stops taking events and requests (the node drains).
    void leave();

    sources::event_relay& events() { return backplane_; }
    transport::remote_nodes& nodes() { return requests_; }
    // Shares a blacklist entry made on this node with every node.
    void share_blacklisted(std::string session, replicated_blacklist::clock::time_point expires) {
        blacklist_.add(std::move(session), expires);
    }

    const cluster_options& options() const { return options_; }
    bool connected() const { return link_.connected(); }
    // GET /health/cluster: the link's state as JSON.
    std::string health_json() const;
    // Prometheus lines for the cluster.
    std::string metrics_text() const;

private:
    cluster_options options_;
    uint32_t instance_;
    nats_link link_;
    event_backplane backplane_;
    node_requests requests_;
    replicated_blacklist blacklist_;
};

}  // namespace rig::cluster
