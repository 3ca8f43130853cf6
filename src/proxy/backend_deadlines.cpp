#include "proxy/backend_deadlines.hpp"

#include <utility>

namespace rig::proxy {

backend_deadlines::watch::watch(backend_deadlines& owner, std::chrono::milliseconds timeout,
                                std::function<void()> expire)
    : owner_(&owner), due_(clock::now() + timeout), expire_(std::move(expire)) {
    owner_->link(*this);
}

backend_deadlines::watch::~watch() {
    if (linked_) {
        owner_->unlink(*this);
    }
}

backend_deadlines::backend_deadlines(asio::io_context& io) : timer_(std::in_place, io) {}

backend_deadlines::~backend_deadlines() {
    alive_.reset();
    close();
    for (watch* w = head_; w != nullptr; w = w->next_) {
        w->linked_ = false;
    }
}

void backend_deadlines::close() {
    timer_.reset();  // its pending wait, if any, is cancelled
    pending_ = false;
}

void backend_deadlines::link(watch& w) {
    w.prev_ = tail_;
    w.next_ = nullptr;
    (tail_ != nullptr ? tail_->next_ : head_) = &w;
    tail_ = &w;
    w.linked_ = true;
    ++size_;
    if (!pending_) {
        wait();
    }
}

void backend_deadlines::unlink(watch& w) {
    (w.prev_ != nullptr ? w.prev_->next_ : head_) = w.next_;
    (w.next_ != nullptr ? w.next_->prev_ : tail_) = w.prev_;
    w.prev_ = w.next_ = nullptr;
    w.linked_ = false;
    --size_;
}

void backend_deadlines::wait() {
    // The wait is for the oldest entry; one that ends earlier leaves it to fire for nothing
    // but one check (cheaper than a cancellation per request).
    if (!timer_) {
        return;
    }
    pending_ = true;
    timer_->expires_at(head_->due_);
    timer_->async_wait(
        [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
            if (alive.expired()) {
                return;
            }
            pending_ = false;
            if (!ec) {
                fired();
            }
        });
}

void backend_deadlines::fired() {
    const auto now = clock::now();
    while (head_ != nullptr && head_->due_ <= now) {
        watch& w = *head_;
        unlink(w);
        w.expired_ = true;
        // May resume nothing at once (completions are posted), so the list stays ours here.
        if (w.expire_) {
            std::exchange(w.expire_, nullptr)();
        }
    }
    if (head_ != nullptr && !pending_) {
        wait();
    }
}

}  // namespace rig::proxy
