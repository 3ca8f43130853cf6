#include "proxy/avro_producer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "avro_codec/json_codec.hpp"
#include "avro_codec/wire_format.hpp"
#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace rig::proxy {
namespace {

namespace json = boost::json;

log::rate_limited avro_log{5};

constexpr std::string_view avro_binary = "avro/binary";

}  // namespace

core::result<avro_message> make_avro_message(std::string_view event_json,
                                             const avro_codec::avro_schema& schema,
                                             int32_t schema_id) {
    json::error_code ec;
    const json::value doc = json::parse(event_json, ec);
    if (ec || !doc.is_object()) {
        return core::bad_request("the event is not a JSON object");
    }
    const json::object& event = doc.get_object();
    static const json::value null_data;
    const json::value* data = event.if_contains("data");
    auto datum = avro_codec::encode(schema, data != nullptr ? *data : null_data);
    if (!datum) {
        return datum.error();
    }
    avro_message out;
    out.value = avro_codec::frame(schema_id, *datum);
    for (const auto& [name, value] : event) {
        if (name == "data") {
            continue;
        }
        std::string header = "ce_" + std::string(name);
        if (name == "contenttype" || name == "datacontenttype" || name == "contentType") {
            out.headers.emplace_back(std::move(header), avro_binary);
        } else if (value.is_string()) {
            out.headers.emplace_back(std::move(header), std::string(value.get_string()));
        } else {
            out.headers.emplace_back(std::move(header), json::serialize(value));
        }
    }
    out.headers.emplace_back("content-type", avro_binary);
    return out;
}

avro_producer::avro_producer(kafka_producer& producer, avro_codec::schema_registry& registry,
                             produce_counters& counters, std::size_t queue_limit)
    : producer_(producer), registry_(registry), counters_(counters), queue_limit_(queue_limit) {
    thread_ = core::named_thread("rig-avro-out", [this] { run(); });
}

avro_producer::~avro_producer() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

bool avro_producer::produce(std::string_view topic, std::string_view key,
                            std::string_view event_json, std::string_view subject) {
    {
        std::lock_guard lock(mutex_);
        if (queue_.size() < queue_limit_) {
            queue_.push_back({std::string(topic), std::string(key), std::string(event_json),
                              std::string(subject)});
            wake_.notify_one();
            return true;
        }
    }
    counters_.count(topic, false);
    avro_log.info("kafka avro: queue full ({} events); dropping an event for {}", queue_limit_,
                  topic);
    return false;
}

void avro_producer::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) {
            return;  // stopping, and nothing left
        }
        job j = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        send(j);
        lock.lock();
    }
}

void avro_producer::send(const job& j) {
    const auto found = registry_.latest(j.subject);
    if (found.result != avro_codec::schema_registry::status::ok) {
        counters_.count(j.topic, false);
        avro_log.info(
            "kafka avro: no schema for subject {} ({}); an event for {} is not produced", j.subject,
            found.result == avro_codec::schema_registry::status::not_found ? "not found"
                                                                           : "registry unavailable",
            j.topic);
        return;
    }
    auto message = make_avro_message(j.event, *found.schema, found.id);
    if (!message) {
        counters_.count(j.topic, false);
        avro_log.info("kafka avro: an event for {} does not fit subject {}: {}", j.topic, j.subject,
                      message.error().message);
        return;
    }
    std::vector<kafka_producer::header> headers;
    headers.reserve(message->headers.size());
    for (const auto& [name, value] : message->headers) {
        headers.emplace_back(name, value);
    }
    producer_.produce(j.topic, j.key, message->value, headers);
}

}  // namespace rig::proxy
