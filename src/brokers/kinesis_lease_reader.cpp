#include "brokers/kinesis_lease_reader.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <cstdlib>
#include <cstring>
#include <map>
#include <thread>
#include <vector>

#include "brokers/aws_json.hpp"
#include "brokers/kinesis_lease_table.hpp"
#include "brokers/kinesis_shard_list.hpp"
#include "brokers/lease_coordinator.hpp"
#include "core/log.hpp"

namespace rig::brokers {
namespace json = boost::json;

namespace {

log::rate_limited lease_log{5};

using clock = std::chrono::steady_clock;

using aws_json::base64_decode;
using aws_json::string_at;

bool is_throttling(const std::string& error) {
    return error.find("ProvisionedThroughputExceeded") != std::string::npos ||
           error.find("LimitExceeded") != std::string::npos ||
           error.find("Throttling") != std::string::npos;
}

// A shard this node holds the lease of, and where its reading stands.
struct held_shard {
    shard_lease lease;
    std::string iterator;  // empty: to be positioned
    clock::time_point next_read{};
    clock::time_point renewed{};
    std::string handed;  // last sequence number handed to the shards
    std::string checkpointed;
    std::chrono::milliseconds backoff{0};
};

}  // namespace

kinesis_lease_reader::kinesis_lease_reader(kinesis_lease_options options,
                                           kinesis_stream_reader::handlers on,
                                           lease_counters& counters)
    : options_(std::move(options)), on_(std::move(on)), counters_(counters) {}

void kinesis_lease_reader::run(const std::atomic<bool>& stop) {
    kinesis_client kinesis(options_.kinesis);
    kinesis_lease_table table(options_.dynamodb, options_.table);
    lease_coordinator coordinator(options_.worker_id, options_.lease_duration);
    const std::string& me = options_.worker_id;
    const auto status = [this](bool connected, std::string_view detail) {
        if (on_.status) {
            on_.status(connected, detail);
        }
    };
    const auto wait = [&](clock::duration d) {
        const auto until = clock::now() + d;
        while (!stop && clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    };
    std::map<std::string, held_shard> held;
    const auto publish_held = [&] {
        counters_.held.store(static_cast<int64_t>(held.size()), std::memory_order_relaxed);
    };
    publish_held();
    // A DynamoDB answer that said "slow down" delays the next lease work.
    auto table_backoff = std::chrono::milliseconds(0);
    const auto table_failed = [&](std::string_view what) {
        if (table.throttled()) {
            counters_.throttles.fetch_add(1, std::memory_order_relaxed);
            table_backoff = std::min(std::chrono::milliseconds(5000),
                                     std::max(std::chrono::milliseconds(200), table_backoff * 2));
        } else {
            status(false, std::string(what) + ": " + table.error());
        }
        lease_log.info("kinesis: lease table {}: {}: {}", options_.table, what, table.error());
    };
    const auto lose = [&](const std::string& shard, std::string_view why) {
        lease_log.info("kinesis: lost the lease of {} ({})", shard, why);
        counters_.losses.fetch_add(1, std::memory_order_relaxed);
        held.erase(shard);
        publish_held();
    };
    // Writes `at` as the shard's checkpoint. False when the lease was lost meanwhile: the shard
    // is dropped, and `h` with it.
    const auto checkpoint = [&](const std::string& shard, held_shard& h, const std::string& at) {
        const auto r = table.checkpoint(shard, me, at);
        if (r == lease_write::ok) {
            h.checkpointed = at;
        } else if (r == lease_write::lost) {
            lose(shard, "checkpoint refused");
            return false;
        } else {
            counters_.checkpoint_failures.fetch_add(1, std::memory_order_relaxed);
            table_failed("checkpoint");
        }
        return true;
    };

    while (!stop && !table.ensure(stop, std::chrono::seconds(30))) {
        table_failed("create");
        wait(std::chrono::seconds(2));
    }

    auto next_sync = clock::now();
    auto next_take = clock::now();
    auto next_renew = clock::now() + options_.renew_interval;
    std::vector<kinesis_record> batch;

    while (!stop) {
        const auto now = clock::now();
        // Shard sync: every shard listed gets a lease item.
        if (now >= next_sync) {
            auto listing = list_shards(kinesis, options_.stream, stop);
            bool ok = listing.error.empty();
            if (!ok) {
                status(false, "ListShards: " + listing.error);
                lease_log.info("kinesis: ListShards on {}: {}", options_.stream, listing.error);
            }
            const auto& listed = listing.shards;
            auto leases = ok ? table.scan() : std::nullopt;
            if (ok && !leases) {
                table_failed("scan");
                ok = false;
            }
            if (!ok) {
                next_sync = clock::now() + std::chrono::seconds(2);
            } else {
                // The first node to see the stream starts closed shards as finished (LATEST)
                // or from the configured position; a shard that appears later (a split or
                // merge) is read from its start once its parents are finished.
                const bool first = leases->empty();
                for (const auto& s : listed) {
                    if (std::any_of(leases->begin(), leases->end(),
                                    [&](const shard_lease& l) { return l.shard_id == s.id; })) {
                        continue;
                    }
                    shard_lease l{s.id, {}, 0, {}, s.parents};
                    if (first) {
                        l.checkpoint = s.closed && !options_.from_start ? checkpoint_shard_end : "";
                    } else {
                        l.checkpoint = checkpoint_trim_horizon;
                    }
                    if (table.create(l) != lease_write::ok) {
                        table_failed("create lease");
                    }
                }
                status(true, {});
                next_sync = clock::now() + options_.shard_sync_interval;
            }
        }

        // Taking: scan, decide, take by conditional writes.
        if (clock::now() >= next_take) {
            next_take = clock::now() + options_.take_interval + table_backoff;
            if (auto leases = table.scan()) {
                const auto at = clock::now();
                coordinator.observe(*leases, at);
                for (const auto& l : *leases) {
                    auto it = held.find(l.shard_id);
                    if (it != held.end() && l.owner != me) {
                        lose(l.shard_id, "taken by " + l.owner);
                    }
                }
                const auto decisions = coordinator.decide(*leases, at);
                // Ours in the table but not read: a take whose answer was lost. Adopted (the
                // owner names this process only), so that it is read and renewed.
                for (const auto& l : decisions.renew) {
                    if (!held.count(l.shard_id)) {
                        held_shard h;
                        h.lease = l;
                        h.renewed = at;
                        h.checkpointed = l.checkpoint;
                        held[l.shard_id] = std::move(h);
                    }
                }
                for (auto l : decisions.take) {
                    if (held.count(l.shard_id)) {
                        continue;
                    }
                    const std::string from = l.owner;
                    const auto r = table.take(l, me);
                    if (r == lease_write::ok) {
                        counters_.takes.fetch_add(1, std::memory_order_relaxed);
                        lease_log.info("kinesis: took the lease of {}{}", l.shard_id,
                                       from.empty() ? std::string() : " from " + from);
                        held_shard h;
                        h.lease = std::move(l);
                        h.renewed = clock::now();
                        h.checkpointed = h.lease.checkpoint;
                        held[h.lease.shard_id] = std::move(h);
                    } else if (r != lease_write::lost) {
                        table_failed("take");
                    }
                }
                publish_held();
                status(true, {});
            } else {
                table_failed("scan");
                next_take = clock::now() + std::chrono::seconds(1) + table_backoff;
            }
        }

        // Renewing: a lease not renewed within its duration may be someone else's by now.
        if (clock::now() >= next_renew) {
            next_renew = clock::now() + options_.renew_interval;
            for (auto it = held.begin(); it != held.end();) {
                auto& h = it->second;
                ++it;  // `lose` erases
                const auto r = table.renew(h.lease, me);
                if (r == lease_write::ok) {
                    h.renewed = clock::now();
                } else if (r == lease_write::lost) {
                    lose(h.lease.shard_id, "renewal refused");
                } else {
                    table_failed("renew");
                    if (clock::now() - h.renewed >= options_.lease_duration) {
                        lose(h.lease.shard_id, "not renewed in time");
                    }
                }
            }
        }

        // Reading the held shards.
        bool any_records = false;
        for (auto it = held.begin(); it != held.end() && !stop;) {
            auto& h = it->second;
            const std::string id = it->first;
            ++it;  // the shard may be dropped below
            if (clock::now() < h.next_read) {
                continue;
            }
            if (h.iterator.empty()) {
                const std::string from = h.handed.empty() ? h.checkpointed : h.handed;
                json::object req{{"StreamName", options_.stream}, {"ShardId", id}};
                // LATEST is pinned to the time it was first taken (checkpointed below), so that
                // what arrives later is read even if this node stops before any record did.
                const int64_t latest_at_ms =
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
                if (from.empty()) {
                    req["ShardIteratorType"] = options_.from_start ? "TRIM_HORIZON" : "LATEST";
                } else if (from == checkpoint_trim_horizon) {
                    req["ShardIteratorType"] = "TRIM_HORIZON";
                } else if (from.starts_with(checkpoint_at_timestamp)) {
                    req["ShardIteratorType"] = "AT_TIMESTAMP";
                    req["Timestamp"] =
                        static_cast<double>(std::strtoll(
                            from.c_str() + std::strlen(checkpoint_at_timestamp), nullptr, 10)) /
                        1000.0;
                } else {
                    req["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER";
                    req["StartingSequenceNumber"] = from;
                }
                auto res = kinesis.call("GetShardIterator", req);
                if (!res.error.empty()) {
                    if (is_throttling(res.error)) {
                        counters_.throttles.fetch_add(1, std::memory_order_relaxed);
                    }
                    lease_log.info("kinesis: GetShardIterator {}: {}", id, res.error);
                    h.next_read = clock::now() + std::chrono::seconds(1);
                    if (from.starts_with(checkpoint_at_timestamp) &&
                        res.error.find("Timeout") != std::string::npos) {
                        // kinesalite (local set-ups) never answers AT_TIMESTAMP when no record
                        // came since: then nothing came, and LATEST (pinned anew) loses nothing.
                        h.checkpointed.clear();
                    }
                    continue;
                }
                h.iterator = string_at(res.body, "ShardIterator");
                if (from.empty() && !options_.from_start) {
                    if (!checkpoint(id, h,
                                    checkpoint_at_timestamp + std::to_string(latest_at_ms))) {
                        continue;
                    }
                }
            }
            json::object req{{"ShardIterator", h.iterator}, {"Limit", 1000}};
            auto res = kinesis.call("GetRecords", req);
            if (!res.error.empty()) {
                if (is_throttling(res.error)) {
                    counters_.throttles.fetch_add(1, std::memory_order_relaxed);
                    h.backoff = std::min(std::chrono::milliseconds(5000),
                                         std::max(std::chrono::milliseconds(200), h.backoff * 2));
                    h.next_read = clock::now() + h.backoff;
                } else if (res.error.find("ExpiredIterator") != std::string::npos) {
                    h.iterator.clear();  // re-positioned after what was handed over
                } else {
                    status(false, "GetRecords: " + res.error);
                    lease_log.info("kinesis: GetRecords {}: {}", id, res.error);
                    h.next_read = clock::now() + std::chrono::seconds(1);
                }
                continue;
            }
            h.backoff = std::chrono::milliseconds(0);
            status(true, {});
            if (const auto* behind = res.body.get_object().if_contains("MillisBehindLatest");
                behind && behind->is_number() && on_.behind) {
                on_.behind(id, behind->to_number<int64_t>());
            }
            const auto* records = res.body.get_object().if_contains("Records");
            batch.clear();
            if (records && records->is_array()) {
                for (const auto& r : records->get_array()) {
                    batch.push_back(
                        {base64_decode(string_at(r, "Data")), string_at(r, "SequenceNumber")});
                }
            }
            if (!batch.empty()) {
                any_records = true;
                if (on_.records) {
                    on_.records(id, batch);
                }
                h.handed = batch.back().sequence;
                // Handed over: checkpoint, so a restart or another node continues after it.
                if (!checkpoint(id, h, h.handed)) {
                    continue;
                }
            }
            const std::string next = string_at(res.body, "NextShardIterator");
            if (next.empty()) {
                // Closed (split or merged) and read to its end: finished, children may start.
                if (table.release(id, me, true) != lease_write::ok) {
                    table_failed("finish");
                }
                lease_log.info("kinesis: {} read to its end", id);
                held.erase(id);
                publish_held();
                next_sync = clock::now();
                next_take = clock::now();
                continue;
            }
            h.iterator = next;
            h.next_read = clock::now() +
                          (batch.empty() ? options_.poll_interval : std::chrono::milliseconds(200));
        }
        if (!any_records) {
            wait(std::chrono::milliseconds(50));
        }
    }

    // Graceful stop: what was handed over is checkpointed, then every lease is given up.
    for (auto& [id, h] : held) {
        if (!h.handed.empty() && h.handed != h.checkpointed &&
            table.checkpoint(id, me, h.handed) != lease_write::ok) {
            counters_.checkpoint_failures.fetch_add(1, std::memory_order_relaxed);
        }
        table.release(id, me, false);
    }
    held.clear();
    publish_held();
}

}  // namespace rig::brokers
