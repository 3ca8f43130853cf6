#include "http/h2_session.hpp"

#include <nghttp2/nghttp2.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <charconv>
#include <cstring>
#include <exception>
#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/log.hpp"
#include "http/request_parts.hpp"
#include "http/responses.hpp"
#include "net/cross_shard.hpp"

namespace rig::http {
namespace {

log::rate_limited h2_log{5};

// How much serialized output one connection gathers before writing it (and before it stops
// asking nghttp2 for more: a slow peer then holds data in its streams' queues, not here).
constexpr std::size_t output_batch = std::size_t{64} * 1024;

// A request/response stream of a connection.
struct h2_stream {
    explicit h2_stream(int32_t stream_id) : id(stream_id) { req.version(20); }

    int32_t id;
    request req;
    std::size_t header_bytes = 0;
    bool headers_too_large = false;
    bool body_too_large = false;
    bool dispatched = false;
    bool closed = false;

    // What the stream sends: a complete body (ordinary responses) or, for a taken-over
    // stream, the frames of its user's current write.
    std::string body;
    core::frame body_frame;
    std::span<const core::frame> out;
    std::size_t out_index = 0;
    std::size_t out_offset = 0;
    bool long_lived = false;     // the response was taken over (SSE)
    bool end_requested = false;  // the last DATA frame carries END_STREAM
    bool reset_requested = false;
    std::shared_ptr<channel_user> writer;  // waiting for its write to be handed to nghttp2
    std::shared_ptr<channel_user> reader;  // waiting for the stream to end

    // A request body left to the handler (server_options::streams_body): what arrived and
    // was not read yet. Its flow-control window is given back as the handler reads, so the
    // client sends at the handler's pace and at most a window (1 MiB) waits here.
    bool streamed = false;
    bool body_ended = false;  // END_STREAM received
    std::string pending;
    std::size_t pending_offset = 0;
    std::function<void(error_code)> body_waiter;  // the handler waiting for more
    std::size_t unread() const { return pending.size() - pending_offset; }

    bool out_done() const { return out_index >= out.size(); }
    std::size_t out_available() const {
        std::size_t n = 0;
        for (std::size_t i = out_index; i < out.size(); ++i) {
            n += out[i].size() - (i == out_index ? out_offset : 0);
        }
        return n;
    }
};

class h2_connection;
class h2_request_body;

// A taken-over stream as its user (an SSE connection) sees it.
class h2_channel final : public response_channel {
public:
    h2_channel(std::weak_ptr<h2_connection> conn, std::shared_ptr<h2_stream> stream,
               asio::any_io_executor executor)
        : conn_(std::move(conn)), stream_(std::move(stream)), executor_(std::move(executor)) {}
    h2_channel(const h2_channel&) = delete;
    h2_channel& operator=(const h2_channel&) = delete;
    ~h2_channel() override {
        try {
            close();
        } catch (...) {
            // Only a failed post (out of memory) throws: the stream's users are freed with it.
        }
    }

    bool chunked() const override { return false; }
    void write(std::span<const core::frame> frames, std::shared_ptr<channel_user> user) override;
    void wait_readable(std::shared_ptr<channel_user> user) override;
    std::size_t read_some(asio::mutable_buffer, error_code& ec) override {
        ec = stream_->closed ? error_code(asio::error::eof) : error_code(asio::error::would_block);
        return 0;
    }
    void end() override;
    void close() override;

private:
    std::weak_ptr<h2_connection> conn_;
    std::shared_ptr<h2_stream> stream_;
    asio::any_io_executor executor_;  // callbacks are posted here, also after the session ended
    bool done_ = false;
};

class h2_connection final : public std::enable_shared_from_this<h2_connection>,
                            public session_tracker::member {
public:
    h2_connection(std::unique_ptr<net::byte_stream> stream, const server_options& options,
                  const handler& route, session_tracker& tracker)
        : stream_(std::move(stream)),
          options_(options),
          route_(route),
          tracker_(tracker),
          tracked_(tracker, this),
          idle_timer_(stream_->get_executor()) {}

    virtual ~h2_connection() {  // C.35: it has virtual functions
        if (session_ != nullptr) {
            nghttp2_session_del(session_);
        }
    }

    h2_connection(const h2_connection&) = delete;
    h2_connection& operator=(const h2_connection&) = delete;

    void start(std::string initial);

    // session_tracker::member: no new streams; the session ends with its last stream.
    void drain() override {
        if (session_ == nullptr || closed_ || goaway_sent_) {
            return;
        }
        goaway_sent_ = true;
        nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                              nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                              nullptr, 0);
        schedule_send();
    }

