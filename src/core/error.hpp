#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <stdexcept>
#include <string>

namespace rig::core {

// The coarse classes of failure every module reports in. Exactly one place
// (http/responses.cpp, to_status) turns a condition into an HTTP status; handlers never pick
// error status codes themselves.
enum class condition {
    bad_request,
    unauthorized,
    forbidden,
    not_found,
    method_not_allowed,
    not_acceptable,
    gone,
    payload_too_large,
    unsupported_media_type,
    headers_too_large,
    too_many_requests,
    unavailable,
    bad_gateway,      // a proxied backend could not be reached or did not answer
    gateway_timeout,  // an asynchronous answer did not come in time
};

// A failure with the user-facing message (the text of the contract where RIG defines one).
struct error {
    condition cond{};
    std::string message;
};

template <class T>
using result = boost::system::result<T, error>;

// Lets result<T, error>::value() throw; only used at start-up (config), never on the data path.
[[noreturn]] inline void throw_exception_from_error(const error& e, const boost::source_location&) {
    throw std::runtime_error(e.message);
}

inline error bad_request(std::string message) {
    return {condition::bad_request, std::move(message)};
}

}  // namespace rig::core
