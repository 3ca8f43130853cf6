#pragma once

#include <optional>
#include <string_view>

#include "http/message.hpp"
#include "http/session.hpp"
#include "net/asio.hpp"

namespace rig::transport {

class shard_context;

using handler_result = asio::awaitable<std::optional<http::response>>;

// GET /_rig/v1/connection/sse (spec §2.4).
handler_result sse_connect(shard_context& shard, http::exchange& ex);

// GET /_rig/v1/connection/ws (spec §2.5): the upgrade always succeeds; refusals are close
// frames.
handler_result ws_connect(shard_context& shard, http::exchange& ex);

// GET /_rig/v1/connection/longpolling (spec §2.6): connect, or poll with the cookies.
handler_result longpoll(shard_context& shard, http::exchange& ex);

// PUT (replace, 204) or POST (add, 201) /_rig/v1/connection/{sse|ws|longpolling}/:token/
// subscriptions (spec §2.10). The connection may live on any shard.
handler_result update_subscriptions(shard_context& shard, http::exchange& ex,
                                    std::string_view token);

// CORS preflights (spec §2.2).
http::response preflight_subscriptions(const shard_context& shard);
http::response preflight_longpoll(const shard_context& shard);

}  // namespace rig::transport
