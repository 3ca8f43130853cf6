#pragma once

#include <boost/asio/buffer.hpp>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace rig::transport {

// A frame to send: bytes shared by every connection that sends them (an event's SSE chunk is
// the same object on every recipient's queue).
using shared_frame = std::shared_ptr<const std::string>;

// A view of queued frames as an Asio ConstBufferSequence, so that all of them go out in one
// gathered write (writev) without building a separate iovec array per connection.
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
        explicit const_iterator(std::vector<shared_frame>::const_iterator it) : it_(it) {}
        value_type operator*() const { return boost::asio::buffer(**it_); }
        const_iterator& operator++() {
            ++it_;
            return *this;
        }
        const_iterator operator++(int) {
            auto t = *this;
            ++it_;
            return t;
        }
        const_iterator& operator--() {
            --it_;
            return *this;
        }
        const_iterator operator--(int) {
            auto t = *this;
            --it_;
            return t;
        }
        friend bool operator==(const const_iterator& a, const const_iterator& b) {
            return a.it_ == b.it_;
        }

    private:
        std::vector<shared_frame>::const_iterator it_;
    };

    explicit frame_buffers(const std::vector<shared_frame>& frames) : frames_(&frames) {}
    const_iterator begin() const { return const_iterator(frames_->begin()); }
    const_iterator end() const { return const_iterator(frames_->end()); }

private:
    const std::vector<shared_frame>* frames_;
};

}  // namespace rig::transport
