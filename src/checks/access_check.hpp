#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "auth/token_validator.hpp"
#include "checks/check_options.hpp"
#include "http/client_pool.hpp"
#include "net/asio.hpp"

namespace rig::checks {

// One credential from Authorization headers (spec §5.2): every header value split at commas,
// each part split at its first space into a lowercased scheme and a token; a part without a
// space is a bearer token.
struct credential {
    std::string scheme;
    std::string token;
};
std::vector<credential> parse_authorization(const std::vector<std::string>& header_values);

// What a check decides, and why (for the log).
struct verdict {
    bool allowed = true;
    std::string reason;
};

// How a check's runs ended, for /metrics: the service (or the token) allowed or denied, or an
// external service could not be asked (timeout, connection or TLS error: the client is denied).
// Shared by every copy of the check; counted with relaxed atomics from any shard.
struct check_counts {
    std::atomic<uint64_t> allowed{0};
    std::atomic<uint64_t> denied{0};
    std::atomic<uint64_t> failed{0};
};

// rig_check_results_total{check=<name>,result=allowed|denied|failed} for an enabled check.
std::string render_check_metrics(std::string_view name, const check_counts& counts);

// Runs one configured check: no_check allows; jwt_validation allows when any bearer token is
// valid (signature, expiry, blacklist); url POSTs `body` with the original Content-Type and
// Authorization to the service, which allows with 2xx and denies with anything else, as does
// a timeout or transport error (denials are logged with their reason).
//
// @par Thread safety
// Immutable but for its counts (atomics); run the check on the calling shard with that shard's
// client pool.
class access_check {
public:
    access_check() = default;
    access_check(check_options options, const auth::token_validator* tokens)
        : options_(std::move(options)), tokens_(tokens) {}

    bool enabled() const { return options_.kind != check_options::mode::no_check; }

    // Outlives the check (shared with its copies), so /metrics may hold on to it.
    std::shared_ptr<const check_counts> counts() const { return counts_; }

    // `authorization` holds the raw Authorization header values (joined with ", " for the
    // external service).
    asio::awaitable<verdict> run(http::client_pool& pool, std::vector<std::string> authorization,
                                 std::string content_type, std::string body) const;

private:
    check_options options_;
    const auth::token_validator* tokens_ = nullptr;
    std::shared_ptr<check_counts> counts_ = std::make_shared<check_counts>();
};

}  // namespace rig::checks
