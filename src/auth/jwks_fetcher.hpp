#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "auth/jwt_verifier.hpp"

namespace rig::auth {

// Keeps a verifier's keys in step with a JWKS endpoint (RIG_JWKS_URL): fetches at start and
// every `refresh` afterwards, and early (at most every 10 s) when a token names an unknown
// key id. Runs on its own thread with libcurl; shard threads never wait for it (until the
// first fetch succeeds, tokens are refused as unverifiable). An https:// server's certificate
// must verify against the system CAs or, when `ca_file` is set (RIG_TLS_CA_FILE), that PEM
// bundle, and name the URL's host.
//
// A fetch that fails (endpoint down, bad answer) keeps the keys loaded before and is retried
// every 5 s; /metrics shows it (metrics_text).
//
// Lifetime: stops and joins its thread in the destructor.
class jwks_fetcher {
public:
    jwks_fetcher(std::string url, std::chrono::seconds refresh,
                 std::shared_ptr<jwt_verifier> verifier, std::string ca_file = {});
    ~jwks_fetcher();
    jwks_fetcher(const jwks_fetcher&) = delete;
    jwks_fetcher& operator=(const jwks_fetcher&) = delete;

    // Asks for an early refresh (rate-limited); safe from any thread.
    void refresh_soon();

    // rig_jwks_keys, rig_jwks_last_fetch_ok and rig_jwks_fetch_failures_total; any thread.
    std::string metrics_text() const;

private:
    void run();
    bool fetch_once();

    std::string url_;
    std::chrono::seconds refresh_;
    std::string ca_file_;
    std::shared_ptr<jwt_verifier> verifier_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    bool early_ = false;
    std::atomic<uint64_t> keys_{0};      // in the set last loaded
    std::atomic<bool> last_ok_{false};   // the last fetch loaded a set
    std::atomic<uint64_t> failures_{0};  // fetches that loaded nothing
    std::thread thread_;
};

}  // namespace rig::auth
