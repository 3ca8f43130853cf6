#include "brokers/kinesis_lease_table.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <thread>

namespace rig::brokers {
namespace json = boost::json;

namespace {

json::object str(std::string_view s) {
    return json::object{{"S", s}};
}

json::object num(uint64_t n) {
    return json::object{{"N", std::to_string(n)}};
}

// The string in a {"S": ...} attribute of `item`, or empty.
std::string attr_s(const json::object& item, std::string_view key) {
    const auto* a = item.if_contains(key);
    if (!a || !a->is_object()) {
        return {};
    }
    const auto* s = a->get_object().if_contains("S");
    return s && s->is_string() ? std::string(s->get_string()) : std::string();
}

uint64_t attr_n(const json::object& item, std::string_view key) {
    const auto* a = item.if_contains(key);
    if (!a || !a->is_object()) {
        return 0;
    }
    const auto* n = a->get_object().if_contains("N");
    if (!n || !n->is_string()) {
        return 0;
    }
    try {
        return std::stoull(std::string(n->get_string()));
    } catch (const std::exception&) {
        return 0;
    }
}

// The strings in a {"SS": [...]} attribute of `item`.
std::vector<std::string> attr_ss(const json::object& item, std::string_view key) {
    std::vector<std::string> out;
    const auto* a = item.if_contains(key);
    const auto* ss = a && a->is_object() ? a->get_object().if_contains("SS") : nullptr;
    if (ss && ss->is_array()) {
        for (const auto& s : ss->get_array()) {
            if (s.is_string()) {
                out.emplace_back(s.get_string());
            }
        }
    }
    return out;
}

// A lease from one scanned item; none when the item has no shard id.
std::optional<shard_lease> lease_from_item(const json::value& v) {
    if (!v.is_object()) {
        return std::nullopt;
    }
    const auto& item = v.get_object();
    shard_lease l;
    l.shard_id = attr_s(item, "leaseKey");
    if (l.shard_id.empty()) {
        return std::nullopt;
    }
    l.owner = attr_s(item, "leaseOwner");
    l.counter = attr_n(item, "leaseCounter");
    l.checkpoint = attr_s(item, "checkpoint");
    l.parents = attr_ss(item, "parentShardIds");
    return l;
}

bool is_throttling(const std::string& error) {
    return error.find("ProvisionedThroughputExceeded") != std::string::npos ||
           error.find("LimitExceeded") != std::string::npos ||
           error.find("Throttling") != std::string::npos ||
           error.find("RequestLimitExceeded") != std::string::npos;
}

}  // namespace

kinesis_lease_table::kinesis_lease_table(kinesis_account account, std::string table)
    : client_(std::move(account), dynamodb_service), table_(std::move(table)) {}

kinesis_result kinesis_lease_table::call(const char* action, const json::object& request) {
    auto res = client_.call(action, request);
    error_ = res.error.empty() ? std::string() : std::string(action) + ": " + res.error;
    throttled_ = is_throttling(res.error);
    return res;
}

bool kinesis_lease_table::ensure(const std::atomic<bool>& stop, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool created = false;
    while (!stop && std::chrono::steady_clock::now() < deadline) {
        auto res = call("DescribeTable", {{"TableName", table_}});
        if (res.error.empty()) {
            const auto* t = res.body.get_object().if_contains("Table");
            if (t && t->is_object()) {
                const auto* status = t->get_object().if_contains("TableStatus");
                if (status && status->is_string() && status->get_string() == "ACTIVE") {
                    return true;
                }
            }
        } else if (res.error.find("ResourceNotFound") != std::string::npos && !created) {
            json::object req{
                {"TableName", table_},
                {"AttributeDefinitions",
                 json::array{json::object{{"AttributeName", "leaseKey"}, {"AttributeType", "S"}}}},
                {"KeySchema",
                 json::array{json::object{{"AttributeName", "leaseKey"}, {"KeyType", "HASH"}}}},
                {"ProvisionedThroughput",
                 json::object{{"ReadCapacityUnits", 10}, {"WriteCapacityUnits", 10}}}};
            auto made = call("CreateTable", req);
            // Another node creating it at the same moment is as good.
            created = made.error.empty() || made.error.find("ResourceInUse") != std::string::npos;
            if (!created) {
                return false;
            }
        } else if (!res.error.empty() && !throttled_ &&
                   res.error.find("ResourceNotFound") == std::string::npos) {
            return false;  // (not found right after creating it: not visible yet)
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // table creation poll
    }
    error_ = "table " + table_ + " not ACTIVE";
    return false;
}

std::optional<std::vector<shard_lease>> kinesis_lease_table::scan() {
    std::vector<shard_lease> out;
    json::value start;
    do {
        json::object req{{"TableName", table_}, {"ConsistentRead", true}};
        if (start.is_object()) {
            req["ExclusiveStartKey"] = start;
        }
        auto res = call("Scan", req);
        if (!res.error.empty() || !res.body.is_object()) {
            return std::nullopt;
        }
        const auto& body = res.body.get_object();
        if (const auto* items = body.if_contains("Items"); items && items->is_array()) {
            for (const auto& v : items->get_array()) {
                if (auto l = lease_from_item(v)) {
                    out.push_back(std::move(*l));
                }
            }
        }
        const auto* last = body.if_contains("LastEvaluatedKey");
        start = last ? *last : json::value();
    } while (start.is_object() && !start.get_object().empty());
    return out;
}

lease_write kinesis_lease_table::update(const json::object& request) {
    auto res = call("UpdateItem", request);
    if (res.error.empty()) {
        return lease_write::ok;
    }
    if (res.error.find("ConditionalCheckFailed") != std::string::npos) {
        return lease_write::lost;
    }
    return throttled_ ? lease_write::throttled : lease_write::failed;
}

lease_write kinesis_lease_table::create(const shard_lease& lease) {
    json::object item{{"leaseKey", str(lease.shard_id)},
                      {"leaseCounter", num(lease.counter)},
                      {"checkpoint", str(lease.checkpoint)}};
    if (lease.checkpoint.empty()) {
        item.erase("checkpoint");  // DynamoDB keeps no empty strings in older versions
    }
    if (!lease.parents.empty()) {
        json::array ss;
        for (const auto& p : lease.parents) {
            ss.emplace_back(p);
        }
        item["parentShardIds"] = json::object{{"SS", std::move(ss)}};
    }
    auto res = call("PutItem", {{"TableName", table_},
                                {"Item", std::move(item)},
                                {"ConditionExpression", "attribute_not_exists(leaseKey)"}});
    if (res.error.empty() || res.error.find("ConditionalCheckFailed") != std::string::npos) {
        return lease_write::ok;
    }
    return throttled_ ? lease_write::throttled : lease_write::failed;
}

lease_write kinesis_lease_table::take(shard_lease& lease, const std::string& owner) {
    const uint64_t next = lease.counter + 1;
    auto r = update({{"TableName", table_},
                     {"Key", {{"leaseKey", str(lease.shard_id)}}},
                     {"UpdateExpression", "SET leaseOwner = :me, leaseCounter = :next"},
                     {"ConditionExpression", "leaseCounter = :c"},
                     {"ExpressionAttributeValues",
                      {{":me", str(owner)}, {":next", num(next)}, {":c", num(lease.counter)}}}});
    if (r == lease_write::ok) {
        lease.counter = next;
        lease.owner = owner;
    }
    return r;
}

lease_write kinesis_lease_table::renew(shard_lease& lease, const std::string& owner) {
    const uint64_t next = lease.counter + 1;
    auto r = update({{"TableName", table_},
                     {"Key", {{"leaseKey", str(lease.shard_id)}}},
                     {"UpdateExpression", "SET leaseCounter = :next"},
                     {"ConditionExpression", "leaseCounter = :c AND leaseOwner = :me"},
                     {"ExpressionAttributeValues",
                      {{":me", str(owner)}, {":next", num(next)}, {":c", num(lease.counter)}}}});
    if (r == lease_write::ok) {
        lease.counter = next;
    }
    return r;
}

lease_write kinesis_lease_table::checkpoint(const std::string& shard, const std::string& owner,
                                            const std::string& checkpoint) {
    return update({{"TableName", table_},
                   {"Key", {{"leaseKey", str(shard)}}},
                   {"UpdateExpression", "SET checkpoint = :cp"},
                   {"ConditionExpression", "leaseOwner = :me"},
                   {"ExpressionAttributeValues", {{":me", str(owner)}, {":cp", str(checkpoint)}}}});
}

lease_write kinesis_lease_table::release(const std::string& shard, const std::string& owner,
                                         bool finished) {
    json::object values{{":me", str(owner)}, {":one", num(1)}};
    std::string set = "SET leaseCounter = leaseCounter + :one";
    if (finished) {
        set += ", checkpoint = :end";
        values[":end"] = str(checkpoint_shard_end);
    }
    return update({{"TableName", table_},
                   {"Key", {{"leaseKey", str(shard)}}},
                   {"UpdateExpression", set + " REMOVE leaseOwner"},
                   {"ConditionExpression", "leaseOwner = :me"},
                   {"ExpressionAttributeValues", std::move(values)}});
}

}  // namespace rig::brokers
