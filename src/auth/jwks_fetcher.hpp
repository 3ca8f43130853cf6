#pragma once

#include <chrono>
#include <condition_variable>
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
    std::thread thread_;
};

}  // namespace rig::auth
