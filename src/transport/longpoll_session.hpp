#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "net/asio.hpp"
#include "transport/connection.hpp"

namespace rig::transport {

// What a poll returns: the response body and the id of the newest buffered event (for the
// last_event_id cookie).
struct poll_result {
    std::string body;
    std::string last_event_id;
};

// A long-polling session (spec §2.6): its frame queue keeps the last RIG_LONGPOLL_BUFFER
// events (and, beyond the newest, at most RIG_MAX_QUEUE_BYTES of them) for the client to
// fetch with polls. A poll returns the events after the client's last_event_id at once, or
// waits up to RIG_LONGPOLL_HOLD_MS for one to arrive. A session that nobody polls for
// RIG_LONGPOLL_SESSION_TTL_MS ends.
//
// Unlike RIG, every event kind is delivered, and a client whose last_event_id fell out of
// the buffer gets the whole buffer rather than nothing.
class longpoll_session final : public connection {
public:
    using poll_callback = std::function<void(poll_result)>;

    longpoll_session(connection_host& host, const asio::any_io_executor& executor);

    // Buffers rig.connection.create.
    void start() override;

    // Answers now if there are events after `last_event_id`, else when one arrives or the
    // hold time ends. A newer poll answers an older waiting one with no events.
    void poll(std::string last_event_id, poll_callback done);

    void queue_event(const hub::event_ptr& event) override;
    void close(close_reason why) override;

private:
    void on_overflow() override {}
    void on_heartbeat(uint64_t) override {}
    bool on_peer_readable() override { return false; }

    std::optional<poll_result> take_after(const std::string& last_event_id) const;
    poll_result empty_result() const;
    void answer_waiter(poll_result r);
    // Arms expiry_timer_ for last_poll_ + RIG_LONGPOLL_SESSION_TTL_MS: a session ends on time,
    // not at the next heartbeat sweep.
    void arm_expiry();

    std::chrono::steady_clock::time_point last_poll_;
    struct waiter {
        std::string last_event_id;
        poll_callback done;
    };
    std::optional<waiter> waiter_;
    boost::asio::steady_timer hold_timer_;
    boost::asio::steady_timer expiry_timer_;
};

}  // namespace rig::transport
