#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/string_hash.hpp"

namespace rig::proxy {

// RIG's statuses for a proxied request (spec §11.1).
enum class request_status : uint8_t {
    ok,
    not_found,
    bad_request,
    unauthorized,  // rig's own: RIG counts nothing for a refused token
    unreachable,
    request_timeout,
    response_timeout,
};

// One shard's counts of rig_proxy_requests_total{method,path,target,response_from,status}.
// `path` is the raw request path, as in RIG; to keep a scan of random paths from growing the
// series without bound, a shard labels at most `max_paths` distinct paths and counts any
// further ones under path="[other]".
//
// @par Thread safety
// count() on the shard's thread; collect() from the thread rendering /metrics. A mutex that
// only a scrape ever contends.
class request_metrics {
public:
    explicit request_metrics(std::size_t max_paths) : max_paths_(max_paths) {}

    void count(std::string_view method, std::string_view path, std::string_view target,
               std::string_view response_from, request_status status);

    // Adds this shard's counts to `totals` (keyed by the rendered label set).
    void collect(std::map<std::string, uint64_t>& totals) const;

private:
    std::size_t max_paths_;
    mutable std::mutex mutex_;
    // Looked up by string_view, and the series key built in one reused buffer: a request
    // counted in a series that exists allocates nothing.
    std::unordered_set<std::string, core::string_hash, std::equal_to<>> paths_;
    std::unordered_map<std::string, uint64_t, core::string_hash, std::equal_to<>> counts_;
    std::string key_;
    // The series counted last, found again without building its key: mostly the next request
    // is counted in the same one. (Elements of an unordered_map stay where they are.)
    struct last_series {
        std::string method;
        std::string path;
        std::string target;
        std::string response_from;
        request_status status = request_status::ok;
        uint64_t* count = nullptr;
    } last_;
};

// The Prometheus text of rig_proxy_requests_total over every shard's counts (HELP and TYPE
// lines included, also when nothing was counted yet).
std::string render_request_metrics(const std::vector<const request_metrics*>& shards);

}  // namespace rig::proxy
