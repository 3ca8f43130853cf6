#include "config/settings_help.hpp"

#include <fmt/format.h>

#include <array>

namespace rig::config {
namespace {

// Keep in step with config/node_options.cpp (tests/unit/settings_help_test.cpp checks the
// names) and with docs/operators.md (the full descriptions).
constexpr auto table = std::to_array<setting_help>({
    // listeners and threads
    {"INBOUND_PORT", "4000", "public HTTP port (0: a free port, see RIG_READY_FILE)"},
    {"RIG_BIND_ADDRESS", "0.0.0.0", "address of the public listener"},
    {"API_HTTP_PORT", "4010", "internal API port"},
    {"RIG_API_BIND_ADDRESS", "0.0.0.0", "address of the internal API (it has no authentication)"},
    {"RIG_SHARDS", "", "event-loop threads, 1-256 (default: the number of cores)"},
    {"RIG_READY_FILE", "", "file (or - for stdout) rig writes its ports to once listening"},
    {"LOG_LEVEL", "info", "debug, info, warn or error"},
    {"LOG_FMT", "erlang", "log line format: erlang (text), json, or gcl (Google Cloud Logging)"},
    {"RIG_DRAIN_TIMEOUT_MS", "10000", "on SIGTERM, how long connections may take to close"},
    {"PROMETHEUS_METRICS_ENABLED", "true", "serve GET :4010/metrics (false: 404)"},
    {"RIG_METRICS_MAX_EVENT_TYPES", "100",
     "event types labelled in forwarded_total; more: [other]"},
    // clients and events
    {"CORS", "*", "Access-Control-Allow-Origin of public responses"},
    {"EXTRACTORS", "", "JSON or a JSON file: fields subscription constraints can use"},
    {"MAX_CONNECTIONS_PER_MINUTE", "5000", "new connections per minute per node (0: no limit)"},
    {"RIG_MAX_CONNECTIONS", "",
     "public connections at once, beyond: 503 (default: the fd limit less a tenth; 0: no cap)"},
    {"RIG_MAX_SUBSCRIPTIONS_PER_CONNECTION", "1000", "subscriptions one connection may hold"},
    {"RIG_MAX_SUBSCRIPTIONS", "2000000",
     "subscriptions all connections of the node hold together, beyond: 429 (0: no cap)"},
    {"RIG_MAX_SUBSCRIPTION_BYTES", "262144", "size of one connection's subscriptions as JSON"},
    {"RIG_MAX_CONSTRAINTS_PER_SUBSCRIPTION", "64", "field constraints in one subscription"},
    {"RIG_MAX_EVENT_TYPE_BYTES", "256", "length of a subscription's event type"},
    {"RIG_MAX_QUEUE_BYTES", "1048576", "unsent bytes per connection before it is a slow consumer"},
    {"RIG_CONFLATION_KEY", "", "JSON pointer: a lagging connection gets the newest event per key"},
    {"RIG_HEARTBEAT_INTERVAL_MS", "15000", "SSE heartbeat comments and WebSocket pings"},
    {"RIG_LONGPOLL_HOLD_MS", "5000", "how long a long poll waits for an event"},
    {"RIG_LONGPOLL_SESSION_TTL_MS", "3600000", "a long-poll session nobody polls ends after this"},
    {"RIG_LONGPOLL_BUFFER", "200", "events kept per long-poll session"},
    {"RIG_HISTORY_SIZE", "10000", "events kept for clients that resume (0: history off)"},
    {"RIG_HISTORY_TTL_S", "300", "longest a kept event stays resumable, in seconds"},
    {"RIG_HISTORY_MAX_BYTES", "67108864", "memory the kept events may hold"},
    {"RIG_SOURCE_BATCH_WINDOW", "16", "batches of consumed events queued per shard"},
    // HTTP limits
    {"RIG_MAX_BODY_BYTES", "1048576", "largest body of rig's own endpoints (413 above)"},
    {"RIG_MAX_BATCH_EVENTS", "1000", "most events in one batched submission"},
    {"RIG_MAX_HEADER_BYTES", "32768", "largest request line plus headers (431 above)"},
    {"RIG_HTTP_IDLE_TIMEOUT_MS", "60000", "idle time allowed between requests on a connection"},
    // HTTPS and HTTP/2
    {"HTTPS_CERTFILE", "", "PEM certificate chain; with HTTPS_KEYFILE turns HTTPS on"},
    {"HTTPS_KEYFILE", "", "PEM private key of the certificate"},
    {"HTTPS_KEYFILE_PASS", "", "passphrase of an encrypted HTTPS_KEYFILE"},
    {"INBOUND_HTTPS_PORT", "4001", "public HTTPS port"},
    {"API_HTTPS_PORT", "4011", "internal API HTTPS port"},
    {"RIG_HTTP2", "true", "offer HTTP/2 by ALPN on the HTTPS ports"},
    {"RIG_TLS_HANDSHAKE_TIMEOUT_MS", "10000", "time a client has to finish its TLS handshake"},
    {"RIG_H2_MAX_STREAMS", "128", "concurrent streams per HTTP/2 connection"},
    {"RIG_H2C", "true", "serve HTTP/2 with prior knowledge on the plain ports"},
    // authentication and checks
    {"JWT_SECRET_KEY", "", "HS secret, or PEM public key / certificate for RS, ES, EdDSA"},
    {"JWT_ALG", "HS256", "JWT algorithm (RS256 by default with RIG_JWKS_URL)"},
    {"RIG_JWT_LEEWAY_S", "0", "clock skew allowed on exp and nbf, in seconds"},
    {"RIG_JWKS_URL", "", "JWK Set URL, instead of JWT_SECRET_KEY"},
    {"RIG_JWKS_REFRESH_S", "300", "JWK Set refresh interval, in seconds"},
    {"JWT_SESSION_FIELD", "/jti", "JSON pointer to a token's session id"},
    {"SUBSCRIPTION_CHECK", "no_check", "no_check, jwt_validation or a URL deciding subscriptions"},
    {"SUBMISSION_CHECK", "no_check", "the same for POST /_rig/v1/events"},
    {"RIG_CHECK_TIMEOUT_MS", "5000", "how long an external check may take"},
    {"RIG_TLS_CA_FILE", "", "extra CA certificates (PEM) for outbound https:// calls"},
    {"RIG_API_KEY", "", "bearer key for the internal API (not /health, /dashboard)"},
    {"RIG_DASHBOARD_MAX_STREAMS", "16", "live dashboard streams open at once (503 beyond)"},
    {"NODE_COOKIE", "", "connection-token key, the same on every node (default: random)"},
    // event sources
    {"KAFKA_BROKERS", "", "comma-separated host:port list; turns Kafka on"},
    {"KAFKA_SOURCE_TOPICS", "rig", "comma-separated topics to consume"},
    {"KAFKATOFILTER_KAFKA_GROUP_ID", "rig-kafka-to-filter", "Kafka consumer group"},
    {"RIG_KAFKA_OFFSET_RESET", "latest", "where a new consumer group starts: latest or earliest"},
    {"RIG_KAFKA_PREFETCH_MB", "256", "most memory librdkafka may hold in pre-fetched messages"},
    {"RIG_KAFKA_FETCH_MAX_MB", "4", "most bytes one Kafka fetch response may hold"},
    {"KAFKA_SASL", "", "plain:USER:PASSWORD, scram-sha-256:... or scram-sha-512:..."},
    {"KAFKA_SSL_ENABLED", "false", "TLS to the Kafka brokers"},
    {"KAFKA_SSL_CA_CERTFILE", "ca.crt.pem", "CA certificate for the brokers (with TLS)"},
    {"KAFKA_SSL_CERTFILE", "client.crt.pem", "client certificate (with TLS)"},
    {"KAFKA_SSL_KEYFILE", "client.key.pem", "client key (with TLS)"},
    {"KAFKA_SSL_KEYFILE_PASS", "", "passphrase of the client key"},
    {"KAFKA_RESTART_DELAY_MS", "20000", "wait before retrying a consumer that cannot start"},
    {"KAFKA_SCHEMA_REGISTRY_HOST", "", "schema registry (host:port or URL) for Avro messages"},
    {"KAFKA_SERIALIZER", "", "avro: produce event data as Confluent Avro (unset: JSON)"},
    {"KAFKA_SCHEMA_REGISTRY_TIMEOUT_MS", "5000", "timeout of one schema registry request"},
    {"KAFKA_SCHEMA_REGISTRY_BACKOFF_MAX_MS", "30000", "longest wait between registry retries"},
    {"RIG_KAFKA_AVRO_QUEUE", "10000", "events waiting to be Avro-encoded, at most"},
    {"NATS_SERVERS", "", "comma-separated host:port or nats:// URLs; turns NATS on"},
    {"NATS_SOURCE_TOPICS", "rig", "comma-separated subjects to consume"},
    {"NATSTOFILTER_QUEUE_GROUP", "rig-nats-to-filter", "NATS queue group"},
    {"KINESIS_ENABLED", "false", "turns Kinesis on"},
    {"KINESIS_STREAM", "RIG-outbound", "the Kinesis stream to read"},
    {"KINESIS_AWS_REGION", "eu-west-1", "region for signing and the default endpoint"},
    {"KINESIS_ENDPOINT", "", "Kinesis endpoint URL (default: AWS's for the region)"},
    {"AWS_ACCESS_KEY_ID", "", "AWS credentials (else the shared credentials file)"},
    {"AWS_SECRET_ACCESS_KEY", "", "AWS credentials (else the shared credentials file)"},
    {"AWS_SESSION_TOKEN", "", "AWS session token"},
    {"AWS_SHARED_CREDENTIALS_FILE", "", "AWS credentials file (default: $HOME/.aws/credentials)"},
    {"AWS_PROFILE", "default", "profile in the AWS credentials file"},
    {"KINESIS_INITIAL_POSITION", "LATEST",
     "where a shard without a checkpoint is read from: LATEST, TRIM_HORIZON"},
    {"RIG_KINESIS_ITERATOR", "LATEST", "older name of KINESIS_INITIAL_POSITION"},
    {"RIG_KINESIS_POLL_MS", "1000", "how often an idle Kinesis shard is polled"},
    {"KINESIS_APP_NAME", "", "DynamoDB lease table: nodes share the shards, resume checkpoints"},
    {"KINESIS_DYNAMODB_ENDPOINT", "", "DynamoDB endpoint URL (default: AWS's for the region)"},
    {"RIG_KINESIS_LEASE_MS", "10000", "a lease not renewed for this long may be taken"},
    {"RIG_KINESIS_LEASE_RENEW_MS", "3333", "how often a node renews its Kinesis leases"},
    {"RIG_KINESIS_LEASE_TAKE_MS", "20000", "how often a node looks for leases to take"},
    {"RIG_KINESIS_SHARD_SYNC_MS", "60000", "how often shards are listed for new leases"},
    // API gateway
    {"PROXY_CONFIG_FILE", "", "JSON array of API definitions, inline or a file"},
    {"PROXY_RECV_TIMEOUT", "5000", "how long a backend may take to answer, in ms"},
    {"RIG_PROXY_CONNECT_TIMEOUT_MS", "8000", "how long connecting to a backend may take"},
    {"PROXY_MAX_BODY_BYTES", "0", "largest body forwarded to a backend (0: unlimited)"},
    {"RIG_PROXY_BUFFER_RESPONSE_BYTES", "262144", "backend answer bytes buffered before streaming"},
    {"RIG_PROXY_MAX_IDLE_PER_BACKEND", "64", "idle backend connections kept per shard"},
    {"RIG_PROXY_METRICS_MAX_PATHS", "1000", "distinct paths in the proxy's metrics"},
    {"PROXY_KAFKA_RESPONSE_TIMEOUT", "5000", "wait for a response_from: kafka answer, in ms"},
    {"PROXY_HTTP_ASYNC_RESPONSE_TIMEOUT", "5000", "wait for a response_from: http_async answer"},
    {"PROXY_KINESIS_RESPONSE_TIMEOUT", "5000", "wait for a response_from: kinesis answer, in ms"},
    {"PROXY_NATS_RESPONSE_TIMEOUT", "60000", "wait for a NATS request's answer, in ms"},
    {"PROXY_KAFKA_RESPONSE_TOPICS", "rig-proxy-response", "topics read for Kafka answers"},
    {"PROXY_KAFKA_RESPONSE_KAFKA_GROUP_ID", "rig-proxy-response", "their consumer group"},
    {"PROXY_KINESIS_REQUEST_REGION", "eu-west-1", "region of the proxy's Kinesis targets"},
    {"PROXY_KINESIS_RESPONSE_STREAM", "", "stream read for response_from: kinesis answers"},
    {"REQUEST_LOG", "", "comma-separated console, kafka: log each proxied request"},
    {"KAFKA_LOG_TOPIC", "rig-request-log", "topic of the Kafka request log"},
    {"KAFKA_LOG_SCHEMA", "",
     "registry subject of the request log's Avro data (KAFKA_SERIALIZER=avro)"},
    // cluster
    {"RIG_CLUSTER_NATS", "", "comma-separated NATS URLs; turns cluster mode on"},
    {"RIG_NODE_ID", "", "this node's name in a cluster (default: host-pid-random)"},
    {"RIG_CLUSTER_TIMEOUT_MS", "2000", "how long cluster requests wait for answers"},
    {"RIG_CLUSTER_PREFIX", "rig", "NATS subject and bucket namespace of the cluster"},
    // tracing
    {"ZIPKIN_ADDR", "", "Zipkin v2 span URL, or host:port (+ /api/v2/spans); empty: no export"},
    {"ZIPKIN_SERVICE_NAME", "rig", "service name of the exported spans"},
    {"JAEGER_HOST", "", "not supported (warned about): point ZIPKIN_ADDR at Jaeger instead"},
    {"RIG_ZIPKIN_QUEUE", "10000", "spans waiting for export; more are dropped and counted"},
    {"RIG_ZIPKIN_BATCH", "100", "most spans per POST to the collector"},
    {"RIG_ZIPKIN_INTERVAL_MS", "1000", "longest a span waits for its batch to fill"},
    {"RIG_ZIPKIN_TIMEOUT_MS", "5000", "how long one POST to the collector may take"},
    {"RIG_TRACESTATE_MAX_BYTES", "512", "longest tracestate passed on (longer: dropped)"},
});

}  // namespace

std::span<const setting_help> settings() {
    return table;
}

std::string help_text() {
    std::string out =
        "Usage: rig [--help | --version | --check-config]\n"
        "\n"
        "rig, a Reactive Interaction Gateway, is configured by environment variables only.\n"
        "\n"
        "Options:\n"
        "  --help          print this text and exit\n"
        "  --version       print the version and exit\n"
        "  --check-config  load and check the configuration (and every file it names) as a\n"
        "                  start would, print \"config ok\" or what is wrong, and exit 0 or 2;\n"
        "                  nothing is listened on or connected to\n"
        "\n"
        "Environment variables (default in brackets, see docs/operators.md):\n";
    for (const auto& s : table) {
        out += fmt::format("  {} [{}]\n      {}\n", s.name,
                           s.default_value.empty() ? "unset" : s.default_value, s.meaning);
    }
    return out;
}

std::string env_file_text() {
    std::string out =
        "# Environment of the rig service (systemd reads it: EnvironmentFile=-/etc/default/rig).\n"
        "# Every setting with its default; uncomment and change what you need.\n"
        "# `rig --check-config` checks this file's settings without starting rig.\n";
    for (const auto& s : table) {
        out += fmt::format("\n# {}\n#{}={}\n", s.meaning, s.name, s.default_value);
    }
    return out;
}

}  // namespace rig::config
