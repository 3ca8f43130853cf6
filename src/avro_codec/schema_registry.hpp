#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "avro_codec/avro_schema.hpp"

namespace rig::avro_codec {

struct schema_registry_options {
    std::string url;  // KAFKA_SCHEMA_REGISTRY_HOST, with http:// prepended when it has no scheme
    std::chrono::milliseconds timeout{5'000};       // KAFKA_SCHEMA_REGISTRY_TIMEOUT_MS, per request
    std::chrono::milliseconds backoff_max{30'000};  // KAFKA_SCHEMA_REGISTRY_BACKOFF_MAX_MS
};

// `host:port` or a URL; http:// is assumed when no scheme is given (spec §3.4).
std::string registry_url(std::string_view host);

// A Confluent schema registry client (libcurl, blocking) with a cache. Schemas are fetched by id
// (GET /schemas/ids/{id}, for consuming) and by subject (GET /subjects/{s}/versions/latest, for
// producing), each once: a fetched schema is kept for the life of the process, and so is an id
// the registry answered 404 for (never asked again). When the registry cannot be reached (or
// answers 5xx or garbage), lookups of schemas not yet cached fail at once without a request until
// a back-off has passed (0.5 s, doubling up to `backoff_max`, which also caps the first); the next
// lookup after that asks again, and a success ends the back-off.
//
// @par Thread safety
// Any thread, concurrently, but lookups block for up to `timeout`: call them only from threads
// that may block (the Kafka consumer's thread, the Avro producer's thread), never from a shard.
// One mutex guards the cache; requests are made outside it.
//
// Bounds: the cache grows with the distinct ids and subjects seen (a topic's schemas).
class schema_registry {
public:
    explicit schema_registry(schema_registry_options options);

    enum class status { ok, not_found, unavailable };

    struct lookup {
        status result = status::unavailable;
        std::shared_ptr<const avro_schema> schema;  // set when ok
        int32_t id = 0;                             // the schema's registry id
    };

    lookup by_id(int32_t id);
    lookup latest(std::string_view subject);

    // Counters for the metrics (monotonic).
    struct counters {
        std::atomic<uint64_t> fetched{0};      // schemas fetched and cached
        std::atomic<uint64_t> not_found{0};    // 404 answers
        std::atomic<uint64_t> unavailable{0};  // failed requests and lookups refused in back-off
    };
    const counters& stats() const { return stats_; }

private:
    struct answer {
        long http_status = 0;  // 0: no answer
        std::string body;
        std::string error;
    };
    answer get(const std::string& path) const;
    // Turns a registry answer into a lookup, recording back-off; `what` names it in logs.
    lookup settle(const answer& a, const std::string& what, bool want_id);
    bool in_backoff();

    schema_registry_options options_;
    counters stats_;
    std::mutex mutex_;
    std::map<int32_t, std::shared_ptr<const avro_schema>> by_id_;
    std::set<int32_t> missing_ids_;
    std::map<std::string, lookup, std::less<>> by_subject_;
    std::chrono::steady_clock::time_point retry_at_{};
    std::chrono::milliseconds backoff_{0};
};

// rig_schema_registry_lookups_total{result="fetched|not_found|unavailable"}: schemas fetched,
// 404 answers, and failed or back-off-refused requests; HELP and TYPE lines included.
std::string render_registry_metrics(const schema_registry& registry);

}  // namespace rig::avro_codec
