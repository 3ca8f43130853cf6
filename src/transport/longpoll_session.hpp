#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "transport/connection.hpp"

namespace rig::transport {

// What a poll returns: the response body and the id of the newest buffered event (for the
// last_event_id cookie).
struct poll_result {
    std::string body;
    std::string last_event_id;
};

// A long-polling session (spec §2.6): a buffer of the last `longpoll_buffer` events (and
// at most `max_queue_bytes` of them) for the client to fetch with polls. A poll returns the events
// after the client's last_event_id at once, or waits up to `longpoll_hold` for one to arrive. A
// session that nobody polls for `longpoll_session_ttl` ends.
//
// Unlike RIG, every event kind is delivered, and a client whose last_event_id fell out of
// the buffer gets the whole buffer rather than nothing.
class longpoll_session final : public connection {
public:
    using poll_callback = std::function<void(poll_result)>;

    explicit longpoll_session(shard_context& shard);

    // Buffers rig.connection.create. Call after open().
    void start();

    // Answers now if there are events after `last_event_id`, else when one arrives or the
    // hold time ends. A newer poll answers an older waiting one with no events.
    void poll(std::string last_event_id, poll_callback done);

    void deliver(const hub::event_ptr& event) override;
    void on_tick(uint64_t tick) override;
    void close(close_reason why) override;

private:
    std::optional<poll_result> take_after(const std::string& last_event_id) const;
    poll_result empty_result() const;
    void answer_waiter(poll_result r);

    // The newest events, oldest first: at most `longpoll_buffer` of them and, beyond the
    // newest one, at most `max_queue_bytes` of JSON.
    std::deque<hub::event_ptr> buffer_;
    std::size_t buffer_bytes_ = 0;
    std::chrono::steady_clock::time_point last_poll_;
    struct waiter {
        std::string last_event_id;
        poll_callback done;
    };
    std::optional<waiter> waiter_;
    boost::asio::steady_timer hold_timer_;
    bool closed_ = false;
};

}  // namespace rig::transport
