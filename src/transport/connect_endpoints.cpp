#include <array>
#include <boost/asio/steady_timer.hpp>

#include "core/json_text.hpp"
#include "core/log.hpp"
#include "http/request_parts.hpp"
#include "http/responses.hpp"
#include "http/websocket_handshake.hpp"
#include "net/cross_shard.hpp"
#include "transport/endpoints.hpp"
#include "transport/longpoll_cookie.hpp"
#include "transport/longpoll_session.hpp"
#include "transport/sse_connection.hpp"
#include "transport/ws_connection.hpp"

namespace rig::transport {
namespace {

log::rate_limited refused_log{10};

constexpr std::string_view first_event = longpoll_first_event;

// The end of a refused WebSocket connect: RIG upgrades, then closes with a reason. Sends the
// close frame after the 101 and waits (within the close grace period) for the client's
// answer, without entering the registry.
class ws_refusal final : public http::channel_user,
                         public std::enable_shared_from_this<ws_refusal> {
public:
    ws_refusal(std::unique_ptr<http::response_channel> channel,
               const asio::any_io_executor& executor)
        : channel_(std::move(channel)), timer_(executor) {}
    virtual ~ws_refusal() = default;  // C.35: it has virtual functions

    void start(core::frame close_frame, std::chrono::steady_clock::duration grace) {
        frame_ = std::move(close_frame);
        channel_->write(std::span<const core::frame>(&frame_, 1), shared_from_this());
        timer_.expires_after(grace);
        timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (!ec) {
                self->done();
            }
        });
    }

    void on_written(const http::error_code& ec) override {
        if (ec || done_) {
            done();
            return;
        }
        channel_->wait_readable(shared_from_this());
    }

    void on_readable(const http::error_code& ec) override {
        if (ec || done_) {
            done();
            return;
        }
        std::array<char, 512> buf{};
        for (;;) {
            http::error_code rec;
            const std::size_t n = channel_->read_some(asio::buffer(buf), rec);
            if (rec == asio::error::would_block) {
                channel_->wait_readable(shared_from_this());
                return;
            }
            if (rec) {
                done();
                return;
            }
            std::string_view in(buf.data(), n);
            while (!in.empty()) {
                core::websocket::frame_event ev;
                in.remove_prefix(reader_.feed(in, ev));
                if (ev.what == core::websocket::frame_event::kind::close ||
                    ev.what == core::websocket::frame_event::kind::protocol_error) {
                    done();
                    return;
                }
            }
        }
    }

private:
    void done() {
        if (!done_) {
            done_ = true;
            timer_.cancel();
            channel_->close();
        }
    }

    std::unique_ptr<http::response_channel> channel_;
    asio::steady_timer timer_;
    core::frame frame_;
    core::websocket::frame_reader reader_;
    bool done_ = false;
};

// The id of the last event a reconnecting client got: the Last-Event-ID header (what an
// EventSource sends when it reconnects; SSE only, and it wins), or the last_event_id query
// parameter. Nothing when neither is given or both are empty.
std::optional<std::string> resume_cursor(const http::request& req, bool sse) {
    if (sse) {
        if (const auto h = req["Last-Event-ID"]; !h.empty()) {
            return std::string(h);
        }
    }
    if (auto q = http::query_param(req.target(), "last_event_id"); q && !q->empty()) {
        return std::move(*q);
    }
    return std::nullopt;
}

}  // namespace

endpoints::endpoints(const connect_policy& policy, connection_registry& registry,
                     const std::vector<connection_registry*>& shards, http::client_pool& clients,
                     remote_nodes* remote)
    : policy_(policy), registry_(registry), shards_(shards), clients_(clients), remote_(remote) {}

http::response endpoints::with_cors(http::response res) const {
    res.set(http::field::access_control_allow_origin, policy_.options().cors_origin);
    return res;
}

connection_registry* endpoints::owner_of(const connection_address& a) const {
    return a.shard < shards_.size() ? shards_[a.shard] : nullptr;
}