    // For channels.
    void resume(h2_stream& st) {
        if (!closed_ && !st.closed) {
            nghttp2_session_resume_data(session_, st.id);
            schedule_send();
        }
    }
    void reset(h2_stream& st) {
        if (!closed_ && !st.closed) {
            nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, st.id, NGHTTP2_CANCEL);
            schedule_send();
        }
    }
    asio::any_io_executor executor() { return stream_->get_executor(); }
    const server_options& options() const { return options_; }
    bool secure() const { return stream_->secure(); }
    // Asked of the kernel once per connection, not per stream.
    const tcp::endpoint& remote() {
        if (!addresses_known_) {
            error_code ignored;
            remote_ = stream_->socket().remote_endpoint(ignored);
            local_ = stream_->socket().local_endpoint(ignored);
            addresses_known_ = true;
        }
        return remote_;
    }
    const tcp::endpoint& local() {
        remote();
        return local_;
    }

    // Submits the head of a taken-over response; its DATA comes from the stream's writes.
    void submit_stream_head(const std::shared_ptr<h2_stream>& st, const response& head) {
        st->long_lived = true;
        submit(*st, head, true);
    }

private:
    friend class h2_channel;
    friend class h2_request_body;

    static h2_connection& self(void* user_data) { return *static_cast<h2_connection*>(user_data); }

