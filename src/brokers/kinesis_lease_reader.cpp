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
#include "core/log.hpp"

namespace rig::brokers {
namespace json = boost::json;

namespace {

log::rate_limited lease_log{5};

using clock = std::chrono::steady_clock;

using aws_json::string_at;

bool is_throttling(const std::string& error) {
    return error.find("ProvisionedThroughputExceeded") != std::string::npos ||
           error.find("LimitExceeded") != std::string::npos ||
           error.find("Throttling") != std::string::npos;
}

// Doubles a throttling backoff, within 200 ms .. 5 s.
std::chrono::milliseconds grown(std::chrono::milliseconds backoff) {
    return std::min(std::chrono::milliseconds(5000),
                    std::max(std::chrono::milliseconds(200), backoff * 2));
}

// Sleeps in small steps, so that `stop` is seen soon.
void wait(const std::atomic<bool>& stop, clock::duration d) {
    const auto until = clock::now() + d;
    while (!stop && clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

// The lease a listed shard without one gets. The first node to see the stream starts closed
// shards as finished (LATEST) or from the configured position; a shard that appears later (a
// split or merge) is read from its start once its parents are finished.
shard_lease new_lease(const listed_shard& s, bool first, bool from_start) {
    shard_lease l{s.id, {}, 0, {}, s.parents};
    if (first) {
        l.checkpoint = s.closed && !from_start ? checkpoint_shard_end : "";
    } else {
        l.checkpoint = checkpoint_trim_horizon;
    }
    return l;
}

bool has_lease(const std::vector<shard_lease>& leases, const std::string& shard) {
    return std::any_of(leases.begin(), leases.end(),
                       [&](const shard_lease& l) { return l.shard_id == shard; });
}

// GetShardIterator for `id`, positioned after `from` (a checkpoint, or empty: the configured
// start).
json::object iterator_request(const std::string& stream, const std::string& id,
                              const std::string& from, bool from_start) {
    json::object req{{"StreamName", stream}, {"ShardId", id}};
    if (from.empty()) {
        req["ShardIteratorType"] = from_start ? "TRIM_HORIZON" : "LATEST";
    } else if (from == checkpoint_trim_horizon) {
        req["ShardIteratorType"] = "TRIM_HORIZON";
    } else if (from.starts_with(checkpoint_at_timestamp)) {
        req["ShardIteratorType"] = "AT_TIMESTAMP";
        req["Timestamp"] = static_cast<double>(std::strtoll(
                               from.c_str() + std::strlen(checkpoint_at_timestamp), nullptr, 10)) /
                           1000.0;
    } else {
        req["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER";
        req["StartingSequenceNumber"] = from;
    }
    return req;
}

}  // namespace

// A shard this node holds the lease of, and where its reading stands.
struct kinesis_lease_reader::held_shard {
    shard_lease lease;
    std::string iterator;  // empty: to be positioned
    clock::time_point next_read{};
    clock::time_point renewed{};
    std::string handed;  // last sequence number handed to the shards
    std::string checkpointed;
    std::chrono::milliseconds backoff{0};
};

struct kinesis_lease_reader::run_state {
    run_state(const kinesis_lease_options& options, const std::atomic<bool>& stop_flag)
        : kinesis(options.kinesis),
          table(options.dynamodb, options.table),
          coordinator(options.worker_id, options.lease_duration),
          stop(stop_flag) {}

    kinesis_client kinesis;
    kinesis_lease_table table;
    lease_coordinator coordinator;
    const std::atomic<bool>& stop;
    std::map<std::string, held_shard> held;
    // A DynamoDB answer that said "slow down" delays the next lease work.
    std::chrono::milliseconds table_backoff{0};
    clock::time_point next_sync{};
    clock::time_point next_take{};
    clock::time_point next_renew{};
    std::vector<kinesis_record> batch;  // reused across reads
};

kinesis_lease_reader::kinesis_lease_reader(kinesis_lease_options options,
                                           kinesis_stream_reader::handlers on,
                                           lease_counters& counters)
    : options_(std::move(options)), on_(std::move(on)), counters_(counters) {}

void kinesis_lease_reader::run(const std::atomic<bool>& stop) {
    run_state s(options_, stop);
    publish_held(s);
    ensure_table(s);
    s.next_sync = clock::now();
    s.next_take = clock::now();
    s.next_renew = clock::now() + options_.renew_interval;
    while (!stop) {
        if (clock::now() >= s.next_sync) {
            sync_shards(s);
        }
        if (clock::now() >= s.next_take) {
            take_leases(s);
        }
        if (clock::now() >= s.next_renew) {
            renew_leases(s);
        }
        if (!read_held_shards(s)) {
            wait(stop, std::chrono::milliseconds(50));
        }
    }
    release_all(s);
}

void kinesis_lease_reader::report_status(bool connected, std::string_view detail) const {
    if (on_.status) {
        on_.status(connected, detail);
    }
}

void kinesis_lease_reader::publish_held(const run_state& s) {
    counters_.held.store(static_cast<int64_t>(s.held.size()), std::memory_order_relaxed);
}

void kinesis_lease_reader::table_failed(run_state& s, std::string_view what) {
    if (s.table.throttled()) {
        counters_.throttles.fetch_add(1, std::memory_order_relaxed);
        s.table_backoff = grown(s.table_backoff);
    } else {
        report_status(false, std::string(what) + ": " + s.table.error());
    }
    lease_log.info("kinesis: lease table {}: {}: {}", options_.table, what, s.table.error());
}

void kinesis_lease_reader::lose(run_state& s, const std::string& shard, std::string_view why) {
    lease_log.info("kinesis: lost the lease of {} ({})", shard, why);
    counters_.losses.fetch_add(1, std::memory_order_relaxed);
    s.held.erase(shard);
    publish_held(s);
}

// Writes `at` as the shard's checkpoint. False when the lease was lost meanwhile: the shard is
// dropped, and `h` with it.
bool kinesis_lease_reader::checkpoint(run_state& s, const std::string& shard, held_shard& h,
                                      const std::string& at) {
    const auto r = s.table.checkpoint(shard, options_.worker_id, at);
    if (r == lease_write::ok) {
        h.checkpointed = at;
    } else if (r == lease_write::lost) {
        lose(s, shard, "checkpoint refused");
        return false;
    } else {
        counters_.checkpoint_failures.fetch_add(1, std::memory_order_relaxed);
        table_failed(s, "checkpoint");
    }
    return true;
}

void kinesis_lease_reader::hold(run_state& s, shard_lease lease, clock::time_point renewed) {
    held_shard h;
    h.renewed = renewed;
    h.checkpointed = lease.checkpoint;
    const std::string id = lease.shard_id;
    h.lease = std::move(lease);
    s.held[id] = std::move(h);
}

void kinesis_lease_reader::ensure_table(run_state& s) {
    while (!s.stop && !s.table.ensure(s.stop, std::chrono::seconds(30))) {
        table_failed(s, "create");
        wait(s.stop, std::chrono::seconds(2));
    }
}

// Shard sync: every shard listed gets a lease item.
void kinesis_lease_reader::sync_shards(run_state& s) {
    auto listing = list_shards(s.kinesis, options_.stream, s.stop);
    bool ok = listing.error.empty();
    if (!ok) {
        report_status(false, "ListShards: " + listing.error);
        lease_log.info("kinesis: ListShards on {}: {}", options_.stream, listing.error);
    }
    auto leases = ok ? s.table.scan() : std::nullopt;
    if (ok && !leases) {
        table_failed(s, "scan");
        ok = false;
    }
    if (!ok) {
        s.next_sync = clock::now() + std::chrono::seconds(2);
        return;
    }
    const bool first = leases->empty();
    for (const auto& shard : listing.shards) {
        if (!has_lease(*leases, shard.id) &&
            s.table.create(new_lease(shard, first, options_.from_start)) != lease_write::ok) {
            table_failed(s, "create lease");
        }
    }
    report_status(true, {});
    s.next_sync = clock::now() + options_.shard_sync_interval;
}

// Taking: scan, decide, take by conditional writes.
void kinesis_lease_reader::take_leases(run_state& s) {
    s.next_take = clock::now() + options_.take_interval + s.table_backoff;
    const auto leases = s.table.scan();
    if (!leases) {
        table_failed(s, "scan");
        s.next_take = clock::now() + std::chrono::seconds(1) + s.table_backoff;
        return;
    }
    const auto at = clock::now();
    s.coordinator.observe(*leases, at);
    for (const auto& l : *leases) {
        if (s.held.count(l.shard_id) && l.owner != options_.worker_id) {
            lose(s, l.shard_id, "taken by " + l.owner);
        }
    }
    const auto decisions = s.coordinator.decide(*leases, at);
    // Ours in the table but not read: a take whose answer was lost. Adopted (the owner names
    // this process only), so that it is read and renewed.
    for (const auto& l : decisions.renew) {
        if (!s.held.count(l.shard_id)) {
            hold(s, l, at);
        }
    }
    for (const auto& l : decisions.take) {
        if (!s.held.count(l.shard_id)) {
            take_lease(s, l);
        }
    }
    publish_held(s);
    report_status(true, {});
}

void kinesis_lease_reader::take_lease(run_state& s, shard_lease lease) {
    const std::string from = lease.owner;
    const auto r = s.table.take(lease, options_.worker_id);
    if (r == lease_write::ok) {
        counters_.takes.fetch_add(1, std::memory_order_relaxed);
        lease_log.info("kinesis: took the lease of {}{}", lease.shard_id,
                       from.empty() ? std::string() : " from " + from);
        hold(s, std::move(lease), clock::now());
    } else if (r != lease_write::lost) {
        table_failed(s, "take");
    }
}

// Renewing: a lease not renewed within its duration may be someone else's by now.
void kinesis_lease_reader::renew_leases(run_state& s) {
    s.next_renew = clock::now() + options_.renew_interval;
    for (auto it = s.held.begin(); it != s.held.end();) {
        auto& h = it->second;
        ++it;  // `lose` erases
        const auto r = s.table.renew(h.lease, options_.worker_id);
        if (r == lease_write::ok) {
            h.renewed = clock::now();
        } else if (r == lease_write::lost) {
            lose(s, h.lease.shard_id, "renewal refused");
        } else {
            table_failed(s, "renew");
            if (clock::now() - h.renewed >= options_.lease_duration) {
                lose(s, h.lease.shard_id, "not renewed in time");
            }
        }
    }
}

// Reads every held shard that is due; whether any returned records.
bool kinesis_lease_reader::read_held_shards(run_state& s) {
    bool any_records = false;
    for (auto it = s.held.begin(); it != s.held.end() && !s.stop;) {
        auto& h = it->second;
        const std::string id = it->first;
        ++it;  // the shard may be dropped below
        if (clock::now() >= h.next_read && read_shard(s, id, h)) {
            any_records = true;
        }
    }
    return any_records;
}

// One GetRecords of a held shard (positioned first when needed); whether it returned records.
bool kinesis_lease_reader::read_shard(run_state& s, const std::string& id, held_shard& h) {
    if (h.iterator.empty() && !position(s, id, h)) {
        return false;
    }
    json::object req{{"ShardIterator", h.iterator}, {"Limit", 1000}};
    auto res = s.kinesis.call("GetRecords", req);
    if (!res.error.empty()) {
        read_failed(id, h, res.error);
        return false;
    }
    h.backoff = std::chrono::milliseconds(0);
    report_status(true, {});
    if (const auto* behind = res.body.get_object().if_contains("MillisBehindLatest");
        behind && behind->is_number() && on_.behind) {
        on_.behind(id, behind->to_number<int64_t>());
    }
    decode_records(res.body, s.batch);
    const bool any = !s.batch.empty();
    if (any) {
        if (on_.records) {
            on_.records(id, s.batch);
        }
        h.handed = s.batch.back().sequence;
        // Handed over: checkpoint, so a restart or another node continues after it.
        if (!checkpoint(s, id, h, h.handed)) {
            return true;
        }
    }
    const std::string next = string_at(res.body, "NextShardIterator");
    if (next.empty()) {
        finish_shard(s, id);
        return any;
    }
    h.iterator = next;
    h.next_read = clock::now() + (any ? std::chrono::milliseconds(200) : options_.poll_interval);
    return any;
}

// Gets the shard's iterator. False when it is to be tried later, or the shard was dropped.
bool kinesis_lease_reader::position(run_state& s, const std::string& id, held_shard& h) {
    const std::string from = h.handed.empty() ? h.checkpointed : h.handed;
    // LATEST is pinned to the time it was first taken (checkpointed below), so that what
    // arrives later is read even if this node stops before any record did.
    const int64_t latest_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
    auto res = s.kinesis.call("GetShardIterator",
                              iterator_request(options_.stream, id, from, options_.from_start));
    if (!res.error.empty()) {
        if (is_throttling(res.error)) {
            counters_.throttles.fetch_add(1, std::memory_order_relaxed);
        }
        lease_log.info("kinesis: GetShardIterator {}: {}", id, res.error);
        h.next_read = clock::now() + std::chrono::seconds(1);
        if (from.starts_with(checkpoint_at_timestamp) &&
            res.error.find("Timeout") != std::string::npos) {
            // kinesalite (local set-ups) never answers AT_TIMESTAMP when no record came
            // since: then nothing came, and LATEST (pinned anew) loses nothing.
            h.checkpointed.clear();
        }
        return false;
    }
    h.iterator = string_at(res.body, "ShardIterator");
    if (from.empty() && !options_.from_start) {
        return checkpoint(s, id, h, checkpoint_at_timestamp + std::to_string(latest_at_ms));
    }
    return true;
}

void kinesis_lease_reader::read_failed(const std::string& id, held_shard& h,
                                       const std::string& error) {
    if (is_throttling(error)) {
        counters_.throttles.fetch_add(1, std::memory_order_relaxed);
        h.backoff = grown(h.backoff);
        h.next_read = clock::now() + h.backoff;
    } else if (error.find("ExpiredIterator") != std::string::npos) {
        h.iterator.clear();  // re-positioned after what was handed over
    } else {
        report_status(false, "GetRecords: " + error);
        lease_log.info("kinesis: GetRecords {}: {}", id, error);
        h.next_read = clock::now() + std::chrono::seconds(1);
    }
}

// Closed (split or merged) and read to its end: finished, children may start.
void kinesis_lease_reader::finish_shard(run_state& s, const std::string& id) {
    if (s.table.release(id, options_.worker_id, true) != lease_write::ok) {
        table_failed(s, "finish");
    }
    lease_log.info("kinesis: {} read to its end", id);
    s.held.erase(id);
    publish_held(s);
    s.next_sync = clock::now();
    s.next_take = clock::now();
}

// Graceful stop: what was handed over is checkpointed, then every lease is given up.
void kinesis_lease_reader::release_all(run_state& s) {
    for (auto& [id, h] : s.held) {
        if (!h.handed.empty() && h.handed != h.checkpointed &&
            s.table.checkpoint(id, options_.worker_id, h.handed) != lease_write::ok) {
            counters_.checkpoint_failures.fetch_add(1, std::memory_order_relaxed);
        }
        s.table.release(id, options_.worker_id, false);
    }
    s.held.clear();
    publish_held(s);
}

}  // namespace rig::brokers
