// The cluster side of the endpoints: asking the owner of a connection, and answering as the
// owner.
#include "core/log.hpp"
#include "http/responses.hpp"
#include "transport/endpoints.hpp"

namespace rig::transport {
namespace {

log::rate_limited forward_log{10};

// A request that arrived over the backplane: a handler sees it like any other, but cannot
// take its response over (subscription updates and polls never do).
class forwarded_exchange final : public http::exchange {
public:
    explicit forwarded_exchange(http::request& req)
        : http::exchange(req, http::protocol::http1, false, {}, {}) {}
    std::unique_ptr<http::response_channel> take(const http::response&) override { return nullptr; }
    std::unique_ptr<http::response_channel> take_upgraded(std::string) override { return nullptr; }
};

}  // namespace

asio::awaitable<std::optional<http::response>> endpoints::forward(forwarded_op op,
                                                                  std::string_view token,
                                                                  const connection_address& addr,
                                                                  const http::request& req) {
    // A poll may be held by its owner until events come (RIG_LONGPOLL_HOLD_MS).
    const auto hold =
        op == forwarded_op::poll ? policy_.options().longpoll_hold : std::chrono::milliseconds(0);
    auto answer = co_await remote_->ask(addr.instance, encode_forwarded(op, token, req), hold);
    if (!answer) {
        co_return std::nullopt;
    }
    auto res = decode_forwarded_response(*answer);
    if (!res) {
        forward_log.info("cluster: node {:08x} sent an unreadable answer", addr.instance);
    }
    co_return res;
}

asio::awaitable<std::string> endpoints::serve_forwarded(std::string request) {
    auto f = decode_forwarded(request);
    if (!f) {
        forward_log.info("cluster: ignoring an unreadable forwarded request");
        co_return encode_forwarded_response(
            with_cors(http::make_error(core::bad_request("Unreadable forwarded request."))));
    }
    connection_address addr;
    const auto verdict = policy_.tokens().decode(f->token, addr);
    if (f->op == forwarded_op::poll) {
        if (verdict == token_codec::verdict::ok) {
            // Answered through the node the client asked: its cookie stays as it is.
            if (auto res = co_await poll_existing(f->req, f->token, addr, true)) {
                co_return encode_forwarded_response(*res);
            }
        }
        co_return encode_forwarded_response(with_cors(http::make_error(connection_gone)));
    }
    forwarded_exchange ex(f->req);
    auto res = co_await update_subscriptions(ex, f->token, false);
    co_return encode_forwarded_response(res ? std::move(*res)
                                            : with_cors(http::make_error(connection_gone)));
}

}  // namespace rig::transport
