#include "sources/kinesis_source.hpp"

#include "brokers/kinesis_stream_reader.hpp"
#include "cloudevents/parse.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"

namespace rig::sources {

namespace {

log::rate_limited source_log{5};

}  // namespace

kinesis_source::kinesis_source(kinesis_options options, const ingest& sink, source_status& status)
    : options_(std::move(options)), sink_(sink), status_(status) {
    thread_ = std::thread([this] { run(); });
}

kinesis_source::~kinesis_source() {
    stop_ = true;
    thread_.join();
}

void kinesis_source::run() {
    brokers::kinesis_stream_reader::handlers on;
    on.status = [this](bool connected, std::string_view detail) {
        status_.set_connected(connected, detail);
    };
    on.records = [this](std::string_view shard, std::span<const brokers::kinesis_record> records) {
        const auto consumed_at = std::chrono::steady_clock::now();
        ingest::batch batch(sink_);
        for (const auto& r : records) {
            auto parsed = r.data ? cloudevents::parse_structured(*r.data, core::rfc3339_now())
                                 : core::result<cloudevents::cloud_event>(
                                       core::bad_request("record data is not base64"));
            status_.consumed(options_.stream, parsed.has_value());
            if (parsed) {
                sink_.trace(*parsed, "kinesis");
                batch.add(std::move(*parsed));
            } else {
                source_log.info_with({{"event", "bad_message"},
                                      {"source", "kinesis"},
                                      {"stream", options_.stream},
                                      {"shard", shard}},
                                     "kinesis: skipping a record of {}: {}", shard,
                                     parsed.error().message);
            }
        }
        batch.flush();
        if (!records.empty()) {
            status_.counter(options_.stream)
                .processing.observe(micros_since(consumed_at), records.size());
        }
    };
    brokers::kinesis_stream_reader reader(
        {options_.account(), options_.stream, options_.from_start, options_.poll_interval},
        std::move(on));
    reader.run(stop_);
}

}  // namespace rig::sources
