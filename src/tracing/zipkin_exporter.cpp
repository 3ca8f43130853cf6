#include "tracing/zipkin_exporter.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>
#include <utility>
#include <vector>

#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace rig::tracing {
namespace {

size_t discard(char*, size_t size, size_t n, void*) {
    return size * n;
}

}  // namespace

zipkin_exporter::zipkin_exporter(tracing_options options)
    : options_(std::move(options)), thread_(core::named_thread("rig-zipkin", [this] { run(); })) {}

zipkin_exporter::~zipkin_exporter() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

bool zipkin_exporter::submit(span s) {
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        if (queue_.size() >= options_.queue_limit) {
            dropped_.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        queue_.push_back(std::move(s));
        wake = queue_.size() == 1 || queue_.size() >= options_.batch_size;
    }
    if (wake) {
        wake_.notify_one();
    }
    return true;
}

void zipkin_exporter::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (!stopping_ && queue_.size() < options_.batch_size) {
            // Wait for a full batch, at most `interval` after the first span came.
            wake_.wait_for(lock, options_.interval,
                           [this] { return stopping_ || queue_.size() >= options_.batch_size; });
        }
        if (queue_.empty() && stopping_) {
            return;
        }
        std::vector<span> batch;
        while (!queue_.empty() && batch.size() < options_.batch_size) {
            batch.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        lock.unlock();
        const std::string body = zipkin_json(batch, options_.service_name);
        if (post(body)) {
            sent_.fetch_add(batch.size(), std::memory_order_relaxed);
        } else {
            dropped_.fetch_add(batch.size(), std::memory_order_relaxed);
        }
        lock.lock();
    }
}

bool zipkin_exporter::post(const std::string& body) {
    // A handle per batch: batches go at most about once per interval while spans trickle in.
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) {
        return false;
    }
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(
        curl_slist_append(nullptr, "Content-Type: application/json"), curl_slist_free_all);
    CURL* h = curl.get();
    curl_easy_setopt(h, CURLOPT_URL, options_.zipkin_url.c_str());
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    const CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_OK && status >= 200 && status < 300) {
        return true;
    }
    // At most one line per 10 s however fast batches fail (a collector that refuses
    // connections fails them at once).
    ++failed_since_warning_;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_warning_ >= std::chrono::seconds(10)) {
        log::warn_with(
            {{"event", "span_export_failed"}},
            "zipkin: sending spans to {} failed ({} batches since the last warning): {}",
            options_.zipkin_url, failed_since_warning_,
            rc != CURLE_OK ? std::string(curl_easy_strerror(rc)) : fmt::format("HTTP {}", status));
        last_warning_ = now;
        failed_since_warning_ = 0;
    }
    return false;
}

std::string zipkin_exporter::metrics_text() const {
    return fmt::format(
        "# HELP rig_zipkin_spans_sent_total Spans the Zipkin collector accepted.\n"
        "# TYPE rig_zipkin_spans_sent_total counter\n"
        "rig_zipkin_spans_sent_total {}\n"
        "# HELP rig_zipkin_spans_dropped_total Spans dropped: export queue full, or the "
        "collector failed.\n"
        "# TYPE rig_zipkin_spans_dropped_total counter\n"
        "rig_zipkin_spans_dropped_total {}\n",
        sent(), dropped());
}

}  // namespace rig::tracing
