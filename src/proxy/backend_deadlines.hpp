#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "net/asio.hpp"

namespace rig::proxy {

// The answer deadlines of a shard's in-flight backend requests, watched by one timer.
//
// Beast's tcp_stream arms a timer for every read and write and cancels it when the operation
// completes (a timer queue insertion, a removal and an extra completion through the scheduler,
// twice per proxied request). Every request of a backend_client gets the same timeout, so its
// deadlines come in order: they are kept in a list in that order, and the one timer wait, when
// it fires, runs out the due ones (calling their `expire`) and waits for the next in the list.
// A request that ends in time only unlinks itself; the timer fires about once per timeout.
//
// @par Ownership and bounds
// A backend_client owns one; each entry lives on its request's coroutine frame (a `watch`),
// which unlinks it however the request ends. At most one timer wait is pending.
//
// @par Thread safety
// One per shard; used only on that shard's thread.
class backend_deadlines {
public:
    using clock = std::chrono::steady_clock;

    // One request's deadline, from construction until destruction or until it runs out.
    class watch {
    public:
        // Calls `expire` (on the shard's thread, once) when `timeout` passes before the watch
        // ends. `timeout` must be the same for every watch of `owner` (the list's order).
        watch(backend_deadlines& owner, std::chrono::milliseconds timeout,
              std::function<void()> expire);
        ~watch();
        watch(const watch&) = delete;
        watch& operator=(const watch&) = delete;

        // Whether the deadline ran out (and `expire` was called).
        bool expired() const { return expired_; }

    private:
        friend class backend_deadlines;
        backend_deadlines* owner_;
        clock::time_point due_;
        std::function<void()> expire_;
        watch* prev_ = nullptr;
        watch* next_ = nullptr;
        bool linked_ = false;
        bool expired_ = false;
    };

    explicit backend_deadlines(asio::io_context& io);
    ~backend_deadlines();
    backend_deadlines(const backend_deadlines&) = delete;
    backend_deadlines& operator=(const backend_deadlines&) = delete;

    // The entries being watched (for the tests).
    std::size_t size() const { return size_; }

    // Drops the timer while its io_context still exists (the node's stop, shard threads
    // joined): the timer must not outlive the context. Nothing expires after it.
    void close();

private:
    void link(watch& w);
    void unlink(watch& w);
    void wait();
    void fired();

    std::optional<asio::steady_timer> timer_;
    watch* head_ = nullptr;
    watch* tail_ = nullptr;
    std::size_t size_ = 0;
    bool pending_ = false;
    // Dropped at destruction: a wait completing after it must not touch this object.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace rig::proxy
