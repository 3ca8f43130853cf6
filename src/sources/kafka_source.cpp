#include "sources/kafka_source.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <map>
#include <memory>
#include <unordered_map>

#include "cloudevents/parse.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/thread_name.hpp"
#include "kafka/client_setup.hpp"
#include "sources/kafka_avro.hpp"

namespace rig::sources {
namespace {

log::rate_limited bad_message_log{5};

using kafka::consumer_ptr;
using kafka::message_ptr;
using kafka::set;

void on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto* status = static_cast<source_status*>(opaque);
    const auto code = static_cast<rd_kafka_resp_err_t>(err);
    if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || code == RD_KAFKA_RESP_ERR__TRANSPORT ||
        code == RD_KAFKA_RESP_ERR__RESOLVE) {
        status->set_connected(false, reason);
    }
    bad_message_log.info_with({{"event", "source_error"}, {"source", "kafka"}}, "kafka: {}: {}",
                              rd_kafka_err2name(code), reason);
}

void on_log(const rd_kafka_t*, int level, const char* facility, const char* message) {
    // librdkafka's own log lines (broker connection failures etc.), through rig's logger and
    // its rate limit: a broker that is down would otherwise print every few hundred ms.
    if (level <= 4) {
        bad_message_log.info_with({{"event", "source_error"}, {"source", "kafka"}}, "kafka: {}: {}",
                                  facility, message);
    }
}

void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                  rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* status = static_cast<source_status*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        rd_kafka_assign(rk, partitions);
        status->set_assigned(partitions->cnt);
        log::info("kafka: assigned {} partition(s)", partitions->cnt);
    } else {
        rd_kafka_assign(rk, nullptr);
        status->set_assigned(0);
    }
}

// Per topic, how many messages the assigned partitions hold beyond this consumer's position:
// from librdkafka's cached high watermarks (updated by every fetch), no broker round trip.
// A partition nothing was consumed from yet counts 0.
void update_lag(rd_kafka_t* rk, source_status& status) {
    rd_kafka_topic_partition_list_t* parts = nullptr;
    if (rd_kafka_assignment(rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR || parts == nullptr) {
        return;
    }
    std::unique_ptr<rd_kafka_topic_partition_list_t,
                    decltype(&rd_kafka_topic_partition_list_destroy)>
        owned(parts, rd_kafka_topic_partition_list_destroy);
    if (rd_kafka_position(rk, parts) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return;
    }
    std::map<std::string, int64_t, std::less<>> lag;
    for (int i = 0; i < parts->cnt; ++i) {
        const rd_kafka_topic_partition_t& p = parts->elems[i];
        int64_t& behind = lag[p.topic];
        int64_t low = 0, high = 0;
        if (p.offset >= 0 &&
            rd_kafka_get_watermark_offsets(rk, p.topic, p.partition, &low, &high) ==
                RD_KAFKA_RESP_ERR_NO_ERROR &&
            high > p.offset) {
            behind += high - p.offset;
        }
    }
    for (const auto& [topic, behind] : lag) {
        status.counter(topic).lag.store(behind, std::memory_order_relaxed);
    }
}

consumer_ptr create_consumer(const kafka_options& o, source_status& status, std::string& err) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    bool ok = set(conf, "group.id", o.group_id, err) &&
              set(conf, "auto.offset.reset", o.from_earliest ? "earliest" : "latest", err) &&
              set(conf, "enable.auto.commit", "true", err) &&
              // Offsets are stored once per partition per batch (batch_taker::take), after the
              // batch's events were handed to the shards: librdkafka would otherwise store each
              // message's offset as it hands it out, a lock per message.
              set(conf, "enable.auto.offset.store", "false", err) &&
              set(conf, "enable.partition.eof", "false", err) &&
              set(conf, "client.id", "rig", err) &&
              set(conf, "reconnect.backoff.max.ms", "2000", err) &&
              set(conf, "fetch.wait.max.ms", "100", err) &&
              // librdkafka 2.0 stops fetching once its queue is over either limit and looks again
              // only about a second later. With its defaults (100,000 messages, 64 MB) a consumer
              // catching up on a backlog drained the queue in a fraction of that second and then
              // idled: 150k events/s instead of 650k (docs/benchmarks.md). The buffer must hold
              // more than a second of consumption; it fills only while rig lags behind the brokers.
              set(conf, "queued.min.messages", "1000000", err) &&
              set(conf, "queued.max.messages.kbytes", std::to_string(o.prefetch_mb * 1024), err) &&
              // One fetch response is read into one buffer. librdkafka's default allows 50 MB,
              // which the allocator maps fresh and returns per response: a page fault per
              // 4 KiB received, ~6% of rig's CPU per event catching up on a backlog. Buffers
              // of a few MB are reused (docs/benchmarks.md §14).
              set(conf, "fetch.max.bytes", std::to_string(o.fetch_max_mb * 1024 * 1024), err);
    ok = ok && kafka::set_client(conf, o.connection(), err);
    if (!ok) {
        rd_kafka_conf_destroy(conf);
        return nullptr;
    }
    rd_kafka_conf_set_opaque(conf, &status);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_log_cb(conf, on_log);
    return kafka::start_consumer(conf, o.topics, err);
}

