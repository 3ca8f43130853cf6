#include "auth/jwks_fetcher.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <array>

#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace rig::auth {
namespace {

std::size_t append(char* data, std::size_t size, std::size_t n, void* out) {
    auto* body = static_cast<std::string*>(out);
    if (body->size() + size * n > (4 << 20)) {
        return 0;  // a JWK Set is small; refuse to buffer more
    }
    body->append(data, size * n);
    return size * n;
}

}  // namespace

jwks_fetcher::jwks_fetcher(std::string url, std::chrono::seconds refresh,
                           std::shared_ptr<jwt_verifier> verifier, std::string ca_file)
    : url_(std::move(url)),
      refresh_(refresh),
      ca_file_(std::move(ca_file)),
      verifier_(std::move(verifier)) {
    verifier_->on_unknown_key([this] { refresh_soon(); });
    thread_ = core::named_thread("rig-jwks", [this] { run(); });
}

jwks_fetcher::~jwks_fetcher() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
    verifier_->on_unknown_key(nullptr);
}

void jwks_fetcher::refresh_soon() {
    {
        std::lock_guard lock(mutex_);
        early_ = true;
    }
    wake_.notify_all();
}

std::string jwks_fetcher::metrics_text() const {
    return fmt::format(
        "# HELP rig_jwks_keys Keys in the JWK Set last loaded from RIG_JWKS_URL (0: none yet, "
        "every token is refused).\n"
        "# TYPE rig_jwks_keys gauge\n"
        "rig_jwks_keys {}\n"
        "# HELP rig_jwks_last_fetch_ok Whether the last fetch of the JWK Set loaded it (1) or "
        "failed (0; the keys loaded before stay in use).\n"
        "# TYPE rig_jwks_last_fetch_ok gauge\n"
        "rig_jwks_last_fetch_ok {}\n"
        "# HELP rig_jwks_fetch_failures_total Fetches of the JWK Set that loaded nothing.\n"
        "# TYPE rig_jwks_fetch_failures_total counter\n"
        "rig_jwks_fetch_failures_total {}\n",
        keys_.load(std::memory_order_relaxed), last_ok_.load(std::memory_order_relaxed) ? 1 : 0,
        failures_.load(std::memory_order_relaxed));
}

bool jwks_fetcher::fetch_once() {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
        return false;
    }
    std::string body;
    std::array<char, CURL_ERROR_SIZE> error{};
    curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error.data());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    // libcurl verifies the peer and its name by default; say so, and refuse old TLS.
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
    if (!ca_file_.empty()) {
        // Replaces libcurl's CA bundle; Debian's libcurl still reads the system CAs from its
        // CA directory (/etc/ssl/certs), so the system CAs stay trusted as well.
        curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file_.c_str());
    }
    const CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK || status != 200) {
        log::warn("jwks: fetching {} failed: {}", url_,
                  rc != CURLE_OK ? (error[0] != '\0' ? error.data() : curl_easy_strerror(rc))
                                 : "HTTP " + std::to_string(status));
        return false;
    }
    auto keys = parse_jwks(body);
    if (!keys) {
        log::warn("jwks: {}: {}", url_, keys.error().message);
        return false;
    }
    log::info("jwks: loaded {} key(s) from {}", keys->size(), url_);
    keys_.store(keys->size(), std::memory_order_relaxed);
    verifier_->set_keys(std::make_shared<const jwt_key_set>(std::move(*keys)));
    return true;
}

void jwks_fetcher::run() {
    using clock = std::chrono::steady_clock;
    constexpr auto early_gap = std::chrono::seconds(10);
    constexpr auto retry = std::chrono::seconds(5);
    std::unique_lock lock(mutex_);
    while (!stop_) {
        early_ = false;
        lock.unlock();
        const bool ok = fetch_once();
        last_ok_.store(ok, std::memory_order_relaxed);
        if (!ok) {
            failures_.fetch_add(1, std::memory_order_relaxed);
        }
        const auto last = clock::now();
        lock.lock();
        const auto next = last + (ok ? std::chrono::duration_cast<clock::duration>(refresh_)
                                     : clock::duration(retry));
        // Sleep until the next refresh, or an early one (no sooner than early_gap after the
        // last fetch, so that a flood of unknown key ids cannot hammer the endpoint).
        for (;;) {
            const auto now = clock::now();
            if (stop_ || now >= next || (early_ && now >= last + early_gap)) {
                break;
            }
            wake_.wait_until(lock, early_ ? std::min(next, last + early_gap) : next);
        }
    }
}

}  // namespace rig::auth
