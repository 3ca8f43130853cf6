#include "config/node_options.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "core/json_setting.hpp"
#include "core/random.hpp"
#include "core/text.hpp"
#include "http/client_tls.hpp"
#include "http/outbound_url.hpp"
#include "proxy/proxy_config.hpp"

namespace rig::config {
namespace {

using core::lower;

std::string trim(std::string_view s) {
    return std::string(core::trim(s));
}

// LOG_FMT, case-insensitive.
std::optional<log::format> parse_log_format(const std::string& raw) {
    const std::string f = lower(trim(raw));
    if (f == "erlang") {
        return log::format::erlang;
    }
    if (f == "json") {
        return log::format::json;
    }
    if (f == "gcl") {
        return log::format::gcl;
    }
    return std::nullopt;
}

core::error bad(const char* name, const std::string& what, const std::string& value) {
    return core::bad_request(std::string(name) + ": " + what + ", got \"" + value + "\"");
}

// Reads an unsigned integer setting into `out` if the variable is set and non-empty.
template <class T>
std::optional<core::error> read_uint(const env_lookup& env, const char* name, T& out, uint64_t min,
                                     uint64_t max, const char* what) {
    const auto raw = env(name);
    if (!raw || trim(*raw).empty()) {
        return std::nullopt;
    }
    const std::string v = trim(*raw);
    uint64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size() || n < min || n > max) {
        return bad(name, what, *raw);
    }
    out = static_cast<T>(n);
    return std::nullopt;
}

std::optional<core::error> read_ms(const env_lookup& env, const char* name,
                                   std::chrono::milliseconds& out, uint64_t min_ms) {
    uint64_t ms = static_cast<uint64_t>(out.count());
    if (auto e = read_uint(env, name, ms, min_ms, 365ULL * 24 * 3600 * 1000,
                           "expected a duration in milliseconds")) {
        return e;
    }
    out = std::chrono::milliseconds(ms);
    return std::nullopt;
}

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        const auto comma = s.find(',', start);
        const std::string item = trim(s.substr(start, comma - start));
        if (!item.empty()) {
            out.push_back(item);
        }
        if (comma == std::string::npos) {
            break;
        }
        start = comma + 1;
    }
    return out;
}

std::optional<bool> parse_bool(const std::string& raw) {
    const std::string v = lower(trim(raw));
    if (v == "true" || v == "1" || v == "yes" || v == "on") {
        return true;
    }
    if (v == "false" || v == "0" || v == "no" || v == "off" || v.empty()) {
        return false;
    }
    return std::nullopt;
}

// Reads a boolean setting into `out` if the variable is set and non-empty.
std::optional<core::error> read_bool(const env_lookup& env, const char* name, bool& out) {
    if (auto v = env(name); v && !trim(*v).empty()) {
        const auto on = parse_bool(*v);
        if (!on) {
            return bad(name, "expected true or false", *v);
        }
        out = *on;
    }
    return std::nullopt;
}

// RIG_HTTP2 and the HTTPS files. The certificate and key are loaded here, so that every
// problem with them is a configuration error naming its variable.
std::optional<core::error> read_https(const env_lookup& env, node_options& o) {
    if (auto e = read_bool(env, "RIG_HTTP2", o.http2)) {
        return e;
    }
    const auto path = [&](const char* name) {
        const auto v = env(name);
        return v ? trim(*v) : std::string();
    };
    // The passphrase is taken as given: spaces may be part of it.
    const net::tls_files files{path("HTTPS_CERTFILE"), path("HTTPS_KEYFILE"),
                               env("HTTPS_KEYFILE_PASS").value_or("")};
    if (files.cert_file.empty() && files.key_file.empty()) {
        if (!files.key_passphrase.empty()) {
            return core::bad_request(
                "HTTPS_KEYFILE_PASS: set without HTTPS_CERTFILE and HTTPS_KEYFILE");
        }
        return std::nullopt;  // HTTPS off
    }
    if (files.key_file.empty()) {
        return core::bad_request("HTTPS_KEYFILE: required when HTTPS_CERTFILE is set");
    }
    if (files.cert_file.empty()) {
        return core::bad_request("HTTPS_CERTFILE: required when HTTPS_KEYFILE is set");
    }
    auto tls = net::tls_context::load_server(files, o.http2);
    if (!tls) {
        return tls.error();
    }
    o.tls = std::move(*tls);
    return std::nullopt;
}

