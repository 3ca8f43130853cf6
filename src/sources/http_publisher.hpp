#pragma once

#include <string>

#include "http/message.hpp"
#include "hub/hub.hpp"
#include "subscription/extractors.hpp"

namespace rig::sources {

// Event submission over HTTP: POST /_rig/v1/events (with CORS) and the internal
// POST /v{2,3}/messages (without). Parses the CloudEvent once (structured or binary mode,
// CloudEvents 0.1 to 1.0), publishes it to every shard, and answers 202 with the event as
// subscribers receive it.
//
// @par Thread safety
// Immutable after construction; handle() may run on any shard.
class http_publisher {
public:
    http_publisher(const hub::hub& hub, const subscription::extractors& extractors,
                   std::string cors_origin)
        : hub_(hub), extractors_(extractors), cors_origin_(std::move(cors_origin)) {}

    http::response handle(const http::request& req, bool with_cors) const;

private:
    const hub::hub& hub_;
    const subscription::extractors& extractors_;
    std::string cors_origin_;
};

}  // namespace rig::sources
