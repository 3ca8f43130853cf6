// Each module's options parser on its own: defaults when nothing is set, and a bad value is a
// bad_request naming its variable.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "auth/auth_options.hpp"
#include "checks/check_options.hpp"
#include "cluster/cluster_options.hpp"
#include "core/env.hpp"
#include "http/server_options.hpp"
#include "hub/history_options.hpp"
#include "proxy/proxy_options.hpp"
#include "sources/kafka_options.hpp"
#include "sources/kinesis_options.hpp"
#include "sources/nats_options.hpp"
#include "transport/transport_options.hpp"

namespace {

using namespace std::chrono_literals;
using vars = std::map<std::string, std::string>;

rig::core::env env_of(const vars& v) {
    return rig::core::env([v](const char* name) -> std::optional<std::string> {
        if (auto it = v.find(name); it != v.end()) {
            return it->second;
        }
        return std::nullopt;
    });
}

// The error's message, which must name `variable`; empty (and a failure) when there is none.
template <class Result>
std::string error_of(const Result& r, const std::string& variable) {
    EXPECT_TRUE(r.has_error()) << variable;
    if (!r.has_error()) {
        return {};
    }
    EXPECT_EQ(r.error().cond, rig::core::condition::bad_request);
    EXPECT_TRUE(r.error().message.starts_with(variable + ": ")) << r.error().message;
    return r.error().message;
}

TEST(Env, ReadsTrimsAndNamesTheVariable) {
    const auto env = env_of({{"A", " 12 "}, {"B", "  "}, {"C", "x"}, {"D", "yes"}});
    EXPECT_EQ(env.get("A"), "12");
    EXPECT_EQ(env.get("B"), std::nullopt);
    EXPECT_EQ(env.raw("B"), "  ");
    EXPECT_EQ(env.value("B", "fallback"), "fallback");
    unsigned n = 7;
    EXPECT_FALSE(env.read_uint("A", n, 0, 100, "expected a count"));
    EXPECT_EQ(n, 12u);
    EXPECT_FALSE(env.read_uint("B", n, 0, 100, "expected a count"));
    EXPECT_EQ(n, 12u);
    const auto e = env.read_uint("C", n, 0, 100, "expected a count");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->message, "C: expected a count, got \"x\"");
    EXPECT_TRUE(env.read_uint("A", n, 0, 11, "expected a count"));  // above max
    bool flag = false;
    EXPECT_FALSE(env.read_bool("D", flag));
    EXPECT_TRUE(flag);
    EXPECT_TRUE(env.read_bool("C", flag));
    EXPECT_EQ(rig::core::split_list(" a, ,b ,"), (std::vector<std::string>{"a", "b"}));
}

TEST(ServerOptions, DefaultsAndBadValues) {
    const auto s = rig::http::parse_server_options(env_of({}));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->max_body_bytes, 1u << 20);
    EXPECT_EQ(s->idle_timeout, 60s);
    EXPECT_TRUE(s->h2c);
    error_of(rig::http::parse_server_options(env_of({{"RIG_MAX_HEADER_BYTES", "10"}})),
             "RIG_MAX_HEADER_BYTES");
    error_of(rig::http::parse_server_options(env_of({{"RIG_H2C", "perhaps"}})), "RIG_H2C");
}

TEST(TransportOptions, DefaultsAndBadValues) {
    const auto t = rig::transport::parse_transport_options(env_of({}));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->cors_origin, "*");
    EXPECT_EQ(t->max_connections_per_minute, 5000u);
    EXPECT_EQ(
        rig::transport::parse_transport_options(env_of({{"CORS", " https://a "}}))->cors_origin,
        "https://a");
    error_of(rig::transport::parse_transport_options(env_of({{"CORS", "a\r\nX: y"}})), "CORS");
    error_of(rig::transport::parse_transport_options(env_of({{"RIG_LONGPOLL_HOLD_MS", "-1"}})),
             "RIG_LONGPOLL_HOLD_MS");
}

