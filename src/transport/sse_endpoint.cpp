#include "core/log.hpp"
#include "http/request_parts.hpp"
#include "http/responses.hpp"
#include "transport/connect_request.hpp"
#include "transport/endpoints.hpp"
#include "transport/node_context.hpp"
#include "transport/shard_context.hpp"
#include "transport/sse_connection.hpp"

namespace rig::transport {
namespace {
log::rate_limited refused_log{10};
}

handler_result sse_connect(shard_context& shard, http::exchange& ex) {
    node_context& node = shard.node;
    if (shard.draining()) {
        co_return http::make_error(http::status::service_unavailable, "Server shutting down.");
    }
    if (ex.req().method() == http::verb::head) {
        auto res = http::make_response(http::status::ok, "", "text/event-stream; charset=utf-8");
        res.set(http::field::access_control_allow_origin, node.options.cors_origin);
        co_return res;
    }
    const connect_params params = read_connect_params(ex.req());
    auto resolved = resolve_connect(node, params, connect_flavor::sse_or_ws);
    if (resolved.failure) {
        refused_log.info("sse: connect refused: {}", resolved.failure->error.message);
        co_return http::make_error(resolved.failure->error);
    }
    if (auto v = co_await check_connect(shard, params, resolved); !v.allowed) {
        refused_log.info("sse: subscription denied: {}", v.reason);
        co_return http::make_error(http::status::bad_request,
                                   "Subscription denied (not authorized).");
    }
    if (!node.rate_limiter.try_acquire()) {
        refused_log.info("sse: connect refused: MAX_CONNECTIONS_PER_MINUTE reached");
        co_return http::make_error(http::status::too_many_requests,
                                   "Reached maximum number of connections");
    }

    std::string head =
        "HTTP/1.1 200 OK\r\n"
        "content-type: text/event-stream; charset=utf-8\r\n"
        "cache-control: no-cache\r\n"
        "x-accel-buffering: no\r\n"
        "access-control-allow-origin: " +
        node.options.cors_origin +
        "\r\n"
        "transfer-encoding: chunked\r\n\r\n";
    auto conn = std::make_shared<sse_connection>(shard, ex.take_socket());
    conn->open();
    if (resolved.session) {
        conn->join_session(*resolved.session);
    }
    conn->start(std::move(head));
    // rig.subscriptions_set follows rig.connection.create, also when the set is empty.
    conn->set_subscriptions(std::move(resolved.subscriptions));
    co_return std::nullopt;
}

}  // namespace rig::transport
