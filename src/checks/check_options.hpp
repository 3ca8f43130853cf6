#pragma once

#include <chrono>
#include <string>

#include "core/env.hpp"

namespace rig::checks {

// SUBSCRIPTION_CHECK / SUBMISSION_CHECK (spec §5.3, §5.4).
struct check_options {
    enum class mode { no_check, jwt_validation, url };
    mode kind = mode::no_check;
    std::string url;
    std::chrono::milliseconds timeout{5000};  // RIG_CHECK_TIMEOUT_MS
};

// The subscription and the submission check, as configured.
struct check_settings {
    check_options subscription;  // SUBSCRIPTION_CHECK
    check_options submission;    // SUBMISSION_CHECK
};

// SUBSCRIPTION_CHECK, SUBMISSION_CHECK and RIG_CHECK_TIMEOUT_MS (both checks' timeout).
core::result<check_settings> parse_check_options(const core::env& env);

}  // namespace rig::checks
