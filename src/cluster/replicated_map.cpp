#include "cluster/replicated_map.hpp"

#include <nats/nats.h>

#include <algorithm>
#include <cctype>

#include "core/base64url.hpp"
#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace rig::cluster {
namespace {

log::rate_limited kv_log{2};

}  // namespace

std::string bucket_name(std::string_view prefix, std::string_view name) {
    std::string bucket = std::string(prefix) + "_" + std::string(name);
    std::replace_if(
        bucket.begin(), bucket.end(),
        [](char c) {
            return !(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
        },
        '_');
    return bucket;
}

replicated_map::replicated_map(nats_link& link, const cluster_options& options,
                               std::string_view name, std::string description, apply on_entry)
    : link_(link),
      options_(options),
      bucket_(bucket_name(options.prefix, name)),
      description_(std::move(description)),
      apply_(std::move(on_entry)) {}

replicated_map::~replicated_map() {
    stop();
    if (kv_ != nullptr) {
        kvStore_Destroy(kv_);
    }
}

void replicated_map::start() {
    watcher_ = core::named_thread("rig-map-watch", [this] { watch_loop(); });
    writer_ = core::named_thread("rig-map-write", [this] { write_loop(); });
    if (link_.connected()) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, options_.timeout, [&] { return caught_up() || stopping_; });
        if (!caught_up()) {
            log::warn("cluster: the bucket {} is not caught up yet", bucket_);
        }
    }
}

void replicated_map::stop() {
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

void replicated_map::queue(write w) {
    {
        std::lock_guard lock(mutex_);
        to_write_.push_back(std::move(w));
    }
    changed_.notify_all();
}

void replicated_map::put(std::string key, std::string value) {
    queue({std::move(key), std::move(value)});
}

void replicated_map::erase(std::string key) {
    queue({std::move(key), std::nullopt});
}

bool replicated_map::bind() {
    kvStore* kv = nullptr;
    natsStatus s = js_KeyValue(&kv, link_.jetstream(), bucket_.c_str());
    if (s != NATS_OK) {
        kvConfig cfg;
        kvConfig_Init(&cfg);
        cfg.Bucket = bucket_.c_str();
        cfg.Description = description_.c_str();
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

void replicated_map::watch_loop() {
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
            kv_log.info("cluster: watch of {} ended ({}); watching again", bucket_,
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
        received_.fetch_add(1, std::memory_order_relaxed);
        if (const auto key = core::base64url_decode(kvEntry_Key(e))) {
            if (kvEntry_Operation(e) == kvOp_Put) {
                apply_(*key, std::string_view(static_cast<const char*>(kvEntry_Value(e)),
                                              static_cast<std::size_t>(kvEntry_ValueLen(e))));
            } else {
                apply_(*key, std::nullopt);
            }
        }
        kvEntry_Destroy(e);
    }
    if (watcher != nullptr) {
        kvWatcher_Stop(watcher);
        kvWatcher_Destroy(watcher);
    }
}

void replicated_map::write_loop() {
    for (;;) {
        std::vector<write> batch;
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
            const std::string key = core::base64url_encode(batch[i].key);
            natsStatus s = NATS_OK;
            if (const auto& value = batch[i].value) {
                uint64_t revision = 0;
                s = kvStore_Put(&revision, kv, key.c_str(), value->data(),
                                static_cast<int>(value->size()));
            } else {
                s = kvStore_Delete(kv, key.c_str());
            }
            if (s != NATS_OK) {
                kv_log.info("cluster: cannot write to the bucket {} ({}); retrying", bucket_,
                            natsStatus_GetText(s));
                std::unique_lock lock(mutex_);
                to_write_.insert(
                    to_write_.begin(),
                    std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(i)),
                    std::make_move_iterator(batch.end()));
                changed_.wait_for(lock, std::chrono::milliseconds(250), [&] { return stopping_; });
                break;
            }
        }
    }
}

}  // namespace rig::cluster
