#include "proxy/kinesis_response_consumer.hpp"

#include <fmt/format.h>

#include "core/log.hpp"
#include "core/thread_name.hpp"
#include "proxy/response_messages.hpp"
#include "proxy/response_router.hpp"

namespace rig::proxy {
namespace {

log::rate_limited consumer_log{5};

}  // namespace

kinesis_response_consumer::kinesis_response_consumer(kinesis_response_options options,
                                                     response_router& router)
    : options_(std::move(options)),
      router_(router),
      reader_(
          {options_.account, options_.stream, false, options_.poll_interval, "kinesis responses"},
          {[this](std::string_view shard, std::span<const brokers::kinesis_record> records) {
               for (const auto& r : records) {
                   stats_.consumed.fetch_add(1, std::memory_order_relaxed);
                   auto message = r.data ? parse_kinesis_response(*r.data) : std::nullopt;
                   if (!message) {
                       stats_.malformed.fetch_add(1, std::memory_order_relaxed);
                       consumer_log.info(
                           "kinesis responses: skipping a record of {} on {}: not a JSON "
                           "object with headers rig-correlation and rig-response-code",
                           shard, options_.stream);
                       continue;
                   }
                   // Every node reads this record: the one it names answers it.
                   const auto address = router_.codec().decode(message->correlation);
                   if (address && address->instance != router_.instance()) {
                       stats_.elsewhere.fetch_add(1, std::memory_order_relaxed);
                       continue;
                   }
                   router_.deliver(std::move(*message));
               }
           },
           {},
           {}}) {
    log::info("kinesis responses: reading stream {} from LATEST", options_.stream);
    thread_ = core::named_thread("rig-kinesis-rsp", [this] { reader_.run(stop_); });
}

kinesis_response_consumer::~kinesis_response_consumer() {
    stop();
}

void kinesis_response_consumer::stop() {
    stop_ = true;
    if (thread_.joinable()) {
        thread_.join();
    }
}

std::string render_kinesis_response_metrics(const kinesis_response_consumer& consumer) {
    const auto& c = consumer.counters();
    const std::string labels = fmt::format(R"(stream="{}")", consumer.stream());
    return fmt::format(
        "# HELP rig_proxy_kinesis_responses_total Records read from "
        "PROXY_KINESIS_RESPONSE_STREAM.\n"
        "# TYPE rig_proxy_kinesis_responses_total counter\n"
        "rig_proxy_kinesis_responses_total{{{0}}} {1}\n"
        "# HELP rig_proxy_kinesis_responses_failed_total Records of "
        "PROXY_KINESIS_RESPONSE_STREAM skipped as malformed.\n"
        "# TYPE rig_proxy_kinesis_responses_failed_total counter\n"
        "rig_proxy_kinesis_responses_failed_total{{{0}}} {2}\n"
        "# HELP rig_proxy_kinesis_response_shards Shards of PROXY_KINESIS_RESPONSE_STREAM being "
        "read.\n"
        "# TYPE rig_proxy_kinesis_response_shards gauge\n"
        "rig_proxy_kinesis_response_shards{{{0}}} {3}\n",
        labels, c.consumed.load(std::memory_order_relaxed),
        c.malformed.load(std::memory_order_relaxed), consumer.shards());
}

void log_kinesis_responses_off(const std::vector<api_definition>& apis) {
    for (const auto& api : apis) {
        for (const auto& ep : api.endpoints) {
            if (ep.response_from == response_source::kinesis) {
                log::warn(
                    "proxy: endpoint [{}] of API {} waits for a kinesis response, but "
                    "PROXY_KINESIS_RESPONSE_STREAM is not set: it will get 504 after "
                    "PROXY_KINESIS_RESPONSE_TIMEOUT",
                    ep.id, api.id);
                return;
            }
        }
    }
    log::info(
        "proxy: kinesis responses are not configured (PROXY_KINESIS_RESPONSE_STREAM): "
        "requests with response_from kinesis wait, then get 504");
}

}  // namespace rig::proxy
