#include "proxy/api_gateway.hpp"

#include <fmt/format.h>

#include <array>
#include <boost/beast/http/error.hpp>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <vector>

#include "core/log.hpp"
#include "core/text.hpp"
#include "http/request_parts.hpp"
#include "http/responses.hpp"
#include "net/cross_shard.hpp"
#include "proxy/endpoint_auth.hpp"
#include "proxy/proxied_event.hpp"
#include "proxy/request_log_event.hpp"

namespace rig::proxy {
namespace {

log::rate_limited ambiguity_log{10};

std::string_view target_label(target_kind t) {
    switch (t) {
        case target_kind::http:
            return "http";
        case target_kind::kafka:
            return "kafka";
        case target_kind::kinesis:
            return "kinesis";
        case target_kind::nats:
            return "nats";
    }
    return "http";
}

std::string_view response_label(response_source r) {
    switch (r) {
        case response_source::http:
            return "http";
        case response_source::kafka:
            return "kafka";
        case response_source::http_async:
            return "http_async";
        case response_source::nats:
            return "nats";
        case response_source::kinesis:
            return "kinesis";
    }
    return "http";
}

// The methods RIG forwards (spec §8.6); anything else configured is answered 405.
bool forwardable(http::verb m) {
    switch (m) {
        case http::verb::get:
        case http::verb::post:
        case http::verb::put:
        case http::verb::patch:
        case http::verb::delete_:
        case http::verb::head:
        case http::verb::options:
            return true;
        default:
            return false;
    }
}

// RIG's 401 for a secured endpoint (spec §8.5).
http::response authentication_failed(const std::string& cors_origin) {
    auto res = http::make_error({core::condition::unauthorized, "Authentication failed."});
    res.set(http::field::access_control_allow_origin, cors_origin);
    res.set(http::field::access_control_allow_methods, "*");
    res.set(http::field::access_control_allow_headers, "content-type");
    return res;
}

// An address as the Forwarded header writes it (RFC 7239 §6: IPv6 quoted and bracketed).
std::string forwarded_node(const tcp::endpoint& e) {
    const auto a = e.address();
    if (a.is_v4()) {
        // By hand rather than to_string(): glibc's inet_ntop formats IPv4 through sprintf,
        // and this runs twice per proxied request.
        std::array<char, 16> text{};  // "255.255.255.255"
        char* end = text.data();
        for (const auto byte : a.to_v4().to_bytes()) {
            if (byte >= 100) {
                *end++ = static_cast<char>('0' + byte / 100);
            }
            if (byte >= 10) {
                *end++ = static_cast<char>('0' + byte / 10 % 10);
            }
            *end++ = static_cast<char>('0' + byte % 10);
            *end++ = '.';
        }
        return {text.data(), static_cast<std::size_t>(end - 1 - text.data())};
    }
    return "\"[" + a.to_string() + "]\"";
}

// The CORS headers of answers RIG gives itself for an endpoint (spec §2.2, §8.7, §8.8).
void add_cors(http::response& res, const std::string& origin, std::string_view allow_headers) {
    res.set(http::field::access_control_allow_origin, origin);
    res.set(http::field::access_control_allow_methods, "*");
    res.set(http::field::access_control_allow_headers, allow_headers);
}

constexpr std::string_view event_target_headers = "content-type,authorization";

// The request's Host without its port.
std::string_view host_without_port(std::string_view host) {
    if (host.starts_with('[')) {
        return host.substr(
            1, host.find(']') == std::string_view::npos ? host.size() - 1 : host.find(']') - 1);
    }
    return host.substr(0, host.find(':'));
}

// Whether a backend's 202 is followed by an asynchronous answer the client waits for (§8.7).
bool waits_for_answer(response_source r) {
    return r == response_source::kafka || r == response_source::http_async ||
           r == response_source::kinesis;
}

// How long the client waits for the asynchronous answer of a `response_from` (§8.7).
std::chrono::milliseconds answer_timeout(const proxy_options& options, response_source r) {
    return r == response_source::kafka        ? options.kafka_response_timeout
           : r == response_source::http_async ? options.http_async_response_timeout
                                              : options.kinesis_response_timeout;
}

// The backend's target: the forwarded path with the client's query.
std::string backend_target(const http::request& req, const std::string& forwarded_path) {
    std::string target = forwarded_path;
    if (const auto q = req.target().find('?'); q != std::string_view::npos) {
        target += req.target().substr(q);
    }
    return target;
}

// Whether a client header (lower case) is dropped or set by rig rather than passed on (§8.6).
bool replaced_header(std::string_view name, const api_definition& api, const endpoint& ep) {
    if (name == "host" || name == "forwarded" || name == "content-length" || name == "expect" ||
        hop_by_hop(name)) {
        return true;
    }
    if (ep.transform_request_headers) {
        for (const auto& [added, value] : api.add_headers) {
            if (added == name) {
                return true;
            }
        }
    }
    return false;
}

// The client's headers (names in lower case), with add_headers merged over them when the
// endpoint asks for it, then Host and Forwarded set and hop-by-hop headers dropped (§8.6).
std::vector<std::pair<std::string, std::string>> backend_headers(http::exchange& ex,
                                                                 const api_definition& api,
                                                                 const endpoint& ep,
                                                                 const backend_address& to) {
    std::vector<std::pair<std::string, std::string>> out;
    out.reserve(static_cast<std::size_t>(std::distance(ex.req().begin(), ex.req().end())) +
                (ep.transform_request_headers ? api.add_headers.size() : 0) + 2);
    for (const auto& f : ex.req()) {
        std::string name = core::lower(f.name_string());
        if (!replaced_header(name, api, ep)) {
            out.emplace_back(std::move(name), std::string(f.value()));
        }
    }
    if (ep.transform_request_headers) {
        for (const auto& [name, value] : api.add_headers) {
            if (name != "host") {  // Host is always the backend's (RIG's code, §8.6)
                out.emplace_back(name, value);
            }
        }
    }
    const bool v6 = to.host.find(':') != std::string::npos;
    std::string host;
    host.reserve(to.host.size() + to.port.size() + 3);
    host.append(v6 ? "[" : "").append(to.host).append(v6 ? "]:" : ":").append(to.port);
    out.emplace_back("host", std::move(host));
    std::string forwarded = "for=";
    forwarded.reserve(64);
    forwarded.append(forwarded_node(ex.remote())).append(";by=").append(forwarded_node(ex.local()));
    out.emplace_back("forwarded", std::move(forwarded));
    return out;
}

// RIG's answer of its own to a request for an event target, with the CORS headers (§8.8).
http::response event_answer(const std::string& cors_origin, http::status s, std::string body) {
    auto res = body.empty() ? http::make_empty(s)
                            : http::make_response(s, std::move(body), http::text_type);
    add_cors(res, cors_origin, event_target_headers);
    return res;
}

// Why an event target cannot be reached: its broker is not configured. Empty when it is.
std::string_view missing_broker(const gateway_context& context, target_kind t) {
    if (t == target_kind::kafka && context.kafka == nullptr) {
        return "The kafka target needs KAFKA_BROKERS.";
    }
    if (t == target_kind::nats && context.nats == nullptr) {
        return "The nats target needs NATS_SERVERS.";
    }
    if (t == target_kind::kinesis && context.kinesis == nullptr) {
        return "The kinesis target needs KINESIS_ENABLED and its settings.";
    }
    return {};
}

// The event of a request to an event target (§8.8), with `correlation` as its id for the
// answer (§8.7).
core::result<proxied_event> proxied_event_of(http::exchange& ex, const route_match& match,
                                             std::string_view correlation) {
    const auto& req = ex.req();
    // The lowered names and the address are kept here: `facts` only views them.
    std::vector<std::string> names;
    names.reserve(static_cast<std::size_t>(std::distance(req.begin(), req.end())));
    for (const auto& f : req) {
        names.push_back(core::lower(f.name_string()));
    }
    proxied_request facts;
    std::size_t i = 0;
    for (const auto& f : req) {
        facts.headers.emplace_back(names[i++], f.value());
    }
    const std::string remote_ip = ex.remote().address().to_string();
    facts.correlation = correlation;
    facts.remote_ip = remote_ip;
    facts.host = host_without_port(req[http::field::host]);
    facts.port = ex.local().port();
    facts.scheme = ex.secure() ? "https" : "http";
    facts.method = req.method_string();
    facts.path = match.forwarded_path;
    if (const auto q = req.target().find('?'); q != std::string_view::npos) {
        facts.query = req.target().substr(q + 1);
    }
    return make_proxied_event(match.ep->target, req.body(), facts);
}

}  // namespace

api_gateway::api_gateway(const gateway_context& context, asio::io_context& io, http::client_tls tls,
                         uint16_t shard)
    : context_(context),
      backends_(io, std::move(tls),
                backend_limits{context.options.connect_timeout, context.options.recv_timeout,
                               context.options.buffer_response_bytes,
                               context.options.max_idle_per_backend}),
      metrics_(context.options.max_metric_paths),
      shard_(shard) {}

std::string api_gateway::correlation_of(const waiter_ticket& ticket) const {
    return context_.responses->codec().encode(
        {context_.responses->instance(), shard_, ticket.id()});
}

asio::awaitable<http::response> api_gateway::await_answer(waiter_ticket ticket,
                                                          std::chrono::milliseconds timeout,
                                                          std::string_view allow_headers,
                                                          request_status& status) {
    auto answer = co_await waiters_.wait(std::move(ticket), timeout);
    http::response res;
    if (!answer) {
        status = request_status::response_timeout;
        res = http::make_error(
            {core::condition::gateway_timeout, "Timed out while waiting for the response."});
    } else {
        status = request_status::ok;
        res.result(answer->status);
        for (auto& [name, value] : answer->headers) {
            res.insert(name, value);
        }
        res.body() = std::move(answer->body);
    }
    add_cors(res, context_.cors_origin, allow_headers);
    co_return res;
}

api_gateway::~api_gateway() = default;

const route_table& api_gateway::routes() {
    // The version is read before the snapshot: a change in between only costs one more build.
    const uint64_t version = context_.registry.version();
    if (!routes_ || version != routes_version_) {
        routes_ = std::make_unique<route_table>(context_.registry.routable());
        routes_version_ = version;
    }
    return *routes_;
}

asio::awaitable<std::optional<http::response>> api_gateway::handle(http::exchange& ex) {
    const auto& req = ex.req();
    const std::string_view path = http::target_path(req.target());
    const std::string_view method = req.method_string();
    auto match = routes().find(method, path);
    if (!match) {
        metrics_.count(method, path, "N/A", "N/A", request_status::not_found);
        co_return http::make_error_body(core::condition::not_found, R"({"message":"Not Found"})");
    }
    const api_definition& api = *match->api;
    const endpoint& ep = *match->ep;
    if (match->ambiguous) {
        ambiguity_log.info("proxy: {} {} matches several endpoints; [{}] of API {} wins", method,
                           path, ep.id, api.id);
    }
    const auto count = [&](request_status s) {
        metrics_.count(method, path, target_label(ep.target), response_label(ep.response_from), s);
    };
    if (ep.secured && api.jwt && !request_authorized(req, api, context_.jwt)) {
        count(request_status::unauthorized);
        co_return authentication_failed(context_.cors_origin);
    }
    if (context_.options.log_console) {
        // RIG's request log line (spec §8.9), on standard output.
        std::string line = fmt::format("CALL: [{}] {} {} => {}\n", ep.id, method, ep.path_regex,
                                       api.proxy.target_url);
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fflush(stdout);
    }
    if (context_.options.log_kafka && context_.kafka != nullptr) {
        // RIG's request log event (spec §8.9), queued on the shared producer: never waits
        // for Kafka, and a failure is counted like any produce.
        const std::string event = make_request_log_event(endpoint_source(api, ep.id), path,
                                                         ex.remote().address().to_string());
        if (context_.kafka_avro != nullptr && !context_.options.kafka_log_schema.empty()) {
            context_.kafka_avro->produce(context_.options.kafka_log_topic,
                                         request_log_partition_key, event,
                                         context_.options.kafka_log_schema);
        } else {
            context_.kafka->produce(context_.options.kafka_log_topic, request_log_partition_key,
                                    event);
        }
    }
    if (auto refused = co_await take_body(ex, ep.target != target_kind::http)) {
        count(request_status::bad_request);
        co_return std::move(*refused);
    }
    if (ep.target != target_kind::http) {
        request_status status = request_status::ok;
        auto res = co_await publish_event(ex, *match, status);
        count(status);
        co_return res;
    }
    request_status status = request_status::ok;
    auto res = co_await forward_http(ex, *match, status);
    count(status);
    co_return res;
}

asio::awaitable<std::optional<std::optional<http::response>>> api_gateway::take_body(
    http::exchange& ex, bool to_event) {
    const auto too_large = [](std::string_view setting, uint64_t limit) {
        return http::make_error(
            {core::condition::payload_too_large,
             fmt::format("The body is larger than {} ({} bytes).", setting, limit)});
    };
    const uint64_t proxy_limit = context_.options.max_body_bytes;
    const uint64_t limit = to_event ? context_.options.max_event_body_bytes : proxy_limit;
    const std::string_view setting = to_event ? "RIG_MAX_BODY_BYTES" : "PROXY_MAX_BODY_BYTES";
    http::request_body* streamed = ex.body_stream();
    if (streamed == nullptr || streamed->done()) {
        if (limit != 0 && ex.req().body().size() > limit) {
            co_return too_large(setting, limit);
        }
        co_return std::nullopt;
    }
    const auto length = streamed->length();
    if (limit != 0 && length && *length > limit) {
        co_return too_large(setting, limit);  // refused before any of it is read
    }
    // Read whole: bodies that become events; small ones (their request can go over a kept
    // connection, and be sent again if that one turns out closed); chunked ones under a limit
    // (their size is known only at the end). Any other body streams to the backend.
    if (!to_event && !(length && *length <= whole_body_bytes) && !(!length && limit != 0)) {
        co_return std::nullopt;
    }
    const auto ec =
        co_await http::read_whole(*streamed, ex.req().body(), limit != 0 ? limit : SIZE_MAX);
    if (ec == boost::beast::http::error::body_limit) {
        co_return too_large(setting, limit);
    }
    if (ec) {
        co_return std::optional<http::response>();  // the client went away: nothing to answer
    }
    co_return std::nullopt;
}

asio::awaitable<std::optional<http::response>> api_gateway::forward_http(http::exchange& ex,
                                                                         const route_match& match,
                                                                         request_status& status) {
    const auto& req = ex.req();
    const endpoint& ep = *match.ep;
    if (!forwardable(req.method())) {
        status = request_status::bad_request;
        co_return http::make_error({core::condition::method_not_allowed, "Method not allowed."});
    }
    const backend_address& to = *match.backend;

    backend_request out;
    // HEAD is forwarded as GET (RIG's Plug.Head); the client gets the head only.
    const bool head_only = req.method() == http::verb::head;
    out.method = head_only ? http::verb::get : req.method();
    out.target = backend_target(req, match.forwarded_path);
    // An asynchronous answer is awaited after a 202: the backend gets the correlation id to
    // send it with (spec §8.7).
    const bool waits = waits_for_answer(ep.response_from);
    waiter_ticket ticket;
    if (waits) {
        ticket = waiters_.add();
        out.target += out.target.find('?') == std::string::npos ? "?" : "&";
        out.target += "correlation=" + correlation_of(ticket);
    }
    out.headers = backend_headers(ex, *match.api, ep, to);

    auto result = co_await backends_.forward(ex, to, out, req.body(), ex.body_stream(), head_only);
    switch (result.outcome) {
        case forward_outcome::answered:
            status = request_status::ok;
            if (waits && result.status == 202 && result.response) {
                co_return co_await await_answer(std::move(ticket),
                                                answer_timeout(context_.options, ep.response_from),
                                                "content-type", status);
            }
            co_return std::move(result.response);
        case forward_outcome::timed_out:
            status = request_status::request_timeout;
            break;
        case forward_outcome::unreachable:
            status = request_status::unreachable;
            break;
        case forward_outcome::body_broke:
            status = request_status::bad_request;
            co_return http::make_error(
                {core::condition::bad_request, "The request body broke off before its end."});
    }
    co_return http::make_error({core::condition::bad_gateway, "Bad gateway."});
}

asio::awaitable<http::response> api_gateway::publish_event(http::exchange& ex,
                                                           const route_match& match,
                                                           request_status& status) {
    const endpoint& ep = *match.ep;
    if (ex.req().method() == http::verb::options) {
        // preflight, answered here (§8.8)
        co_return event_answer(context_.cors_origin, http::status::no_content, "");
    }
    if (const auto missing = missing_broker(context_, ep.target); !missing.empty()) {
        status = request_status::unreachable;
        co_return http::make_error({core::condition::unavailable, std::string(missing)});
    }

    waiter_ticket ticket = waiters_.add();
    auto event = proxied_event_of(ex, match, correlation_of(ticket));
    if (!event) {
        status = request_status::bad_request;
        co_return http::make_error(event.error());
    }
    if (ep.target == target_kind::kafka) {
        co_return co_await publish_kafka(ep, *event, std::move(ticket), status);
    }
    if (ep.target == target_kind::nats) {
        co_return co_await publish_nats(ep, *event, status);
    }
    co_return co_await publish_kinesis(ep, *event, std::move(ticket), status);
}

asio::awaitable<http::response> api_gateway::publish_kafka(const endpoint& ep,
                                                           const proxied_event& event,
                                                           waiter_ticket ticket,
                                                           request_status& status) {
    std::vector<kafka_producer::header> headers;
    if (event.kafka_content_type_header) {
        headers.emplace_back(event.kafka_content_type_header->first,
                             event.kafka_content_type_header->second);
    }
    // A failed produce is counted; the client is answered as if it went (RIG, §8.8).
    if (context_.kafka_avro != nullptr && !ep.schema.empty()) {
        // Binary mode with Avro data (§8.8), encoded off the shard.
        context_.kafka_avro->produce(ep.topic, event.partition_key, event.json, ep.schema);
    } else {
        context_.kafka->produce(ep.topic, event.partition_key, event.json, headers);
    }
    if (ep.response_from == response_source::kafka) {
        co_return co_await await_answer(std::move(ticket), context_.options.kafka_response_timeout,
                                        event_target_headers, status);
    }
    co_return event_answer(context_.cors_origin, http::status::accepted, "Accepted.");
}

asio::awaitable<http::response> api_gateway::publish_nats(const endpoint& ep,
                                                          const proxied_event& event,
                                                          request_status& status) {
    if (ep.response_from != response_source::nats) {
        context_.nats->publish(ep.topic, event.json);
        co_return event_answer(context_.cors_origin, http::status::accepted, "Accepted.");
    }
    auto* publisher = context_.nats;
    const auto timeout = context_.options.nats_response_timeout;
    auto reply = co_await net::await_callback<std::optional<std::string>>(
        [publisher, &ep, &event, timeout](auto done) {
            publisher->request(ep.topic, event.json, timeout, std::move(done));
        });
    if (!reply) {
        status = request_status::response_timeout;
        auto res = http::make_error(
            {core::condition::gateway_timeout, "Timed out while waiting for the response."});
        add_cors(res, context_.cors_origin, event_target_headers);
        co_return res;
    }
    auto res = http::make_response(http::status::ok, std::move(*reply), http::json_type);
    add_cors(res, context_.cors_origin, event_target_headers);
    co_return res;
}

asio::awaitable<http::response> api_gateway::publish_kinesis(const endpoint& ep,
                                                             const proxied_event& event,
                                                             waiter_ticket ticket,
                                                             request_status& status) {
    context_.kinesis->put(ep.topic, event.partition_key, event.json);
    // RIG answered every kinesis target at once (§8.7); with a response stream rig waits
    // for the correlated answer as for kafka.
    if (ep.response_from == response_source::kinesis &&
        !context_.options.kinesis_response_stream.empty()) {
        co_return co_await await_answer(std::move(ticket),
                                        context_.options.kinesis_response_timeout,
                                        event_target_headers, status);
    }
    co_return event_answer(context_.cors_origin, http::status::accepted, "Accepted.");
}

}  // namespace rig::proxy
