#include "cluster/cluster_member.hpp"

#include <fmt/format.h>

#include "core/json_text.hpp"
#include "core/log.hpp"

namespace rig::cluster {

cluster_member::cluster_member(cluster_options options, uint32_t instance,
                               std::string cookie_fingerprint, const sources::ingest& local,
                               handlers on)
    : options_(std::move(options)),
      instance_(instance),
      link_(options_),
      backplane_(link_, options_, local),
      requests_(link_, options_, instance, std::move(cookie_fingerprint)),
      blacklist_(link_, options_, std::move(on.blacklisted)),
      apis_(link_, options_, "apis", "rig API definitions: API id (base64url) -> definition JSON",
            std::move(on.api_changed)),
      responses_(link_, options_, "response", instance),
      on_response_(std::move(on.response)) {}

cluster_member::~cluster_member() {
    leave();
}

void cluster_member::join(node_requests::server serve) {
    link_.connect();
    if (requests_.cookie_differs()) {
        throw cookie_mismatch("the running nodes of this cluster (RIG_CLUSTER_NATS, prefix " +
                              options_.prefix +
                              ") use another NODE_COOKIE; every node must share it");
    }
    requests_.start(std::move(serve));
    backplane_.start();
    responses_.start(std::move(on_response_));
    blacklist_.start();
    apis_.start();
    log::info("cluster: node {} (instance {:08x}) joined on {}", options_.node_id, instance_,
              options_.prefix);
}

void cluster_member::leave() {
    backplane_.stop();
    requests_.stop();
    responses_.stop();
    blacklist_.stop();
    apis_.stop();
}

std::string cluster_member::health_json() const {
    return fmt::format(
        R"({{"node":{},"instance":"{:08x}","connected":{},"state":{},"blacklist_caught_up":{},"apis_caught_up":{}}})",
        core::json_quote(options_.node_id), instance_, link_.connected() ? "true" : "false",
        core::json_quote(link_.state()), blacklist_.caught_up() ? "true" : "false",
        apis_.caught_up() ? "true" : "false");
}

std::string cluster_member::metrics_text() const {
    std::string out;
    const auto line = [&](const char* name, const char* type, const char* help, uint64_t v) {
        out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, v);
    };
    line("rig_cluster_connected", "gauge", "1 while the node is connected to the NATS backplane.",
         link_.connected() ? 1 : 0);
    line("rig_cluster_reconnects_total", "counter", "Times the backplane link was lost.",
         link_.reconnects());
    line("rig_cluster_events_relayed_total", "counter",
         "Backplane messages (one or more events) this node published.", backplane_.relayed());
    line("rig_cluster_events_received_total", "counter",
         "Backplane messages this node received and delivered locally.", backplane_.received());
    line("rig_cluster_events_unacknowledged_total", "counter",
         "Relays the backplane did not acknowledge in time (answered 503).",
         backplane_.unacknowledged());
    line("rig_cluster_events_dropped_total", "counter",
         "Backplane messages dropped because this node fell too far behind.", backplane_.dropped());
    line("rig_cluster_requests_sent_total", "counter",
         "Requests forwarded to the node that owns a connection.", requests_.asked());
    line("rig_cluster_requests_unanswered_total", "counter",
         "Forwarded requests not answered within the cluster timeout (answered 410).",
         requests_.unanswered());
    line("rig_cluster_requests_served_total", "counter",
         "Requests other nodes forwarded to this node.", requests_.served());
    line("rig_cluster_responses_forwarded_total", "counter",
         "Asynchronous responses sent on to the node whose request waits for them.",
         responses_.sent());
    line("rig_cluster_responses_unsent_total", "counter",
         "Asynchronous responses for another node that could not be sent on.", responses_.unsent());
    line("rig_cluster_responses_received_total", "counter",
         "Asynchronous responses other nodes sent on to this node.", responses_.received());
    return out;
}

}  // namespace rig::cluster
