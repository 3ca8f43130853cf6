#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "auth/token_validator.hpp"
#include "http/client_tls.hpp"
#include "http/exchange.hpp"
#include "proxy/api_registry.hpp"
#include "proxy/avro_producer.hpp"
#include "proxy/backend_client.hpp"
#include "proxy/kafka_producer.hpp"
#include "proxy/kinesis_putter.hpp"
#include "proxy/nats_publisher.hpp"
#include "proxy/proxied_event.hpp"
#include "proxy/proxy_options.hpp"
#include "proxy/request_metrics.hpp"
#include "proxy/response_router.hpp"
#include "proxy/response_waiters.hpp"
#include "proxy/route_table.hpp"

namespace rig::proxy {

// What every shard's gateway shares: the API definitions, the settings, JWT validation and
// the CORS origin. Lives as long as the node.
struct gateway_context {
    const api_registry& registry;
    const proxy_options& options;
    const auth::token_validator& jwt;
    std::string cors_origin;  // CORS
    // Correlation ids (the node's instance and key); set before the first request.
    const response_router* responses = nullptr;
    // The event targets' producers, null when their broker is not configured.
    kafka_producer* kafka = nullptr;
    // KAFKA_SERIALIZER=avro: events with a schema subject go through here instead.
    avro_producer* kafka_avro = nullptr;
    nats_publisher* nats = nullptr;
    kinesis_putter* kinesis = nullptr;
};

// One shard's API gateway (spec §8): every request on the public port that is not one of
// rig's own goes here. It finds the endpoint (§8.4; the route table is rebuilt on this shard
// by the first request after the definitions changed), checks the JWT of a secured endpoint
// (§8.5), and forwards to the HTTP backend (§8.6) through the shard's backend_client, or
// publishes the request as an event to Kafka, NATS or Kinesis (§8.8). With `response_from`
// the client waits, on this shard, for the correlated answer (§8.7).
// Nothing matches → 404 {"message":"Not Found"}.
//
// @par Thread safety
// One per shard; used only on that shard's thread (metrics() is read from any).
class api_gateway {
public:
    api_gateway(const gateway_context& context, asio::io_context& io, http::client_tls tls,
                uint16_t shard);
    ~api_gateway();
    api_gateway(const api_gateway&) = delete;
    api_gateway& operator=(const api_gateway&) = delete;

    asio::awaitable<std::optional<http::response>> handle(http::exchange& ex);

    const request_metrics& metrics() const { return metrics_; }
    response_waiters& waiters() { return waiters_; }
    void close_idle() { backends_.close_idle(); }

private:
    // Bodies of up to this size (declared) are read whole before forwarding, larger ones
    // stream through.
    static constexpr uint64_t whole_body_bytes = uint64_t{64} * 1024;

    const route_table& routes();
    // Applies the body limits, and reads the body whole where it must be (see the .cpp).
    // Nothing: go on with the request. Otherwise the answer to give instead (413), or none
    // when the client went away while sending.
    asio::awaitable<std::optional<std::optional<http::response>>> take_body(http::exchange& ex,
                                                                            bool to_event);
    asio::awaitable<std::optional<http::response>> forward_http(http::exchange& ex,
                                                                const route_match& match,
                                                                request_status& status);
    asio::awaitable<http::response> publish_event(http::exchange& ex, const route_match& match,
                                                  request_status& status);
    // publish_event's part per target: sends `event` and answers the client (§8.7, §8.8).
    // `ticket` is the event's correlation, kept until its answer is awaited or not needed.
    asio::awaitable<http::response> publish_kafka(const endpoint& ep, const proxied_event& event,
                                                  waiter_ticket ticket, request_status& status);
    asio::awaitable<http::response> publish_nats(const endpoint& ep, const proxied_event& event,
                                                 request_status& status);
    asio::awaitable<http::response> publish_kinesis(const endpoint& ep, const proxied_event& event,
                                                    waiter_ticket ticket, request_status& status);
    // Waits for the correlated answer of `ticket` and turns it into the client's response.
    asio::awaitable<http::response> await_answer(waiter_ticket ticket,
                                                 std::chrono::milliseconds timeout,
                                                 std::string_view allow_headers,
                                                 request_status& status);
    std::string correlation_of(const waiter_ticket& ticket) const;

    const gateway_context& context_;
    backend_client backends_;
    request_metrics metrics_;
    response_waiters waiters_;
    uint16_t shard_;
    std::unique_ptr<route_table> routes_;
    uint64_t routes_version_ = 0;
};

}  // namespace rig::proxy
