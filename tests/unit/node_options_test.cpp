#include "config/node_options.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "support/openssl_keys.hpp"
#include "support/temp_file.hpp"
namespace {

using namespace std::chrono_literals;
using rig::config::load;
using rig::config::node_options;

using vars = std::map<std::string, std::string>;

rig::core::result<node_options> load_with(const vars& env) {
    return load([&env](const char* name) -> std::optional<std::string> {
        if (auto it = env.find(name); it != env.end()) {
            return it->second;
        }
        return std::nullopt;
    });
}

node_options load_ok(const vars& env) {
    auto r = load_with(env);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r.has_value() ? std::move(*r) : node_options{};
}

std::string load_error(const vars& env) {
    auto r = load_with(env);
    EXPECT_TRUE(r.has_error());
    if (!r.has_error()) {
        return {};
    }
    EXPECT_EQ(r.error().cond, rig::core::condition::bad_request);
    return r.error().message;
}

using rig::test::temp_file;

const char* const greeting_extractor =
    R"({"greeting":{"name":{"stable_field_index":1,"event":{"json_pointer":"/data/name"},)"
    R"("jwt":{"json_pointer":"/username"}}}})";

TEST(NodeOptions, Defaults) {
    const auto o = load_ok({});
    EXPECT_EQ(o.inbound_port, 4000);
    EXPECT_EQ(o.api_port, 4010);
    EXPECT_EQ(o.bind_address, "0.0.0.0");
    EXPECT_EQ(o.api_bind_address, "0.0.0.0");
    EXPECT_GE(o.shards, 1u);
    EXPECT_EQ(o.log_level, rig::log::level::info);
    EXPECT_EQ(o.drain_timeout, 10s);
    EXPECT_TRUE(o.node_cookie.empty());
    EXPECT_TRUE(o.ready_file.empty());
    EXPECT_FALSE(o.jwt.has_value());
    EXPECT_TRUE(o.extractors.types().empty());

    EXPECT_EQ(o.transport.cors_origin, "*");
    EXPECT_EQ(o.transport.max_connections_per_minute, 5000u);
    EXPECT_EQ(o.transport.max_queue_bytes, 1u << 20);
    EXPECT_EQ(o.transport.max_subscriptions, 1000u);
    EXPECT_EQ(o.transport.heartbeat_interval, 15000ms);
    EXPECT_EQ(o.transport.longpoll_hold, 5000ms);
    EXPECT_EQ(o.transport.longpoll_session_ttl, 3600000ms);
    EXPECT_EQ(o.transport.longpoll_buffer, 200u);

    EXPECT_EQ(o.http.max_body_bytes, 1u << 20);
    EXPECT_EQ(o.http.max_header_bytes, 32u << 10);
    EXPECT_EQ(o.http.idle_timeout, 60000ms);
    EXPECT_EQ(o.max_batch_events, 1000u);
}

TEST(NodeOptions, EmptyValuesMeanDefaults) {
    const auto o = load_ok({{"INBOUND_PORT", ""},
                            {"API_HTTP_PORT", "  "},
                            {"LOG_LEVEL", ""},
                            {"EXTRACTORS", ""},
                            {"JWT_SECRET_KEY", ""},
                            {"JWT_ALG", ""},
                            {"CORS", ""}});
    EXPECT_EQ(o.inbound_port, 4000);
    EXPECT_EQ(o.api_port, 4010);
    EXPECT_EQ(o.transport.cors_origin, "*");
    EXPECT_FALSE(o.jwt.has_value());
}

TEST(NodeOptions, ReadsNumericSettings) {
    const auto o = load_ok({{"INBOUND_PORT", "8080"},
                            {"API_HTTP_PORT", " 8081 "},
                            {"RIG_SHARDS", "3"},
                            {"MAX_CONNECTIONS_PER_MINUTE", "0"},
                            {"RIG_MAX_BODY_BYTES", "2048"},
                            {"RIG_MAX_HEADER_BYTES", "4096"},
                            {"RIG_MAX_QUEUE_BYTES", "65536"},
                            {"RIG_MAX_SUBSCRIPTIONS_PER_CONNECTION", "7"},
                            {"RIG_LONGPOLL_BUFFER", "9"},
                            {"RIG_MAX_BATCH_EVENTS", "5"},
                            {"RIG_HEARTBEAT_INTERVAL_MS", "250"},
                            {"RIG_LONGPOLL_HOLD_MS", "0"},
                            {"RIG_LONGPOLL_SESSION_TTL_MS", "120000"},
                            {"RIG_HTTP_IDLE_TIMEOUT_MS", "1500"},
                            {"RIG_DRAIN_TIMEOUT_MS", "0"}});
    EXPECT_EQ(o.inbound_port, 8080);
    EXPECT_EQ(o.api_port, 8081);
    EXPECT_EQ(o.shards, 3u);
    EXPECT_EQ(o.transport.max_connections_per_minute, 0u);
    EXPECT_EQ(o.http.max_body_bytes, 2048u);
    EXPECT_EQ(o.http.max_header_bytes, 4096u);
    EXPECT_EQ(o.transport.max_queue_bytes, 65536u);
    EXPECT_EQ(o.transport.max_subscriptions, 7u);
    EXPECT_EQ(o.transport.longpoll_buffer, 9u);
    EXPECT_EQ(o.max_batch_events, 5u);
    EXPECT_EQ(o.transport.heartbeat_interval, 250ms);
    EXPECT_EQ(o.transport.longpoll_hold, 0ms);
    EXPECT_EQ(o.transport.longpoll_session_ttl, 120000ms);
    EXPECT_EQ(o.http.idle_timeout, 1500ms);
    EXPECT_EQ(o.drain_timeout, 0ms);
}

TEST(NodeOptions, PortZeroAndMaxAreAccepted) {
    const auto o = load_ok({{"INBOUND_PORT", "0"}, {"API_HTTP_PORT", "65535"}});
    EXPECT_EQ(o.inbound_port, 0);
    EXPECT_EQ(o.api_port, 65535);
}

TEST(NodeOptions, PortErrorMessage) {
    EXPECT_EQ(load_error({{"INBOUND_PORT", "x"}}),
              R"(INBOUND_PORT: expected a port number (0-65535), got "x")");
}

TEST(NodeOptions, EveryNumericSettingRejectsGarbage) {
    const char* const names[] = {"INBOUND_PORT",
                                 "API_HTTP_PORT",
                                 "RIG_SHARDS",
                                 "MAX_CONNECTIONS_PER_MINUTE",
                                 "RIG_MAX_BODY_BYTES",
                                 "RIG_MAX_HEADER_BYTES",
                                 "RIG_MAX_QUEUE_BYTES",
                                 "RIG_MAX_SUBSCRIPTIONS_PER_CONNECTION",
                                 "RIG_LONGPOLL_BUFFER",
                                 "RIG_MAX_BATCH_EVENTS",
                                 "RIG_HEARTBEAT_INTERVAL_MS",
                                 "RIG_LONGPOLL_HOLD_MS",
                                 "RIG_LONGPOLL_SESSION_TTL_MS",
                                 "RIG_HTTP_IDLE_TIMEOUT_MS",
                                 "RIG_DRAIN_TIMEOUT_MS"};
    const char* const garbage[] = {
        "abc", "-1", "12x", "1.5", "0x10", "1e3", "+5", "1 2", "99999999999999999999999"};
    for (const char* name : names) {
        for (const char* value : garbage) {
            const std::string message = load_error({{name, value}});
            EXPECT_TRUE(message.starts_with(std::string(name) + ": "))
                << name << "=" << value << " gave: " << message;
            EXPECT_NE(message.find(value), std::string::npos) << message;
        }
    }
}

TEST(NodeOptions, NumericSettingsRejectOutOfRange) {
    const std::pair<const char*, const char*> cases[] = {
        {"INBOUND_PORT", "65536"},
        {"API_HTTP_PORT", "100000"},
        {"RIG_SHARDS", "0"},
        {"RIG_SHARDS", "257"},
        {"MAX_CONNECTIONS_PER_MINUTE", "4294967296"},
        {"RIG_MAX_BODY_BYTES", "0"},
        {"RIG_MAX_HEADER_BYTES", "1023"},
        {"RIG_MAX_HEADER_BYTES", "1048577"},
        {"RIG_MAX_QUEUE_BYTES", "1023"},
        {"RIG_MAX_SUBSCRIPTIONS_PER_CONNECTION", "0"},
        {"RIG_LONGPOLL_BUFFER", "0"},
        {"RIG_LONGPOLL_BUFFER", "100001"},
        {"RIG_MAX_BATCH_EVENTS", "0"},
        {"RIG_MAX_BATCH_EVENTS", "1000001"},
        {"RIG_HEARTBEAT_INTERVAL_MS", "99"},
        {"RIG_LONGPOLL_SESSION_TTL_MS", "999"},
        {"RIG_HTTP_IDLE_TIMEOUT_MS", "99"},
    };
    for (const auto& [name, value] : cases) {
        const std::string message = load_error({{name, value}});
        EXPECT_TRUE(message.starts_with(std::string(name) + ": "))
            << name << "=" << value << " gave: " << message;
    }
}

TEST(NodeOptions, LogLevels) {
    EXPECT_EQ(load_ok({{"LOG_LEVEL", "debug"}}).log_level, rig::log::level::debug);
    EXPECT_EQ(load_ok({{"LOG_LEVEL", "info"}}).log_level, rig::log::level::info);
    EXPECT_EQ(load_ok({{"LOG_LEVEL", "warn"}}).log_level, rig::log::level::warn);
    EXPECT_EQ(load_ok({{"LOG_LEVEL", "warning"}}).log_level, rig::log::level::warn);
    EXPECT_EQ(load_ok({{"LOG_LEVEL", "error"}}).log_level, rig::log::level::error);
    EXPECT_EQ(load_ok({{"LOG_LEVEL", "DEBUG"}}).log_level, rig::log::level::debug);
    EXPECT_EQ(load_ok({{"LOG_LEVEL", " Error "}}).log_level, rig::log::level::error);
}

TEST(NodeOptions, InvalidLogLevel) {
    for (const char* value : {"verbose", "trace", "1", "infos"}) {
        const std::string message = load_error({{"LOG_LEVEL", value}});
        EXPECT_TRUE(message.starts_with("LOG_LEVEL: ")) << message;
    }
}

TEST(NodeOptions, LogFormats) {
    EXPECT_EQ(load_ok({}).log_format, rig::log::format::erlang);
    EXPECT_EQ(load_ok({{"LOG_FMT", ""}}).log_format, rig::log::format::erlang);
    EXPECT_EQ(load_ok({{"LOG_FMT", "erlang"}}).log_format, rig::log::format::erlang);
    EXPECT_EQ(load_ok({{"LOG_FMT", "json"}}).log_format, rig::log::format::json);
    EXPECT_EQ(load_ok({{"LOG_FMT", " JSON "}}).log_format, rig::log::format::json);
    EXPECT_EQ(load_ok({{"LOG_FMT", "gcl"}}).log_format, rig::log::format::gcl);
    EXPECT_EQ(load_ok({{"LOG_FMT", "GCL"}}).log_format, rig::log::format::gcl);
}

TEST(NodeOptions, InvalidLogFormat) {
    for (const char* value : {"xml", "text", "jsonl", "console"}) {
        const std::string message = load_error({{"LOG_FMT", value}});
        EXPECT_TRUE(message.starts_with("LOG_FMT: expected erlang, json or gcl")) << message;
    }
}

TEST(NodeOptions, StringSettings) {
    const auto o = load_ok({{"CORS", "https://example.com"},
                            {"RIG_BIND_ADDRESS", "127.0.0.1"},
                            {"RIG_API_BIND_ADDRESS", " ::1 "},
                            {"NODE_COOKIE", "cookie"},
                            {"RIG_READY_FILE", "/tmp/ready"}});
    EXPECT_EQ(o.transport.cors_origin, "https://example.com");
    EXPECT_EQ(o.bind_address, "127.0.0.1");
    EXPECT_EQ(o.api_bind_address, "::1");
    EXPECT_EQ(o.node_cookie, "cookie");
    EXPECT_EQ(o.ready_file, "/tmp/ready");
}

TEST(NodeOptions, CorsWithLineBreakIsRefused) {
    EXPECT_TRUE(load_error({{"CORS", "https://a.example\r\nX-Evil: 1"}}).starts_with("CORS: "));
    EXPECT_TRUE(load_error({{"CORS", "a\nb"}}).starts_with("CORS: "));
}

TEST(NodeOptions, ExtractorsInlineJson) {
    const auto o = load_ok({{"EXTRACTORS", greeting_extractor}});
    const auto* t = o.extractors.for_type("greeting");
    ASSERT_NE(t, nullptr);
    ASSERT_EQ(t->fields.size(), 1u);
    EXPECT_EQ(t->fields[0].name, "name");
    EXPECT_EQ(t->fields[0].event_pointer, "/data/name");
}

TEST(NodeOptions, ExtractorsInlineJsonWithSurroundingWhitespace) {
    const auto o = load_ok({{"EXTRACTORS", std::string("\n  ") + greeting_extractor + "\n"}});
    EXPECT_NE(o.extractors.for_type("greeting"), nullptr);
}

TEST(NodeOptions, ExtractorsFromFile) {
    const temp_file file(greeting_extractor);
    const auto o = load_ok({{"EXTRACTORS", file.path()}});
    const auto* t = o.extractors.for_type("greeting");
    ASSERT_NE(t, nullptr);
    ASSERT_EQ(t->fields.size(), 1u);
    ASSERT_TRUE(t->fields[0].jwt_pointer.has_value());
    EXPECT_EQ(*t->fields[0].jwt_pointer, "/username");
}

TEST(NodeOptions, ExtractorsFileWithInvalidContent) {
    const temp_file file(R"({"greeting":{"name":{"event":{"json_pointer":"/data/name"}}}})");
    EXPECT_TRUE(load_error({{"EXTRACTORS", file.path()}}).starts_with("EXTRACTORS: "));
}

TEST(NodeOptions, ExtractorsInvalid) {
    EXPECT_TRUE(load_error({{"EXTRACTORS", "{not json"}}).starts_with("EXTRACTORS: "));
    EXPECT_TRUE(load_error({{"EXTRACTORS", R"({"greeting":{"name":{"stable_field_index":0}}})"}})
                    .starts_with("EXTRACTORS: "));
    EXPECT_TRUE(load_error({{"EXTRACTORS", "/nonexistent/rig/extractors.json"}})
                    .starts_with("EXTRACTORS: "));
    EXPECT_TRUE(load_error({{"EXTRACTORS", "[]"}}).starts_with("EXTRACTORS: "));
}

TEST(NodeOptions, ConflationKeyIsOffByDefault) {
    EXPECT_EQ(load_ok({}).extractors.conflation_pointer(), "");
    EXPECT_EQ(load_ok({{"RIG_CONFLATION_KEY", " "}}).extractors.conflation_pointer(), "");
}

TEST(NodeOptions, ConflationKeyIsAJsonPointerKeptWithTheExtractors) {
    const auto o = load_ok({{"RIG_CONFLATION_KEY", " /data/id "},
                            {"EXTRACTORS", R"({"greeting":{"name":{"stable_field_index":0,)"
                                           R"("event":{"json_pointer":"/data/name"}}}})"}});
    EXPECT_EQ(o.extractors.conflation_pointer(), "/data/id");
    EXPECT_NE(o.extractors.for_type("greeting"), nullptr);
    EXPECT_EQ(load_ok({{"RIG_CONFLATION_KEY", "/data/a~1b~0c"}}).extractors.conflation_pointer(),
              "/data/a~1b~0c");
}

TEST(NodeOptions, ConflationKeyInvalid) {
    for (const char* bad : {"data/id", "/data/~2", "/data/~", "id"}) {
        EXPECT_TRUE(load_error({{"RIG_CONFLATION_KEY", bad}}).starts_with("RIG_CONFLATION_KEY: "))
            << bad;
    }
}

TEST(NodeOptions, JwtSecretKeyWithDefaultAlgorithm) {
    const auto o = load_ok({{"JWT_SECRET_KEY", "mysecret"}});
    ASSERT_TRUE(o.jwt.has_value());
    EXPECT_EQ(o.jwt->algorithm, "HS256");
    EXPECT_EQ(o.jwt->key, "mysecret");
}

TEST(NodeOptions, JwtAlgorithmWithoutKeyLeavesJwtUnset) {
    const auto o = load_ok({{"JWT_ALG", "HS512"}});
    EXPECT_FALSE(o.jwt.has_value());
}

TEST(NodeOptions, JwtAlgInvalid) {
    for (const vars& env :
         {vars{{"JWT_ALG", "HS999"}}, vars{{"JWT_ALG", "none"}, {"JWT_SECRET_KEY", "mysecret"}},
          vars{{"JWT_ALG", "PS256"}, {"JWT_SECRET_KEY", "mysecret"}}}) {
        const std::string message = load_error(env);
        EXPECT_TRUE(message.starts_with("JWT_ALG: ")) << message;
    }
}

TEST(NodeOptions, Rs256WithNonPemKey) {
    const std::string message = load_error({{"JWT_ALG", "RS256"}, {"JWT_SECRET_KEY", "mysecret"}});
    EXPECT_TRUE(message.starts_with("JWT_SECRET_KEY: ")) << message;
}

std::string ec_public_pem() {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    EXPECT_NE(key, nullptr);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    EXPECT_EQ(PEM_write_bio_PUBKEY(bio.get(), key.get()), 1);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

TEST(NodeOptions, PemKeyAccepted) {
    const std::string pem = ec_public_pem();
    const auto o = load_ok({{"JWT_ALG", "ES256"}, {"JWT_SECRET_KEY", pem}});
    ASSERT_TRUE(o.jwt.has_value());
    EXPECT_EQ(o.jwt->algorithm, "ES256");
    EXPECT_EQ(o.jwt->key, pem);
}

TEST(NodeOptions, PemKeyOnOneLineWithEscapedNewlines) {
    const std::string pem = ec_public_pem();
    std::string one_line;
    for (char c : pem) {
        if (c == '\n') {
            one_line += "\\n";
        } else {
            one_line += c;
        }
    }
    const auto o = load_ok({{"JWT_ALG", "ES256"}, {"JWT_SECRET_KEY", one_line}});
    ASSERT_TRUE(o.jwt.has_value());
    EXPECT_EQ(o.jwt->key, pem);
}

TEST(NodeOptions, KafkaIsOffWithoutBrokers) {
    EXPECT_FALSE(load_ok({}).kafka.has_value());
    EXPECT_FALSE(load_ok({{"KAFKA_BROKERS", " "}}).kafka.has_value());
}

TEST(NodeOptions, KafkaDefaults) {
    const auto o = load_ok({{"KAFKA_BROKERS", "a:9092, b:9092"}});
    ASSERT_TRUE(o.kafka.has_value());
    EXPECT_EQ(o.kafka->brokers, "a:9092, b:9092");
    EXPECT_EQ(o.kafka->topics, std::vector<std::string>{"rig"});
    EXPECT_EQ(o.kafka->group_id, "rig-kafka-to-filter");
    EXPECT_FALSE(o.kafka->from_earliest);
    EXPECT_FALSE(o.kafka->ssl);
    EXPECT_TRUE(o.kafka->sasl_mechanism.empty());
    EXPECT_EQ(o.kafka->restart_delay, 20s);
    EXPECT_EQ(o.kafka->prefetch_mb, 256u);
    EXPECT_EQ(o.kafka->fetch_max_mb, 4u);
}

TEST(NodeOptions, KafkaSettings) {
    const auto o = load_ok({{"KAFKA_BROKERS", "k:1"},
                            {"KAFKA_SOURCE_TOPICS", "a, b,,c"},
                            {"KAFKATOFILTER_KAFKA_GROUP_ID", "g"},
                            {"KAFKA_SASL", "scram-sha-512:user:pa:ss"},
                            {"KAFKA_SSL_ENABLED", "true"},
                            {"KAFKA_SSL_CA_CERTFILE", "/ca.pem"},
                            {"KAFKA_RESTART_DELAY_MS", "1500"},
                            {"RIG_KAFKA_OFFSET_RESET", "Earliest"},
                            {"RIG_KAFKA_PREFETCH_MB", "64"},
                            {"RIG_KAFKA_FETCH_MAX_MB", "16"}});
    ASSERT_TRUE(o.kafka.has_value());
    EXPECT_EQ(o.kafka->topics, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(o.kafka->group_id, "g");
    EXPECT_EQ(o.kafka->sasl_mechanism, "scram-sha-512");
    EXPECT_EQ(o.kafka->sasl_user, "user");
    EXPECT_EQ(o.kafka->sasl_password, "pa:ss");
    EXPECT_TRUE(o.kafka->ssl);
    EXPECT_EQ(o.kafka->ssl_ca_file, "/ca.pem");
    EXPECT_EQ(o.kafka->ssl_cert_file, "client.crt.pem");
    EXPECT_EQ(o.kafka->restart_delay, 1500ms);
    EXPECT_TRUE(o.kafka->from_earliest);
    EXPECT_EQ(o.kafka->prefetch_mb, 64u);
    EXPECT_EQ(o.kafka->fetch_max_mb, 16u);
}

TEST(NodeOptions, KafkaInvalidSettings) {
    const vars base{{"KAFKA_BROKERS", "k:1"}};
    const auto with = [&base](const char* name, const char* value) {
        vars v = base;
        v[name] = value;
        return v;
    };
    EXPECT_NE(load_error(with("KAFKA_SASL", "gssapi:u:p")).find("KAFKA_SASL"), std::string::npos);
    // The password never appears in the error.
    EXPECT_EQ(load_error(with("KAFKA_SASL", "plain:secret")).find("secret"), std::string::npos);
    EXPECT_NE(load_error(with("KAFKA_SSL_ENABLED", "maybe")).find("KAFKA_SSL_ENABLED"),
              std::string::npos);
    EXPECT_NE(load_error(with("RIG_KAFKA_OFFSET_RESET", "middle")).find("RIG_KAFKA_OFFSET_RESET"),
              std::string::npos);
    EXPECT_NE(load_error(with("RIG_KAFKA_PREFETCH_MB", "0")).find("RIG_KAFKA_PREFETCH_MB"),
              std::string::npos);
    EXPECT_NE(load_error(with("RIG_KAFKA_PREFETCH_MB", "4096")).find("RIG_KAFKA_PREFETCH_MB"),
              std::string::npos);
    EXPECT_NE(load_error(with("RIG_KAFKA_FETCH_MAX_MB", "0")).find("RIG_KAFKA_FETCH_MAX_MB"),
              std::string::npos);
    EXPECT_NE(load_error(with("RIG_KAFKA_FETCH_MAX_MB", "2048")).find("RIG_KAFKA_FETCH_MAX_MB"),
              std::string::npos);
}

// --- HTTPS -------------------------------------------------------------------------------

// The committed TLS fixtures; CMake passes their directory.
std::string tls_fixture(const char* name) {
    return (std::filesystem::path(RIG_TLS_FIXTURES_DIR) / name).string();
}

// The protocol the node's TLS context picks for a client offering "h2,http/1.1", found by a
// handshake in memory.
std::string alpn_for_h2_client(const node_options& o) {
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> client(SSL_CTX_new(TLS_client_method()),
                                                             SSL_CTX_free);
    const unsigned char offer[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    EXPECT_EQ(SSL_CTX_set_alpn_protos(client.get(), offer, sizeof offer), 0);
    std::unique_ptr<SSL, decltype(&SSL_free)> c(SSL_new(client.get()), SSL_free);
    std::unique_ptr<SSL, decltype(&SSL_free)> s(SSL_new(o.tls->native()), SSL_free);
    BIO* c_end = nullptr;
    BIO* s_end = nullptr;
    EXPECT_EQ(BIO_new_bio_pair(&c_end, 0, &s_end, 0), 1);
    SSL_set_bio(c.get(), c_end, c_end);
    SSL_set_bio(s.get(), s_end, s_end);
    SSL_set_connect_state(c.get());
    SSL_set_accept_state(s.get());
    for (int round = 0; round < 20; ++round) {
        const int rc = SSL_do_handshake(c.get());
        const int rs = SSL_do_handshake(s.get());
        if (rc == 1 && rs == 1) {
            const unsigned char* data = nullptr;
            unsigned len = 0;
            SSL_get0_alpn_selected(s.get(), &data, &len);
            return std::string(reinterpret_cast<const char*>(data), len);
        }
    }
    ERR_clear_error();
    ADD_FAILURE() << "handshake failed";
    return {};
}

TEST(NodeOptions, HttpsIsOffByDefault) {
    const auto o = load_ok({});
    EXPECT_EQ(o.inbound_https_port, 4001);
    EXPECT_EQ(o.api_https_port, 4011);
    EXPECT_TRUE(o.http2);
    EXPECT_FALSE(o.tls);
    // Blank values count as unset.
    EXPECT_FALSE(load_ok({{"HTTPS_CERTFILE", " "}, {"HTTPS_KEYFILE", ""}}).tls);
}

TEST(NodeOptions, HttpsPorts) {
    const auto o = load_ok({{"INBOUND_HTTPS_PORT", "8443"}, {"API_HTTPS_PORT", " 0 "}});
    EXPECT_EQ(o.inbound_https_port, 8443);
    EXPECT_EQ(o.api_https_port, 0);
    EXPECT_EQ(load_error({{"INBOUND_HTTPS_PORT", "x"}}),
              R"(INBOUND_HTTPS_PORT: expected a port number (0-65535), got "x")");
    EXPECT_EQ(load_error({{"API_HTTPS_PORT", "65536"}}),
              R"(API_HTTPS_PORT: expected a port number (0-65535), got "65536")");
    EXPECT_EQ(load_error({{"API_HTTPS_PORT", "-1"}}),
              R"(API_HTTPS_PORT: expected a port number (0-65535), got "-1")");
}

TEST(NodeOptions, Http2Setting) {
    EXPECT_FALSE(load_ok({{"RIG_HTTP2", "false"}}).http2);
    EXPECT_FALSE(load_ok({{"RIG_HTTP2", "0"}}).http2);
    EXPECT_TRUE(load_ok({{"RIG_HTTP2", "TRUE"}}).http2);
    EXPECT_TRUE(load_ok({{"RIG_HTTP2", " "}}).http2);  // blank = default
    EXPECT_EQ(load_error({{"RIG_HTTP2", "maybe"}}),
              R"(RIG_HTTP2: expected true or false, got "maybe")");
}

TEST(NodeOptions, HttpsLoadsTheCertificateAndKey) {
    const auto o = load_ok({{"HTTPS_CERTFILE", tls_fixture("rsa-cert.pem")},
                            {"HTTPS_KEYFILE", tls_fixture("rsa-key.pem")}});
    ASSERT_TRUE(o.tls);
    EXPECT_EQ(SSL_CTX_check_private_key(o.tls->native()), 1);
    EXPECT_EQ(alpn_for_h2_client(o), "h2");
    const auto encrypted = load_ok({{"HTTPS_CERTFILE", tls_fixture("rsa-cert.pem")},
                                    {"HTTPS_KEYFILE", tls_fixture("rsa-key-pkcs8-encrypted.pem")},
                                    {"HTTPS_KEYFILE_PASS", "rig-test-pass"}});
    EXPECT_TRUE(encrypted.tls);
}

TEST(NodeOptions, Http2OffMeansNoH2ByAlpn) {
    const auto o = load_ok({{"HTTPS_CERTFILE", tls_fixture("ec-cert.pem")},
                            {"HTTPS_KEYFILE", tls_fixture("ec-key.pem")},
                            {"RIG_HTTP2", "false"}});
    ASSERT_TRUE(o.tls);
    EXPECT_EQ(alpn_for_h2_client(o), "http/1.1");
}

TEST(NodeOptions, HttpsRelativePathsAreRelativeToTheWorkingDirectory) {
    const auto before = std::filesystem::current_path();
    std::filesystem::current_path(std::filesystem::path(tls_fixture("rsa-cert.pem")).parent_path());
    const auto r =
        load_with({{"HTTPS_CERTFILE", "rsa-cert.pem"}, {"HTTPS_KEYFILE", "./rsa-key.pem"}});
    std::filesystem::current_path(before);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_TRUE(r->tls);
}

TEST(NodeOptions, HttpsNeedsBothFiles) {
    EXPECT_EQ(load_error({{"HTTPS_CERTFILE", tls_fixture("rsa-cert.pem")}}),
              "HTTPS_KEYFILE: required when HTTPS_CERTFILE is set");
    EXPECT_EQ(load_error({{"HTTPS_KEYFILE", tls_fixture("rsa-key.pem")}}),
              "HTTPS_CERTFILE: required when HTTPS_KEYFILE is set");
    EXPECT_EQ(load_error({{"HTTPS_KEYFILE_PASS", "rig-test-pass"}}),
              "HTTPS_KEYFILE_PASS: set without HTTPS_CERTFILE and HTTPS_KEYFILE");
}

TEST(NodeOptions, HttpsFileProblemsNameTheVariable) {
    const std::string missing = tls_fixture("missing.pem");
    EXPECT_EQ(
        load_error({{"HTTPS_CERTFILE", missing}, {"HTTPS_KEYFILE", tls_fixture("rsa-key.pem")}}),
        "HTTPS_CERTFILE: cannot read \"" + missing + "\": No such file or directory");
    const std::string key = tls_fixture("rsa-key-traditional-encrypted.pem");
    EXPECT_EQ(load_error({{"HTTPS_CERTFILE", tls_fixture("rsa-cert.pem")},
                          {"HTTPS_KEYFILE", key},
                          {"HTTPS_KEYFILE_PASS", "wrong"}}),
              "HTTPS_KEYFILE_PASS: wrong passphrase for \"" + key + "\"");
    EXPECT_EQ(load_error({{"HTTPS_CERTFILE", tls_fixture("rsa-cert.pem")}, {"HTTPS_KEYFILE", key}}),
              "HTTPS_KEYFILE_PASS: \"" + key + "\" is encrypted and no passphrase is set");
    const std::string other = tls_fixture("other-key.pem");
    EXPECT_EQ(
        load_error({{"HTTPS_CERTFILE", tls_fixture("rsa-cert.pem")}, {"HTTPS_KEYFILE", other}}),
        "HTTPS_KEYFILE: the key in \"" + other + "\" does not match the certificate");
}

TEST(NodeOptions, Http2AndTlsLimits) {
    const auto d = load_ok({});
    EXPECT_EQ(d.http.h2_max_streams, 128U);
    EXPECT_TRUE(d.http.h2c);
    EXPECT_EQ(d.http.handshake_timeout, 10s);
    const auto o = load_ok({{"RIG_H2_MAX_STREAMS", "250"},
                            {"RIG_H2C", "false"},
                            {"RIG_TLS_HANDSHAKE_TIMEOUT_MS", "2500"}});
    EXPECT_EQ(o.http.h2_max_streams, 250U);
    EXPECT_FALSE(o.http.h2c);
    EXPECT_EQ(o.http.handshake_timeout, 2500ms);
    EXPECT_EQ(load_error({{"RIG_H2_MAX_STREAMS", "0"}}),
              "RIG_H2_MAX_STREAMS: expected a stream count (1-100000), got \"0\"");
    EXPECT_EQ(load_error({{"RIG_H2C", "maybe"}}), "RIG_H2C: expected true or false, got \"maybe\"");
}

TEST(NodeOptions, CheckUrlsOverHttpAndHttps) {
    const auto o = load_ok({{"SUBSCRIPTION_CHECK", "https://checks.example.com:8443/subs"},
                            {"SUBMISSION_CHECK", " HTTP://127.0.0.1:9000/events "}});
    EXPECT_EQ(o.subscription_check.kind, rig::checks::check_options::mode::url);
    EXPECT_EQ(o.subscription_check.url, "https://checks.example.com:8443/subs");
    EXPECT_EQ(o.submission_check.kind, rig::checks::check_options::mode::url);
    EXPECT_EQ(o.submission_check.url, "HTTP://127.0.0.1:9000/events");
}

TEST(NodeOptions, CheckUrlsThatCannotBeCalledAreRefused) {
    for (const char* name : {"SUBSCRIPTION_CHECK", "SUBMISSION_CHECK"}) {
        for (const char* url : {"https://", "http:///x", "https://h:99999/x"}) {
            const std::string message = load_error({{name, url}});
            EXPECT_TRUE(message.starts_with(std::string(name) + ": ")) << message;
            EXPECT_NE(message.find(url), std::string::npos) << message;
        }
        const std::string message = load_error({{name, "ftp://h/x"}});
        EXPECT_NE(message.find("http:// or https://"), std::string::npos) << message;
    }
}

TEST(NodeOptions, TlsCaFile) {
    EXPECT_EQ(load_ok({}).tls_ca_file, "");
    rig::test::pkey_ptr key(EVP_EC_gen("P-256"));
    temp_file ca(rig::test::certificate_pem(key.get(), EVP_sha256()));
    EXPECT_EQ(load_ok({{"RIG_TLS_CA_FILE", ca.path()}}).tls_ca_file, ca.path());
}

TEST(NodeOptions, TlsCaFileThatCannotBeUsedIsNamed) {
    temp_file not_pem("no certificate here\n");
    const std::string missing =
        (std::filesystem::temp_directory_path() / "rig_unit_no_such_ca.pem").string();
    for (const std::string& path : {missing, not_pem.path()}) {
        const std::string message = load_error({{"RIG_TLS_CA_FILE", path}});
        EXPECT_TRUE(message.starts_with("RIG_TLS_CA_FILE: ")) << message;
        EXPECT_NE(message.find(path), std::string::npos) << message;
    }
}

}  // namespace

TEST(NodeOptions, ClusterModeIsOffByDefault) {
    EXPECT_FALSE(load_ok({}).cluster.has_value());
}

TEST(NodeOptions, ClusterSettings) {
    const auto o = load_ok({{"RIG_CLUSTER_NATS", "127.0.0.1:4222, nats://10.0.0.2:4222"},
                            {"NODE_COOKIE", "c"},
                            {"RIG_NODE_ID", "node-a"},
                            {"RIG_CLUSTER_TIMEOUT_MS", "500"},
                            {"RIG_CLUSTER_PREFIX", "prod.rig"}});
    ASSERT_TRUE(o.cluster.has_value());
    EXPECT_EQ(o.cluster->servers,
              (std::vector<std::string>{"nats://127.0.0.1:4222", "nats://10.0.0.2:4222"}));
    EXPECT_EQ(o.cluster->node_id, "node-a");
    EXPECT_EQ(o.cluster->timeout, 500ms);
    EXPECT_EQ(o.cluster->prefix, "prod.rig");
}

TEST(NodeOptions, ClusterDefaultsAndGeneratedNodeIds) {
    const vars env{{"RIG_CLUSTER_NATS", "nats://127.0.0.1:4222"}, {"NODE_COOKIE", "c"}};
    const auto one = load_ok(env);
    const auto two = load_ok(env);
    EXPECT_EQ(one.cluster->timeout, 2000ms);
    EXPECT_EQ(one.cluster->prefix, "rig");
    EXPECT_FALSE(one.cluster->node_id.empty());
    EXPECT_NE(one.cluster->node_id, two.cluster->node_id);
}

TEST(NodeOptions, ClusterNeedsACookie) {
    const auto r = load_with({{"RIG_CLUSTER_NATS", "nats://127.0.0.1:4222"}});
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("NODE_COOKIE"), std::string::npos) << r.error().message;
}

TEST(NodeOptions, ClusterPrefixMustBeSubjectTokens) {
    for (const char* bad : {"a..b", ".rig", "rig.", "r*g", "r>g", "r g"}) {
        const auto r = load_with({{"RIG_CLUSTER_NATS", "nats://127.0.0.1:4222"},
                                  {"NODE_COOKIE", "c"},
                                  {"RIG_CLUSTER_PREFIX", bad}});
        EXPECT_FALSE(r.has_value()) << bad;
    }
}

TEST(NodeOptions, KinesisResponseStream) {
    EXPECT_TRUE(load_ok({}).proxy.kinesis_response_stream.empty());
    const vars kinesis = {{"KINESIS_ENABLED", "true"},
                          {"AWS_ACCESS_KEY_ID", "id"},
                          {"AWS_SECRET_ACCESS_KEY", "secret"},
                          {"PROXY_KINESIS_RESPONSE_STREAM", " answers "}};
    EXPECT_EQ(load_ok(kinesis).proxy.kinesis_response_stream, "answers");
    const auto error = load_error({{"PROXY_KINESIS_RESPONSE_STREAM", "answers"}});
    EXPECT_NE(error.find("PROXY_KINESIS_RESPONSE_STREAM: needs KINESIS_ENABLED"), std::string::npos)
        << error;
}
