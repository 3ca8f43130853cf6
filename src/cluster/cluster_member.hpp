#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "cluster/cluster_options.hpp"
#include "cluster/event_backplane.hpp"
#include "cluster/nats_link.hpp"
#include "cluster/node_inbox.hpp"
#include "cluster/node_requests.hpp"
#include "cluster/replicated_blacklist.hpp"
#include "cluster/replicated_map.hpp"

namespace rig::cluster {

// Thrown by join() when the running nodes use another NODE_COOKIE.
class cookie_mismatch : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// This node's part in a cluster on NATS: the link, the events backplane, requests between
// nodes, the replicated blacklist and API definitions, and the inbox for asynchronous
// responses, joined and left in order.
//
// @par Thread safety
// join() and leave() from the main thread; the accessors from any thread.
class cluster_member {
public:
    // What the node does with what other nodes share. Called on the cluster's threads.
    struct handlers {
        replicated_blacklist::apply blacklisted;
        // `<prefix>_apis`: an API id and its definition (JSON), or none for a delete marker.
        replicated_map::apply api_changed;
        // An asynchronous response another node received for a request waiting here.
        node_inbox::handler response;
    };

    cluster_member(cluster_options options, uint32_t instance, std::string cookie_fingerprint,
                   const sources::ingest& local, handlers on);
    cluster_member(const cluster_member&) = delete;
    cluster_member& operator=(const cluster_member&) = delete;
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
    // Shares an API definition changed on this node (created, updated or deactivated) with
    // every node.
    void share_api(std::string id, std::string definition) {
        apis_.put(std::move(id), std::move(definition));
    }
    // Sends an asynchronous response to the node instance whose request waits for it.
    void send_response(uint32_t instance, std::string_view message) {
        responses_.send(instance, message);
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
    replicated_map apis_;
    node_inbox responses_;
    node_inbox::handler on_response_;
};

}  // namespace rig::cluster
