#include "sources/kinesis_source.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>

#include "brokers/kinesis_lease_reader.hpp"
#include "brokers/kinesis_stream_reader.hpp"
#include "cloudevents/parse.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/random.hpp"
#include "core/thread_name.hpp"

namespace rig::sources {

namespace {

log::rate_limited source_log{5};

// This process's name in the lease table: host, process and a random part, so that a restarted
// node never mistakes its predecessor's leases for its own.
std::string worker_id() {
    std::array<char, 256> host{};
    if (gethostname(host.data(), host.size() - 1) != 0) {
        host[0] = '\0';
    }
    return fmt::format("{}:{}:{:08x}", host.data(), getpid(),
                       static_cast<uint32_t>(core::random_u64()));
}

}  // namespace

kinesis_source::kinesis_source(kinesis_options options, const ingest& sink, source_status& status)
    : options_(std::move(options)), sink_(sink), status_(status) {
    thread_ = core::named_thread("rig-kinesis-in", [this] { run(); });
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
    // The stream's lag is its furthest-behind shard's; shards are read in turn by this thread.
    auto behind_by_shard = std::make_shared<std::map<std::string, int64_t, std::less<>>>();
    on.behind = [this, behind_by_shard](std::string_view shard, int64_t millis) {
        auto it = behind_by_shard->find(shard);
        if (it == behind_by_shard->end()) {
            it = behind_by_shard->emplace(std::string(shard), millis).first;
        }
        it->second = millis;
        int64_t worst = 0;
        for (const auto& [id, ms] : *behind_by_shard) {
            worst = std::max(worst, ms);
        }
        status_.counter(options_.stream).lag_ms.store(worst, std::memory_order_relaxed);
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
    if (!options_.app_name.empty()) {
        brokers::kinesis_lease_options lo;
        lo.kinesis = options_.account();
        lo.dynamodb = options_.dynamodb_account();
        lo.stream = options_.stream;
        lo.table = options_.app_name;
        lo.worker_id = worker_id();
        lo.from_start = options_.from_start;
        lo.poll_interval = options_.poll_interval;
        lo.lease_duration = options_.lease_duration;
        lo.renew_interval = options_.lease_renew_interval;
        lo.take_interval = options_.lease_take_interval;
        lo.shard_sync_interval = options_.shard_sync_interval;
        brokers::kinesis_lease_reader reader(std::move(lo), std::move(on), status_.leases());
        reader.run(stop_);
        return;
    }
    brokers::kinesis_stream_reader reader(
        {options_.account(), options_.stream, options_.from_start, options_.poll_interval},
        std::move(on));
    reader.run(stop_);
}

}  // namespace rig::sources
