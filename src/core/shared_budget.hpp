#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace rig::core {

// A node-wide allowance that every shard draws from: public connections at once
// (RIG_MAX_CONNECTIONS), subscriptions held by connections (RIG_MAX_SUBSCRIPTIONS). One
// relaxed atomic add when a holder takes or gives back, never per request or delivery.
//
// Owned by the node; outlives every holder. A limit of 0 means no cap.
class shared_budget {
public:
    explicit shared_budget(std::size_t limit) : limit_(limit) {}
    shared_budget(const shared_budget&) = delete;
    shared_budget& operator=(const shared_budget&) = delete;
    ~shared_budget() = default;

    // Takes `n`; false (and counted as a refusal) when that would exceed the limit.
    bool try_take(std::size_t n = 1) {
        const auto before = in_use_.fetch_add(n, std::memory_order_relaxed);
        if (limit_ != 0 && before + n > limit_) {
            in_use_.fetch_sub(n, std::memory_order_relaxed);
            refused_.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        return true;
    }
    void give_back(std::size_t n = 1) { in_use_.fetch_sub(n, std::memory_order_relaxed); }

    std::size_t limit() const { return limit_; }
    std::size_t in_use() const { return in_use_.load(std::memory_order_relaxed); }
    uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

private:
    const std::size_t limit_;
    std::atomic<std::size_t> in_use_{0};
    std::atomic<uint64_t> refused_{0};
};

// What one holder has taken from a shared_budget, given back when it is destroyed. Movable,
// so that a charge taken while admitting a connection passes to the connection.
class budget_charge {
public:
    budget_charge() = default;
    explicit budget_charge(shared_budget* budget) : budget_(budget) {}
    budget_charge(budget_charge&& o) noexcept
        : budget_(std::exchange(o.budget_, nullptr)), held_(std::exchange(o.held_, 0)) {}
    budget_charge& operator=(budget_charge&& o) noexcept {
        if (this != &o) {
            release();
            budget_ = std::exchange(o.budget_, nullptr);
            held_ = std::exchange(o.held_, 0);
        }
        return *this;
    }
    budget_charge(const budget_charge&) = delete;
    budget_charge& operator=(const budget_charge&) = delete;
    ~budget_charge() { release(); }

    // Holds `n` from now on: takes the difference or gives it back. False (nothing changed)
    // when the budget cannot give the difference. Always true without a budget.
    bool resize(std::size_t n) {
        if (budget_ == nullptr) {
            return true;
        }
        if (n > held_ && !budget_->try_take(n - held_)) {
            return false;
        }
        if (n < held_) {
            budget_->give_back(held_ - n);
        }
        held_ = n;
        return true;
    }
    std::size_t held() const { return held_; }

private:
    void release() {
        if (budget_ != nullptr && held_ != 0) {
            budget_->give_back(held_);
        }
        held_ = 0;
    }

    shared_budget* budget_ = nullptr;
    std::size_t held_ = 0;
};

}  // namespace rig::core