    // --- nghttp2 callbacks -----------------------------------------------------------------
    static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* ud) {
        if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
            return 0;
        }
        auto& c = self(ud);
        auto st = std::make_shared<h2_stream>(frame->hd.stream_id);
        nghttp2_session_set_stream_user_data(c.session_, st->id, st.get());
        c.streams_.emplace(st->id, std::move(st));
        c.idle_timer_.cancel();
        return 0;
    }

    static int on_header(nghttp2_session* session, const nghttp2_frame* frame, const uint8_t* name,
                         size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void* ud) {
        if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
            return 0;  // trailers are ignored
        }
        auto* st = static_cast<h2_stream*>(
            nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
        if (st == nullptr) {
            return 0;
        }
        const std::string_view n(reinterpret_cast<const char*>(name), namelen);
        const std::string_view v(reinterpret_cast<const char*>(value), valuelen);
        st->header_bytes += namelen + valuelen + 32;
        if (st->header_bytes > self(ud).options_.max_header_bytes) {
            st->headers_too_large = true;
            return 0;
        }
        if (n == ":method") {
            st->req.method_string(v);
        } else if (n == ":path") {
            st->req.target(v);
        } else if (n == ":authority") {
            st->req.set(field::host, v);
        } else if (!n.empty() && n.front() != ':') {
            st->req.insert(n, v);
        }
        return 0;
    }

    static int on_data_chunk(nghttp2_session* session, uint8_t, int32_t stream_id,
                             const uint8_t* data, size_t len, void* ud) {
        auto* st =
            static_cast<h2_stream*>(nghttp2_session_get_stream_user_data(session, stream_id));
        if (st != nullptr && st->streamed) {
            st->pending.append(reinterpret_cast<const char*>(data), len);
            wake_body(*st, {});
            return 0;  // the window reopens as the handler reads
        }
        nghttp2_session_consume(session, stream_id, len);
        if (st == nullptr || st->dispatched || st->body_too_large) {
            return 0;  // a taken-over stream's client has nothing to say: discarded
        }
        if (st->req.body().size() + len > self(ud).options_.max_body_bytes) {
            st->body_too_large = true;
            std::string().swap(st->req.body());
            return 0;
        }
        st->req.body().append(reinterpret_cast<const char*>(data), len);
        return 0;
    }

    static int on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* ud) {
        if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) {
            return 0;
        }
        auto* st = static_cast<h2_stream*>(
            nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
        const bool end = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
        if (st != nullptr && st->streamed) {
            if (end) {
                st->body_ended = true;
                wake_body(*st, {});
            }
            return 0;
        }
        auto& c = self(ud);
        if (st != nullptr && !end && !st->dispatched && frame->hd.type == NGHTTP2_HEADERS &&
            frame->headers.cat == NGHTTP2_HCAT_REQUEST && !st->headers_too_large &&
            c.options_.streams_body != nullptr &&
            c.options_.streams_body(target_path(st->req.target()))) {
            // A body on its way to a route that streams it: the handler starts now.
            st->streamed = true;
            st->dispatched = true;
            c.dispatch(st->id);
            return 0;
        }
        if (!end) {
            return 0;
        }
        if (st != nullptr && !st->dispatched) {
            st->dispatched = true;
            self(ud).dispatch(st->id);
        }
        return 0;
    }

    static int on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t h2_error, void* ud) {
        self(ud).stream_closed(stream_id, h2_error);
        return 0;
    }

    static ssize_t read_data(nghttp2_session*, int32_t, uint8_t*, size_t length, uint32_t* flags,
                             nghttp2_data_source* source, void*) {
        auto& st = *static_cast<h2_stream*>(source->ptr);
        const std::size_t n = std::min(length, st.out_available());
        if (n == 0 && !st.end_requested) {
            return NGHTTP2_ERR_DEFERRED;  // resumed by the next write
        }
        *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
        if (n == st.out_available() && st.end_requested) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
        }
        return static_cast<ssize_t>(n);
    }

    static int send_data(nghttp2_session*, nghttp2_frame* frame, const uint8_t* framehd,
                         size_t length, nghttp2_data_source* source, void* ud) {
        auto& c = self(ud);
        auto& st = *static_cast<h2_stream*>(source->ptr);
        c.out_.append(reinterpret_cast<const char*>(framehd), 9);
        if (frame->data.padlen > 0) {
            c.out_.append(1, static_cast<char>(frame->data.padlen - 1));
        }
        while (length > 0 && !st.out_done()) {
            const auto& f = st.out[st.out_index];
            const std::size_t take = std::min(length, f.size() - st.out_offset);
            c.out_.append(f.bytes.data() + st.out_offset, take);
            st.out_offset += take;
            length -= take;
            if (st.out_offset == f.size()) {
                ++st.out_index;
                st.out_offset = 0;
            }
        }
        if (frame->data.padlen > 1) {
            c.out_.append(frame->data.padlen - 1, '\0');
        }
        if (st.out_done() && st.writer) {
            // The whole write has been handed over: its user may queue the next one.
            st.out = {};
            st.out_index = 0;
            asio::post(c.executor(), [user = std::move(st.writer)] { user->on_written({}); });
        }
        return 0;
    }

    static ssize_t send_bytes(nghttp2_session*, const uint8_t* data, size_t length, int, void* ud) {
        auto& c = self(ud);
        if (c.out_.size() >= output_batch) {
            return NGHTTP2_ERR_WOULDBLOCK;
        }
        c.out_.append(reinterpret_cast<const char*>(data), length);
        return static_cast<ssize_t>(length);
    }

    // --- streams ---------------------------------------------------------------------------
    void dispatch(int32_t id);
    asio::awaitable<void> run_stream(std::shared_ptr<h2_stream> st);

    void submit(h2_stream& st, const response& res, bool head_only) {
        // Header names go lowercase on HTTP/2; the strings live until nghttp2 has copied them.
        std::vector<std::pair<std::string, std::string_view>> fields;
        fields.reserve(16);
        for (const auto& f : res) {
            const auto name = f.name();
            if (name == field::connection || name == field::transfer_encoding ||
                name == field::keep_alive || name == field::upgrade ||
                name == field::content_length) {
                continue;  // connection-specific in HTTP/1.1, forbidden in HTTP/2
            }
            std::string lower(f.name_string());
            for (auto& ch : lower) {
                ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            }
            fields.emplace_back(std::move(lower), f.value());
        }
        std::vector<nghttp2_nv> nva;
        nva.reserve(fields.size() + 2);
        const auto add = [&](std::string_view n, std::string_view v) {
            nva.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(n.data())),
                           reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), n.size(),
                           v.size(), NGHTTP2_NV_FLAG_NONE});
        };
        const std::string status = std::to_string(res.result_int());
        add(":status", status);
        for (const auto& [n, v] : fields) {
            add(n, v);
        }
        std::string length;
        if (!st.long_lived) {
            length = std::to_string(res.body().size());
            add("content-length", length);
        }
        nghttp2_data_provider provider{};
        provider.source.ptr = &st;
        provider.read_callback = read_data;
        const bool with_body = st.long_lived || (!head_only && !res.body().empty());
        if (!st.long_lived && with_body) {
            st.body = res.body();
            st.body_frame = core::static_frame(st.body);
            st.out = std::span<const core::frame>(&st.body_frame, 1);
            st.end_requested = true;
        }
        nghttp2_submit_response(session_, st.id, nva.data(), nva.size(),
                                with_body ? &provider : nullptr);
        schedule_send();
    }

    void stream_closed(int32_t id, uint32_t h2_error) {
        auto it = streams_.find(id);
        if (it == streams_.end()) {
            return;
        }
        auto st = std::move(it->second);
        streams_.erase(it);
        st->closed = true;
        const error_code ec = h2_error == NGHTTP2_NO_ERROR
                                  ? error_code(asio::error::eof)
                                  : error_code(asio::error::connection_reset);
        notify(*st, ec);
        if (streams_.empty()) {
            arm_idle_timer();
        }
    }

    // Resumes the handler waiting for a streamed body, if any.
    static void wake_body(h2_stream& st, error_code ec) {
        if (st.body_waiter) {
            std::exchange(st.body_waiter, nullptr)(ec);
        }
    }

    // The handler read `n` bytes of a streamed body: their window goes back to the client.
    void consume(h2_stream& st, std::size_t n) {
        if (!closed_ && n > 0) {
            nghttp2_session_consume(session_, st.id, n);
            schedule_send();
        }
    }

    // The handler is done with a streamed body it did not read to the end: the rest is taken
    // in and dropped, as for any request whose answer is given.
    void drop_body(h2_stream& st) {
        st.streamed = false;
        consume(st, st.unread());
        std::string().swap(st.pending);
        st.pending_offset = 0;
    }

    // Tells a stream's user that the stream is over.
    void notify(h2_stream& st, error_code ec) {
        wake_body(st, ec);
        if (st.reader) {
            asio::post(executor(), [user = std::move(st.reader), ec] { user->on_readable(ec); });
        }
        if (st.writer) {
            asio::post(executor(), [user = std::move(st.writer)] {
                user->on_written(asio::error::connection_reset);
            });
        }
        st.out = {};
    }

    // --- I/O -------------------------------------------------------------------------------
    void schedule_send() {
        if (send_scheduled_ || writing_ || closed_) {
            return;
        }
        // At the end of this round: every stream that wrote meanwhile goes out in one batch.
        send_scheduled_ = true;
        asio::post(executor(), [self = shared_from_this()] {
            self->send_scheduled_ = false;
            self->send();
        });
    }

    void send() {
        if (writing_ || closed_) {
            return;
        }
        out_.clear();
        const int rv = nghttp2_session_send(session_);
        if (rv != 0) {
            h2_log.info("h2: session error: {}", nghttp2_strerror(rv));
            shut();
            return;
        }
        if (out_.empty()) {
            if (out_.capacity() > std::size_t{16} * 1024) {
                std::string().swap(out_);  // a burst's buffer goes back when it is written
            }
            if (nghttp2_session_want_read(session_) == 0 &&
                nghttp2_session_want_write(session_) == 0) {
                shut();  // GOAWAY exchanged and every stream done
            }
            return;
        }
        writing_ = true;
        asio::async_write(*stream_, asio::buffer(out_),
                          [self = shared_from_this()](const error_code& ec, std::size_t) {
                              self->writing_ = false;
                              if (ec || self->shut_after_write_) {
                                  self->shut();
                                  return;
                              }
                              self->send();
                          });
    }

    void read() {
        stream_->async_wait_readable([self = shared_from_this()](const error_code& ec) {
            if (ec || self->closed_) {
                self->shut();
                return;
            }
            self->on_readable();
        });
    }

    void on_readable() {
        // Read into the stack, not a buffer per connection: an idle connection holds none.
        std::array<uint8_t, std::size_t{16} * 1024> buf{};
        for (int i = 0; i < 8; ++i) {
            std::size_t n = 0;
            error_code ec;
            if (stream_->read_now(asio::buffer(buf), n, ec) != net::byte_stream::want::nothing) {
                break;
            }
            if (ec) {
                shut();
                return;
            }
            if (!feed(buf.data(), n)) {
                return;
            }
        }
        send();
        if (!closed_) {
            read();
        }
    }

    bool feed(const uint8_t* data, std::size_t n) {
        const ssize_t rv = nghttp2_session_mem_recv(session_, data, n);
        if (rv < 0) {
            h2_log.info("h2: protocol error from client: {}",
                        nghttp2_strerror(static_cast<int>(rv)));
            // nghttp2 has queued a GOAWAY where it could: send it, then close.
            shut_after_write_ = true;
            send();
            if (!writing_) {
                shut();
            }
            return false;
        }
        return true;
    }

    void arm_idle_timer() {
        if (closed_) {
            return;
        }
        idle_timer_.expires_after(options_.idle_timeout);
        idle_timer_.async_wait([weak = weak_from_this()](const error_code& ec) {
            auto self = weak.lock();
            if (!ec && self && self->streams_.empty()) {
                self->drain();
            }
        });
    }

    // Ends the connection: every stream's user hears of it.
    void shut() {
        if (closed_) {
            return;
        }
        closed_ = true;
        idle_timer_.cancel();
        for (auto& [id, st] : streams_) {
            st->closed = true;
            notify(*st, asio::error::connection_reset);
        }
        streams_.clear();
        stream_->shutdown_send();
        stream_->close();
    }

    std::unique_ptr<net::byte_stream> stream_;
    const server_options& options_;
    const handler& route_;
    session_tracker& tracker_;
    session_tracker::scoped tracked_;
    asio::steady_timer idle_timer_;
    nghttp2_session* session_ = nullptr;
    std::unordered_map<int32_t, std::shared_ptr<h2_stream>> streams_;
    std::string out_;
    tcp::endpoint remote_;
    tcp::endpoint local_;
    bool addresses_known_ = false;
    bool writing_ = false;
    bool send_scheduled_ = false;
    bool closed_ = false;
    bool goaway_sent_ = false;
    bool shut_after_write_ = false;
};

