#include "http/responses.hpp"

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
        case core::condition::too_many_requests:
            return status::too_many_requests;
        case core::condition::unavailable:
            return status::service_unavailable;
    }
    return status::internal_server_error;
}

response make_response(status s, std::string body, std::string_view content_type) {
    response r{s, 11};
    r.set(field::content_type, content_type);
    r.body() = std::move(body);
    return r;
}

response make_empty(status s) {
    return response{s, 11};
}

response make_error(status s, std::string_view message) {
    return make_response(s, core::error_body(message), json_type);
}

response make_error(const core::error& e) {
    return make_error(to_status(e.cond), e.message);
}

}  // namespace rig::http
