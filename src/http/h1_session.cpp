#include "http/h1_session.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <utility>

#include "core/log.hpp"
#include "http/h2_session.hpp"
#include "http/origin_form.hpp"
#include "http/read_message.hpp"
#include "http/request_parts.hpp"
#include "http/responses.hpp"

namespace rig::http {
namespace beast = boost::beast;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

log::rate_limited bad_request_log{10};

bool is_normal_end(const beast::error_code& ec) {
    return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
           ec == asio::error::bad_descriptor || ec == asio::error::broken_pipe;
}

// The connection after a handler took it over: the response head goes out with the first
// write, then the handler's connection owns the stream.
//
// Writes are the hot path of fan-out (one per connection per round): they are tried at once
// with non-blocking gathered writes and only wait for the socket when it is full, without a
// composed asynchronous operation per write. The completion is posted (never called from
// inside write()).
class h1_channel final : public response_channel {
public:
    h1_channel(std::unique_ptr<net::byte_stream> stream, std::string head)
        : stream_(std::move(stream)), head_(std::move(head)) {}

    bool chunked() const override { return true; }

    void write(std::span<const core::frame> frames, std::shared_ptr<channel_user> user) override {
        frames_ = frames;
        index_ = 0;
        offset_ = 0;
        writer_ = std::move(user);
        continue_write(true);
    }

    void wait_readable(std::shared_ptr<channel_user> user) override {
        stream_->async_wait_readable(
            [user = std::move(user)](const error_code& ec) { user->on_readable(ec); });
    }

    std::size_t read_some(asio::mutable_buffer b, error_code& ec) override {
        std::size_t n = 0;
        if (stream_->read_now(b, n, ec) != net::byte_stream::want::nothing) {
            ec = asio::error::would_block;
        }
        return n;
    }

    void end() override {
        stream_->shutdown_send();
        stream_->close();
    }

    void close() override { stream_->close(); }

private:
    // Writes what the socket takes now; waits for it when it is full.
    void continue_write(bool first) {
        for (;;) {
            std::array<asio::const_buffer, 64> bufs;
            std::size_t count = 0;
            if (head_offset_ < head_.size()) {
                bufs[count++] = asio::buffer(head_) + head_offset_;
            }
            for (std::size_t i = index_; i < frames_.size() && count < bufs.size(); ++i) {
                const auto& f = frames_[i];
                bufs[count++] =
                    asio::buffer(f.bytes.data(), f.size()) + (i == index_ ? offset_ : 0);
            }
            if (count == 0) {
                complete(first, {});
                return;
            }
            std::size_t n = 0;
            error_code ec;
            const auto w = stream_->write_now(bufs.data(), count, n, retry_, ec);
            if (w != net::byte_stream::want::nothing) {
                stream_->wait_for(w, [this, keep = writer_](const error_code& wec) {
                    if (wec) {
                        complete(false, wec);
                    } else {
                        continue_write(false);
                    }
                });
                return;
            }
            if (ec) {
                complete(first, ec);
                return;
            }
            advance(n);
        }
    }

    void advance(std::size_t n) {
        const std::size_t from_head = std::min(n, head_.size() - head_offset_);
        head_offset_ += from_head;
        n -= from_head;
        while (n > 0 && index_ < frames_.size()) {
            const std::size_t left = frames_[index_].size() - offset_;
            if (n < left) {
                offset_ += n;
                return;
            }
            n -= left;
            ++index_;
            offset_ = 0;
        }
    }

    void complete(bool first, error_code ec) {
        if (head_offset_ > 0 && head_offset_ == head_.size()) {
            std::string().swap(head_);
            head_offset_ = 0;
        }
        frames_ = {};
        auto user = std::move(writer_);
        if (first) {
            asio::post(stream_->get_executor(),
                       [user = std::move(user), ec] { user->on_written(ec); });
        } else {
            user->on_written(ec);
        }
    }

