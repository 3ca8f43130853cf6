#include "cluster/nats_link.hpp"

#include <nats/nats.h>

#include <array>
#include <chrono>
#include <stdexcept>
#include <vector>

#include "core/log.hpp"

namespace rig::cluster {
namespace {

void connected_cb(natsConnection*, void* closure) {
    static_cast<nats_link*>(closure)->on_connected();
}

void disconnected_cb(natsConnection*, void* closure) {
    static_cast<nats_link*>(closure)->on_disconnected();
}

void closed_cb(natsConnection*, void* closure) {
    static_cast<nats_link*>(closure)->on_closed();
}

}  // namespace

nats_link::nats_link(const cluster_options& options) : options_(options) {}

nats_link::~nats_link() {
    closing_.store(true);
    if (js_ != nullptr) {
        jsCtx_Destroy(js_);
    }
    if (conn_ != nullptr) {
        natsConnection_Close(conn_);
        // cnats calls back on a thread of its own, after Close returns: the closed callback
        // is the last, and this object must outlive it.
        std::unique_lock lock(state_mutex_);
        closed_cv_.wait_for(lock, std::chrono::seconds(5), [&] { return closed_; });
        lock.unlock();
        natsConnection_Destroy(conn_);
    }
    natsOptions_Destroy(opts_);
}

bool nats_link::connect() {
    std::vector<const char*> servers;
    for (const auto& s : options_.servers) {
        servers.push_back(s.c_str());
    }
    natsOptions_Create(&opts_);
    natsOptions_SetServers(opts_, servers.data(), static_cast<int>(servers.size()));
    const std::string name = "rig " + options_.node_id;
    natsOptions_SetName(opts_, name.c_str());
    natsOptions_SetMaxReconnect(opts_, -1);
    natsOptions_SetReconnectWait(opts_, 250);
    // Events published while the link is down wait here (broker sources keep consuming).
    natsOptions_SetReconnectBufSize(opts_, 64 * 1024 * 1024);
    natsOptions_SetTimeout(opts_, 2000);
    natsOptions_SetPingInterval(opts_, 5000);
    natsOptions_SetMaxPingsOut(opts_, 2);
    natsOptions_SetDisconnectedCB(opts_, disconnected_cb, this);
    natsOptions_SetReconnectedCB(opts_, connected_cb, this);
    natsOptions_SetClosedCB(opts_, closed_cb, this);
    natsOptions_SetRetryOnFailedConnect(opts_, true, connected_cb, this);
    const natsStatus s = natsConnection_Connect(&conn_, opts_);
    if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
        throw std::runtime_error(std::string("cluster: cannot use RIG_CLUSTER_NATS: ") +
                                 natsStatus_GetText(s));
    }
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = options_.timeout.count();
    natsConnection_JetStream(&js_, conn_, &jo);
    if (s == NATS_OK) {
        on_connected();
        return true;
    }
    log::warn("cluster: no NATS server answers yet; connecting in the background");
    return false;
}

void nats_link::on_connected() {
    std::array<char, 256> url{};
    natsConnection_GetConnectedUrl(conn_, url.data(), url.size());
    {
        std::lock_guard lock(state_mutex_);
        state_ = std::string("connected to ") + url.data();
    }
    if (connected_.exchange(true)) {
        return;
    }
    log::info("cluster: node {} connected to NATS at {}", options_.node_id, url.data());
}

void nats_link::on_disconnected() {
    if (closing_.load()) {
        return;
    }
    {
        std::lock_guard lock(state_mutex_);
        state_ = "disconnected; reconnecting";
    }
    if (connected_.exchange(false)) {
        reconnects_.fetch_add(1, std::memory_order_relaxed);
        log::warn("cluster: lost the NATS server; reconnecting");
    }
}

void nats_link::on_closed() {
    // Notified under the lock: the waiting destructor may destroy the condition variable as
    // soon as it sees the flag, and must not do so while this thread is still in notify_all
    // (ThreadSanitizer saw exactly that race with cnats's last callback).
    std::lock_guard lock(state_mutex_);
    closed_ = true;
    closed_cv_.notify_all();
}

std::string nats_link::state() const {
    std::lock_guard lock(state_mutex_);
    return state_;
}

}  // namespace rig::cluster
