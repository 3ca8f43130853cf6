#include "http/responses.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>

#include "core/json_text.hpp"

namespace rig::http {

status to_status(core::condition c) {
    switch (c) {
        case core::condition::bad_request:
            return status::bad_request;
        case core::condition::unauthorized:
            return status::unauthorized;
        case core::condition::forbidden:
            return status::forbidden;
        case core::condition::not_found:
            return status::not_found;
        case core::condition::method_not_allowed:
            return status::method_not_allowed;
        case core::condition::not_acceptable:
            return status::not_acceptable;
        case core::condition::gone:
            return status::gone;
        case core::condition::payload_too_large:
            return status::payload_too_large;
        case core::condition::unsupported_media_type:
            return status::unsupported_media_type;
        case core::condition::headers_too_large:
            return status::request_header_fields_too_large;
        case core::condition::too_many_requests:
            return status::too_many_requests;
        case core::condition::unavailable:
            return status::service_unavailable;
        case core::condition::bad_gateway:
            return status::bad_gateway;
        case core::condition::gateway_timeout:
            return status::gateway_timeout;
    }
    return status::internal_server_error;
}

response make_response(status s, std::string body, std::string_view content_type) {
    response r{s, 11};
    r.set(field::content_type, content_type);
    r.body() = std::move(body);
    return r;
}

namespace {

// The status line and `res`'s headers, each line with its CRLF; Content-Length and Connection
// are left out when `skip_framing` (serialize() writes its own).
void append_head(std::string& out, const response& res, bool skip_framing) {
    out += "HTTP/1.1 ";
    out += std::to_string(res.result_int());
    out += ' ';
    out += bhttp::obsolete_reason(res.result());
    out += "\r\n";
    for (const auto& f : res) {
        if (skip_framing && (f.name() == field::content_length || f.name() == field::connection)) {
            continue;
        }
        out += f.name_string();
        out += ": ";
        out += f.value();
        out += "\r\n";
    }
}

}  // namespace

std::string serialize(const response& res, bool keep_alive, unsigned request_version,
                      bool head_request) {
    const auto& body = res.body();
    std::string out;
    out.reserve(128 + body.size() + res.base().reason().size());
    append_head(out, res, true);
    out += "Content-Length: ";
    out += std::to_string(body.size());
    out += "\r\n";
    if (!keep_alive) {
        out += "Connection: close\r\n";
    } else if (request_version < 11) {
        out += "Connection: keep-alive\r\n";
    }
    out += "\r\n";
    if (!head_request) {
        out += body;
    }
    return out;
}

response make_empty(status s) {
    return response{s, 11};
}

response make_error(const core::error& e) {
    return make_response(to_status(e.cond), core::error_body(e.message), json_type);
}

response method_not_allowed(std::string_view allow) {
    auto res = make_error({core::condition::method_not_allowed, "Method not allowed."});
    res.set(field::allow, allow);
    return res;
}

response make_error_body(core::condition c, std::string json_body) {
    return make_response(to_status(c), std::move(json_body), json_type);
}

core::error request_error(const boost::system::error_code& ec, const server_options& options) {
    if (ec == bhttp::error::body_limit) {
        return {core::condition::payload_too_large,
                "Request body larger than " + std::to_string(options.max_body_bytes) + " bytes."};
    }
    if (ec == bhttp::error::header_limit) {
        return {core::condition::headers_too_large,
                "Request head larger than " + std::to_string(options.max_header_bytes) + " bytes."};
    }
    return core::bad_request("Malformed HTTP request: " + ec.message());
}

std::string serialize_head(const response& res) {
    std::string out;
    out.reserve(256);
    append_head(out, res, false);
    out += "\r\n";
    return out;
}

}  // namespace rig::http