    std::unique_ptr<net::byte_stream> stream_;
    std::string head_;  // sent with the first write
    std::size_t head_offset_ = 0;
    std::span<const core::frame> frames_;  // the write in progress
    std::size_t index_ = 0;
    std::size_t offset_ = 0;
    std::size_t retry_ = 0;  // a TLS write's length to offer again
    std::shared_ptr<channel_user> writer_;
};

// The connection's two addresses, asked of the kernel once per connection (two system calls),
// not once per request.
struct connection_addresses {
    explicit connection_addresses(net::byte_stream& s) {
        error_code ignored;
        remote = s.socket().remote_endpoint(ignored);
        local = s.socket().local_endpoint(ignored);
    }
    tcp::endpoint remote;
    tcp::endpoint local;
};

class h1_exchange final : public exchange {
public:
    h1_exchange(request& req, std::unique_ptr<net::byte_stream>& stream, request_body* body,
                const connection_addresses& addresses)
        : exchange(req, protocol::http1, stream->secure(), addresses.remote, addresses.local),
          stream_(stream),
          body_(body) {}

    request_body* body_stream() override { return body_; }

    std::unique_ptr<response_channel> take(const response& head) override {
        taken_ = true;
        return std::make_unique<h1_channel>(std::move(stream_), serialize_head(head));
    }

    std::unique_ptr<response_channel> take_upgraded(std::string raw_head) override {
        taken_ = true;
        return std::make_unique<h1_channel>(std::move(stream_), std::move(raw_head));
    }

private:
    std::unique_ptr<net::byte_stream>& stream_;
    request_body* body_;
};

// Cuts the connection when a request takes longer than allowed to arrive or be answered.
//
// Armed and disarmed several times per request, so lazily: arm() and disarm() only note the
// deadline, and the one pending timer wait, when it fires, cuts the connection if the deadline
// is due, waits again if it moved later, and ends if disarmed. A keep-alive request then costs
// no timer cancellation (each a completion through the scheduler) and no new timer wait while
// one is pending. stop() ends the wait for good (the session's end, or a handler that took the
// connection over). The state is shared with the pending wait, which may outlive the session.
class deadline {
public:
    explicit deadline(net::byte_stream& stream)
        : state_(std::make_shared<state>(stream.get_executor(), &stream)) {}
    ~deadline() {
        try {
            stop();
        } catch (...) {
            // A timer whose cancel() fails ends with the session anyway: nothing to undo.
        }
    }
    deadline(const deadline&) = delete;
    deadline& operator=(const deadline&) = delete;

    void arm(std::chrono::milliseconds d) {
        state_->due = std::chrono::steady_clock::now() + d;
        state_->armed = true;
        if (state_->pending == 0 || state_->due < state_->timer.expiry()) {
            wait(state_);  // (a wait for a later time is cancelled and completes aborted)
        }
    }
    void disarm() { state_->armed = false; }
    void stop() {
        state_->armed = false;
        state_->stream = nullptr;
        state_->timer.cancel();
    }

private:
    struct state {
        state(const asio::any_io_executor& ex, net::byte_stream* s) : timer(ex), stream(s) {}
        asio::steady_timer timer;
        net::byte_stream* stream;
        std::chrono::steady_clock::time_point due;
        bool armed = false;
        unsigned pending = 0;  // waits not yet completed
    };

    static void wait(const std::shared_ptr<state>& st) {
        st->timer.expires_at(st->due);
        ++st->pending;
        st->timer.async_wait([st](const error_code& ec) {
            --st->pending;
            if (ec || st->stream == nullptr || !st->armed) {
                return;
            }
            if (std::chrono::steady_clock::now() < st->due) {
                if (st->pending == 0) {
                    wait(st);  // moved later meanwhile
                }
                return;
            }
            st->armed = false;
            st->stream->cancel();
        });
    }

    std::shared_ptr<state> state_;
};

// A body left to the handler: parsed from the session's buffer and stream as the handler
// reads, one read at a time under the idle timeout.
class h1_request_body final : public request_body {
public:
    h1_request_body(bhttp::request_parser<bhttp::string_body>&& header_read,
                    std::unique_ptr<net::byte_stream>& stream, beast::flat_buffer& buffer,
                    deadline& timer, std::chrono::milliseconds timeout)
        : parser_(std::move(header_read)),
          stream_(stream),
          buffer_(buffer),
          timer_(timer),
          timeout_(timeout) {
        parser_.body_limit(boost::none);  // the handler bounds what it keeps
    }