// A streamed request body as the handler reads it; each wait for more is bounded by the
// idle timeout.
class h2_request_body final : public request_body {
public:
    h2_request_body(h2_connection& conn, std::shared_ptr<h2_stream> st,
                    std::chrono::milliseconds timeout)
        : conn_(conn), st_(std::move(st)), timer_(conn.executor()), timeout_(timeout) {}

    std::optional<std::uint64_t> length() const override {
        const auto v = st_->req[field::content_length];
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
            return std::nullopt;
        }
        return n;
    }

    bool done() const override { return st_->body_ended && st_->unread() == 0; }

    asio::awaitable<std::pair<error_code, std::size_t>> read_some(
        asio::mutable_buffer into) override {
        struct wake {
            error_code ec;
        };
        for (;;) {
            if (const std::size_t n = std::min(into.size(), st_->unread()); n > 0) {
                std::memcpy(into.data(), st_->pending.data() + st_->pending_offset, n);
                st_->pending_offset += n;
                if (st_->unread() == 0) {
                    st_->pending.clear();
                    st_->pending_offset = 0;
                }
                conn_.consume(*st_, n);
                co_return std::pair{error_code{}, n};
            }
            if (st_->body_ended) {
                co_return std::pair{error_code{}, std::size_t{0}};
            }
            if (st_->closed || !st_->streamed) {
                co_return std::pair{error_code(asio::error::connection_reset), std::size_t{0}};
            }
            timer_.expires_after(timeout_);
            const wake w = co_await net::await_callback<wake>([this](auto resume) {
                st_->body_waiter = [resume](error_code ec) mutable { resume(wake{ec}); };
                timer_.async_wait([st = st_](const error_code& ec) {
                    if (!ec) {
                        h2_connection::wake_body(*st, asio::error::timed_out);
                    }
                });
            });
            timer_.cancel();
            if (w.ec) {
                co_return std::pair{w.ec, std::size_t{0}};
            }
        }
    }