asio::awaitable<endpoints::admission> endpoints::admit(const http::request& req,
                                                       connect_flavor flavor,
                                                       std::string_view transport) {
    admission a;
    if (registry_.draining()) {
        a.refusal = core::error{core::condition::unavailable, "Server shutting down."};
        co_return a;
    }
    const core::error rate_refusal{core::condition::too_many_requests,
                                   "Reached maximum number of connections"};
    // RIG counts long-polling connects before it looks at them, SSE and WebSocket connects
    // only once they passed every check.
    const bool rate_first = flavor == connect_flavor::longpoll;
    if (rate_first && !policy_.admit_rate()) {
        refused_log.info_with({{"event", "connect_refused"}, {"transport", transport}},
                              "{}: connect refused: MAX_CONNECTIONS_PER_MINUTE reached", transport);
        a.refusal = rate_refusal;
        a.rate_limited = true;
        co_return a;
    }
    const connect_params params = read_connect_params(req);
    auto resolved = policy_.resolve(params, flavor);
    if (resolved.failure) {
        refused_log.info_with({{"event", "connect_refused"}, {"transport", transport}},
                              "{}: connect refused: {}", transport, resolved.failure->message);
        a.refusal = std::move(resolved.failure);
        a.subscriptions_not_json = resolved.subscriptions_not_json;
        co_return a;
    }
    if (resolved.check_body) {  // only built when SUBSCRIPTION_CHECK must see the request
        if (auto v = co_await policy_.check_connect(clients_, params, resolved); !v.allowed) {
            refused_log.info_with({{"event", "subscription_denied"}, {"transport", transport}},
                                  "{}: subscription denied: {}", transport, v.reason);
            a.refusal = core::bad_request("Subscription denied (not authorized).");
            co_return a;
        }
    }
    if (!rate_first && !policy_.admit_rate()) {
        refused_log.info_with({{"event", "connect_refused"}, {"transport", transport}},
                              "{}: connect refused: MAX_CONNECTIONS_PER_MINUTE reached", transport);
        a.refusal = rate_refusal;
        a.rate_limited = true;
        co_return a;
    }
    a.subscription_charge = core::budget_charge(policy_.subscription_budget());
    if (!a.subscription_charge.resize(resolved.subscriptions.size())) {
        refused_log.info_with({{"event", "connect_refused"}, {"transport", transport}},
                              "{}: connect refused: RIG_MAX_SUBSCRIPTIONS reached", transport);
        a.refusal = connect_policy::subscriptions_full();
        co_return a;
    }
    a.subscriptions = std::move(resolved.subscriptions);
    a.session = std::move(resolved.session);
    a.resume_cursor = resume_cursor(req, transport == "sse");
    co_return a;
}

void endpoints::establish(const std::shared_ptr<connection>& c, admission& a) {
    registry_.enroll(c, a.session);
    if (a.resume_cursor) {
        c->resume_after(std::move(*a.resume_cursor));
    }
    c->start();
    c->adopt_subscription_charge(std::move(a.subscription_charge));
    // rig.subscriptions_set follows rig.connection.create, also when the set is empty.
    c->set_subscriptions(std::move(a.subscriptions));
}

handler_result endpoints::sse(http::exchange& ex) {
    const auto& req = ex.req();
    if (req.method() == http::verb::head) {
        co_return with_cors(
            http::make_response(http::status::ok, "", "text/event-stream; charset=utf-8"));
    }
    admission a = co_await admit(req, connect_flavor::sse_or_ws, "sse");
    if (a.refusal) {
        co_return http::make_error(*a.refusal);
    }
    http::response head{http::status::ok, 11};
    head.set(http::field::content_type, "text/event-stream; charset=utf-8");
    head.set(http::field::cache_control, "no-cache");
    head.set("x-accel-buffering", "no");
    head.set(http::field::access_control_allow_origin, policy_.options().cors_origin);
    if (ex.proto() == http::protocol::http1) {
        head.set(http::field::transfer_encoding, "chunked");
    }
    auto conn = std::make_shared<sse_connection>(registry_, ex.take(head));
    establish(conn, a);
    co_return std::nullopt;
}

handler_result endpoints::ws(http::exchange& ex) {
    const auto& req = ex.req();
    if (ex.proto() != http::protocol::http1 || !http::websocket::is_upgrade(req)) {
        co_return http::make_error(core::bad_request("Expected a WebSocket upgrade request."));
    }
    auto head = http::websocket::accept(req, "server: rig\r\n");
    if (!head) {
        co_return http::make_error(head.error());
    }
    admission a = co_await admit(req, connect_flavor::sse_or_ws, "ws");
    auto channel = ex.take_upgraded(std::move(*head));
    if (a.refusal) {
        // RIG keeps close reasons short, except for undecodable subscription lists. A node
        // full of subscriptions (ours) says so, with 1013 "try again later".
        const bool shutting_down = a.refusal->cond == core::condition::unavailable;
        const bool node_full =
            a.refusal->cond == core::condition::too_many_requests && !a.rate_limited;
        const std::string reason = shutting_down || node_full || a.subscriptions_not_json
                                       ? a.refusal->message
                                       : std::string("Bad request.");
        const uint16_t code = shutting_down ? 1001 : node_full ? 1013 : 1000;
        auto refusal =
            std::make_shared<ws_refusal>(std::move(channel), registry_.io().get_executor());
        refusal->start(ws_close_frame(code, reason), close_grace(registry_.draining()));
        co_return std::nullopt;
    }
    auto conn = std::make_shared<ws_connection>(registry_, std::move(channel));
    establish(conn, a);
    co_return std::nullopt;
}

