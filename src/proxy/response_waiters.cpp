#include "proxy/response_waiters.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

namespace rig::proxy {

waiter_ticket::waiter_ticket(waiter_ticket&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), id_(other.id_) {}

waiter_ticket& waiter_ticket::operator=(waiter_ticket&& other) noexcept {
    if (this != &other) {
        if (owner_ != nullptr) {
            owner_->remove(id_);
        }
        owner_ = std::exchange(other.owner_, nullptr);
        id_ = other.id_;
    }
    return *this;
}

waiter_ticket::~waiter_ticket() {
    if (owner_ != nullptr) {
        owner_->remove(id_);
    }
}

waiter_ticket response_waiters::add() {
    const uint64_t id = next_id_++;
    entries_.emplace(id, entry{});
    add_to(stats_.registered);
    return {this, id};
}

bool response_waiters::deliver(uint64_t id, async_response response) {
    const auto it = entries_.find(id);
    if (it == entries_.end() || it->second.response) {
        add_to(stats_.dropped);
        return false;
    }
    it->second.response = std::move(response);
    if (it->second.timer != nullptr) {
        it->second.timer->cancel();
    }
    add_to(stats_.delivered);
    return true;
}

asio::awaitable<std::optional<async_response>> response_waiters::wait(
    waiter_ticket ticket, std::chrono::milliseconds timeout) {
    // The ticket lives in this frame: however the frame ends, its destructor unregisters.
    auto it = entries_.find(ticket.id());
    if (ticket.owner_ != this || it == entries_.end()) {
        co_return std::nullopt;
    }
    if (!it->second.response) {
        asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
        it->second.timer = &timer;
        // Ends on expiry, on deliver()'s cancel, or on the caller's cancellation.
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        // Other waiters may have come and gone meanwhile: look the entry up again.
        it = entries_.find(ticket.id());
        if (it == entries_.end()) {
            co_return std::nullopt;
        }
        it->second.timer = nullptr;
    }
    if (!it->second.response) {
        add_to(stats_.timed_out);
        co_return std::nullopt;
    }
    co_return std::exchange(it->second.response, std::nullopt);
}

}  // namespace rig::proxy
