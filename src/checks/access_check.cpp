#include "checks/access_check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/text.hpp"

namespace rig::checks {

std::string render_check_metrics(std::string_view name, const check_counts& counts) {
    const auto line = [&](std::string_view result, const std::atomic<uint64_t>& n) {
        return fmt::format("rig_check_results_total{{check=\"{}\",result=\"{}\"}} {}\n", name,
                           result, n.load(std::memory_order_relaxed));
    };
    return line("allowed", counts.allowed) + line("denied", counts.denied) +
           line("failed", counts.failed);
}

std::vector<credential> parse_authorization(const std::vector<std::string>& header_values) {
    std::vector<credential> out;
    for (const auto& value : header_values) {
        std::string_view rest = value;
        for (;;) {
            const auto comma = rest.find(',');
            const std::string_view part = core::trim(rest.substr(0, comma));
            if (!part.empty()) {
                const auto space = part.find(' ');
                credential c;
                if (space == std::string_view::npos) {
                    c.scheme = "bearer";
                    c.token = std::string(part);
                } else {
                    c.scheme = std::string(part.substr(0, space));
                    std::transform(
                        c.scheme.begin(), c.scheme.end(), c.scheme.begin(),
                        [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
                    c.token = std::string(core::trim(part.substr(space + 1)));
                }
                out.push_back(std::move(c));
            }
            if (comma == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(comma + 1);
        }
    }
    return out;
}

asio::awaitable<verdict> access_check::run(http::client_pool& pool,
                                           std::vector<std::string> authorization,
                                           std::string content_type, std::string body) const {
    const auto count = [this](std::atomic<uint64_t> check_counts::*which) {
        ((*counts_).*which).fetch_add(1, std::memory_order_relaxed);
    };
    switch (options_.kind) {
        case check_options::mode::no_check:
            co_return verdict{};
        case check_options::mode::jwt_validation: {
            std::string last_reason = "no bearer token";
            for (const auto& c : parse_authorization(authorization)) {
                if (c.scheme != "bearer") {
                    continue;
                }
                auto claims = tokens_ ? tokens_->validate(c.token)
                                      : core::result<boost::json::object>(core::error{
                                            core::condition::unauthorized, "no JWT configured"});
                if (claims) {
                    count(&check_counts::allowed);
                    co_return verdict{};
                }
                last_reason = claims.error().message;
            }
            count(&check_counts::denied);
            co_return verdict{false, "jwt_validation: " + last_reason};
        }
        case check_options::mode::url: {
            std::string joined;
            for (const auto& v : authorization) {
                joined += (joined.empty() ? "" : ", ") + v;
            }
            const auto res =
                co_await pool.post(options_.url, std::move(content_type), std::move(joined),
                                   std::move(body), options_.timeout);
            if (res.status >= 200 && res.status < 300) {
                count(&check_counts::allowed);
                co_return verdict{};
            }
            count(res.status == 0 ? &check_counts::failed : &check_counts::denied);
            co_return verdict{
                false, res.status == 0 ? options_.url + ": " + res.error
                                       : options_.url + " answered " + std::to_string(res.status)};
        }
    }
    co_return verdict{};
}

}  // namespace rig::checks
