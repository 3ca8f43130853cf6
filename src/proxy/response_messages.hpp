#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "proxy/async_response.hpp"

namespace rig::proxy {

// One header of an incoming message (HTTP request or Kafka record), as the caller holds it.
struct message_header {
    std::string_view name;
    std::string_view value;
};

// A response message that parsed, or the text of the 400 its sender gets (spec §7.3):
// `Failed to parse request body: <reason>`.
struct response_parse_result {
    std::optional<correlated_response> message;
    std::string error;  // set when !message

    explicit operator bool() const { return message.has_value(); }
};

// Pure functions: they read the message and decide what the waiting client gets. Whether the
// correlation id is authentic is the response_router's business: a sender of an unknown or
// forged id still gets its 202 (as in RIG), and the response is dropped there.
//
// Headers passed on to the waiting client (lowercased), for both HTTP and Kafka messages:
// all but
//  - rig-correlation and rig-response-code, which were consumed;
//  - hop-by-hop and framing headers, which belong to one connection and would break the
//    client's response: connection, keep-alive, proxy-connection, te, trailer,
//    transfer-encoding, upgrade, content-length, and HTTP/2 pseudo-headers (":...");
//  - headers whose name is not an HTTP token or whose value holds CR, LF or NUL (they would
//    let a backend inject headers into the client's response).
// For POST /v3/responses also those that describe that request rather than the response, so
// that no credential or address of the internal call reaches the client: host, authorization
// (the internal API key), proxy-authorization, cookie, expect, user-agent, accept,
// accept-charset, accept-encoding, accept-language, origin, referer, forwarded,
// x-forwarded-for, x-forwarded-host, x-forwarded-port, x-forwarded-proto, x-real-ip,
// x-request-id, traceparent, tracestate. (RIG copied every header, spec §15 #29.)

// POST /v3/responses: headers `rig-correlation` and `rig-response-code` (a decimal integer,
// 100-599), other headers as above, body verbatim (RIG re-encoded it as JSON; we do not).
// Errors: a header missing → `...: :error`; a code that is not an integer →
// `...: {:error, {:not_an_integer, "abc201"}}`; an integer outside 100-599 (rig's addition:
// it cannot be sent) → `...: {:error, {:invalid_status_code, 42}}`.
response_parse_result parse_v3_response(std::span<const message_header> headers,
                                        std::string_view body);

// POST /v2/responses: the body is a CloudEvent (a JSON object) whose correlation id is at
// `rig.correlation` or `extensions.rig.correlation`. The waiting client gets 200,
// `content-type: application/json; charset=utf-8` and the CloudEvent JSON as sent (RIG 2.x
// behaviour; RIG 3.0 never delivered it, spec §15 #14). Anything else → `...: :error`.
response_parse_result parse_v2_response(std::string_view body);

// A record of PROXY_KAFKA_RESPONSE_TOPICS: headers `rig-correlation` and `rig-response-code`
// (decimal text, or a 2-, 4- or 8-byte big-endian integer), other headers as above, payload
// verbatim. Nothing if malformed; the consumer counts and skips it.
std::optional<correlated_response> parse_kafka_response(std::span<const message_header> headers,
                                                        std::string_view payload);

// A record of PROXY_KINESIS_RESPONSE_STREAM (rig's own format; Kinesis records have no
// headers): a JSON object `{"headers": {...}, "body": ...}` whose headers are those of a
// Kafka response message (`rig-correlation`, `rig-response-code` as decimal text or a JSON
// integer, others passed on as above; values strings) and whose body is the client's body: a
// string verbatim, any other JSON value as compact JSON, none or null as empty. Nothing if
// malformed; the consumer counts and skips it.
std::optional<correlated_response> parse_kinesis_response(std::string_view data);

}  // namespace rig::proxy