// [profile] key = value pairs of an AWS shared credentials file.
std::map<std::string, std::string> aws_credentials(const std::string& path,
                                                   const std::string& profile) {
    std::map<std::string, std::string> out;
    std::ifstream f(path);
    std::string line, section;
    while (std::getline(f, line)) {
        line = trim(line);
        if (line.empty() || line[0] == '#' || line[0] == ';') {
            continue;
        }
        if (line.front() == '[' && line.back() == ']') {
            section = trim(line.substr(1, line.size() - 2));
            continue;
        }
        const auto eq = line.find('=');
        if (section == profile && eq != std::string::npos) {
            out[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
        }
    }
    return out;
}

}  // namespace

// The API gateway's settings (spec §12.3). PROXY_CONFIG_FILE is validated whole: any invalid
// API stops start-up with its validation messages (§8.3).
std::optional<core::error> read_proxy(const env_lookup& env, node_options& o) {
    proxy::proxy_options& p = o.proxy;
    p.max_event_body_bytes = o.http.max_body_bytes;  // read before: rig's own body limit
    if (auto v = env("PROXY_CONFIG_FILE"); v && !trim(*v).empty()) {
        auto apis = proxy::load_proxy_config(trim(*v));
        if (!apis) {
            return core::bad_request("PROXY_CONFIG_FILE: " + apis.error().message);
        }
        p.apis = std::move(*apis);
    }
    for (auto [name, out] : {std::pair{"PROXY_RECV_TIMEOUT", &p.recv_timeout},
                             {"RIG_PROXY_CONNECT_TIMEOUT_MS", &p.connect_timeout},
                             {"PROXY_KAFKA_RESPONSE_TIMEOUT", &p.kafka_response_timeout},
                             {"PROXY_HTTP_ASYNC_RESPONSE_TIMEOUT", &p.http_async_response_timeout},
                             {"PROXY_KINESIS_RESPONSE_TIMEOUT", &p.kinesis_response_timeout},
                             {"PROXY_NATS_RESPONSE_TIMEOUT", &p.nats_response_timeout}}) {
        if (auto e = read_ms(env, name, *out, 1)) {
            return e;
        }
    }
    if (auto e = read_uint(env, "PROXY_MAX_BODY_BYTES", p.max_body_bytes, 0, UINT64_MAX,
                           "expected a size in bytes (0: unlimited)")) {
        return e;
    }
    if (auto e = read_uint(env, "RIG_PROXY_BUFFER_RESPONSE_BYTES", p.buffer_response_bytes, 0,
                           1ULL << 30, "expected a size in bytes")) {
        return e;
    }
    if (auto e = read_uint(env, "RIG_PROXY_MAX_IDLE_PER_BACKEND", p.max_idle_per_backend, 0,
                           100'000, "expected a connection count")) {
        return e;
    }
    if (auto e = read_uint(env, "RIG_PROXY_METRICS_MAX_PATHS", p.max_metric_paths, 1, 1'000'000,
                           "expected a count of paths (1-1000000)")) {
        return e;
    }
    if (auto v = env("PROXY_KAFKA_RESPONSE_TOPICS"); v && !trim(*v).empty()) {
        p.kafka_response_topics = split_list(*v);
    }
    if (auto v = env("PROXY_KAFKA_RESPONSE_KAFKA_GROUP_ID"); v && !trim(*v).empty()) {
        p.kafka_response_group = trim(*v);
    }
    if (auto v = env("PROXY_KINESIS_REQUEST_REGION"); v && !trim(*v).empty()) {
        p.kinesis_request_region = trim(*v);
    }
    if (auto v = env("PROXY_KINESIS_RESPONSE_STREAM"); v && !trim(*v).empty()) {
        if (!o.kinesis) {
            return bad("PROXY_KINESIS_RESPONSE_STREAM", "needs KINESIS_ENABLED", *v);
        }
        p.kinesis_response_stream = trim(*v);
    }
    if (auto v = env("KAFKA_LOG_TOPIC"); v && !trim(*v).empty()) {
        p.kafka_log_topic = trim(*v);
    }
    if (auto v = env("KAFKA_LOG_SCHEMA"); v && !trim(*v).empty()) {
        p.kafka_log_schema = trim(*v);
    }
    if (auto v = env("REQUEST_LOG"); v && !trim(*v).empty()) {
        for (const auto& item : split_list(*v)) {
            const std::string sink = lower(item);
            if (sink == "console") {
                p.log_console = true;
            } else if (sink == "kafka") {
                p.log_kafka = true;
            } else {
                return bad("REQUEST_LOG", "expected a list of console and kafka", *v);
            }
        }
        if (p.log_kafka && !o.kafka) {
            return bad("REQUEST_LOG", "kafka needs KAFKA_BROKERS", *v);
        }
    }
    return std::nullopt;
}

#define RIG_TRY2(expr)              \
    if (auto err_ = (expr); err_) { \
        return std::move(*err_);    \
    }

core::result<node_options> load(const env_lookup& env) {
    node_options o;
    o.shards = std::max(1u, std::thread::hardware_concurrency());

#define RIG_TRY(expr)               \
    if (auto err_ = (expr); err_) { \
        return std::move(*err_);    \
    }

    RIG_TRY(read_uint(env, "INBOUND_PORT", o.inbound_port, 0, 65535,
                      "expected a port number (0-65535)"));
    RIG_TRY(
        read_uint(env, "API_HTTP_PORT", o.api_port, 0, 65535, "expected a port number (0-65535)"));
    RIG_TRY(read_uint(env, "INBOUND_HTTPS_PORT", o.inbound_https_port, 0, 65535,
                      "expected a port number (0-65535)"));
    RIG_TRY(read_uint(env, "API_HTTPS_PORT", o.api_https_port, 0, 65535,
                      "expected a port number (0-65535)"));
    RIG_TRY(read_https(env, o));
    RIG_TRY(read_uint(env, "RIG_SHARDS", o.shards, 1, 256, "expected a shard count (1-256)"));
    if (env("RIG_MAX_CONNECTIONS")) {
        std::size_t cap = 0;
        RIG_TRY(read_uint(env, "RIG_MAX_CONNECTIONS", cap, 0, 100'000'000,
                          "expected a connection count (0 = no cap)"));
        o.max_connections = cap;
    }
    RIG_TRY(read_uint(env, "MAX_CONNECTIONS_PER_MINUTE", o.transport.max_connections_per_minute, 0,
                      UINT32_MAX, "expected a non-negative integer"));
    RIG_TRY(read_uint(env, "RIG_MAX_BODY_BYTES", o.http.max_body_bytes, 1, 1ULL << 32,
                      "expected a size in bytes"));
    RIG_TRY(read_uint(env, "RIG_MAX_HEADER_BYTES", o.http.max_header_bytes, 1024, 1 << 20,
                      "expected a size in bytes (1024-1048576)"));
    RIG_TRY(read_uint(env, "RIG_MAX_QUEUE_BYTES", o.transport.max_queue_bytes, 1024, 1ULL << 32,
                      "expected a size in bytes (at least 1024)"));
    RIG_TRY(read_uint(env, "RIG_MAX_SUBSCRIPTIONS_PER_CONNECTION", o.transport.max_subscriptions, 1,
                      1'000'000, "expected a count (1-1000000)"));
    RIG_TRY(read_uint(env, "RIG_MAX_SUBSCRIPTIONS", o.transport.max_node_subscriptions, 0,
                      1'000'000'000, "expected a count (0 = no cap)"));
    RIG_TRY(read_uint(env, "RIG_MAX_SUBSCRIPTION_BYTES", o.transport.max_subscription_bytes, 1024,
                      1ULL << 30, "expected a size in bytes (at least 1024)"));
    RIG_TRY(read_uint(env, "RIG_MAX_BATCH_EVENTS", o.max_batch_events, 1, 1'000'000,
                      "expected an event count (1-1000000)"));
    RIG_TRY(read_uint(env, "RIG_DASHBOARD_MAX_STREAMS", o.dashboard_max_streams, 1, 10'000,
                      "expected a stream count (1-10000)"));
    RIG_TRY(read_uint(env, "RIG_HISTORY_SIZE", o.history.max_events, 0, 100'000'000,
                      "expected an event count (0 turns history off)"));
    {
        uint64_t ttl = static_cast<uint64_t>(o.history.ttl.count());
        RIG_TRY(
            read_uint(env, "RIG_HISTORY_TTL_S", ttl, 1, 86'400 * 7, "expected seconds (1-604800)"));
        o.history.ttl = std::chrono::seconds(ttl);
    }
    RIG_TRY(read_uint(env, "RIG_HISTORY_MAX_BYTES", o.history.max_bytes, 1024, 1ULL << 40,
                      "expected a size in bytes (at least 1024)"));
    RIG_TRY(read_uint(env, "RIG_LONGPOLL_BUFFER", o.transport.longpoll_buffer, 1, 100'000,
                      "expected an event count (1-100000)"));
    RIG_TRY(read_ms(env, "RIG_HEARTBEAT_INTERVAL_MS", o.transport.heartbeat_interval, 100));
    RIG_TRY(read_ms(env, "RIG_LONGPOLL_HOLD_MS", o.transport.longpoll_hold, 0));
    RIG_TRY(read_ms(env, "RIG_LONGPOLL_SESSION_TTL_MS", o.transport.longpoll_session_ttl, 1000));
    RIG_TRY(read_ms(env, "RIG_HTTP_IDLE_TIMEOUT_MS", o.http.idle_timeout, 100));
    RIG_TRY(read_ms(env, "RIG_TLS_HANDSHAKE_TIMEOUT_MS", o.http.handshake_timeout, 100));
    RIG_TRY(read_uint(env, "RIG_H2_MAX_STREAMS", o.http.h2_max_streams, 1, 100'000,
                      "expected a stream count (1-100000)"));
    RIG_TRY(read_bool(env, "RIG_H2C", o.http.h2c));
    RIG_TRY(read_ms(env, "RIG_DRAIN_TIMEOUT_MS", o.drain_timeout, 0));
#undef RIG_TRY

    if (auto v = env("RIG_BIND_ADDRESS"); v && !trim(*v).empty()) {
        o.bind_address = trim(*v);
    }
    if (auto v = env("RIG_API_BIND_ADDRESS"); v && !trim(*v).empty()) {
        o.api_bind_address = trim(*v);
    }
    if (auto v = env("CORS"); v && !v->empty()) {
        if (v->find_first_of("\r\n") != std::string::npos) {
            return bad("CORS", "expected a header value without line breaks", *v);
        }
        o.transport.cors_origin = trim(*v);
    }
    if (auto v = env("LOG_LEVEL"); v && !trim(*v).empty()) {
        const std::string l = lower(trim(*v));
        if (l == "debug") {
            o.log_level = log::level::debug;
        } else if (l == "info") {
            o.log_level = log::level::info;
        } else if (l == "warn" || l == "warning") {
            o.log_level = log::level::warn;
        } else if (l == "error") {
            o.log_level = log::level::error;
        } else {
            return bad("LOG_LEVEL", "expected debug, info, warn or error", *v);
        }
    }
    if (auto v = env("LOG_FMT"); v && !trim(*v).empty()) {
        const auto f = parse_log_format(*v);
        if (!f) {
            return bad("LOG_FMT", "expected erlang, json or gcl", *v);
        }
        o.log_format = *f;
    }
    if (auto v = env("NODE_COOKIE"); v && !v->empty()) {
        o.node_cookie = *v;
    }
    if (auto v = env("RIG_CLUSTER_NATS"); v && !trim(*v).empty()) {
        if (o.node_cookie.empty()) {
            return bad("RIG_CLUSTER_NATS",
                       "a cluster needs NODE_COOKIE, the same on every node (it keys the "
                       "connection tokens every node must read)",
                       *v);
        }
        cluster::cluster_options c;
        for (auto server : split_list(*v)) {
            c.servers.push_back(server.find("://") == std::string::npos ? "nats://" + server
                                                                        : server);
        }
        if (auto id = env("RIG_NODE_ID"); id && !trim(*id).empty()) {
            c.node_id = trim(*id);
        } else {
            char host[256] = {0};
            ::gethostname(host, sizeof host - 1);
            c.node_id = fmt::format("{}-{}-{:06x}", host, static_cast<long>(::getpid()),
                                    core::random_u64() & 0xffffff);
        }
        RIG_TRY2(read_ms(env, "RIG_CLUSTER_TIMEOUT_MS", c.timeout, 1));
        if (auto prefix = env("RIG_CLUSTER_PREFIX"); prefix && !trim(*prefix).empty()) {
            c.prefix = trim(*prefix);
        }
        const bool prefix_ok = !c.prefix.empty() && c.prefix.front() != '.' &&
                               c.prefix.back() != '.' && c.prefix.find("..") == std::string::npos &&
                               std::all_of(c.prefix.begin(), c.prefix.end(), [](char ch) {
                                   return std::isalnum(static_cast<unsigned char>(ch)) ||
                                          ch == '.' || ch == '-' || ch == '_';
                               });
        if (!prefix_ok) {
            return bad("RIG_CLUSTER_PREFIX",
                       "expected NATS subject tokens (letters, digits, - and _) joined by dots",
                       c.prefix);
        }
        o.cluster = std::move(c);
    }
    if (auto v = env("RIG_READY_FILE"); v && !v->empty()) {
        o.ready_file = *v;
    }

    if (auto v = env("EXTRACTORS"); v && !trim(*v).empty()) {
        const auto text = core::json_setting_text(trim(*v));
        if (!text) {
            return bad("EXTRACTORS", "expected JSON or the path of a readable JSON file", *v);
        }
        auto ex = subscription::extractors::parse(*text);
        if (!ex) {
            return core::bad_request("EXTRACTORS: " + ex.error().message);
        }
        o.extractors = std::move(*ex);
    }
    if (auto v = env("RIG_CONFLATION_KEY"); v && !trim(*v).empty()) {
        if (!subscription::is_json_pointer(trim(*v))) {
            return bad("RIG_CONFLATION_KEY",
                       "expected a JSON pointer such as /data/id (empty turns conflation off)", *v);
        }
        o.extractors.set_conflation_pointer(trim(*v));
    }

    const auto key = env("JWT_SECRET_KEY");
    const auto alg = env("JWT_ALG");
    if (auto v = env("RIG_JWKS_URL"); v && !trim(*v).empty()) {
        o.jwks_url = trim(*v);
        if (!o.jwks_url.starts_with("http://") && !o.jwks_url.starts_with("https://")) {
            return bad("RIG_JWKS_URL", "expected an http:// or https:// URL", *v);
        }
        o.jwt_algorithm = "RS256";
    }
    uint64_t leeway = 0, refresh = 300;
    RIG_TRY2(read_uint(env, "RIG_JWT_LEEWAY_S", leeway, 0, 3600, "expected seconds (0-3600)"));
    RIG_TRY2(
        read_uint(env, "RIG_JWKS_REFRESH_S", refresh, 10, 86400, "expected seconds (10-86400)"));
    o.jwt_leeway = std::chrono::seconds(leeway);
    o.jwks_refresh = std::chrono::seconds(refresh);
    if (alg && !trim(*alg).empty()) {
        o.jwt_algorithm = trim(*alg);
    }
    auth::jwt_options j;
    j.algorithm = o.jwt_algorithm;
    j.leeway = o.jwt_leeway;
    if (key && !key->empty()) {
        j.key = *key;
        // Accept PEM keys given on one line with literal "\n" (common in env files).
        if (j.key.find("-----BEGIN") != std::string::npos &&
            j.key.find('\n') == std::string::npos) {
            std::string fixed;
            for (std::size_t i = 0; i < j.key.size(); ++i) {
                if (j.key[i] == '\\' && i + 1 < j.key.size() && j.key[i + 1] == 'n') {
                    fixed += '\n';
                    ++i;
                } else {
                    fixed += j.key[i];
                }
            }
            j.key = std::move(fixed);
        }
    }
    // Validate the algorithm on its own first, so that the error names the right variable.
    if (auto probe = auth::jwt_verifier::create({j.algorithm, "probe", {}});
        !probe && probe.error().message.starts_with("unsupported")) {
        return bad("JWT_ALG", probe.error().message, j.algorithm);
    }
    if (!o.jwks_url.empty()) {
        if (auto v = auth::jwt_verifier::create_for_key_set(j.algorithm, j.leeway); !v) {
            return bad("JWT_ALG", v.error().message, j.algorithm);
        }
        if (!j.key.empty()) {
            return core::bad_request(
                "JWT_SECRET_KEY: set either JWT_SECRET_KEY or RIG_JWKS_URL, not both");
        }
    } else if (!j.key.empty()) {
        if (auto verifier = auth::jwt_verifier::create(j); !verifier) {
            return core::bad_request("JWT_SECRET_KEY: " + verifier.error().message + " for " +
                                     j.algorithm);
        }
        o.jwt = std::move(j);
    }

    if (auto v = env("JWT_SESSION_FIELD"); v && !trim(*v).empty()) {
        o.session_field = trim(*v);
        if (o.session_field.front() != '/') {
            return bad("JWT_SESSION_FIELD", "expected a JSON pointer such as /jti", *v);
        }
    }
    uint64_t check_timeout = 5000;
    RIG_TRY2(read_uint(env, "RIG_CHECK_TIMEOUT_MS", check_timeout, 1, 600000,
                       "expected a duration in milliseconds"));
    for (auto [name, target] : {std::pair{"SUBSCRIPTION_CHECK", &o.subscription_check},
                                std::pair{"SUBMISSION_CHECK", &o.submission_check}}) {
        target->timeout = std::chrono::milliseconds(check_timeout);
        const auto v = env(name);
        const std::string value = v ? trim(*v) : std::string();
        const std::string l = lower(value);
        if (l.empty() || l == "no_check") {
            target->kind = checks::check_options::mode::no_check;
        } else if (l == "jwt_validation") {
            target->kind = checks::check_options::mode::jwt_validation;
        } else if (l.starts_with("http://") || l.starts_with("https://")) {
            if (auto url = http::parse_outbound_url(value); !url) {
                return bad(name, url.error().message, value);
            }
            target->kind = checks::check_options::mode::url;
            target->url = value;
        } else {
            return bad(name, "expected no_check, jwt_validation or an http:// or https:// URL",
                       value);
        }
    }
    if (auto v = env("RIG_TLS_CA_FILE"); v && !trim(*v).empty()) {
        o.tls_ca_file = trim(*v);
        // Loaded here once only to refuse a bad file at start-up; app loads it for use.
        if (auto tls = http::make_client_tls(o.tls_ca_file); !tls) {
            return core::bad_request("RIG_TLS_CA_FILE: " + tls.error().message);
        }
    }
    if (auto v = env("RIG_API_KEY"); v && !v->empty()) {
        o.api_key = trim(*v);
    }

    // --- event sources ---
    const auto value = [&](const char* name, const char* fallback) {
        auto v = env(name);
        return v && !trim(*v).empty() ? trim(*v) : std::string(fallback);
    };
    RIG_TRY2(read_uint(env, "RIG_SOURCE_BATCH_WINDOW", o.source_batch_window, 1, 100'000,
                       "expected a number of batches (1-100000)"));
    if (auto brokers = env("KAFKA_BROKERS"); brokers && !trim(*brokers).empty()) {
        sources::kafka_options k;
        k.brokers = trim(*brokers);
        k.topics = split_list(value("KAFKA_SOURCE_TOPICS", "rig"));
        k.group_id = value("KAFKATOFILTER_KAFKA_GROUP_ID", "rig-kafka-to-filter");
        if (auto sasl = env("KAFKA_SASL"); sasl && !trim(*sasl).empty()) {
            const std::string raw = trim(*sasl);
            const auto c1 = raw.find(':');
            const auto c2 = c1 == std::string::npos ? c1 : raw.find(':', c1 + 1);
            const std::string mech = lower(raw.substr(0, c1));
            if (c2 == std::string::npos ||
                (mech != "plain" && mech != "scram-sha-256" && mech != "scram-sha-512")) {
                return bad("KAFKA_SASL",
                           "expected plain:USER:PASSWORD (or scram-sha-256:..., scram-sha-512:...)",
                           "<hidden>");
            }
            k.sasl_mechanism = mech;
            k.sasl_user = raw.substr(c1 + 1, c2 - c1 - 1);
            k.sasl_password = raw.substr(c2 + 1);
        }
        const auto ssl = parse_bool(value("KAFKA_SSL_ENABLED", "false"));
        if (!ssl) {
            return bad("KAFKA_SSL_ENABLED", "expected true or false",
                       value("KAFKA_SSL_ENABLED", ""));
        }
        k.ssl = *ssl;
        if (k.ssl) {
            k.ssl_ca_file = value("KAFKA_SSL_CA_CERTFILE", "ca.crt.pem");
            k.ssl_cert_file = value("KAFKA_SSL_CERTFILE", "client.crt.pem");
            k.ssl_key_file = value("KAFKA_SSL_KEYFILE", "client.key.pem");
            k.ssl_key_password = value("KAFKA_SSL_KEYFILE_PASS", "");
        }
        RIG_TRY2(read_ms(env, "KAFKA_RESTART_DELAY_MS", k.restart_delay, 0));
        const std::string reset = lower(value("RIG_KAFKA_OFFSET_RESET", "latest"));
        if (reset != "latest" && reset != "earliest") {
            return bad("RIG_KAFKA_OFFSET_RESET", "expected latest or earliest",
                       value("RIG_KAFKA_OFFSET_RESET", ""));
        }
        k.from_earliest = reset == "earliest";
        RIG_TRY2(read_uint(env, "RIG_KAFKA_PREFETCH_MB", k.prefetch_mb, 1, 2047,
                           "expected megabytes (1-2047)"));
        o.kafka = std::move(k);
    }
    if (auto servers = env("NATS_SERVERS"); servers && !trim(*servers).empty()) {
        sources::nats_options n;
        for (auto s2 : split_list(*servers)) {
            n.servers.push_back(s2.find("://") == std::string::npos ? "nats://" + s2 : s2);
        }
        n.topics = split_list(value("NATS_SOURCE_TOPICS", "rig"));
        n.queue_group = value("NATSTOFILTER_QUEUE_GROUP", "rig-nats-to-filter");
        o.nats = std::move(n);
    }
    const auto kinesis_enabled = parse_bool(value("KINESIS_ENABLED", "false"));
    if (!kinesis_enabled) {
        return bad("KINESIS_ENABLED", "expected true or false", value("KINESIS_ENABLED", ""));
    }
    if (*kinesis_enabled) {
        sources::kinesis_options k;
        k.stream = value("KINESIS_STREAM", "RIG-outbound");
        k.region = value("KINESIS_AWS_REGION", "eu-west-1");
        k.endpoint = value("KINESIS_ENDPOINT", "");
        k.access_key = value("AWS_ACCESS_KEY_ID", "");
        k.secret_key = value("AWS_SECRET_ACCESS_KEY", "");
        k.session_token = value("AWS_SESSION_TOKEN", "");
        if (k.access_key.empty() || k.secret_key.empty()) {
            const std::string home = value("HOME", "");
            const auto creds = aws_credentials(
                value("AWS_SHARED_CREDENTIALS_FILE", (home + "/.aws/credentials").c_str()),
                value("AWS_PROFILE", "default"));
            if (auto it = creds.find("aws_access_key_id"); it != creds.end()) {
                k.access_key = it->second;
            }
            if (auto it = creds.find("aws_secret_access_key"); it != creds.end()) {
                k.secret_key = it->second;
            }
            if (auto it = creds.find("aws_session_token"); it != creds.end()) {
                k.session_token = it->second;
            }
        }
        if (k.access_key.empty() || k.secret_key.empty()) {
            return core::bad_request(
                "KINESIS_ENABLED: no AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                "or ~/.aws/credentials)");
        }
        const std::string position = lower(value("RIG_KINESIS_ITERATOR", "latest"));
        if (position != "latest" && position != "trim_horizon") {
            return bad("RIG_KINESIS_ITERATOR", "expected LATEST or TRIM_HORIZON",
                       value("RIG_KINESIS_ITERATOR", ""));
        }
        k.from_start = position == "trim_horizon";
        RIG_TRY2(read_ms(env, "RIG_KINESIS_POLL_MS", k.poll_interval, 200));
        o.kinesis = std::move(k);
    }
    RIG_TRY2(read_proxy(env, o));
    RIG_TRY2(tracing::read_tracing_options(env, o.tracing));
    RIG_TRY2(admin::parse_metrics_options(env, o.metrics));
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
