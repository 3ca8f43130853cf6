#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <unordered_map>

#include "net/asio.hpp"
#include "proxy/async_response.hpp"

namespace rig::proxy {

class response_waiters;

// A registered waiter: its id goes into the correlation id; whoever holds the ticket owns the
// registration, which ends (and later responses are dropped) when the ticket is destroyed.
// Move-only; destroy it on the shard that issued it.
class waiter_ticket {
public:
    waiter_ticket() = default;
    waiter_ticket(waiter_ticket&& other) noexcept;
    waiter_ticket& operator=(waiter_ticket&& other) noexcept;
    waiter_ticket(const waiter_ticket&) = delete;
    waiter_ticket& operator=(const waiter_ticket&) = delete;
    ~waiter_ticket();

    uint64_t id() const { return id_; }
    explicit operator bool() const { return owner_ != nullptr; }

private:
    friend class response_waiters;
    waiter_ticket(response_waiters* owner, uint64_t id) : owner_(owner), id_(id) {}

    response_waiters* owner_ = nullptr;
    uint64_t id_ = 0;
};

// Requests of one shard that wait for an asynchronous response (`response_from` kafka or
// http_async, spec §8.7). The proxy handler registers *before* it forwards the request, since
// a fast backend may answer before its own 202 arrives; a response that comes before the
// handler waits is kept for it.
//
//     auto ticket = waiters.add();
//     const auto id = codec.encode({instance, shard, ticket.id()});
//     ... forward with ?correlation=id; on a 202:
//     std::optional<async_response> r = co_await waiters.wait(std::move(ticket), timeout);
//
// Dropping the ticket (the backend did not answer 202) or destroying the waiting coroutine
// (the client went away) unregisters the waiter.
//
// @par Thread safety
// One per shard, used only on that shard's thread (the node-level response_router posts
// deliveries there). The counters may be read from any thread.
//
// Lifetime: owned per shard by the node; outlives every ticket and every waiting coroutine.
class response_waiters {
public:
    // Counters of this shard; written by the shard's thread only.
    struct stats {
        std::atomic<uint64_t> registered{0};
        std::atomic<uint64_t> delivered{0};  // responses handed to a waiting request
        std::atomic<uint64_t> dropped{0};    // responses for no (longer) registered waiter
        std::atomic<uint64_t> timed_out{0};  // waits that ended without a response
    };

    response_waiters() = default;
    response_waiters(const response_waiters&) = delete;
    response_waiters& operator=(const response_waiters&) = delete;
    ~response_waiters() = default;

    // Registers a waiter under a fresh id (counting from 1, never reused).
    waiter_ticket add();

    // Resumes with the response delivered for `ticket`, now or within `timeout`, or with
    // nothing when the time is up (or the coroutine's cancellation slot fires). Runs on this
    // shard's executor. Unregisters the waiter however it ends, even if the frame is destroyed.
    asio::awaitable<std::optional<async_response>> wait(waiter_ticket ticket,
                                                        std::chrono::milliseconds timeout);

    // Completes the wait of waiter `id`. False (and the response is dropped) if no such waiter
    // is registered, or it already has a response.
    bool deliver(uint64_t id, async_response response);

    // Registered waiters, waiting or not yet.
    std::size_t size() const { return entries_.size(); }
    const stats& counters() const { return stats_; }

private:
    friend class waiter_ticket;
    struct entry {
        std::optional<async_response> response;  // delivered, not yet taken by the waiter
        asio::steady_timer* timer = nullptr;     // while a wait is suspended: wakes it early
    };

    void remove(uint64_t id) { entries_.erase(id); }
    static void add_to(std::atomic<uint64_t>& c) {
        c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

    std::unordered_map<uint64_t, entry> entries_;
    uint64_t next_id_ = 1;
    stats stats_;
};

}  // namespace rig::proxy
