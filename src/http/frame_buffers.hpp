#pragma once

#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <iterator>
#include <span>

#include "core/frame.hpp"

namespace rig::http {

// Queued frames (optionally after a prefix, e.g. a response head) as an Asio
// ConstBufferSequence, so that all of them go out in one gathered write (writev) without
// building an iovec array per connection.
class frame_buffers {
public:
    using value_type = boost::asio::const_buffer;

    class const_iterator {
    public:
        using iterator_category = std::bidirectional_iterator_tag;
        using value_type = boost::asio::const_buffer;
        using difference_type = std::ptrdiff_t;
        using pointer = const value_type*;
        using reference = value_type;

        const_iterator() = default;
        const_iterator(const frame_buffers* owner, std::ptrdiff_t pos) : owner_(owner), pos_(pos) {}
        value_type operator*() const {
            if (pos_ < 0) {
                return owner_->prefix_;
            }
            const auto& f = owner_->frames_[static_cast<std::size_t>(pos_)];
            return {f.bytes.data(), f.bytes.size()};
        }
        const_iterator& operator++() {
            ++pos_;
            return *this;
        }
        const_iterator operator++(int) {
            auto t = *this;
            ++pos_;
            return t;
        }
        const_iterator& operator--() {
            --pos_;
            return *this;
        }
        const_iterator operator--(int) {
            auto t = *this;
            --pos_;
            return t;
        }
        friend bool operator==(const const_iterator& a, const const_iterator& b) {
            return a.pos_ == b.pos_;
        }

    private:
        const frame_buffers* owner_ = nullptr;
        std::ptrdiff_t pos_ = 0;  // -1: the prefix
    };

    explicit frame_buffers(std::span<const core::frame> frames,
                           boost::asio::const_buffer prefix = {})
        : frames_(frames), prefix_(prefix) {}
    const_iterator begin() const { return const_iterator(this, prefix_.size() != 0 ? -1 : 0); }
    const_iterator end() const {
        return const_iterator(this, static_cast<std::ptrdiff_t>(frames_.size()));
    }

private:
    std::span<const core::frame> frames_;
    boost::asio::const_buffer prefix_;
};

}  // namespace rig::http
