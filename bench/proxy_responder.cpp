// The far end of the `response_from: kafka` benchmark (bench/proxy.py): reads the events rig's
// kafka target produces and answers each on the response topic with the event's correlation
// id, as a service behind the gateway would. C++ on librdkafka's C API so that the responder
// costs less CPU than the gateway it serves (both share the benchmark box's two cores).
//
//   proxy_responder BOOTSTRAP REQUEST_TOPIC RESPONSE_TOPIC
//
// It assigns every partition of REQUEST_TOPIC from the beginning (no consumer group, so no
// rebalance wait), prints "ready", answers until stdin reaches EOF, then prints
// "answered <n> skipped <m>" (skipped: events without a rig.correlation). One thread: the
// consume, produce and delivery-report loop; librdkafka's own threads do the I/O.
#include <librdkafka/rdkafka.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "proxy_responder: %s\n", what.c_str());
    std::exit(1);
}

void set(rd_kafka_conf_t* conf, const char* name, const char* value) {
    char err[256];
    if (rd_kafka_conf_set(conf, name, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fail(std::string(name) + ": " + err);
    }
}

rd_kafka_t* make_client(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
    char err[256];
    rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
    if (rk == nullptr) {
        fail(err);
    }
    return rk;
}

// rig's event carries "rig":{"correlation":"<id>",...}; the id is base64url-like text without
// escapes, so a search is enough for a load tool (rig itself validates what comes back).
std::string_view correlation_of(std::string_view event) {
    constexpr std::string_view key = "\"correlation\":\"";
    const auto at = event.find(key);
    if (at == std::string_view::npos) {
        return {};
    }
    const auto start = at + key.size();
    const auto end = event.find('"', start);
    return end == std::string_view::npos ? std::string_view{} : event.substr(start, end - start);
}

bool stdin_closed() {
    pollfd p{0, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) {
        return false;
    }
    char buf[256];
    return ::read(0, buf, sizeof buf) <= 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        fail("usage: proxy_responder BOOTSTRAP REQUEST_TOPIC RESPONSE_TOPIC");
    }
    const char* bootstrap = argv[1];
    const char* request_topic = argv[2];
    const char* response_topic = argv[3];
    // librdkafka starts threads: keep SIGPIPE and friends away from them.
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, nullptr);

    rd_kafka_conf_t* pconf = rd_kafka_conf_new();
    set(pconf, "bootstrap.servers", bootstrap);
    set(pconf, "linger.ms", "1");  // a waiting client is on the other end
    set(pconf, "acks", "1");
    rd_kafka_t* producer = make_client(RD_KAFKA_PRODUCER, pconf);

    rd_kafka_conf_t* cconf = rd_kafka_conf_new();
    set(cconf, "bootstrap.servers", bootstrap);
    set(cconf, "group.id", "proxy-responder");  // required by the API; assign() joins nothing
    set(cconf, "enable.auto.commit", "false");
    set(cconf, "fetch.wait.max.ms", "5");
    rd_kafka_t* consumer = make_client(RD_KAFKA_CONSUMER, cconf);
    rd_kafka_poll_set_consumer(consumer);

    const rd_kafka_metadata_t* meta = nullptr;
    rd_kafka_topic_t* topic = rd_kafka_topic_new(consumer, request_topic, nullptr);
    if (rd_kafka_metadata(consumer, 0, topic, &meta, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        meta->topic_cnt != 1 || meta->topics[0].partition_cnt == 0) {
        fail(std::string("no metadata for topic ") + request_topic);
    }
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
    for (int i = 0; i < meta->topics[0].partition_cnt; ++i) {
        rd_kafka_topic_partition_list_add(parts, request_topic, meta->topics[0].partitions[i].id)
            ->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_metadata_destroy(meta);
    rd_kafka_topic_destroy(topic);
    if (rd_kafka_assign(consumer, parts) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fail("assign failed");
    }
    rd_kafka_topic_partition_list_destroy(parts);
    std::printf("ready\n");
    std::fflush(stdout);

    rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(consumer);
    std::vector<rd_kafka_message_t*> batch(1024);
    static constexpr std::string_view body = R"({"answer":"from the responder"})";
    long answered = 0;
    long skipped = 0;
    while (!stdin_closed()) {
        // Wait for one message, then take what else is there: a batch call with a timeout
        // would wait for a full batch, holding every request for the whole timeout.
        rd_kafka_message_t* first = rd_kafka_consume_queue(queue, 100);
        if (first == nullptr) {
            rd_kafka_poll(producer, 0);
            continue;
        }
        batch[0] = first;
        const auto more =
            rd_kafka_consume_batch_queue(queue, 0, batch.data() + 1, batch.size() - 1);
        const ssize_t n = 1 + std::max<ssize_t>(more, 0);
        for (ssize_t i = 0; i < n; ++i) {
            rd_kafka_message_t* m = batch[i];
            const std::string_view event =
                m->err ? std::string_view{}
                       : std::string_view(static_cast<const char*>(m->payload), m->len);
            const auto correlation = correlation_of(event);
            if (correlation.empty()) {
                ++skipped;
            } else {
                rd_kafka_resp_err_t err;
                while ((err = rd_kafka_producev(
                            producer, RD_KAFKA_V_TOPIC(response_topic),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_VALUE(const_cast<char*>(body.data()), body.size()),
                            RD_KAFKA_V_HEADER("rig-correlation", correlation.data(),
                                              static_cast<ssize_t>(correlation.size())),
                            RD_KAFKA_V_HEADER("rig-response-code", "200", 3),
                            RD_KAFKA_V_HEADER("content-type", "application/json", 16),
                            RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                    rd_kafka_poll(producer, 10);
                }
                if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                    fail(std::string("produce: ") + rd_kafka_err2str(err));
                }
                ++answered;
            }
            rd_kafka_message_destroy(m);
        }
        rd_kafka_poll(producer, 0);
    }
    rd_kafka_queue_destroy(queue);
    rd_kafka_flush(producer, 5000);
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    rd_kafka_destroy(producer);
    std::printf("answered %ld skipped %ld\n", answered, skipped);
    return 0;
}