    const bhttp::request_header<>& header() const { return parser_.get().base(); }

    std::optional<std::uint64_t> length() const override {
        const auto n = parser_.content_length();
        return n ? std::optional<std::uint64_t>(*n) : std::nullopt;
    }

    bool done() const override { return parser_.is_done(); }

    asio::awaitable<std::pair<error_code, std::size_t>> read_some(
        asio::mutable_buffer into) override {
        if (!stream_) {
            co_return std::pair{error_code(asio::error::not_connected), std::size_t{0}};
        }
        std::size_t got = 0;
        while (got == 0 && !parser_.is_done()) {
            auto& body = parser_.get().body();
            body.data = into.data();
            body.size = into.size();
            timer_.arm(timeout_);
            auto [ec, n] = co_await bhttp::async_read_some(*stream_, buffer_, parser_, use_tuple);
            timer_.disarm();
            got = into.size() - body.size;
            if (ec && ec != bhttp::error::need_buffer) {
                co_return std::pair{error_code(ec), got};
            }
        }
        co_return std::pair{error_code{}, got};
    }

private:
    bhttp::request_parser<bhttp::buffer_body> parser_;
    std::unique_ptr<net::byte_stream>& stream_;
    beast::flat_buffer& buffer_;
    deadline& timer_;
    std::chrono::milliseconds timeout_;
};

// The session as the shard's tracker sees it: a drain ends it while it waits for a request.
struct tracked_session final : session_tracker::member {
    explicit tracked_session(net::byte_stream* s) : stream(s) {}
    virtual ~tracked_session() = default;  // C.35: it has virtual functions
    void drain() override {
        if (idle) {
            stream->cancel();
        }
    }
    net::byte_stream* stream;
    bool idle = true;
};

constexpr std::string_view h2_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// Whether the first bytes are HTTP/2's preface (prior knowledge) rather than HTTP/1.1; they
// are read into `buffer` either way, for the parser or the HTTP/2 session.
asio::awaitable<bool> starts_with_h2_preface(net::byte_stream& stream, beast::flat_buffer& buffer) {
    for (;;) {
        const auto data = buffer.cdata();
        const std::string_view have(static_cast<const char*>(data.data()), data.size());
        if (have.size() >= h2_preface.size() || !h2_preface.starts_with(have)) {
            co_return have.starts_with(h2_preface);
        }
        auto [rec, rn] = co_await stream.async_read_some(buffer.prepare(1024), use_tuple);
        if (rec) {
            co_return false;  // the parser sees the same end
        }
        buffer.commit(rn);
    }
}

// Reads a request's head and, unless the handler streams it (`streamed`), its body within
// the limits; answers Expect: 100-continue. The session stops being idle (drainable) once a
// head arrived.
asio::awaitable<error_code> read_request(net::byte_stream& stream, beast::flat_buffer& buffer,
                                         bhttp::request_parser<bhttp::string_body>& parser,
                                         const server_options& options, tracked_session& self,
                                         bool& streamed) {
    error_code ec = co_await read_message(stream_source{stream}, buffer, parser, read_goal::head);
    self.idle = false;
    if (ec) {
        co_return ec;
    }
    to_origin_form(parser.get());  // routed by its path, whichever form it came in
    streamed = !parser.is_done() && options.streams_body != nullptr &&
               options.streams_body(target_path(parser.get().target()));
    if (!streamed) {
        parser.body_limit(options.max_body_bytes);
        // A too-large declared body fails right here, before any of it is read (or, with
        // Expect: 100-continue, sent).
        if (parser.content_length() && *parser.content_length() > options.max_body_bytes) {
            co_return bhttp::error::body_limit;
        }
    }
    if (beast::iequals(parser.get()[field::expect], "100-continue") && !parser.is_done()) {
        static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [wec, wn] =
            co_await asio::async_write(stream, asio::buffer(cont.data(), cont.size()), use_tuple);
        if (wec) {
            co_return wec;
        }
    }
    if (!parser.is_done() && !streamed) {
        ec = co_await read_message(stream_source{stream}, buffer, parser, read_goal::whole);
    }
    co_return ec;
}

// The error answer to a request that could not be read.
std::string bad_request_answer(const error_code& ec, const server_options& options,
                               net::byte_stream& stream) {
    response res = make_error(request_error(ec, options));
    beast::error_code ignored;
    bad_request_log.info("http: {} from {}: {}", static_cast<unsigned>(res.result()),
                         stream.socket().remote_endpoint(ignored).address().to_string(),
                         ec.message());
    if (!options.error_cors_origin.empty()) {
        res.set(field::access_control_allow_origin, options.error_cors_origin);
    }
    return serialize(res, false, 11, false);
}

// Sends that answer, unless the client just ended the connection; the session ends after it.
asio::awaitable<void> answer_unreadable(net::byte_stream& stream, const error_code& ec,
                                        const server_options& options, deadline& timer) {
    if (is_normal_end(ec)) {
        co_return;
    }
    const std::string wire = bad_request_answer(ec, options, stream);
    timer.arm(options.idle_timeout);
    co_await asio::async_write(stream, asio::buffer(wire), use_tuple);
}

// Writes a response's bytes. A response mostly fits the socket's buffer: tried at once,
// without an asynchronous operation (and its completion through the scheduler) per request.
// Plain TCP only: a TLS write that must be retried has to offer OpenSSL the same bytes again,
// which the asynchronous write does.
asio::awaitable<error_code> write_response(net::byte_stream& stream, const std::string& wire,
                                           deadline& timer, std::chrono::milliseconds timeout) {
    std::size_t sent = 0;
    error_code wec;
    if (!stream.secure()) {
        const asio::const_buffer whole = asio::buffer(wire);
        std::size_t no_retry = 0;
        stream.write_now(&whole, 1, sent, no_retry, wec);
    }
    if (!wec && sent < wire.size()) {
        timer.arm(timeout);
        std::size_t wn = 0;
        std::tie(wec, wn) =
            co_await asio::async_write(stream, asio::buffer(wire) + sent, use_tuple);
    }
    co_return wec;
}

}  // namespace