private:
    h2_connection& conn_;
    std::shared_ptr<h2_stream> st_;
    asio::steady_timer timer_;
    std::chrono::milliseconds timeout_;
};

class h2_exchange final : public exchange {
public:
    h2_exchange(std::shared_ptr<h2_connection> conn, std::shared_ptr<h2_stream> st)
        : exchange(st->req, protocol::http2, conn->secure(), conn->remote(), conn->local()),
          conn_(std::move(conn)),
          st_(std::move(st)) {
        if (st_->streamed) {
            body_.emplace(*conn_, st_, conn_->options().idle_timeout);
        }
    }

    request_body* body_stream() override { return body_ ? &*body_ : nullptr; }

    std::unique_ptr<response_channel> take(const response& head) override {
        taken_ = true;
        conn_->submit_stream_head(st_, head);
        return std::make_unique<h2_channel>(conn_, st_, conn_->executor());
    }

    std::unique_ptr<response_channel> take_upgraded(std::string) override { return nullptr; }

private:
    std::shared_ptr<h2_connection> conn_;
    std::shared_ptr<h2_stream> st_;
    std::optional<h2_request_body> body_;
};

void h2_connection::start(std::string initial) {
    nghttp2_session_callbacks* cbs = nullptr;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
    nghttp2_session_callbacks_set_send_callback(cbs, send_bytes);
    nghttp2_session_callbacks_set_send_data_callback(cbs, send_data);
    nghttp2_option* opt = nullptr;
    nghttp2_option_new(&opt);
    // A client may not keep more than this many reset streams per second (rapid reset).
    nghttp2_option_set_stream_reset_rate_limit(opt, 1000, 100);
    // Windows are given back by hand: at once for bodies read whole, as the handler reads for
    // streamed ones.
    nghttp2_option_set_no_auto_window_update(opt, 1);
    nghttp2_session_server_new2(&session_, cbs, this, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cbs);

    const std::array<nghttp2_settings_entry, 4> settings = {{
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, options_.h2_max_streams},
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<uint32_t>(options_.max_header_bytes)},
    }};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());

    if (tracker_.draining()) {
        drain();
    }
    if (!initial.empty() &&
        !feed(reinterpret_cast<const uint8_t*>(initial.data()), initial.size())) {
        return;
    }
    arm_idle_timer();
    send();
    read();
}

