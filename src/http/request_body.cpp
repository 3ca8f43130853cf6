#include "http/request_body.hpp"

#include <boost/beast/http/error.hpp>

namespace rig::http {

asio::awaitable<error_code> read_whole(request_body& body, std::string& into, std::size_t limit) {
    constexpr std::size_t step = std::size_t{16} * 1024;
    if (const auto length = body.length()) {
        if (*length > limit) {
            co_return boost::beast::http::error::body_limit;
        }
        into.reserve(into.size() + static_cast<std::size_t>(*length));
    }
    while (!body.done()) {
        // One byte of room beyond the limit tells a body that goes on (chunked) from one that ends.
        const std::size_t old = into.size();
        into.resize(old + (limit - old >= step ? step : limit - old + 1));
        auto [ec, n] = co_await body.read_some(asio::buffer(into.data() + old, into.size() - old));
        into.resize(old + n);
        if (ec) {
            co_return ec;
        }
        if (into.size() > limit) {
            co_return boost::beast::http::error::body_limit;
        }
    }
    co_return error_code{};
}

}  // namespace rig::http
