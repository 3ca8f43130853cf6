#include "cluster/node_inbox.hpp"

#include <fmt/format.h>
#include <nats/nats.h>

#include <stdexcept>

#include "core/log.hpp"

namespace rig::cluster {
namespace {

log::rate_limited send_log{2};

void message_cb(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    static_cast<node_inbox*>(closure)->on_message(std::string_view(
        natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg))));
    natsMsg_Destroy(msg);
}

}  // namespace

node_inbox::node_inbox(nats_link& link, const cluster_options& options, std::string kind,
                       uint32_t instance)
    : link_(link), options_(options), kind_(std::move(kind)), instance_(instance) {}

node_inbox::~node_inbox() {
    stop();
}

std::string node_inbox::subject(uint32_t instance) const {
    return fmt::format("{}.{}.{:08x}", options_.prefix, kind_, instance);
}

void node_inbox::start(handler on_message) {
    if (!on_message) {
        return;
    }
    handler_ = std::move(on_message);
    const std::string own = subject(instance_);
    if (auto error = sub_.open(link_.connection(), own, message_cb, this); !error.empty()) {
        throw std::runtime_error("cluster: cannot subscribe to " + own + ": " + error);
    }
}

void node_inbox::stop() {
    sub_.close();
}

bool node_inbox::send(uint32_t instance, std::string_view message) {
    const std::string to = subject(instance);
    const natsStatus s = natsConnection_Publish(link_.connection(), to.c_str(), message.data(),
                                                static_cast<int>(message.size()));
    if (s != NATS_OK) {
        unsent_.fetch_add(1, std::memory_order_relaxed);
        send_log.info("cluster: cannot send to {}: {}", to, natsStatus_GetText(s));
        return false;
    }
    sent_.fetch_add(1, std::memory_order_relaxed);
    return true;
}

void node_inbox::on_message(std::string_view message) {
    received_.fetch_add(1, std::memory_order_relaxed);
    handler_(message);
}

}  // namespace rig::cluster
