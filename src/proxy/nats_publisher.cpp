#include "proxy/nats_publisher.hpp"

#include <nats/nats.h>

#include <charconv>
#include <stdexcept>

#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace rig::proxy {
namespace {

log::rate_limited publisher_log{5};

void reply_cb(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    static_cast<nats_publisher*>(closure)->on_reply(msg);
}

void connected_cb(natsConnection*, void* closure) {
    static_cast<nats_publisher*>(closure)->on_connection_event(true);
}

void disconnected_cb(natsConnection*, void* closure) {
    static_cast<nats_publisher*>(closure)->on_connection_event(false);
}

void closed_cb(natsConnection*, void* closure) {
    static_cast<nats_publisher*>(closure)->on_closed();
}

void subscription_complete_cb(void* closure) {
    static_cast<nats_publisher*>(closure)->on_subscription_complete();
}

}  // namespace

nats_publisher::nats_publisher(nats_publisher_options options, produce_counters& counters)
    : options_(std::move(options)), counters_(counters) {
    std::vector<const char*> servers;
    for (const auto& s : options_.servers) {
        servers.push_back(s.c_str());
    }
    natsOptions_Create(&opts_);
    natsOptions_SetServers(opts_, servers.data(), static_cast<int>(servers.size()));
    natsOptions_SetName(opts_, "rig proxy");
    natsOptions_SetMaxReconnect(opts_, -1);
    natsOptions_SetReconnectWait(opts_, 500);
    natsOptions_SetReconnectBufSize(opts_, 8 * 1024 * 1024);
    natsOptions_SetDisconnectedCB(opts_, disconnected_cb, this);
    natsOptions_SetReconnectedCB(opts_, connected_cb, this);
    natsOptions_SetClosedCB(opts_, closed_cb, this);
    // Keep trying in the background when no server answers at start.
    natsOptions_SetRetryOnFailedConnect(opts_, true, connected_cb, this);
    const natsStatus s = natsConnection_Connect(&conn_, opts_);
    if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
        natsOptions_Destroy(opts_);
        throw std::runtime_error(std::string("nats proxy target: cannot use NATS_SERVERS: ") +
                                 natsStatus_GetText(s));
    }
    if (s == NATS_OK) {
        on_connection_event(true);
    } else {
        log::warn("nats proxy target: no server answers yet; connecting in the background");
    }
    natsInbox* inbox = nullptr;
    natsInbox_Create(&inbox);
    inbox_ = inbox;
    natsInbox_Destroy(inbox);
    const std::string wildcard = inbox_ + ".*";
    if (natsConnection_Subscribe(&replies_, conn_, wildcard.c_str(), reply_cb, this) == NATS_OK) {
        natsSubscription_SetOnCompleteCB(replies_, subscription_complete_cb, this);
    } else {
        replies_ = nullptr;  // requests then time out; publishing still works
        subscription_complete_ = true;
        log::error("nats proxy target: cannot subscribe to its reply inbox");
    }
    timer_thread_ = core::named_thread("rig-nats-expiry", [this] { expire_until_stopped(); });
}

nats_publisher::~nats_publisher() {
    closing_ = true;
    // No reply handler may run once this returns: cnats calls on_reply on its own thread, and
    // may still be inside it when Unsubscribe returns.
    if (replies_ != nullptr && natsSubscription_Unsubscribe(replies_) == NATS_OK) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, std::chrono::seconds(5), [&] { return subscription_complete_; });
    }
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    changed_.notify_all();
    timer_thread_.join();
    std::map<uint64_t, pending_request> left;
    {
        std::lock_guard lock(mutex_);
        left.swap(pending_);
        deadlines_.clear();
    }
    for (auto& [id, p] : left) {
        p.handler(std::nullopt);
    }
    natsConnection_Close(conn_);
    {
        // The closed callback is cnats' last one for this connection.
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, std::chrono::seconds(5), [&] { return closed_; });
    }
    natsSubscription_Destroy(replies_);
    natsConnection_Destroy(conn_);
    natsOptions_Destroy(opts_);
}

