#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "avro_codec/schema_registry.hpp"
#include "sources/ingest.hpp"
#include "sources/kafka_options.hpp"
#include "sources/source_status.hpp"

struct rd_kafka_s;  // librdkafka's rd_kafka_t

namespace rig::sources {

// Consumes CloudEvents from Kafka topics (librdkafka) on a thread of its own and hands them
// to the ingest. Structured and binary mode of the CloudEvents Kafka binding (`ce_` headers),
// versions 0.1 to 1.0. A new consumer group starts at the latest offset; offsets are committed
// automatically once a message has been handed over. Unparseable messages are logged
// (rate-limited), counted and skipped. librdkafka reconnects to brokers by itself; if the
// consumer cannot be created, it is retried after `restart_delay`. Avro messages (spec §3.4,
// sources/kafka_avro.hpp) are decoded through `registry` (null: none configured, and they are
// counted as failed), on this thread: while the registry is asked, consumption waits.
//
// Lifetime: stops and joins its thread, and closes the consumer, in the destructor. `registry`
// must outlive the source.
class kafka_source {
public:
    kafka_source(kafka_options options, const ingest& sink, source_status& status,
                 avro_codec::schema_registry* registry = nullptr);
    ~kafka_source();
    kafka_source(const kafka_source&) = delete;
    kafka_source& operator=(const kafka_source&) = delete;

private:
    class batch_taker;

    void run();
    // Reads from one started consumer until stop, probing the cluster now and then.
    void consume(rd_kafka_s* consumer);

    kafka_options options_;
    const ingest& sink_;
    source_status& status_;
    avro_codec::schema_registry* registry_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace rig::sources
