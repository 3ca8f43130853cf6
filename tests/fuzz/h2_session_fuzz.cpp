// Fuzz target for rig's HTTP/2 session (http/h2_session.cpp: nghttp2 with rig's callbacks, its
// streams, bodies and responses): the input follows the client connection preface, as the
// bytes an h2c client sends after it. The session runs on a socketpair in an io_context that
// is only polled (no clock: the idle timers never fire), with a route that answers every
// request with its own target and body size, and streams the bodies of paths under /s.
//
// Invariants beyond "no crash": the session's first bytes are a SETTINGS frame on stream 0; a
// request reaching the route has a method and a target without CR, LF or NUL, a body within
// max_body_bytes, and a body as long as its Content-Length when it has one; once the client has
// closed, the session ends: the io_context runs out of work (a connection kept alive by a reference
// cycle is reported by LeakSanitizer).
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "http/exchange.hpp"
#include "http/h2_session.hpp"
#include "http/request_body.hpp"
#include "http/responses.hpp"
#include "http/session_tracker.hpp"
#include "net/byte_stream.hpp"
#include "require.hpp"

namespace {

using rig::fuzz::require;
namespace http = rig::http;
namespace asio = boost::asio;

constexpr std::string_view preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

bool streams(std::string_view path) {
    return path.starts_with("/s");
}

http::server_options make_options() {
    http::server_options o;
    o.max_body_bytes = 1024;  // small, so that 413 is reached
    o.max_header_bytes = 4096;
    o.h2_max_streams = 8;
    o.streams_body = streams;
    return o;
}

asio::awaitable<std::optional<http::response>> route(http::exchange& ex) {
    const auto& req = ex.req();
    const std::string_view target = req.target();
    require(!req.method_string().empty());
    // nghttp2 checks :path only for the http and https schemes; with another scheme any
    // :path arrives (corpus/h2_session/path_of_another_scheme), as any target does over
    // HTTP/1.1, and the router hands it to the gateway (404). So only: no CR, LF or NUL.
    require(target.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos);
    std::size_t body = req.body().size();
    if (auto* stream = ex.body_stream()) {
        char buf[512];
        for (;;) {
            auto [ec, n] = co_await stream->read_some(asio::buffer(buf));
            if (ec || n == 0) {
                break;
            }
            body += n;
        }
    } else {
        require(body <= 1024);
        const auto length = req[http::field::content_length];
        if (!length.empty() && length.find_first_not_of("0123456789") == std::string_view::npos &&
            length.size() < 10) {
            require(std::stoul(std::string(length)) == body);
        }
    }
    co_return http::make_response(http::status::ok,
                                  std::string(target) + " " + std::to_string(body), "text/plain");
}

const http::handler& the_route() {
    static const http::handler h = route;
    return h;
}

// Reads what the session wrote so far; whether the socket reached its end.
bool drain(int fd, std::string& out) {
    char buf[16384];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        return n == 0;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    static const http::server_options options = make_options();
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) != 0) {
        return 0;
    }
    asio::io_context ioc;
    http::session_tracker tracker;
    {
        rig::tcp::socket socket(ioc);
        socket.assign(rig::tcp::v4(), fds[0]);  // the stream only reads and writes it
        std::string initial(preface);
        initial.append(reinterpret_cast<const char*>(data), size);
        http::start_h2_session(std::make_unique<rig::net::byte_stream>(std::move(socket), true),
                               std::move(initial), options, the_route(), tracker);
    }
    std::string out;
    for (int i = 0; i < 64 && ioc.poll() > 0; ++i) {
        drain(fds[1], out);
    }
    drain(fds[1], out);
    require(out.size() >= 9 && out[3] == 0x04 && (out[5] | out[6] | out[7] | out[8]) == 0);

    ::close(fds[1]);  // the client goes away
    for (int i = 0; i < 1000 && !ioc.stopped(); ++i) {
        ioc.poll();
    }
    require(ioc.stopped());  // a session kept alive by a cycle is LeakSanitizer's to report
    return 0;
}