TEST(HistoryOptions, DefaultsAndBadValues) {
    const auto h = rig::hub::parse_history_limits(env_of({{"RIG_HISTORY_TTL_S", "60"}}));
    ASSERT_TRUE(h);
    EXPECT_EQ(h->max_events, 10'000u);
    EXPECT_EQ(h->ttl, 60s);
    error_of(rig::hub::parse_history_limits(env_of({{"RIG_HISTORY_TTL_S", "0"}})),
             "RIG_HISTORY_TTL_S");
}

TEST(ClusterOptions, OffWithoutServersAndNeedsACookie) {
    const auto off = rig::cluster::parse_cluster_options(env_of({}), "");
    ASSERT_TRUE(off);
    EXPECT_FALSE(off->has_value());
    error_of(rig::cluster::parse_cluster_options(env_of({{"RIG_CLUSTER_NATS", "a:4222"}}), ""),
             "RIG_CLUSTER_NATS");
    const auto on = rig::cluster::parse_cluster_options(
        env_of({{"RIG_CLUSTER_NATS", "a:4222, nats://b:4222"}, {"RIG_NODE_ID", "n1"}}), "cookie");
    ASSERT_TRUE(on && on->has_value());
    EXPECT_EQ((*on)->servers, (std::vector<std::string>{"nats://a:4222", "nats://b:4222"}));
    EXPECT_EQ((*on)->node_id, "n1");
    EXPECT_EQ((*on)->prefix, "rig");
    error_of(rig::cluster::parse_cluster_options(
                 env_of({{"RIG_CLUSTER_NATS", "a"}, {"RIG_CLUSTER_PREFIX", "a..b"}}), "cookie"),
             "RIG_CLUSTER_PREFIX");
}

TEST(AuthOptions, DefaultsAndBadValues) {
    const auto a = rig::auth::parse_auth_options(env_of({}));
    ASSERT_TRUE(a);
    EXPECT_FALSE(a->jwt);
    EXPECT_EQ(a->jwt_algorithm, "HS256");
    EXPECT_EQ(a->session_field, "/jti");
    const auto keyed = rig::auth::parse_auth_options(env_of({{"JWT_SECRET_KEY", "secret"}}));
    ASSERT_TRUE(keyed && keyed->jwt);
    EXPECT_EQ(keyed->jwt->key, "secret");
    error_of(rig::auth::parse_auth_options(env_of({{"JWT_ALG", "XX999"}})), "JWT_ALG");
    error_of(rig::auth::parse_auth_options(env_of({{"JWT_SESSION_FIELD", "jti"}})),
             "JWT_SESSION_FIELD");
    error_of(rig::auth::parse_auth_options(env_of({{"RIG_JWKS_URL", "ftp://x"}})), "RIG_JWKS_URL");
}

TEST(CheckOptions, DefaultsAndBadValues) {
    const auto c = rig::checks::parse_check_options(
        env_of({{"SUBMISSION_CHECK", "JWT_VALIDATION"}, {"RIG_CHECK_TIMEOUT_MS", "250"}}));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->subscription.kind, rig::checks::check_options::mode::no_check);
    EXPECT_EQ(c->submission.kind, rig::checks::check_options::mode::jwt_validation);
    EXPECT_EQ(c->submission.timeout, 250ms);
    error_of(rig::checks::parse_check_options(env_of({{"SUBSCRIPTION_CHECK", "always"}})),
             "SUBSCRIPTION_CHECK");
}

TEST(KafkaOptions, OffWithoutBrokersDefaultsAndBadValues) {
    const auto off = rig::sources::parse_kafka_options(env_of({}));
    ASSERT_TRUE(off);
    EXPECT_FALSE(off->has_value());
    const auto k = rig::sources::parse_kafka_options(env_of({{"KAFKA_BROKERS", "b:9092"}}));
    ASSERT_TRUE(k && k->has_value());
    EXPECT_EQ((*k)->topics, std::vector<std::string>{"rig"});
    EXPECT_EQ((*k)->group_id, "rig-kafka-to-filter");
    EXPECT_FALSE((*k)->ssl);
    EXPECT_EQ((*k)->ssl_ca_file, "");
    error_of(rig::sources::parse_kafka_options(
                 env_of({{"KAFKA_BROKERS", "b"}, {"KAFKA_SASL", "kerberos:u:p"}})),
             "KAFKA_SASL");
    error_of(rig::sources::parse_kafka_options(
                 env_of({{"KAFKA_BROKERS", "b"}, {"RIG_KAFKA_PREFETCH_MB", "0"}})),
             "RIG_KAFKA_PREFETCH_MB");
}