namespace {

// `token` empty: the connection_token cookie is left as the client has it (a poll answered
// for another node never replaces it).
http::response longpoll_response(const transport_options& options, std::string body,
                                 std::string_view token, std::string_view last_event_id) {
    auto res = http::make_response(http::status::ok, std::move(body), http::json_type);
    res.set(http::field::cache_control, "no-cache");
    res.set(http::field::access_control_allow_origin, options.cors_origin);
    res.set(http::field::access_control_allow_credentials, "true");
    if (!token.empty()) {
        res.insert(http::field::set_cookie,
                   "connection_token=" + std::string(token) + "; path=/; HttpOnly");
    }
    res.insert(http::field::set_cookie,
               "last_event_id=" + encode_last_event_id(last_event_id) + "; path=/; HttpOnly");
    return res;
}

}  // namespace

handler_result endpoints::poll_existing(const http::request& req, std::string_view token,
                                        const connection_address& addr, bool forwarded) {
    connection_registry* owner = owner_of(addr);
    if (owner == nullptr) {
        co_return std::nullopt;
    }
    const auto last = http::cookie(req, "last_event_id");
    std::string last_id = last ? decode_last_event_id(*last) : std::string(first_event);
    // Named, not a temporary in the co_await expression (GCC 12 coroutine bug).
    auto poll = [owner, addr, last_id = std::move(last_id)](auto done) mutable {
        auto conn = owner->find(addr);
        if (!conn || conn->type() != connection::kind::longpoll) {
            done(std::nullopt);
            return;
        }
        static_cast<longpoll_session&>(*conn).poll(
            std::move(last_id), [done](poll_result r) mutable { done(std::move(r)); });
    };
    auto result = co_await net::run_on<std::optional<poll_result>>(owner->io().get_executor(),
                                                                   std::move(poll));
    if (!result) {
        co_return std::nullopt;
    }
    co_return longpoll_response(policy_.options(), std::move(result->body),
                                forwarded ? std::string_view() : token, result->last_event_id);
}

handler_result endpoints::longpoll(http::exchange& ex) {
    const auto& req = ex.req();
    const auto& options = policy_.options();

    // A poll of a live session, here or (in a cluster) on the node its cookie names. A
    // missing, garbled or stale cookie starts a new session (RIG answers 500 to a garbled one).
    if (auto token = http::cookie(req, "connection_token"); token && !token->empty()) {
        connection_address addr;
        const auto verdict = policy_.tokens().decode(*token, addr);
        if (verdict == token_codec::verdict::ok) {
            if (auto res = co_await poll_existing(req, *token, addr, false)) {
                co_return res;
            }
        } else if (verdict == token_codec::verdict::stale && remote_ != nullptr) {
            auto res = co_await forward(forwarded_op::poll, *token, addr, req);
            if (res && res->result() == http::status::ok) {
                // The owner answered without a token cookie: the session stays its own.
                co_return std::move(*res);
            }
        }
    }

    // RIG skips the subscription check and the session on long polling; rig does not.
    admission a = co_await admit(req, connect_flavor::longpoll, "longpolling");
    if (a.refusal && a.rate_limited) {
        co_return http::make_error(*a.refusal);  // RIG refuses these before its CORS plug
    }
    if (a.refusal) {
        auto res = with_cors(http::make_error(*a.refusal));
        res.set(http::field::access_control_allow_credentials, "true");
        co_return res;
    }
    auto session = std::make_shared<longpoll_session>(registry_, registry_.io().get_executor());
    establish(session, a);
    co_return longpoll_response(options, "\"ok\"", session->token(), first_event);
}

http::response endpoints::preflight_longpoll() const {
    auto res = with_cors(http::make_empty(http::status::no_content));
    res.set(http::field::access_control_allow_methods, "GET");
    res.set(http::field::access_control_allow_headers, "*");
    res.set(http::field::access_control_allow_credentials, "true");
    return res;
}

}  // namespace rig::transport
