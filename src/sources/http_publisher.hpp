#pragma once

#include <string>

#include "checks/access_check.hpp"
#include "http/client_pool.hpp"
#include "http/message.hpp"
#include "hub/hub.hpp"
#include "net/asio.hpp"
#include "subscription/extractors.hpp"

namespace rig::sources {

// Event submission over HTTP: POST /_rig/v1/events (with CORS and SUBMISSION_CHECK) and the
// internal POST /v{2,3}/messages (without either). Parses the CloudEvent once (structured or binary
// mode, CloudEvents 0.1 to 1.0), publishes it to every shard, and answers 202 with the event as
// subscribers receive it.
//
// @par Thread safety
// Immutable after construction; handle() may run on any shard.
class http_publisher {
public:
    http_publisher(const hub::hub& hub, const subscription::extractors& extractors,
                   std::string cors_origin, const checks::access_check& submission_check)
        : hub_(hub),
          extractors_(extractors),
          cors_origin_(std::move(cors_origin)),
          submission_check_(submission_check) {}

    // With `checked` (the public endpoint), SUBMISSION_CHECK runs first (403 "Submission
    // denied." when it refuses); `pool` is the calling shard's client pool for that.
    asio::awaitable<http::response> handle(const http::request& req, bool checked,
                                           http::client_pool& pool) const;

private:
    const hub::hub& hub_;
    const subscription::extractors& extractors_;
    std::string cors_origin_;
    const checks::access_check& submission_check_;
};

}  // namespace rig::sources
