#include "config/node_options.hpp"

#include <cstdlib>
#include <optional>
#include <utility>

#include "auth/auth_options.hpp"
#include "checks/check_options.hpp"
#include "cluster/cluster_options.hpp"
#include "config/listener_options.hpp"
#include "config/process_options.hpp"
#include "hub/history_options.hpp"
#include "tracing/tracing_options.hpp"

namespace rig::config {

namespace {

// The parser's error, or none after moving its value into `target`.
template <class T, class Parsed>
std::optional<core::error> read_into(T& target, Parsed&& parsed) {
    if (!parsed) {
        return parsed.error();
    }
    target = std::move(*parsed);
    return std::nullopt;
}

}  // namespace

core::result<node_options> load(const env_lookup& lookup) {
    const core::env env(lookup);
    node_options o;

// Returns the parser's error, or moves its value into `target`.
#define RIG_READ(target, parsed) RIG_TRY(read_into((target), (parsed)))
// Returns the error of a parser that fills node_options itself.
#define RIG_TRY(filled)           \
    if (auto e_ = (filled); e_) { \
        return std::move(*e_);    \
    }

    // The composition point: one line per module, in the order errors are reported. A new
    // module's settings get their own parser file next to its options struct and one line
    // here (and their rows in settings_help.cpp). `env` is also an env_lookup, for parsers
    // that take the lookup function.
    RIG_TRY(read_listener_options(env, o));
    RIG_TRY(read_process_options(env, o));
    RIG_READ(o.http, http::parse_server_options(env));
    RIG_READ(o.transport, transport::parse_transport_options(env));
    RIG_READ(o.history, hub::parse_history_limits(env));
    RIG_READ(o.cluster, cluster::parse_cluster_options(env, o.node_cookie));
    RIG_TRY(read_extractor_options(env, o));
    auth::auth_options auth;
    RIG_READ(auth, auth::parse_auth_options(env));
    checks::check_settings checks;
    RIG_READ(checks, checks::parse_check_options(env));
    RIG_READ(o.kafka, sources::parse_kafka_options(env));
    RIG_READ(o.nats, sources::parse_nats_options(env));
    RIG_READ(o.kinesis, sources::parse_kinesis_options(env));
    RIG_READ(o.proxy, proxy::parse_proxy_options(env, o.http.max_body_bytes, o.kafka.has_value(),
                                                 o.kinesis.has_value()));
    RIG_TRY(tracing::read_tracing_options(env, o.tracing));
    RIG_TRY(admin::parse_metrics_options(env, o.metrics));
#undef RIG_READ
#undef RIG_TRY

    o.jwt = std::move(auth.jwt);
    o.jwks_url = std::move(auth.jwks_url);
    o.jwks_refresh = auth.jwks_refresh;
    o.jwt_algorithm = std::move(auth.jwt_algorithm);
    o.jwt_leeway = auth.jwt_leeway;
    o.session_field = std::move(auth.session_field);
    o.subscription_check = std::move(checks.subscription);
    o.submission_check = std::move(checks.submission);
    return o;
}

core::result<node_options> load_from_env() {
    return load([](const char* name) -> std::optional<std::string> {
        if (const char* v = std::getenv(name)) {
            return std::string(v);
        }
        return std::nullopt;
    });
}

log::format log_format_from_env() {
    const char* v = std::getenv("LOG_FMT");
    return v ? parse_log_format(v).value_or(log::format::erlang) : log::format::erlang;
}

}  // namespace rig::config
