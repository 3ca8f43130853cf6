#include "sources/http_publisher.hpp"

#include <cctype>

#include "cloudevents/parse.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "http/request_parts.hpp"
#include "http/responses.hpp"
#include "net/cross_shard.hpp"

namespace rig::sources {
namespace {
log::rate_limited refused_log{10};

// The request's ce-* headers (binary mode), names lowercased and without the prefix; the
// views point into `lowered`, which the caller keeps.
std::vector<cloudevents::attribute_header> ce_headers(const http::request& req,
                                                      std::vector<std::string>& lowered) {
    std::vector<cloudevents::attribute_header> out;
    for (const auto& f : req) {
        const auto name = f.name_string();
        if (name.size() > 3 && (name[0] == 'c' || name[0] == 'C') &&
            (name[1] == 'e' || name[1] == 'E') && name[2] == '-') {
            out.push_back({std::string_view(name.data() + 3, name.size() - 3), f.value()});
        }
    }
    // Header names arrive in any case; attribute names are lowercase.
    lowered.clear();
    lowered.reserve(out.size());  // no reallocation: the views below stay valid
    for (auto& h : out) {
        std::string l(h.name);
        for (auto& c : l) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        lowered.push_back(std::move(l));
        h.name = lowered.back();
    }
    return out;
}

// The request's tracestate: several headers are one list, joined by commas (W3C).
std::string joined_tracestate(const http::request& req) {
    std::string out;
    for (auto [it, end] = req.equal_range("tracestate"); it != end; ++it) {
        if (!out.empty()) {
            out += ',';
        }
        out += it->value();
    }
    return out;
}

}  // namespace

core::result<std::vector<cloudevents::cloud_event>> http_publisher::parse(const http::request& req,
                                                                          bool batch) const {
    const std::string_view content_type = req[http::field::content_type];
    const std::string now = core::rfc3339_now();
    if (batch) {
        return cloudevents::parse_batch(req.body(), now, max_batch_events_);
    }
    std::vector<std::string> lowered;
    const auto headers = ce_headers(req, lowered);
    auto parsed = cloudevents::parse_http(headers, content_type, req.body(), now);
    if (!parsed) {
        return parsed.error();
    }
    std::vector<cloudevents::cloud_event> one;
    one.push_back(std::move(*parsed));
    return one;
}

asio::awaitable<std::optional<core::error>> http_publisher::check(const http::request& req,
                                                                  http::client_pool& pool) const {
    std::vector<std::string> authorization;
    for (auto [it, end] = req.equal_range(http::field::authorization); it != end; ++it) {
        authorization.emplace_back(it->value());
    }
    std::string content_type(req[http::field::content_type]);
    std::string body = req.body();
    const auto v = co_await submission_check_.run(pool, std::move(authorization),
                                                  std::move(content_type), std::move(body));
    if (v.allowed) {
        co_return std::nullopt;
    }
    refused_log.info_with({{"event", "submission_denied"}, {"source", "http"}},
                          "events: submission denied: {}", v.reason);
    co_return core::error{core::condition::forbidden, "Submission denied."};
}

void http_publisher::prepare(cloudevents::cloud_event&& ev, std::vector<hub::event_ptr>& out,
                             std::string& body) const {
    if (const bool history = hub_.keeps_history(); history || hub_.may_match(ev.type)) {
        // Unwanted now (by type or by its fields' values), it is kept for the history only:
        // without its wire forms.
        auto event = hub_.make_event(std::move(ev), extractors_);
        body += event->json();
        if (history || event->framed()) {
            out.push_back(std::move(event));
        } else {
            hub_.count_unmatched();
        }
        return;
    }
    // Nobody subscribes to this type: accepted and dropped, without building frames.
    hub_.count_unmatched();
    if (body.empty()) {
        body = std::move(ev.json);
    } else {
        body += ev.json;
    }
}

namespace {

// Queues each event in `messages`; the 202's body (their JSON, an array for a batch).
std::string relay_all(const std::vector<cloudevents::cloud_event>& events, bool batch,
                      relay_batch& messages) {
    std::string body = batch ? "[" : "";
    for (std::size_t i = 0; i < events.size(); ++i) {
        body += i > 0 ? "," : "";
        body += events[i].json;
        messages.add(events[i].json);
    }
    body += batch ? "]" : "";
    return body;
}

}  // namespace

asio::awaitable<http::response> http_publisher::handle(const http::request& req, bool checked,
                                                       http::client_pool& pool) const {
    const bool with_cors = checked;
    std::optional<tracing::tracer::request_span> trace;
    if (tracer_ != nullptr) {
        const std::string_view traceparent = req["traceparent"];
        trace = tracer_->start_request(
            traceparent, traceparent.empty() ? std::string() : joined_tracestate(req));
    }
    const auto finish = [&](http::response res) {
        if (with_cors) {
            res.set(http::field::access_control_allow_origin, cors_origin_);
        }
        if (trace) {
            res.set("traceparent", tracing::format_traceparent(trace->ctx));
            tracer_->finish_request(*trace, req.method_string(), http::target_path(req.target()),
                                    res.result_int());
        }
        return res;
    };
    const auto refuse = [&](const core::error& e) {
        refused_log.info_with({{"event", "publish_refused"},
                               {"source", "http"},
                               {"status", static_cast<unsigned>(http::to_status(e.cond))}},
                              "events: {} {}", static_cast<unsigned>(http::to_status(e.cond)),
                              e.message);
        return finish(http::make_error(e));
    };

    const bool batch = cloudevents::is_batch(req[http::field::content_type]);
    auto parsed = parse(req, batch);
    if (!parsed) {
        co_return refuse(parsed.error());
    }
    if (checked && submission_check_.enabled()) {
        if (auto denied = co_await check(req, pool)) {
            co_return finish(http::make_error(*denied));
        }
    }
    received_.fetch_add(parsed->size(), std::memory_order_relaxed);
    if (trace && trace->parent) {
        // Only traced events are re-serialised; the others keep their bytes.
        for (auto& ev : *parsed) {
            tracer_->stamp(ev, *trace);
        }
    }
    if (relay_ != nullptr) {
        relay_batch messages(*relay_);
        std::string body = relay_all(*parsed, batch, messages);
        // Named, not a temporary in the co_await expression (GCC 12 coroutine bug).
        auto flush = [&messages](auto done) { messages.flush(std::move(done)); };
        const bool committed = co_await net::await_callback<bool>(std::move(flush));
        if (!committed) {
            co_return refuse(
                {core::condition::unavailable, "The cluster backplane did not acknowledge."});
        }
        co_return finish(
            http::make_response(http::status::accepted, std::move(body), http::json_type));
    }
    co_return finish(publish_here(std::move(*parsed), batch));
}

http::response http_publisher::publish_here(std::vector<cloudevents::cloud_event>&& parsed,
                                            bool batch) const {
    // hub::publish hands the events, in order, to every shard before it returns (one post per
    // interested shard for the whole batch), so array order is the order subscribers see.
    std::vector<hub::event_ptr> events;
    events.reserve(parsed.size());
    std::string body;
    if (!batch) {
        prepare(std::move(parsed.front()), events, body);
    } else {
        body = "[";
        for (std::size_t i = 0; i < parsed.size(); ++i) {
            if (i > 0) {
                body += ',';
            }
            prepare(std::move(parsed[i]), events, body);
        }
        body += ']';
    }
    hub_.publish(events);
    return http::make_response(http::status::accepted, std::move(body), http::json_type);
}

http::response http_publisher::preflight(const http::request& req) const {
    auto res = http::make_empty(http::status::no_content);
    res.set(http::field::access_control_allow_origin, cors_origin_);
    res.set(http::field::access_control_allow_methods, "POST");
    // Binary-mode submissions from browsers need their ce-* headers allowed too.
    const auto requested = req[http::field::access_control_request_headers];
    res.set(http::field::access_control_allow_headers,
            requested.empty() ? std::string("content-type") : std::string(requested));
    return res;
}

}  // namespace rig::sources
