#include "sources/kinesis_source.hpp"

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <set>

#include "brokers/kinesis_client.hpp"
#include "cloudevents/parse.hpp"
#include "core/base64url.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"

namespace rig::sources {
namespace json = boost::json;

namespace {

log::rate_limited source_log{5};

std::optional<std::string> base64_decode(std::string_view s) {
    std::string urlsafe(s);
    for (auto& c : urlsafe) {
        c = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    return core::base64url_decode(urlsafe);
}

std::string string_at(const json::value& v, std::string_view key) {
    if (!v.is_object()) {
        return {};
    }
    const auto* m = v.get_object().if_contains(key);
    return m && m->is_string() ? std::string(m->get_string()) : std::string();
}

}  // namespace

kinesis_source::kinesis_source(kinesis_options options, const ingest& sink, source_status& status)
    : options_(std::move(options)), sink_(sink), status_(status) {
    thread_ = std::thread([this] { run(); });
}

kinesis_source::~kinesis_source() {
    stop_ = true;
    thread_.join();
}

void kinesis_source::run() {
    using clock = std::chrono::steady_clock;
    brokers::kinesis_client client(options_.account());
    struct shard_state {
        std::string iterator;
        clock::time_point next_read{};
    };
    std::map<std::string, shard_state> shards;  // open shards we read
    std::set<std::string> finished;             // shards read to their end
    bool first_listing = true;
    auto next_listing = clock::now();
    auto backoff = std::chrono::milliseconds(0);
    const auto wait = [&](clock::duration d) {
        const auto until = clock::now() + d;
        while (!stop_ && clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    };

    while (!stop_) {
        // Discover shards: at start, after a shard ends (its children), and every 30 s.
        if (clock::now() >= next_listing) {
            std::string token;
            std::vector<std::pair<std::string, std::string>> listed;  // id, parent
            bool ok = true;
            do {
                json::object req;
                if (token.empty()) {
                    req["StreamName"] = options_.stream;
                } else {
                    req["NextToken"] = token;
                }
                auto res = client.call("ListShards", req);
                if (!res.error.empty()) {
                    status_.set_connected(false, "ListShards: " + res.error);
                    source_log.info("kinesis: ListShards on {}: {}", options_.stream, res.error);
                    ok = false;
                    break;
                }
                const auto* list = res.body.get_object().if_contains("Shards");
                if (list && list->is_array()) {
                    for (const auto& s : list->get_array()) {
                        listed.emplace_back(string_at(s, "ShardId"), string_at(s, "ParentShardId"));
                    }
                }
                token = string_at(res.body, "NextToken");
            } while (!token.empty() && !stop_);
            if (!ok) {
                wait(std::chrono::seconds(2));
                continue;
            }
            for (const auto& [id, parent] : listed) {
                if (shards.count(id) || finished.count(id)) {
                    continue;
                }
                // A shard found later (a child of a split or merge) is read from its start;
                // at start-up, the configured position applies.
                const bool from_start = options_.from_start || !first_listing;
                json::object req{{"StreamName", options_.stream},
                                 {"ShardId", id},
                                 {"ShardIteratorType", from_start ? "TRIM_HORIZON" : "LATEST"}};
                auto res = client.call("GetShardIterator", req);
                if (!res.error.empty()) {
                    source_log.info("kinesis: GetShardIterator {}: {}", id, res.error);
                    continue;
                }
                shards[id] = shard_state{string_at(res.body, "ShardIterator"), clock::now()};
            }
            first_listing = false;
            status_.set_connected(true);
            next_listing = clock::now() + std::chrono::seconds(30);
        }

        bool any_records = false;
        for (auto it = shards.begin(); it != shards.end() && !stop_;) {
            auto& [id, st] = *it;
            if (clock::now() < st.next_read) {
                ++it;
                continue;
            }
            json::object req{{"ShardIterator", st.iterator}, {"Limit", 1000}};
            auto res = client.call("GetRecords", req);
            if (!res.error.empty()) {
                if (res.error.find("ProvisionedThroughputExceeded") != std::string::npos ||
                    res.error.find("LimitExceeded") != std::string::npos) {
                    backoff =
                        std::min(std::chrono::milliseconds(5000),
                                 backoff.count() ? backoff * 2 : std::chrono::milliseconds(200));
                    st.next_read = clock::now() + backoff;
                } else if (res.error.find("ExpiredIterator") != std::string::npos) {
                    shards.erase(it++);  // re-listed and re-positioned below
                    next_listing = clock::now();
                    continue;
                } else {
                    status_.set_connected(false, "GetRecords: " + res.error);
                    source_log.info("kinesis: GetRecords {}: {}", id, res.error);
                    st.next_read = clock::now() + std::chrono::seconds(1);
                }
                ++it;
                continue;
            }
            backoff = std::chrono::milliseconds(0);
            status_.set_connected(true);
            const auto* records = res.body.get_object().if_contains("Records");
            ingest::batch batch(sink_);
            if (records && records->is_array()) {
                for (const auto& r : records->get_array()) {
                    any_records = true;
                    const auto data = base64_decode(string_at(r, "Data"));
                    auto parsed = data ? cloudevents::parse_structured(*data, core::rfc3339_now())
                                       : core::result<cloudevents::cloud_event>(
                                             core::bad_request("record data is not base64"));
                    status_.consumed(options_.stream, parsed.has_value());
                    if (parsed) {
                        batch.add(std::move(*parsed));
                    } else {
                        source_log.info("kinesis: skipping a record of {}: {}", id,
                                        parsed.error().message);
                    }
                }
            }
            batch.flush();
            const std::string next = string_at(res.body, "NextShardIterator");
            if (next.empty()) {
                // The shard was closed (split or merged): read its children from their start.
                finished.insert(id);
                shards.erase(it++);
                next_listing = clock::now();
                continue;
            }
            st.iterator = next;
            const bool caught_up = !records || records->get_array().empty();
            st.next_read = clock::now() +
                           (caught_up ? options_.poll_interval : std::chrono::milliseconds(200));
            ++it;
        }
        if (!any_records) {
            wait(std::chrono::milliseconds(50));
        }
    }
}

}  // namespace rig::sources
