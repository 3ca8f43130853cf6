#include "http/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include "core/log.hpp"
#include "http/responses.hpp"

namespace rig::http {
namespace beast = boost::beast;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

log::rate_limited bad_request_log{10};

bool is_normal_end(const beast::error_code& ec) {
    return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
           ec == beast::error::timeout || ec == asio::error::bad_descriptor;
}

}  // namespace

void session_tracker::drain() {
    draining_ = true;
    for (auto& e : sessions_) {
        if (e.idle) {
            e.stream->cancel();
        }
    }
}

asio::awaitable<void> run_session(tcp::socket socket, const server_options& options,
                                  const handler& route, session_tracker& tracker) {
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    beast::tcp_stream stream(std::move(socket));
    auto self = tracker.add(&stream);
    struct untrack {
        session_tracker& t;
        std::list<session_tracker::entry>::iterator it;
        ~untrack() { t.remove(it); }
    } untrack_on_exit{tracker, self};

    beast::flat_buffer buffer;
    while (!tracker.draining()) {
        self->idle = true;
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
        parser.body_limit(options.max_body_bytes);
        stream.expires_after(options.idle_timeout);

        auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
        self->idle = false;
        if (!ec && beast::iequals(parser.get()[field::expect], "100-continue") &&
            !parser.is_done()) {
            // A too-large declared body fails right here, before any of it is sent.
            if (parser.content_length() && *parser.content_length() > options.max_body_bytes) {
                ec = bhttp::error::body_limit;
            } else {
                static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
                auto [wec, wn] = co_await asio::async_write(
                    stream, asio::buffer(cont.data(), cont.size()), use_tuple);
                ec = wec;
            }
        }
        if (!ec && !parser.is_done()) {
            std::tie(ec, n) = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
        }
        if (ec) {
            if (is_normal_end(ec)) {
                break;
            }
            response res;
            if (ec == bhttp::error::body_limit) {
                res = make_error(status::payload_too_large,
                                 "Request body larger than " +
                                     std::to_string(options.max_body_bytes) + " bytes.");
            } else if (ec == bhttp::error::header_limit) {
                res = make_error(status::request_header_fields_too_large,
                                 "Request head larger than " +
                                     std::to_string(options.max_header_bytes) + " bytes.");
            } else {
                res = make_error(status::bad_request, "Malformed HTTP request: " + ec.message());
            }
            bad_request_log.info("http: {} from {}: {}", static_cast<unsigned>(res.result()),
                                 stream.socket().remote_endpoint(ignored).address().to_string(),
                                 ec.message());
            if (!options.error_cors_origin.empty()) {
                res.set(field::access_control_allow_origin, options.error_cors_origin);
            }
            const std::string wire = serialize(res, false, 11, false);
            stream.expires_after(options.idle_timeout);
            co_await asio::async_write(stream, asio::buffer(wire), use_tuple);
            break;
        }

        request req = parser.release();
        exchange ex(req, stream);
        std::optional<response> res = co_await route(ex);
        if (ex.socket_taken()) {
            co_return;
        }
        if (!res) {
            break;
        }
        const bool keep_alive = req.keep_alive() && !tracker.draining();
        const std::string wire =
            serialize(*res, keep_alive, req.version(), req.method() == verb::head);
        stream.expires_after(options.idle_timeout);
        auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(wire), use_tuple);
        if (wec || !keep_alive) {
            break;
        }
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.close();
}

}  // namespace rig::http
