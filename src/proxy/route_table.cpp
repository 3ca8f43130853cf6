#include "proxy/route_table.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>

#include "proxy/path_rewrite.hpp"

namespace rig::proxy {
namespace {

// Elixir's ~r/…/ui as RE2 options: UTF-8 (the default) and case-insensitive; errors are
// reported through validation, not printed.
RE2::Options route_options() {
    RE2::Options o;
    o.set_case_sensitive(false);
    o.set_log_errors(false);
    return o;
}

struct compiled_endpoint {
    const api_definition* api;
    const endpoint* ep;
    const backend_address* backend;
    std::unique_ptr<RE2> re;
    std::optional<path_rewrite> rewrite;
};

// One endpoint's own RE2 (for its capture groups) and its parsed path_replacement. The RE2 is
// owned by a named unique_ptr from the start so that its hand-over is plain.
compiled_endpoint compile_endpoint(const api_definition& api, const endpoint& ep,
                                   const backend_address& backend, const RE2::Options& options) {
    auto re = std::make_unique<RE2>(endpoint_pattern(ep), options);
    std::optional<path_rewrite> rewrite;
    if (ep.path_replacement) {
        rewrite.emplace(*ep.path_replacement);
    }
    return compiled_endpoint{&api, &ep, &backend, std::move(re), std::move(rewrite)};
}

}  // namespace

struct route_table::method_routes {
    std::string method;
    std::vector<compiled_endpoint> endpoints;  // definition order: the lowest index wins
    std::unique_ptr<RE2::Set> set;             // null when it did not compile: try one by one
};

std::string endpoint_pattern(const endpoint& ep) {
    if (!ep.path_regex.empty() || ep.path.empty()) {
        return ep.path_regex;
    }
    std::string out;  // RIG 2.x: every {…} (shortest) matches one path segment
    for (std::size_t i = 0; i < ep.path.size(); ++i) {
        const auto close = ep.path[i] == '{' ? ep.path.find('}', i + 1) : std::string::npos;
        if (close != std::string::npos) {
            out += "[^/]+";
            i = close;
        } else {
            out += ep.path[i];
        }
    }
    return out;
}

std::optional<std::string> path_regex_error(const std::string& pattern) {
    const RE2 re(pattern, route_options());
    if (re.ok()) {
        return std::nullopt;
    }
    return re.error();
}

route_table::route_table(std::shared_ptr<const std::vector<api_definition>> apis)
    : apis_(std::move(apis)) {
    const RE2::Options options = route_options();
    backends_.reserve(apis_->size());  // never grows after: the endpoints point into it
    for (const auto& api : *apis_) {
        const backend_address& backend = backends_.emplace_back(backend_of(api.proxy));
        for (const auto& ep : api.endpoints) {
            auto it = std::find_if(methods_.begin(), methods_.end(),
                                   [&](const auto& m) { return m->method == ep.method; });
            if (it == methods_.end()) {
                methods_.push_back(std::make_unique<method_routes>());
                methods_.back()->method = ep.method;
                it = std::prev(methods_.end());
            }
            (*it)->endpoints.push_back(compile_endpoint(api, ep, backend, options));
        }
    }
    for (auto& m : methods_) {
        auto set = std::make_unique<RE2::Set>(options, RE2::ANCHOR_BOTH);
        bool ok = true;
        for (const auto& c : m->endpoints) {
            // Validation refused patterns RE2 cannot compile; should one slip through, the
            // indices would no longer line up with the endpoints: fall back to the loop.
            ok = ok && c.re->ok() && set->Add(c.re->pattern(), nullptr) >= 0;
        }
        // Set::Match on a set whose Compile() failed crashes (RE2 2022-06-01).
        if (ok && set->Compile()) {
            m->set = std::move(set);
        }
    }
}

route_table::~route_table() = default;

std::optional<route_match> route_table::find(std::string_view method, std::string_view path) const {
    const std::string_view wanted = method == "HEAD" ? std::string_view("GET") : method;
    const auto it = std::find_if(methods_.begin(), methods_.end(),
                                 [&](const auto& m) { return m->method == wanted; });
    if (it == methods_.end()) {
        return std::nullopt;
    }
    const method_routes& m = **it;
    const re2::StringPiece subject(path.data(), path.size());
    int winner = -1;
    bool ambiguous = false;
    std::vector<int> hits;
    RE2::Set::ErrorInfo error{};
    if (m.endpoints.size() == 1) {
        // One candidate: its own RE2 answers alike, without the set's per-match allocations
        // (Set::Match builds a SparseSet for the hits on every call).
        const auto& only = m.endpoints.front();
        if (only.re->ok() &&
            only.re->Match(subject, 0, subject.size(), RE2::ANCHOR_BOTH, nullptr, 0)) {
            winner = 0;
        }
    } else if (m.set && m.set->Match(subject, &hits, &error)) {
        winner = *std::min_element(hits.begin(), hits.end());
        ambiguous = hits.size() > 1;
    } else if (!m.set || error.kind != RE2::Set::kNoError) {
        // No set, or its DFA ran out of memory: the same answer, endpoint by endpoint.
        for (std::size_t i = 0; i < m.endpoints.size(); ++i) {
            if (m.endpoints[i].re->ok() && m.endpoints[i].re->Match(subject, 0, subject.size(),
                                                                    RE2::ANCHOR_BOTH, nullptr, 0)) {
                winner = static_cast<int>(i);
                break;
            }
        }
    }
    if (winner < 0) {
        return std::nullopt;
    }
    const auto& c = m.endpoints[static_cast<std::size_t>(winner)];
    route_match out{c.api, c.ep, c.backend, std::string(path), ambiguous};
    if (c.rewrite) {
        const int count = 1 + std::min(c.re->NumberOfCapturingGroups(), c.rewrite->max_group());
        std::vector<re2::StringPiece> groups(static_cast<std::size_t>(count));
        c.re->Match(subject, 0, subject.size(), RE2::ANCHOR_BOTH, groups.data(), count);
        std::vector<std::string_view> views;
        views.reserve(groups.size());
        for (const auto& g : groups) {
            views.emplace_back(g.data(), g.size());
        }
        out.forwarded_path = c.rewrite->expand(views.data(), count);
    }
    return out;
}

}  // namespace rig::proxy