// Avro (issue 14): KAFKA_SERIALIZER is avro or unset, and avro needs the schema registry.
TEST(KafkaOptions, AvroSettings) {
    const auto k = rig::sources::parse_kafka_options(
        env_of({{"KAFKA_BROKERS", "b"},
                {"KAFKA_SERIALIZER", "Avro"},
                {"KAFKA_SCHEMA_REGISTRY_HOST", "reg:8081"},
                {"KAFKA_SCHEMA_REGISTRY_BACKOFF_MAX_MS", "200"}}));
    ASSERT_TRUE(k && k->has_value());
    EXPECT_TRUE((*k)->avro_serializer);
    EXPECT_EQ((*k)->schema_registry_host, "reg:8081");
    EXPECT_EQ((*k)->schema_registry_backoff_max, std::chrono::milliseconds(200));
    EXPECT_EQ((*k)->schema_registry_timeout, std::chrono::milliseconds(5000));
    EXPECT_EQ((*k)->avro_queue_limit, 10'000u);
    error_of(rig::sources::parse_kafka_options(
                 env_of({{"KAFKA_BROKERS", "b"}, {"KAFKA_SERIALIZER", "avro"}})),
             "KAFKA_SERIALIZER");
    error_of(rig::sources::parse_kafka_options(env_of({{"KAFKA_BROKERS", "b"},
                                                       {"KAFKA_SERIALIZER", "protobuf"},
                                                       {"KAFKA_SCHEMA_REGISTRY_HOST", "r:1"}})),
             "KAFKA_SERIALIZER");
    error_of(rig::sources::parse_kafka_options(
                 env_of({{"KAFKA_BROKERS", "b"}, {"RIG_KAFKA_AVRO_QUEUE", "0"}})),
             "RIG_KAFKA_AVRO_QUEUE");
}

// RIG's defaults when the KAFKA_SSL_* files are unset; an empty one is no such option (RIG's
// Azure Event Hubs set-up gives only a CA).
TEST(KafkaOptions, EmptySslFileSkipsThatOption) {
    const auto defaults = rig::sources::parse_kafka_options(
        env_of({{"KAFKA_BROKERS", "b"}, {"KAFKA_SSL_ENABLED", "true"}}));
    ASSERT_TRUE(defaults && defaults->has_value());
    EXPECT_EQ((*defaults)->ssl_ca_file, "ca.crt.pem");
    EXPECT_EQ((*defaults)->ssl_cert_file, "client.crt.pem");
    EXPECT_EQ((*defaults)->ssl_key_file, "client.key.pem");
    const auto ca_only =
        rig::sources::parse_kafka_options(env_of({{"KAFKA_BROKERS", "b"},
                                                  {"KAFKA_SSL_ENABLED", "true"},
                                                  {"KAFKA_SSL_CA_CERTFILE", "/ca"},
                                                  {"KAFKA_SSL_CERTFILE", ""},
                                                  {"KAFKA_SSL_KEYFILE", " "},
                                                  {"KAFKA_SSL_KEYFILE_PASS", ""}}));
    ASSERT_TRUE(ca_only && ca_only->has_value());
    EXPECT_EQ((*ca_only)->ssl_ca_file, "/ca");
    EXPECT_EQ((*ca_only)->ssl_cert_file, "");
    EXPECT_EQ((*ca_only)->ssl_key_file, "");
    EXPECT_EQ((*ca_only)->ssl_key_password, "");
    const auto c = (*ca_only)->connection();
    EXPECT_TRUE(c.ssl);
    EXPECT_EQ(c.ssl_cert_file, "");
}

TEST(NatsOptions, OffWithoutServersAndDefaults) {
    const auto off = rig::sources::parse_nats_options(env_of({}));
    ASSERT_TRUE(off);
    EXPECT_FALSE(off->has_value());
    const auto n = rig::sources::parse_nats_options(env_of({{"NATS_SERVERS", "a:4222"}}));
    ASSERT_TRUE(n && n->has_value());
    EXPECT_EQ((*n)->servers, std::vector<std::string>{"nats://a:4222"});
    EXPECT_EQ((*n)->queue_group, "rig-nats-to-filter");
}

TEST(KinesisOptions, OffByDefaultAndBadValues) {
    const auto off = rig::sources::parse_kinesis_options(env_of({}));
    ASSERT_TRUE(off);
    EXPECT_FALSE(off->has_value());
    error_of(rig::sources::parse_kinesis_options(env_of({{"KINESIS_ENABLED", "sometimes"}})),
             "KINESIS_ENABLED");
    const vars creds = {{"KINESIS_ENABLED", "true"},
                        {"AWS_ACCESS_KEY_ID", "id"},
                        {"AWS_SECRET_ACCESS_KEY", "secret"}};
    const auto k = rig::sources::parse_kinesis_options(env_of(creds));
    ASSERT_TRUE(k && k->has_value());
    EXPECT_EQ((*k)->stream, "RIG-outbound");
    EXPECT_EQ((*k)->region, "eu-west-1");
    auto bad = creds;
    bad["RIG_KINESIS_ITERATOR"] = "middle";
    error_of(rig::sources::parse_kinesis_options(env_of(bad)), "RIG_KINESIS_ITERATOR");
}

TEST(KinesisOptions, LeaseTableSettings) {
    const vars creds = {{"KINESIS_ENABLED", "true"},
                        {"AWS_ACCESS_KEY_ID", "id"},
                        {"AWS_SECRET_ACCESS_KEY", "secret"}};
    // Unset: no lease table; KCL's timings otherwise.
    const auto k = rig::sources::parse_kinesis_options(env_of(creds));
    ASSERT_TRUE(k && k->has_value());
    EXPECT_EQ((*k)->app_name, "");
    EXPECT_EQ((*k)->lease_duration, 10000ms);
    EXPECT_EQ((*k)->lease_renew_interval, 3333ms);
    EXPECT_EQ((*k)->lease_take_interval, 20000ms);
    EXPECT_EQ((*k)->shard_sync_interval, 60000ms);
    auto set = creds;
    set["KINESIS_APP_NAME"] = "Reactive-Interaction-Gateway";
    set["KINESIS_DYNAMODB_ENDPOINT"] = "http://127.0.0.1:4568/";
    set["RIG_KINESIS_LEASE_MS"] = "2000";
    set["RIG_KINESIS_LEASE_RENEW_MS"] = "500";
    const auto l = rig::sources::parse_kinesis_options(env_of(set));
    ASSERT_TRUE(l && l->has_value());
    EXPECT_EQ((*l)->app_name, "Reactive-Interaction-Gateway");
    EXPECT_EQ((*l)->dynamodb_account().endpoint, "http://127.0.0.1:4568/");
    EXPECT_EQ((*l)->dynamodb_account().access_key, "id");
    EXPECT_EQ((*l)->account().endpoint, "");
    EXPECT_EQ((*l)->lease_duration, 2000ms);
    // Not a DynamoDB table name.
    for (const char* name : {"ab", "has space", "sl/ash"}) {
        auto bad = set;
        bad["KINESIS_APP_NAME"] = name;
        error_of(rig::sources::parse_kinesis_options(env_of(bad)), "KINESIS_APP_NAME");
    }
    // A lease that would expire between its renewals.
    auto slow = set;
    slow["RIG_KINESIS_LEASE_RENEW_MS"] = "2000";
    error_of(rig::sources::parse_kinesis_options(env_of(slow)), "RIG_KINESIS_LEASE_RENEW_MS");
    auto tiny = set;
    tiny["RIG_KINESIS_LEASE_MS"] = "10";
    error_of(rig::sources::parse_kinesis_options(env_of(tiny)), "RIG_KINESIS_LEASE_MS");
}

TEST(ProxyOptions, DefaultsAndBadValues) {
    const auto p = rig::proxy::parse_proxy_options(env_of({}), 1234, false, false);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->max_event_body_bytes, 1234u);
    EXPECT_EQ(p->recv_timeout, 5000ms);
    EXPECT_EQ(p->kafka_log_topic, "rig-request-log");
    error_of(rig::proxy::parse_proxy_options(env_of({{"REQUEST_LOG", "kafka"}}), 1, false, false),
             "REQUEST_LOG");
    EXPECT_TRUE(
        rig::proxy::parse_proxy_options(env_of({{"REQUEST_LOG", "kafka"}}), 1, true, false));
    error_of(rig::proxy::parse_proxy_options(env_of({{"PROXY_KINESIS_RESPONSE_STREAM", "s"}}), 1,
                                             false, false),
             "PROXY_KINESIS_RESPONSE_STREAM");
    error_of(
        rig::proxy::parse_proxy_options(env_of({{"PROXY_RECV_TIMEOUT", "0"}}), 1, false, false),
        "PROXY_RECV_TIMEOUT");
}

}  // namespace