// `now`: the time stamped into events that carry none (the batch's, taken once for all of its
// messages). `headers`: scratch space, reused from message to message.
void handle(const rd_kafka_message_t& m, ingest::batch& batch,
            source_status::topic_counter& counter, avro_codec::schema_registry* registry,
            std::string_view now, std::vector<cloudevents::message_header>& headers) {
    headers.clear();
    kafka::for_each_header(m, [&headers](std::string_view name, std::string_view value) {
        headers.push_back({name, value});
    });
    const std::string_view body(static_cast<const char*>(m.payload), m.payload ? m.len : 0);
    const avro_mode avro = avro_mode_of(headers, body);
    auto parsed = avro == avro_mode::none
                      ? cloudevents::parse_message(headers, cloudevents::binding::kafka, body, now)
                      : parse_avro_message(headers, body, avro, registry, now);
    if (!parsed) {
        counter.count_failure();
        bad_message_log.info_with({{"event", "bad_message"},
                                   {"source", "kafka"},
                                   {"topic", rd_kafka_topic_name(m.rkt)},
                                   {"partition", m.partition},
                                   {"offset", m.offset}},
                                  "kafka: skipping a message on {} [{}] at offset {}: {}",
                                  rd_kafka_topic_name(m.rkt), m.partition, m.offset,
                                  parsed.error().message);
        return;
    }
    batch.sink().trace(*parsed, "kafka");
    batch.add(std::move(*parsed));
}

}  // namespace

// Takes a batch of messages from the consumer's queue and publishes their events together;
// each topic's messages are observed with the batch's time from consume to hand-off (two clock
// reads per batch, none per message).
class kafka_source::batch_taker {
public:
    batch_taker(const ingest& sink, source_status& status, avro_codec::schema_registry* registry)
        : status_(status), registry_(registry), batch_(sink) {}

    // Waits up to 200 ms for messages; returns how many it took (errors included).
    ssize_t take(rd_kafka_queue_t* queue) {
        const ssize_t n =
            rd_kafka_consume_batch_queue(queue, 200, messages_.data(), messages_.size());
        const auto consumed_at =
            n > 0 ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
        const std::string now = n > 0 ? core::rfc3339_now() : std::string();
        // The messages live until their offsets are stored (store_offsets uses their topics).
        held_.clear();
        for (ssize_t i = 0; i < n; ++i) {
            const message_ptr& m = held_.emplace_back(messages_[static_cast<std::size_t>(i)]);
            if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                auto& counter = counter_for(m->rkt);
                handle(*m, batch_, counter, registry_, now, headers_);
                count_in_batch(counter);
                consumed(*m);
            } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                bad_message_log.info_with({{"event", "source_error"}, {"source", "kafka"}},
                                          "kafka: consumer: {}", rd_kafka_message_errstr(m.get()));
            }
        }
        // Counted before the hand-off, as if one by one: whoever sees an event delivered
        // finds it counted.
        for (const auto& [counter, count] : in_batch_) {
            counter->count_consumed(count);
        }
        batch_.flush();
        store_offsets();
        held_.clear();
        if (!in_batch_.empty()) {
            const uint64_t us = micros_since(consumed_at);
            for (const auto& [counter, count] : in_batch_) {
                counter->processing.observe(us, count);
            }
            in_batch_.clear();
        }
        return n;
    }