void h2_connection::dispatch(int32_t id) {
    auto it = streams_.find(id);
    if (it == streams_.end()) {
        return;
    }
    auto st = it->second;
    if (st->headers_too_large || st->body_too_large) {
        // Answered here, like the HTTP/1.1 session does: the route never sees it.
        submit(
            *st,
            make_error(st->headers_too_large
                           ? core::error{core::condition::headers_too_large,
                                         "Request head larger than " +
                                             std::to_string(options_.max_header_bytes) + " bytes."}
                           : core::error{core::condition::payload_too_large,
                                         "Request body larger than " +
                                             std::to_string(options_.max_body_bytes) + " bytes."}),
            false);
        return;
    }
    asio::co_spawn(executor(), run_stream(std::move(st)), log::exception_logger{"h2 request"});
}

asio::awaitable<void> h2_connection::run_stream(std::shared_ptr<h2_stream> st) {
    auto self = shared_from_this();
    h2_exchange ex(self, st);
    std::optional<response> res = co_await route_(ex);
    if (st->streamed) {
        drop_body(*st);
    }
    if (ex.taken()) {
        st->req = {};  // the request is not needed for the rest of the stream's life
        co_return;
    }
    if (st->closed || closed_) {
        co_return;
    }
    if (!res) {
        reset(*st);
        co_return;
    }
    submit(*st, *res, st->req.method() == verb::head);
}

void h2_channel::write(std::span<const core::frame> frames, std::shared_ptr<channel_user> user) {
    auto conn = conn_.lock();
    if (!conn || stream_->closed || done_) {
        boost::asio::post(executor_, [user = std::move(user)] {
            user->on_written(asio::error::connection_reset);
        });
        return;
    }
    stream_->out = frames;
    stream_->out_index = 0;
    stream_->out_offset = 0;
    stream_->writer = std::move(user);
    conn->resume(*stream_);
}

void h2_channel::wait_readable(std::shared_ptr<channel_user> user) {
    auto conn = conn_.lock();
    if (!conn || stream_->closed) {
        boost::asio::post(executor_,
                          [user = std::move(user)] { user->on_readable(asio::error::eof); });
        return;
    }
    stream_->reader = std::move(user);
}

void h2_channel::end() {
    if (done_) {
        return;
    }
    done_ = true;
    auto conn = conn_.lock();
    if (!conn || stream_->closed) {
        return;
    }
    stream_->end_requested = true;
    stream_->reader.reset();
    conn->resume(*stream_);
}

void h2_channel::close() {
    auto conn = conn_.lock();
    if (!done_) {
        done_ = true;
        if (conn) {
            conn->reset(*stream_);
        }
    }
    // Pending operations complete with operation_aborted, so their users are released.
    if (stream_->reader || stream_->writer) {
        auto reader = std::move(stream_->reader);
        auto writer = std::move(stream_->writer);
        boost::asio::post(executor_, [reader, writer] {
            if (reader) {
                reader->on_readable(asio::error::operation_aborted);
            }
            if (writer) {
                writer->on_written(asio::error::operation_aborted);
            }
        });
    }
    stream_->out = {};
}

}  // namespace

void start_h2_session(std::unique_ptr<net::byte_stream> stream, std::string initial,
                      const server_options& options, const handler& route,
                      session_tracker& tracker) {
    auto conn = std::make_shared<h2_connection>(std::move(stream), options, route, tracker);
    conn->start(std::move(initial));
}

}  // namespace rig::http
