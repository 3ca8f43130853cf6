#include "proxy/request_metrics.hpp"

#include <fmt/format.h>

namespace rig::proxy {
namespace {

std::string_view status_label(request_status s) {
    switch (s) {
        case request_status::ok:
            return "ok";
        case request_status::not_found:
            return "not_found";
        case request_status::bad_request:
            return "bad_request";
        case request_status::unauthorized:
            return "unauthorized";
        case request_status::unreachable:
            return "unreachable";
        case request_status::request_timeout:
            return "request_timeout";
        case request_status::response_timeout:
            return "response_timeout";
    }
    return "ok";
}

// A Prometheus label value: backslash, double quote and line feed escaped.
void append_label_value(std::string& out, std::string_view v) {
    for (char c : v) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
}

}  // namespace

void request_metrics::count(std::string_view method, std::string_view path, std::string_view target,
                            std::string_view response_from, request_status status) {
    const std::lock_guard lock(mutex_);
    if (last_.count != nullptr && last_.status == status && last_.path == path &&
        last_.method == method && last_.target == target && last_.response_from == response_from) {
        ++*last_.count;
        return;
    }
    std::string& key = key_;
    key.clear();
    key += "method=\"";
    append_label_value(key, method);
    key += "\",path=\"";
    if (paths_.find(path) != paths_.end()) {
        append_label_value(key, path);
    } else if (paths_.size() < max_paths_) {
        paths_.emplace(path);
        append_label_value(key, path);
    } else {
        key += "[other]";
    }
    key += "\",target=\"";
    append_label_value(key, target);
    key += "\",response_from=\"";
    append_label_value(key, response_from);
    key += "\",status=\"";
    key += status_label(status);
    key += '"';
    auto it = counts_.find(std::string_view(key));
    if (it == counts_.end()) {
        it = counts_.emplace(key, 0).first;
    }
    ++it->second;
    last_.method = method;
    last_.path = path;
    last_.target = target;
    last_.response_from = response_from;
    last_.status = status;
    last_.count = &it->second;
}

void request_metrics::collect(std::map<std::string, uint64_t>& totals) const {
    const std::lock_guard lock(mutex_);
    for (const auto& [key, n] : counts_) {
        totals[key] += n;
    }
}

std::string render_request_metrics(const std::vector<const request_metrics*>& shards) {
    std::map<std::string, uint64_t> totals;
    for (const auto* s : shards) {
        s->collect(totals);
    }
    std::string out =
        "# HELP rig_proxy_requests_total Requests to the API gateway, by endpoint and outcome.\n"
        "# TYPE rig_proxy_requests_total counter\n";
    for (const auto& [labels, n] : totals) {
        out += fmt::format("rig_proxy_requests_total{{{}}} {}\n", labels, n);
    }
    return out;
}

}  // namespace rig::proxy
