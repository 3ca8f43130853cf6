#pragma once

#include <condition_variable>
#include <mutex>
#include <string>

struct __natsConnection;
struct __natsSubscription;
struct __natsMsg;

namespace rig::cluster {

// One asynchronous cnats subscription that ends cleanly: close() unsubscribes and waits until
// the message handler has returned for the last time (cnats calls it on a thread of its own,
// and may still be inside it when Unsubscribe returns), so the handler's object may go next.
//
// @par Thread safety
// open() and close() from one thread, never from inside the handler.
class nats_subscription {
public:
    using handler = void (*)(__natsConnection*, __natsSubscription*, __natsMsg*, void* closure);

    nats_subscription() = default;
    ~nats_subscription();
    nats_subscription(const nats_subscription&) = delete;
    nats_subscription& operator=(const nats_subscription&) = delete;

    // Subscribes; an empty string when it worked, else why not.
    std::string open(__natsConnection* conn, const std::string& subject, handler on_message,
                     void* closure);
    void close();

    __natsSubscription* native() const { return sub_; }

    // Called by cnats once the subscription is closed and its handler has returned.
    void on_complete();

private:
    __natsSubscription* sub_ = nullptr;
    std::mutex mutex_;
    std::condition_variable completed_cv_;
    bool completed_ = false;
    bool closed_ = false;
};

}  // namespace rig::cluster
