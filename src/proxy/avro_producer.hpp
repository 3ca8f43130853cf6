#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "avro_codec/avro_schema.hpp"
#include "avro_codec/schema_registry.hpp"
#include "core/error.hpp"
#include "proxy/kafka_producer.hpp"
#include "proxy/produce_counters.hpp"

namespace rig::proxy {

// A CloudEvent as a Kafka message in binary mode with Avro data (spec §8.8): every attribute but
// `data` becomes a header `ce_<name>` (strings as they are, other values as JSON), the content
// type attribute (contenttype, datacontenttype or contentType) says avro/binary, a header
// `content-type: avro/binary` is added, and the body is `data` encoded with `schema` in
// Confluent's wire format (magic byte, schema id, datum).
struct avro_message {
    std::string value;
    std::vector<std::pair<std::string, std::string>> headers;
};
core::result<avro_message> make_avro_message(std::string_view event_json,
                                             const avro_codec::avro_schema& schema,
                                             int32_t schema_id);

// Produces events to Kafka with their data in Avro (KAFKA_SERIALIZER=avro): the API gateway's
// kafka targets with a `schema` subject and the request logger with KAFKA_LOG_SCHEMA. The
// subject's latest schema comes from the schema registry, which may block, so the shards only
// queue the event here; a thread of its own looks the schema up (cached after the first time),
// encodes and hands the message to the node's kafka_producer. A queue over `queue_limit`, a
// registry that is unavailable or does not know the subject, and data that does not fit the
// schema each count the message as a failed produce for its topic (the client was already
// answered 202, as for any produce failure, spec §8.8), logged rate-limited.
//
// @par Thread safety
// produce() may be called from any thread, concurrently.
//
// Lifetime: `producer`, `registry` and `counters` must outlive it. The destructor stops the
// thread after the queue is drained.
class avro_producer {
public:
    avro_producer(kafka_producer& producer, avro_codec::schema_registry& registry,
                  produce_counters& counters, std::size_t queue_limit = 10'000);
    ~avro_producer();
    avro_producer(const avro_producer&) = delete;
    avro_producer& operator=(const avro_producer&) = delete;

    // Queues `event_json` (a CloudEvent) for `topic`, its data to be encoded with the latest
    // schema of `subject`. Never blocks; false (counted as failed) when the queue is full.
    bool produce(std::string_view topic, std::string_view key, std::string_view event_json,
                 std::string_view subject);

private:
    struct job {
        std::string topic, key, event, subject;
    };
    void run();
    void send(const job& j);

    kafka_producer& producer_;
    avro_codec::schema_registry& registry_;
    produce_counters& counters_;
    std::size_t queue_limit_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<job> queue_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace rig::proxy
