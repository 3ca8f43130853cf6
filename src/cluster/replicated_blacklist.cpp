#include "cluster/replicated_blacklist.hpp"

#include <nats/nats.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/base64url.hpp"
#include "core/log.hpp"

namespace rig::cluster {
namespace {

log::rate_limited kv_log{2};

std::string bucket_name(const std::string& prefix) {
    std::string name = prefix + "_blacklist";
    std::replace_if(
        name.begin(), name.end(),
        [](char c) {
            return !(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
        },
        '_');
    return name;
}

}  // namespace

replicated_blacklist::replicated_blacklist(nats_link& link, const cluster_options& options,
                                           apply on_entry)
    : link_(link),
      options_(options),
      apply_(std::move(on_entry)),
      bucket_(bucket_name(options.prefix)) {}

replicated_blacklist::~replicated_blacklist() {
    stop();
    if (kv_ != nullptr) {
        kvStore_Destroy(kv_);
    }
}

void replicated_blacklist::start() {
    watcher_ = std::thread([this] { watch_loop(); });
    writer_ = std::thread([this] { write_loop(); });
    if (link_.connected()) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, options_.timeout, [&] { return caught_up() || stopping_; });
        if (!caught_up()) {
            log::warn("cluster: the session blacklist is not caught up yet (bucket {})", bucket_);
        }
    }
}

void replicated_blacklist::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (watcher_.joinable()) {
        watcher_.join();
    }
    if (writer_.joinable()) {
        writer_.join();
    }
}

void replicated_blacklist::add(std::string session, clock::time_point expires) {
    {
        std::lock_guard lock(mutex_);
        to_write_.emplace_back(std::move(session), expires);
    }
    changed_.notify_all();
}

bool replicated_blacklist::bind() {
    kvStore* kv = nullptr;
    natsStatus s = js_KeyValue(&kv, link_.jetstream(), bucket_.c_str());
    if (s != NATS_OK) {
        kvConfig cfg;
        kvConfig_Init(&cfg);
        cfg.Bucket = bucket_.c_str();
        cfg.Description = "rig session blacklist: session (base64url) -> expiry (Unix ms)";
        cfg.History = 1;
        cfg.StorageType = js_FileStorage;
        s = js_CreateKeyValue(&kv, link_.jetstream(), &cfg);
    }
    if (s != NATS_OK) {
        kv_log.info(
            "cluster: cannot use the key-value bucket {} (is JetStream on, nats-server "
            "-js?): {}",
            bucket_, natsStatus_GetText(s));
        return false;
    }
    std::lock_guard lock(mutex_);
    kv_ = kv;
    return true;
}

void replicated_blacklist::watch_loop() {
    kvWatcher* watcher = nullptr;
    const auto stopping = [&] {
        std::lock_guard lock(mutex_);
        return stopping_;
    };
    while (!stopping()) {
        if (watcher == nullptr) {
            if ((kv_ == nullptr && (!link_.connected() || !bind())) ||
                kvStore_WatchAll(&watcher, kv_, nullptr) != NATS_OK) {
                watcher = nullptr;
                std::unique_lock lock(mutex_);
                changed_.wait_for(lock, std::chrono::milliseconds(250), [&] { return stopping_; });
                continue;
            }
            changed_.notify_all();  // the writer may go now
        }
        kvEntry* e = nullptr;
        const natsStatus s = kvWatcher_Next(&e, watcher, 200);
        if (s == NATS_TIMEOUT) {
            continue;
        }
        if (s != NATS_OK) {
            kv_log.info("cluster: blacklist watch ended ({}); watching again",
                        natsStatus_GetText(s));
            kvWatcher_Destroy(watcher);
            watcher = nullptr;
            continue;
        }
        if (e == nullptr) {  // every entry that existed when the watch began was delivered
            caught_up_.store(true, std::memory_order_relaxed);
            changed_.notify_all();
            continue;
        }
        if (kvEntry_Operation(e) == kvOp_Put) {
            received_.fetch_add(1, std::memory_order_relaxed);
            const auto session = core::base64url_decode(kvEntry_Key(e));
            const std::string_view value(static_cast<const char*>(kvEntry_Value(e)),
                                         static_cast<std::size_t>(kvEntry_ValueLen(e)));
            int64_t ms = 0;
            if (session &&
                std::from_chars(value.data(), value.data() + value.size(), ms).ec == std::errc{}) {
                const clock::time_point expires{std::chrono::milliseconds(ms)};
                if (expires > clock::now()) {
                    apply_(*session, expires);
                }
            }
        }
        kvEntry_Destroy(e);
    }
    if (watcher != nullptr) {
        kvWatcher_Stop(watcher);
        kvWatcher_Destroy(watcher);
    }
}

void replicated_blacklist::write_loop() {
    for (;;) {
        std::vector<std::pair<std::string, clock::time_point>> batch;
        kvStore* kv = nullptr;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock,
                          [&] { return stopping_ || (!to_write_.empty() && kv_ != nullptr); });
            if (stopping_) {
                return;
            }
            batch.swap(to_write_);
            kv = kv_;
        }
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const auto& [session, expires] = batch[i];
            const std::string key = core::base64url_encode(session);
            const std::string value = std::to_string(
                std::chrono::duration_cast<std::chrono::milliseconds>(expires.time_since_epoch())
                    .count());
            uint64_t revision = 0;
            const natsStatus s = kvStore_PutString(&revision, kv, key.c_str(), value.c_str());
            if (s != NATS_OK) {
                kv_log.info("cluster: cannot share a blacklist entry ({}); retrying",
                            natsStatus_GetText(s));
                std::unique_lock lock(mutex_);
                to_write_.insert(to_write_.begin(), batch.begin() + static_cast<std::ptrdiff_t>(i),
                                 batch.end());
                changed_.wait_for(lock, std::chrono::milliseconds(250), [&] { return stopping_; });
                break;
            }
        }
    }
}

}  // namespace rig::cluster