bool nats_publisher::publish(std::string_view subject, std::string_view payload) {
    const std::string subject_text(subject);
    const natsStatus s = natsConnection_Publish(conn_, subject_text.c_str(), payload.data(),
                                                static_cast<int>(payload.size()));
    counters_.count(subject, s == NATS_OK);
    if (s != NATS_OK) {
        publisher_log.info("nats: could not publish to {}: {}", subject, natsStatus_GetText(s));
    }
    return s == NATS_OK;
}

void nats_publisher::request(std::string_view subject, std::string_view payload,
                             std::chrono::milliseconds timeout, reply_handler on_reply) {
    uint64_t id = 0;
    {
        std::lock_guard lock(mutex_);
        id = next_id_++;
        const auto deadline = clock::now() + timeout;
        pending_.emplace(id, pending_request{std::move(on_reply), deadline});
        deadlines_.emplace(deadline, id);
    }
    changed_.notify_all();
    const std::string subject_text(subject);
    const std::string reply_subject = inbox_ + "." + std::to_string(id);
    const natsStatus s =
        natsConnection_PublishRequest(conn_, subject_text.c_str(), reply_subject.c_str(),
                                      payload.data(), static_cast<int>(payload.size()));
    counters_.count(subject, s == NATS_OK);
    if (s != NATS_OK) {
        publisher_log.info("nats: could not publish a request to {}: {}", subject,
                           natsStatus_GetText(s));
        // Completed on the timer thread, like a timeout: never inside request().
        std::lock_guard lock(mutex_);
        if (auto it = pending_.find(id); it != pending_.end()) {
            deadlines_.erase({it->second.deadline, id});
            it->second.deadline = clock::time_point::min();
            deadlines_.emplace(it->second.deadline, id);
        }
    }
    changed_.notify_all();
}

nats_publisher::reply_handler nats_publisher::take(uint64_t id) {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(id);
    if (it == pending_.end()) {
        return {};
    }
    reply_handler handler = std::move(it->second.handler);
    deadlines_.erase({it->second.deadline, id});
    pending_.erase(it);
    return handler;
}

void nats_publisher::on_reply(natsMsg* msg) {
    const std::string_view subject = natsMsg_GetSubject(msg);
    const std::string_view token = subject.substr(subject.rfind('.') + 1);
    uint64_t id = 0;
    const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), id);
    if (ec == std::errc() && end == token.data() + token.size()) {
        if (auto handler = take(id)) {
            // The server's "no responders" status: nobody listens on the subject, so no
            // reply will come (the client gets its timeout answer at once).
            if (natsMsg_IsNoResponders(msg)) {
                handler(std::nullopt);
            } else {
                handler(std::string(natsMsg_GetData(msg),
                                    static_cast<std::size_t>(natsMsg_GetDataLength(msg))));
            }
        }
    }
    natsMsg_Destroy(msg);
}

void nats_publisher::expire_until_stopped() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
        if (deadlines_.empty()) {
            changed_.wait(lock);
            continue;
        }
        const auto [deadline, id] = *deadlines_.begin();
        if (clock::now() < deadline) {
            changed_.wait_until(lock, deadline);
            continue;
        }
        deadlines_.erase(deadlines_.begin());
        auto it = pending_.find(id);
        reply_handler handler = std::move(it->second.handler);
        pending_.erase(it);
        lock.unlock();
        handler(std::nullopt);
        lock.lock();
    }
}

void nats_publisher::on_connection_event(bool connected) {
    if (closing_.load() || connected_.exchange(connected) == connected) {
        return;
    }
    if (connected) {
        log::info("nats proxy target: connected");
    } else {
        log::warn("nats proxy target: disconnected; reconnecting");
    }
}

void nats_publisher::on_closed() {
    // Notified under the lock: the waiting destructor may destroy the condition variable as
    // soon as it sees the flag, and must not do so while this thread is still in notify_all
    // (ThreadSanitizer saw exactly that race with cnats's last callback).
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
}

void nats_publisher::on_subscription_complete() {
    // Notified under the lock: the waiting destructor may destroy the condition variable as
    // soon as it sees the flag, and must not do so while this thread is still in notify_all
    // (ThreadSanitizer saw exactly that race with cnats's last callback).
    std::lock_guard lock(mutex_);
    subscription_complete_ = true;
    changed_.notify_all();
}

}  // namespace rig::proxy
