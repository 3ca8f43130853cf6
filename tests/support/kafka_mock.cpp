// A Kafka cluster for end-to-end tests: librdkafka's built-in mock cluster, on real loopback
// sockets, plus a producer, driven by lines on stdin:
//
//   produce <topic> <headers> <value>   headers: name=base64(value);... or "-"; value base64
//   bulk <topic> <count> <value>         produce <count> copies of a message, as fast as possible,
//                                        round-robin over the topic's partitions
//   down | up                            broker 1 stops / resumes answering
//   fetch <topic> <offset>               reads the message at <offset> of partition 0 and answers
//                                        "ok <headers> <value>" in the produce command's encoding
//
// At start it creates the topics named on the command line ("name" or "name:partitions";
// the mock keeps only about the last 5 MB of each partition) and prints one line,
// "bootstrap <host:port,...>"; every command is answered with "ok" or "error <reason>".
// EOF on stdin ends it.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>

#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

long delivered = 0;
long failed = 0;

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    if (m->err) {
        ++failed;
    } else {
        ++delivered;
    }
}

std::string b64decode(const std::string& in) {
    static const std::string chars =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int val = 0, bits = -8;
    for (char c : in) {
        const auto pos = chars.find(c);
        if (pos == std::string::npos) {
            break;
        }
        val = (val << 6) + static_cast<int>(pos);
        bits += 6;
        if (bits >= 0) {
            out += static_cast<char>((val >> bits) & 0xff);
            bits -= 8;
        }
    }
    return out;
}

std::string b64encode(std::string_view in) {
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int val = 0, bits = -6;
    for (unsigned char c : in) {
        val = (val << 8) + c;
        bits += 8;
        while (bits >= 0) {
            out.push_back(chars[(val >> bits) & 0x3f]);
            bits -= 6;
        }
    }
    if (bits > -6) {
        out.push_back(chars[((val << 8) >> (bits + 8)) & 0x3f]);
    }
    while (out.size() % 4) {
        out.push_back('=');
    }
    return out;
}

// One message of partition 0 of `topic`, read by a consumer of its own (no group).
std::string fetch(const std::string& bootstrap, const std::string& topic, long offset) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", "kafka-mock-fetch", err, sizeof err);
    rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (consumer == nullptr) {
        return std::string("error ") + err;
    }
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), 0)->offset = offset;
    rd_kafka_assign(consumer, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    std::string answer("error no message within 30 s");
    if (rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 30000)) {
        if (m->err) {
            answer = std::string("error ") + rd_kafka_message_errstr(m);
        } else {
            std::string head;
            rd_kafka_headers_t* hdrs = nullptr;
            if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                const char* name;
                const void* value;
                size_t size;
                for (size_t i = 0; !rd_kafka_header_get_all(hdrs, i, &name, &value, &size); ++i) {
                    if (!head.empty()) {
                        head.push_back(';');
                    }
                    head.append(name);
                    head.push_back('=');
                    head.append(b64encode({static_cast<const char*>(value), value ? size : 0}));
                }
            }
            const std::string_view body(static_cast<const char*>(m->payload),
                                        m->payload ? m->len : 0);
            answer = "ok ";
            answer.append(head.empty() ? std::string("-") : head);
            answer.push_back(' ');
            answer.append(body.empty() ? std::string("-") : b64encode(body));
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    return answer;
}

}  // namespace

