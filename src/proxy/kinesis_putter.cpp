#include "proxy/kinesis_putter.hpp"

#include <boost/json/object.hpp>

#include "core/base64url.hpp"
#include "core/log.hpp"
#include "core/random.hpp"
#include "core/thread_name.hpp"

namespace rig::proxy {
namespace {

log::rate_limited putter_log{5};

}  // namespace

kinesis_putter::kinesis_putter(kinesis_putter_options options, produce_counters& counters)
    : options_(std::move(options)), counters_(counters) {
    worker_ = core::named_thread("rig-kinesis-out", [this] { work(); });
}

kinesis_putter::~kinesis_putter() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    queued_.notify_all();
    worker_.join();
}

bool kinesis_putter::put(std::string stream, std::string partition_key, std::string data,
                         completion done) {
    if (partition_key.empty()) {
        partition_key = core::uuid_v4();
    }
    {
        std::lock_guard lock(mutex_);
        if (!stop_ && queue_.size() < options_.queue_limit) {
            queue_.push_back(
                {std::move(stream), std::move(partition_key), std::move(data), std::move(done)});
            queued_.notify_one();
            return true;
        }
    }
    counters_.count(stream, false);
    putter_log.info("kinesis: dropped a record for {}: {} records are waiting already", stream,
                    options_.queue_limit);
    return false;
}

void kinesis_putter::work() {
    brokers::kinesis_client client(options_.account);
    std::chrono::steady_clock::time_point drain_deadline{};
    std::unique_lock lock(mutex_);
    while (true) {
        queued_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) {
            return;  // stopped, nothing left
        }
        if (stop_ && drain_deadline == std::chrono::steady_clock::time_point{}) {
            drain_deadline = std::chrono::steady_clock::now() + options_.drain_timeout;
        }
        const bool stopping = stop_;
        record r = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        bool ok = false;
        if (stopping && std::chrono::steady_clock::now() >= drain_deadline) {
            putter_log.info("kinesis: shutting down: a record for {} was not put", r.stream);
        } else {
            const boost::json::object request{{"StreamName", r.stream},
                                              {"PartitionKey", r.partition_key},
                                              {"Data", core::base64_encode(r.data)}};
            const auto result = client.call("PutRecord", request);
            ok = result.error.empty();
            if (!ok) {
                putter_log.info("kinesis: PutRecord to {}: {}", r.stream, result.error);
            }
        }
        counters_.count(r.stream, ok);
        if (r.done) {
            r.done(ok);
        }
        lock.lock();
    }
}

}  // namespace rig::proxy
