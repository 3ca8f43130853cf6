#include "admin/dashboard_streams.hpp"

#include <fmt/format.h>

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "cloudevents/encode.hpp"
#include "http/responses.hpp"

namespace rig::admin {

// One open dashboard stream: a timer writes a snapshot per interval, one write at a time; a
// wait for the client's bytes notices its end. Kept alive by its pending operations (the
// channel and the timer hold it), never by its owner.
class dashboard_streams::stream final : public http::channel_user,
                                        public http::session_tracker::member,
                                        public std::enable_shared_from_this<stream> {
public:
    stream(dashboard_streams& owner, std::unique_ptr<http::response_channel> channel,
           const asio::any_io_executor& executor)
        : owner_(owner), channel_(std::move(channel)), timer_(executor) {}

    stream(const stream&) = delete;
    stream& operator=(const stream&) = delete;
    // Virtual: the class has virtual functions (C.35), though nothing deletes it by a base.
    virtual ~stream() { leave(); }

    void start() {
        ++owner_.open_;
        tracked_ = owner_.sessions_.add(this);
        counted_ = true;
        write_snapshot();
        channel_->wait_readable(shared_from_this());
    }

    void on_written(const http::error_code& ec) override {
        writing_ = false;
        if (ec || done_) {
            finish();
            return;
        }
        if (ending_) {
            end();
            return;
        }
        timer_.expires_after(owner_.options_.interval);
        timer_.async_wait([self = shared_from_this()](const http::error_code& tec) {
            if (!tec && !self->done_ && !self->ending_) {
                self->write_snapshot();
            }
        });
    }

    void on_readable(const http::error_code& ec) override {
        if (done_) {
            return;
        }
        if (ec) {
            finish();
            return;
        }
        // The client has nothing to say: discard a bounded amount per wake-up, stop at its end.
        std::array<char, 512> sink{};
        for (int i = 0; i < 16; ++i) {
            http::error_code rec;
            channel_->read_some(asio::buffer(sink), rec);
            if (rec == asio::error::would_block) {
                break;
            }
            if (rec) {
                finish();
                return;
            }
        }
        channel_->wait_readable(shared_from_this());
    }

    // The node stops: the stream ends after the write in flight (HTTP/1.1: with the last chunk).
    void drain() override {
        if (done_ || ending_) {
            return;
        }
        ending_ = true;
        timer_.cancel();
        if (!writing_) {
            end();  // else on_written does
        }
    }

private:
    void write_snapshot() {
        const std::string message =
            fmt::format("event: snapshot\ndata: {}\n\n", sampler_.next(owner_.read_()));
        frame_ =
            core::owned_frame(channel_->chunked() ? cloudevents::http_chunk(message) : message);
        writing_ = true;
        channel_->write(std::span<const core::frame>(&frame_, 1), shared_from_this());
    }

    // The graceful end, with no write in flight: HTTP/1.1's last chunk goes out first.
    void end() {
        if (channel_->chunked() && !last_chunk_sent_) {
            last_chunk_sent_ = true;
            frame_ = core::static_frame(cloudevents::last_chunk);
            writing_ = true;
            channel_->write(std::span<const core::frame>(&frame_, 1), shared_from_this());
            return;
        }
        channel_->end();
        finish();
    }

    // Done, one way or another (harmless a second time).
    void finish() {
        if (done_) {
            return;
        }
        done_ = true;
        timer_.cancel();
        channel_->close();
        leave();
    }

    // Leaves the count and the tracker, once.
    void leave() {
        if (counted_) {
            counted_ = false;
            --owner_.open_;
            owner_.sessions_.remove(tracked_);
        }
    }

    dashboard_streams& owner_;
    std::unique_ptr<http::response_channel> channel_;
    asio::steady_timer timer_;
    dashboard_sampler sampler_;
    core::frame frame_;  // the write in flight
    http::session_tracker::handle tracked_{};
    bool counted_ = false;
    bool last_chunk_sent_ = false;
    bool writing_ = false;
    bool ending_ = false;
    bool done_ = false;
};

dashboard_streams::dashboard_streams(dashboard_options options, reader read,
                                     http::session_tracker& sessions)
    : options_(options), read_(std::move(read)), sessions_(sessions) {}

std::optional<http::response> dashboard_streams::open(http::exchange& ex,
                                                      const asio::any_io_executor& executor) {
    if (sessions_.draining()) {
        return http::make_error({core::condition::unavailable, "The node is shutting down."});
    }
    if (open_ >= options_.max_streams) {
        return http::make_error(
            {core::condition::unavailable,
             fmt::format("Too many dashboard streams are open (RIG_DASHBOARD_MAX_STREAMS={}).",
                         options_.max_streams)});
    }
    http::response head{http::status::ok, 11};
    head.set(http::field::content_type, "text/event-stream; charset=utf-8");
    head.set(http::field::cache_control, "no-cache");
    head.set("x-accel-buffering", "no");
    if (ex.proto() == http::protocol::http1) {
        head.set(http::field::transfer_encoding, "chunked");
    }
    auto s = std::make_shared<stream>(*this, ex.take(head), executor);
    s->start();
    return std::nullopt;
}

}  // namespace rig::admin
