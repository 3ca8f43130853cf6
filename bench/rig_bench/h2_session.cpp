#include "h2_session.hpp"

#include <charconv>
#include <string_view>

namespace rig::bench {
namespace {

nghttp2_nv header(std::string_view name, std::string_view value) {
    return {reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
            reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
            NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

h2_session::h2_session(const url& target, std::size_t streams, h2_windows windows,
                       delivery_stats& stats, subscriber_events& events)
    : target_(target), windows_(windows), stats_(stats), events_(events), streams_(streams) {
    nghttp2_session_callbacks* cb = nullptr;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, &h2_session::on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &h2_session::on_data_chunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, &h2_session::on_stream_close);
    nghttp2_session_client_new(&session_, cb, this);
    nghttp2_session_callbacks_del(cb);
    open_ = streams;
}

h2_session::~h2_session() {
    dying_ = true;
    nghttp2_session_del(session_);
}

void h2_session::start(std::string& out) {
    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(windows_.stream)},
    };
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, windows_.connection);
    const std::string scheme = target_.tls ? "https" : "http";
    const std::string authority = target_.authority();
    const nghttp2_nv headers[] = {
        header(":method", "GET"),
        header(":scheme", scheme),
        header(":authority", authority),
        header(":path", target_.target),
        header("accept", "text/event-stream"),
    };
    for (auto& s : streams_) {
        s.id = nghttp2_submit_request(session_, nullptr, headers, std::size(headers), nullptr, &s);
        if (s.id < 0) {
            // Cannot even be queued: count it as a failed subscriber right away.
            --open_;
            events_.subscriber_failed(std::string("HTTP/2: cannot submit the request: ") +
                                      nghttp2_strerror(s.id));
        }
    }
    flush(out);
}

bool h2_session::flush(std::string& out) {
    for (;;) {
        const uint8_t* data = nullptr;
        const ssize_t n = nghttp2_session_mem_send(session_, &data);
        if (n < 0) {
            return false;
        }
        if (n == 0) {
            return true;
        }
        out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    }
}

protocol_session::verdict h2_session::on_input(std::string& in, std::string& out) {
    const ssize_t n =
        nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(in.data()), in.size());
    if (n < 0) {
        failure_ = std::string("HTTP/2: ") + nghttp2_strerror(static_cast<int>(n));
        return verdict::fail;
    }
    in.clear();  // nghttp2 consumes everything it is given
    if (!flush(out)) {
        failure_ = "HTTP/2: cannot send";
        return verdict::fail;
    }
    if (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_)) {
        failure_ = "HTTP/2: the server ended the connection (GOAWAY)";
        return all_ready() ? verdict::close : verdict::fail;
    }
    return verdict::keep_open;
}

int h2_session::on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                          size_t namelen, const uint8_t* value, size_t valuelen, uint8_t,
                          void* self) {
    auto* me = static_cast<h2_session*>(self);
    if (frame->hd.type != NGHTTP2_HEADERS ||
        std::string_view(reinterpret_cast<const char*>(name), namelen) != ":status") {
        return 0;
    }
    auto* s = static_cast<stream*>(
        nghttp2_session_get_stream_user_data(me->session_, frame->hd.stream_id));
    if (s != nullptr) {
        const auto* v = reinterpret_cast<const char*>(value);
        std::from_chars(v, v + valuelen, s->status);
    }
    return 0;
}

int h2_session::on_data_chunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data,
                              size_t len, void* self) {
    auto* me = static_cast<h2_session*>(self);
    auto* s = static_cast<stream*>(nghttp2_session_get_stream_user_data(me->session_, stream_id));
    if (s == nullptr || s->status != 200) {
        return 0;
    }
    if (!s->ready) {
        s->ready = true;
        ++me->ready_;
        me->events_.subscriber_ready();
    }
    s->sse.feed(std::string_view(reinterpret_cast<const char*>(data), len), me->stats_);
    return 0;
}

int h2_session::on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t error_code,
                                void* self) {
    auto* me = static_cast<h2_session*>(self);
    auto* s = static_cast<stream*>(nghttp2_session_get_stream_user_data(me->session_, stream_id));
    if (s == nullptr || me->dying_) {
        return 0;
    }
    --me->open_;
    if (s->ready) {
        me->events_.subscriber_closed(false);
    } else {
        me->events_.subscriber_failed("HTTP/2: a stream ended before its first event (:status " +
                                      std::to_string(s->status) + ", error code " +
                                      std::to_string(error_code) + ")");
    }
    return 0;
}

}  // namespace rig::bench