private:
    // The last offset consumed from each partition the batch took messages from. A batch holds
    // runs of one partition's messages: the last entry is checked first.
    struct partition_offset {
        rd_kafka_topic_t* topic;
        int32_t partition;
        int64_t last;
    };
    void consumed(const rd_kafka_message_t& m) {
        if (offsets_.empty() || offsets_.back().topic != m.rkt ||
            offsets_.back().partition != m.partition) {
            const auto it = std::find_if(offsets_.begin(), offsets_.end(), [&](const auto& o) {
                return o.topic == m.rkt && o.partition == m.partition;
            });
            if (it == offsets_.end()) {
                offsets_.push_back({m.rkt, m.partition, m.offset});
                return;
            }
            std::swap(*it, offsets_.back());
        }
        offsets_.back().last = std::max(offsets_.back().last, m.offset);
    }
    // Stored for the next auto-commit (rd_kafka_offset_store stores the offset after `last`). A
    // partition revoked meanwhile refuses (its new owner starts from the last commit: at least
    // once, as before).
    void store_offsets() {
        for (const auto& o : offsets_) {
            rd_kafka_offset_store(o.topic, o.partition, o.last);
        }
        offsets_.clear();
    }

    // A batch holds runs of one topic's messages: the last topic's counter is asked first.
    source_status::topic_counter& counter_for(const rd_kafka_topic_t* topic) {
        if (topic == last_topic_) {
            return *last_counter_;
        }
        auto& counter = counters_[topic];
        if (counter == nullptr) {
            counter = &status_.counter(rd_kafka_topic_name(topic));
        }
        last_topic_ = topic;
        last_counter_ = counter;
        return *counter;
    }

    void count_in_batch(source_status::topic_counter& counter) {
        auto it = std::find_if(in_batch_.begin(), in_batch_.end(),
                               [&](const auto& p) { return p.first == &counter; });
        if (it == in_batch_.end()) {
            in_batch_.emplace_back(&counter, 1);
        } else {
            ++it->second;
        }
    }

    source_status& status_;
    avro_codec::schema_registry* registry_;
    std::vector<rd_kafka_message_t*> messages_ = std::vector<rd_kafka_message_t*>(1000);
    std::vector<cloudevents::message_header> headers_;
    std::vector<partition_offset> offsets_;
    std::vector<message_ptr> held_;
    std::unordered_map<const rd_kafka_topic_t*, source_status::topic_counter*> counters_;
    const rd_kafka_topic_t* last_topic_ = nullptr;
    source_status::topic_counter* last_counter_ = nullptr;
    ingest::batch batch_;
    std::vector<std::pair<source_status::topic_counter*, uint64_t>> in_batch_;
};

kafka_source::kafka_source(kafka_options options, const ingest& sink, source_status& status,
                           avro_codec::schema_registry* registry)
    : options_(std::move(options)), sink_(sink), status_(status), registry_(registry) {
    status_.set_assigned(0);
    thread_ = core::named_thread("rig-kafka-in", [this] { run(); });
}

kafka_source::~kafka_source() {
    stop_ = true;
    thread_.join();
}

void kafka_source::run() {
    while (!stop_) {
        std::string err;
        consumer_ptr consumer = create_consumer(options_, status_, err);
        if (!consumer) {
            log::error("kafka: cannot start the consumer: {}; retrying in {} ms", err,
                       options_.restart_delay.count());
            status_.set_connected(false, err);
            const auto until = std::chrono::steady_clock::now() + options_.restart_delay;
            while (!stop_ && std::chrono::steady_clock::now() < until) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            continue;
        }
        log::info("kafka: consuming {} topic(s) from {} as group {}", options_.topics.size(),
                  options_.brokers, options_.group_id);
        consume(consumer.get());
    }
}

void kafka_source::consume(rd_kafka_t* consumer) {
    auto next_probe = std::chrono::steady_clock::now();
    // Messages are taken in batches and their events published together: one post per
    // shard per batch rather than per event.
    std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)> queue(
        rd_kafka_queue_get_consumer(consumer), rd_kafka_queue_destroy);
    batch_taker taker(sink_, status_, registry_);
    while (!stop_) {
        if (taker.take(queue.get()) > 0) {
            status_.set_connected(true);
        }
        // Connected means the cluster answers: probe its metadata now and then.
        if (std::chrono::steady_clock::now() >= next_probe) {
            next_probe = std::chrono::steady_clock::now() + std::chrono::seconds(2);
            const struct rd_kafka_metadata* md = nullptr;
            if (rd_kafka_metadata(consumer, 0, nullptr, &md, 500) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                rd_kafka_metadata_destroy(md);
                status_.set_connected(true);
                update_lag(consumer, status_);
            } else {
                status_.set_connected(false, "no broker answers");
            }
        }
    }
}

}  // namespace rig::sources
