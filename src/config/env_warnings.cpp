#include "config/env_warnings.hpp"

#include <algorithm>
#include <array>
#include <numeric>

#include "config/settings_help.hpp"

extern char** environ;  // POSIX: the process environment

namespace rig::config {
namespace {

// RIG variables (spec §12) that rig recognises but does not act on, with why. A name that
// the settings table also lists (because a module implements it since) is not warned about:
// the table wins, so implementing a setting silences its line here without touching this list.
struct unimplemented {
    std::string_view name;
    std::string_view why;
};
constexpr auto unimplemented_table = std::to_array<unimplemented>({
    {"HOST", "Phoenix's URL host; rig's Forwarded by= is the listener's own address"},
    {"KINESIS_APP_NAME",
     "rig reads every shard itself; there is no Kinesis client library lease table yet"},
    {"KINESIS_DYNAMODB_ENDPOINT",
     "rig reads every shard itself; there is no Kinesis client library lease table yet"},
    {"KINESIS_CLIENT_JAR", "rig consumes Kinesis natively, without the Java sidecar"},
    {"KINESIS_OTP_JAR", "rig consumes Kinesis natively, without the Java sidecar"},
    {"KINESIS_LOG_LEVEL", "rig consumes Kinesis natively, without the Java sidecar; see LOG_LEVEL"},
    {"DISCOVERY_TYPE", "rig clusters over NATS: set RIG_CLUSTER_NATS"},
    {"DNS_NAME", "rig clusters over NATS: set RIG_CLUSTER_NATS"},
    {"NODE_HOST", "rig clusters over NATS: set RIG_CLUSTER_NATS (RIG_NODE_ID names the node)"},
    // JAEGER_HOST is read by the tracing settings, which warn about it themselves.
    {"JAEGER_PORT", "the Jaeger agent protocol is not supported: point ZIPKIN_ADDR at Jaeger"},
    {"JAEGER_SERVICE_NAME", "spans are exported to ZIPKIN_ADDR as ZIPKIN_SERVICE_NAME"},
    // Gone from RIG itself; someone upgrading may still set them.
    {"PROXY_KAFKA_REQUEST_AVRO", "removed in RIG 3.0"},
    {"PROXY_KAFKA_REQUEST_TOPIC", "removed in RIG 3.0 (the topic is per endpoint)"},
    {"PROXY_KINESIS_REQUEST_STREAM", "removed in RIG 3.0 (the stream is per endpoint)"},
    {"JWT_BLACKLIST_DEFAULT_EXPIRY_HOURS", "removed in RIG 2.3"},
    {"KAFKA_GROUP_ID", "replaced in RIG 2.2 by KAFKATOFILTER_KAFKA_GROUP_ID"},
    {"KAFKATOHTTP_KAFKA_GROUP_ID", "removed in RIG 3.0 with the firehose"},
    {"JWT_USER_FIELD", "removed from RIG before 3.0"},
});

// Variables that are set legitimately around rig and are not its settings, so that no start
// warns about them: the e2e harness's and ctest's (tests/CMakeLists.txt, tests/e2e/*.py pass
// their whole environment to the rig they start).
constexpr auto ignored_names = std::to_array<std::string_view>({
    "RIG_BINARY",          // e2e: the binary under test
    "RIG_BENCH_BINARY",    // e2e: the load generator
    "RIG_KAFKA_MOCK",      // e2e: the Kafka mock cluster
    "RIG_KINESALITE_DIR",  // e2e: the Kinesis emulator
    "RIG_BUILD_DIR",       // e2e: where screenshots and packages go
    "RIG_NATS_SERVER",     // e2e: a nats-server other than the one on PATH
});
constexpr auto ignored_prefixes = std::to_array<std::string_view>({
    "RIG_TEST_",  // test harnesses (RIG_TEST_TIMEOUT, variables a test's proxy config names)
});

// Prefixes of rig's and RIG's settings: a variable starting with one is meant for rig, so a
// name that matches nothing is most likely misspelt. Generic prefixes that other software
// uses too (NODE_, AWS_, API_) are left out.
constexpr auto setting_prefixes = std::to_array<std::string_view>({
    "RIG_",        "KAFKA_",        "KAFKATOFILTER_",
    "NATS_",       "NATSTOFILTER_", "KINESIS_",
    "PROXY_",      "JWT_",          "CORS",
    "HTTPS_",      "INBOUND_",      "API_HTTP",
    "LOG_",        "JAEGER_",       "ZIPKIN_",
    "PROMETHEUS_", "SUBSCRIPTION_", "SUBMISSION_",
    "EXTRACTOR",   "REQUEST_LOG",   "MAX_CONNECTIONS",
});

bool starts_with_any(std::string_view name, std::span<const std::string_view> prefixes) {
    return std::any_of(prefixes.begin(), prefixes.end(),
                       [&](std::string_view p) { return name.starts_with(p); });
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    std::iota(row.begin(), row.end(), 0);
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::vector<std::string> environment_warnings(std::span<const env_var> vars,
                                              std::span<const std::string> extra_known) {
    std::vector<std::string_view> known;
    for (const auto& s : settings()) {
        known.push_back(s.name);
    }
    const auto is_known = [&](std::string_view name) {
        return std::find(known.begin(), known.end(), name) != known.end() ||
               std::find(extra_known.begin(), extra_known.end(), name) != extra_known.end();
    };
    std::vector<std::string> lines;
    for (const auto& var : vars) {
        // Not a structured binding: the lambdas below capture `name`, which clang 14 (the
        // TSan and fuzz builds) does not allow for a binding.
        const auto& name = var.first;
        const auto& value = var.second;
        if (is_known(name) ||
            std::find(std::begin(ignored_names), std::end(ignored_names), name) !=
                std::end(ignored_names) ||
            starts_with_any(name, ignored_prefixes)) {
            continue;
        }
        const auto* gap =
            std::find_if(std::begin(unimplemented_table), std::end(unimplemented_table),
                         [&](const unimplemented& u) { return u.name == name; });
        if (gap != std::end(unimplemented_table)) {
            if (!value.empty()) {
                lines.push_back(name + " is set, but rig does not implement it (" +
                                std::string(gap->why) + "); it has no effect");
            }
            continue;
        }
        if (!starts_with_any(name, setting_prefixes)) {
            continue;
        }
        // The closest known or recognised name, if it is only a slip away: at most 2 edits,
        // and fewer than a third of the name (short names are all close to each other).
        std::string_view best;
        std::size_t best_distance = SIZE_MAX;
        const auto consider = [&](std::string_view candidate) {
            const std::size_t d = edit_distance(name, candidate);
            if (d < best_distance) {
                best_distance = d;
                best = candidate;
            }
        };
        std::for_each(known.begin(), known.end(), consider);
        for (const auto& u : unimplemented_table) {
            consider(u.name);
        }
        // RIG_LOG_LEVEL for LOG_LEVEL: RIG's names with rig's prefix in front.
        if (name.starts_with("RIG_") && is_known(std::string_view(name).substr(4))) {
            best = std::string_view(name).substr(4);
            best_distance = 0;
        }
        std::string line = name + " is not a rig setting";
        if (best_distance <= 2 && best_distance * 3 < name.size()) {
            line += " (did you mean " + std::string(best) + "?)";
        }
        lines.push_back(line + "; it is ignored");
    }
    return lines;
}

std::vector<env_var> process_environment() {
    std::vector<env_var> out;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string_view entry(*e);
        const auto eq = entry.find('=');
        if (eq != std::string_view::npos) {
            out.emplace_back(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
        }
    }
    std::sort(out.begin(), out.end());  // a stable order for the lines
    return out;
}

std::vector<std::string> referenced_variables(const node_options& options) {
    std::vector<std::string> out;
    for (const auto& api : options.proxy.apis) {
        if (api.proxy.use_env) {
            out.push_back(api.proxy.target_url);
        }
    }
    return out;
}

}  // namespace rig::config
