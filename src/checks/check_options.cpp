#include "checks/check_options.hpp"

#include "core/text.hpp"
#include "http/outbound_url.hpp"

namespace rig::checks {

core::result<check_settings> parse_check_options(const core::env& env) {
    check_settings out;
    uint64_t timeout = 5000;
    if (auto e = env.read_uint("RIG_CHECK_TIMEOUT_MS", timeout, 1, 600000,
                               "expected a duration in milliseconds")) {
        return *e;
    }
    for (auto [name, target] : {std::pair{"SUBSCRIPTION_CHECK", &out.subscription},
                                std::pair{"SUBMISSION_CHECK", &out.submission}}) {
        target->timeout = std::chrono::milliseconds(timeout);
        const std::string value = env.value(name, "");
        const std::string l = core::lower(value);
        if (l.empty() || l == "no_check") {
            target->kind = check_options::mode::no_check;
        } else if (l == "jwt_validation") {
            target->kind = check_options::mode::jwt_validation;
        } else if (l.starts_with("http://") || l.starts_with("https://")) {
            if (auto url = http::parse_outbound_url(value); !url) {
                return core::bad_setting(name, url.error().message, value);
            }
            target->kind = check_options::mode::url;
            target->url = value;
        } else {
            return core::bad_setting(
                name, "expected no_check, jwt_validation or an http:// or https:// URL", value);
        }
    }
    return out;
}

}  // namespace rig::checks