asio::awaitable<void> run_h1_session(std::unique_ptr<net::byte_stream> stream,
                                     const server_options& options, const handler& route,
                                     session_tracker& tracker) {
    tracked_session self(stream.get());
    const session_tracker::scoped tracked(tracker, &self);
    deadline timer(*stream);

    beast::flat_buffer buffer;
    std::optional<connection_addresses> addresses;  // at the first request
    bool first = true;
    while (!tracker.draining()) {
        self.idle = true;
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
        // The limit is set once the head tells whether the body is the handler's to read.
        parser.body_limit(boost::none);
        timer.arm(options.idle_timeout);

        if (std::exchange(first, false) && options.h2c &&
            co_await starts_with_h2_preface(*stream, buffer)) {
            timer.disarm();
            const auto data = buffer.cdata();
            start_h2_session(std::move(stream),
                             std::string(static_cast<const char*>(data.data()), data.size()),
                             options, route, tracker);
            co_return;
        }
        bool streamed = false;
        const error_code ec =
            co_await read_request(*stream, buffer, parser, options, self, streamed);
        if (ec) {
            co_await answer_unreadable(*stream, ec, options, timer);
            break;
        }

        // A handler may wait on other services, or take the connection over: no deadline.
        timer.disarm();
        std::optional<h1_request_body> body;
        request req;
        if (streamed) {
            body.emplace(std::move(parser), stream, buffer, timer, options.idle_timeout);
            req = request(body->header());
        } else {
            req = parser.release();
        }
        if (!addresses) {
            addresses.emplace(*stream);
        }
        h1_exchange ex(req, stream, body ? &*body : nullptr, *addresses);
        std::optional<response> res = co_await route(ex);
        if (ex.taken()) {
            co_return;
        }
        if (!res) {
            break;
        }
        // A body the handler left unread is still on the connection: it cannot carry another
        // request.
        const bool keep_alive = req.keep_alive() && !tracker.draining() && (!body || body->done());
        const std::string wire =
            serialize(*res, keep_alive, req.version(), req.method() == verb::head);
        const error_code wec = co_await write_response(*stream, wire, timer, options.idle_timeout);
        if (wec || !keep_alive) {
            break;
        }
    }
    timer.disarm();
    stream->shutdown_send();
    stream->close();
}

}  // namespace rig::http
