#include "cluster/nats_subscription.hpp"

#include <nats/nats.h>

#include <chrono>

namespace rig::cluster {
namespace {

void complete_cb(void* closure) {
    static_cast<nats_subscription*>(closure)->on_complete();
}

}  // namespace

nats_subscription::~nats_subscription() {
    close();
    natsSubscription_Destroy(sub_);
}

std::string nats_subscription::open(natsConnection* conn, const std::string& subject,
                                    handler on_message, void* closure) {
    const natsStatus s =
        natsConnection_Subscribe(&sub_, conn, subject.c_str(), on_message, closure);
    if (s != NATS_OK) {
        sub_ = nullptr;
        return natsStatus_GetText(s);
    }
    natsSubscription_SetOnCompleteCB(sub_, complete_cb, this);
    return {};
}

void nats_subscription::close() {
    if (sub_ == nullptr || closed_) {
        return;
    }
    closed_ = true;
    if (natsSubscription_Unsubscribe(sub_) != NATS_OK) {
        return;  // already closed with its connection: the handler will not run again
    }
    std::unique_lock lock(mutex_);
    completed_cv_.wait_for(lock, std::chrono::seconds(5), [&] { return completed_; });
}

void nats_subscription::on_complete() {
    // Notified under the lock: the waiting destructor may destroy the condition variable as
    // soon as it sees the flag, and must not do so while this thread is still in notify_all
    // (ThreadSanitizer saw exactly that race with cnats's last callback).
    std::lock_guard lock(mutex_);
    completed_ = true;
    completed_cv_.notify_all();
}

}  // namespace rig::cluster