int main(int argc, char** argv) {
    // librdkafka starts threads: keep signals away from them (deps.md §2).
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);

    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    rd_kafka_t* mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (mock_rk == nullptr) {
        std::cerr << "rd_kafka_new: " << err << "\n";
        return 1;
    }
    rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(mock_rk, 1);
    // Topics as "name" or "name:partitions". (The mock keeps about 5 MB per partition.)
    std::map<std::string, int> partitions_of;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto colon = arg.find(':');
        const int partitions = colon == std::string::npos ? 1 : std::stoi(arg.substr(colon + 1));
        partitions_of[arg.substr(0, colon)] = partitions;
        rd_kafka_mock_topic_create(mc, arg.substr(0, colon).c_str(), partitions, 1);
    }
    const std::string bootstrap = rd_kafka_mock_cluster_bootstraps(mc);

    rd_kafka_conf_t* pconf = rd_kafka_conf_new();
    rd_kafka_conf_set(pconf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
    rd_kafka_conf_set(pconf, "linger.ms", "5", err, sizeof err);
    rd_kafka_conf_set(pconf, "queue.buffering.max.messages", "1000000", err, sizeof err);
    rd_kafka_conf_set(pconf, "message.timeout.ms", "30000", err, sizeof err);
    rd_kafka_conf_set_dr_msg_cb(pconf, on_delivery);
    rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof err);
    std::cout << "bootstrap " << bootstrap << std::endl;

    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream in(line);
        std::string cmd;
        in >> cmd;
        if (cmd == "down" || cmd == "up") {
            const auto rc = cmd == "down" ? rd_kafka_mock_broker_set_down(mc, 1)
                                          : rd_kafka_mock_broker_set_up(mc, 1);
            std::cout << (rc ? std::string("error ") + rd_kafka_err2str(rc) : "ok") << std::endl;
        } else if (cmd == "produce") {
            std::string topic, headers_text, value_b64;
            in >> topic >> headers_text >> value_b64;
            rd_kafka_headers_t* headers = rd_kafka_headers_new(8);
            if (headers_text != "-") {
                std::istringstream hs(headers_text);
                std::string item;
                while (std::getline(hs, item, ';')) {
                    const auto eq = item.find('=');
                    const std::string name = item.substr(0, eq);
                    const std::string value = b64decode(item.substr(eq + 1));
                    rd_kafka_header_add(headers, name.c_str(), -1, value.data(),
                                        static_cast<ssize_t>(value.size()));
                }
            }
            const std::string value = value_b64 == "-" ? std::string() : b64decode(value_b64);
            const auto rc =
                rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()),
                                  RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
            if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
                rd_kafka_headers_destroy(headers);
                std::cout << "error " << rd_kafka_err2str(rc) << std::endl;
                continue;
            }
            const auto frc = rd_kafka_flush(producer, 30000);
            std::cout << (frc ? std::string("error ") + rd_kafka_err2str(frc) : "ok") << std::endl;
        } else if (cmd == "bulk") {
            std::string topic, value_b64;
            long count = 0;
            in >> topic >> count >> value_b64;
            const std::string value = b64decode(value_b64);
            delivered = failed = 0;
            // Round-robin, not the producer's sticky partitioner: that fills a few partitions
            // past the mock's 5 MB retention, which then silently drops the oldest messages.
            const int partitions = partitions_of.count(topic) ? partitions_of[topic] : 1;
            for (long i = 0; i < count; ++i) {
                while (rd_kafka_producev(
                           producer, RD_KAFKA_V_TOPIC(topic.c_str()),
                           RD_KAFKA_V_PARTITION(static_cast<int32_t>(i % partitions)),
                           RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                           RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                           RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                    rd_kafka_poll(producer, 10);
                }
                rd_kafka_poll(producer, 0);
            }
            const auto frc = rd_kafka_flush(producer, 120000);
            if (frc || failed) {
                std::cout << "error " << rd_kafka_err2str(frc) << " (" << failed << " of " << count
                          << " not delivered)" << std::endl;
            } else {
                std::cout << "ok" << std::endl;
            }
        } else if (cmd == "fetch") {
            std::string topic;
            long offset = 0;
            in >> topic >> offset;
            std::cout << fetch(bootstrap, topic, offset) << std::endl;
        } else if (!cmd.empty()) {
            std::cout << "error unknown command" << std::endl;
        }
    }
    rd_kafka_destroy(producer);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(mock_rk);
    return 0;
}
