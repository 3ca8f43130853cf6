#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "checks/access_check.hpp"
#include "cloudevents/cloud_event.hpp"
#include "core/error.hpp"
#include "http/client_pool.hpp"
#include "http/message.hpp"
#include "hub/hub.hpp"
#include "net/asio.hpp"
#include "sources/event_relay.hpp"
#include "subscription/extractors.hpp"
#include "tracing/tracer.hpp"

namespace rig::sources {

// Event submission over HTTP: POST /_rig/v1/events (with CORS and SUBMISSION_CHECK) and the
// internal POST /v{2,3}/messages (without either). One event (structured or binary mode,
// CloudEvents 0.1 to 1.0), or a batch of up to `max_batch_events` structured events
// (application/cloudevents-batch+json), all valid or none published. Parses once, publishes
// every event to the shards in order, and answers 202 with what subscribers receive: the event,
// or for a batch a JSON array of them. Failures are core::errors; http::make_error picks the
// status.
//
// In a cluster (`relay` set) the events go to the backplane, and 202 means the backplane has
// acknowledged them: every node delivers them, after whatever was acknowledged before. When
// it cannot be reached in time the answer is 503 and the client may retry.
//
// With a `tracer`, every response carries a `traceparent` header: rig's span below the
// client's valid `traceparent` (whose events then carry it as an attribute, with the client's
// `tracestate`), or a new trace when the client sent none or an invalid one (its events are
// then left byte-identical).
//
// Owned by app::node, which outlives every shard's routes.
//
// @par Thread safety
// Immutable after construction; handle() and preflight() may run on any shard.
class http_publisher {
public:
    http_publisher(const hub::hub& hub, const subscription::extractors& extractors,
                   std::string cors_origin, const checks::access_check& submission_check,
                   std::size_t max_batch_events, event_relay* relay = nullptr,
                   const tracing::tracer* tracer = nullptr)
        : hub_(hub),
          extractors_(extractors),
          cors_origin_(std::move(cors_origin)),
          submission_check_(submission_check),
          max_batch_events_(max_batch_events),
          relay_(relay),
          tracer_(tracer) {}

    // With `checked` (the public endpoint), SUBMISSION_CHECK runs once per request, after the
    // body parsed and before anything is published (403 "Submission denied." when it refuses);
    // `pool` is the calling shard's client pool for that.
    asio::awaitable<http::response> handle(const http::request& req, bool checked,
                                           http::client_pool& pool) const;

    // Events accepted over HTTP (both endpoints), for rig_events_received_total.
    uint64_t received() const { return received_.load(std::memory_order_relaxed); }

    // OPTIONS /_rig/v1/events: the CORS preflight (spec §2.2), 204.
    http::response preflight(const http::request& req) const;

private:
    // The events of the request: one, or with `batch` the batch's members in order.
    core::result<std::vector<cloudevents::cloud_event>> parse(const http::request& req,
                                                              bool batch) const;

    // SUBMISSION_CHECK with the original request; the error when it refuses.
    asio::awaitable<std::optional<core::error>> check(const http::request& req,
                                                      http::client_pool& pool) const;

    // Builds the shared event when some shard may want it or the history keeps it (into
    // `out`) and appends the JSON subscribers get to `body` (the 202's); an event neither
    // wants is only counted.
    void prepare(cloudevents::cloud_event&& ev, std::vector<hub::event_ptr>& out,
                 std::string& body) const;

    // Publishes the events on this node; the 202 with their JSON (an array for a batch).
    http::response publish_here(std::vector<cloudevents::cloud_event>&& events, bool batch) const;

    const hub::hub& hub_;
    const subscription::extractors& extractors_;
    std::string cors_origin_;
    const checks::access_check& submission_check_;
    std::size_t max_batch_events_;
    event_relay* relay_;
    const tracing::tracer* tracer_;
    mutable std::atomic<uint64_t> received_{0};  // one add per request, from any shard
};

}  // namespace rig::sources
