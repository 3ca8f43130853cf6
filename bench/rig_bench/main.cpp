// rig-bench: a target-neutral load generator for event gateways (rig, nginx+nchan, Pushpin).
//
// Subscribers (SSE, or WebSocket with a ws:// URL; TLS with https:// and wss://; with --h2,
// many SSE streams per HTTP/2 connection) are spread over several processes, each binding
// its own 127.0.0.x source address, because one process may hold at most ~20,000 file
// descriptors here. The parent publishes events (one per request, or --pub-batch N per
// request) over one keep-alive connection and gathers what the subscribers saw. Modes:
//   fanout   connect, then for each rate step publish and measure delivery and latency
//   idle     connect, hold, and report the server's resident memory per subscriber
//   connect  open connections as fast as possible and report the connect rate (over TLS:
//            full handshakes per second)
// Server CPU time (from /proc) is reported per unit of work: per connection, per event.
// Run with --help for the options.

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "histogram.hpp"
#include "proc_stats.hpp"
#include "publisher.hpp"
#include "subscriber_worker.hpp"
#include "url.hpp"

namespace rig::bench {
namespace {

const char* usage = R"(usage: rig-bench [options]
  --mode fanout|idle|connect      what to measure (fanout)
  --label NAME                    name of the target in the report (target)
  --sub-url URL[,URL...]          subscriber URL: http://... for SSE, ws://... for WebSocket,
                                  https://... and wss://... over TLS; several (the nodes of a
                                  cluster): subscriber process k uses the (k mod n)-th
  --connections N                 subscriber connections (100)
  --h2                            HTTP/2 SSE subscribers: ALPN h2 over https://, prior
                                  knowledge (h2c) over http://
  --streams-per-connection S      with --h2: SSE streams (subscribers) per connection (1)
  --h2-window BYTES               with --h2: stream flow-control window (6291456)
  --h2-connection-window BYTES    with --h2: connection flow-control window (15728640)
  --insecure                      accept any server certificate (self-signed benchmarks)
  --ca-file FILE                  trust the certificates in FILE (default: the system's)
  --processes P                   subscriber processes (N/15000 rounded up)
  --source-base A.B.C.D           first source address; process k uses base+k (127.0.0.2)
  --no-source-bind                let the kernel pick source addresses
  --max-connecting N              connects (TCP and TLS handshake) in flight per process (256)
  --pub-url URL                   publish URL (fanout; http:// only)
  --pub-body TEMPLATE             request body (one event); {seq}, {ts} and {pad} are filled in
  --pub-content-type TYPE         (application/json; with --pub-batch:
                                  application/cloudevents-batch+json)
  --pub-batch N                   events per request, sent as a JSON array (1); rates and
                                  counts are of events, not requests
  --payload BYTES                 size of {pad} (200)
  --pub-window N                  publish requests in flight (pipelined) on the connection (16)
  --rates R1,R2,...|max           events per second per step; max = as fast as possible (max)
  --step-seconds S                publishing time per step (5)
  --drain-seconds S               how long to wait for stragglers after a step (3)
  --max-p99-ms MS                 stop stepping once p99 exceeds this or events are lost
  --hold-seconds S                idle mode: how long to hold the connections (3)
  --ready-timeout S               give up connecting after S seconds (60)
  --server-pids P1,P2             server processes to sample RSS and CPU from
  --server-match NAME             ... or every process whose executable is NAME
  --json FILE                     write the summary as JSON
  --expect-no-loss                exit 1 if any event was lost or out of order
)";

struct options {
    std::string mode = "fanout", label = "target", sub_url, pub_url, pub_body, pub_content_type,
                source_base = "127.0.0.2", server_match, json_out, ca_file;
    std::size_t connections = 100, processes = 0, payload = 200, max_connecting = 256,
                pub_window = 16, pub_batch = 1, streams_per_connection = 1;
    bool h2 = false, insecure = false;
    h2_windows windows;
    std::vector<std::string> rates{"max"};
    double step_seconds = 5, drain_seconds = 3, hold_seconds = 3, ready_timeout = 60,
           max_p99_ms = 0;
    bool source_bind = true, expect_no_loss = false;
    std::vector<int> server_pids;
};

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, sep)) {
        if (!item.empty()) {
            out.push_back(item);
        }
    }
    return out;
}

bool parse_options(int argc, char** argv, options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "rig-bench: %s needs a value\n", k.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (k == "--help" || k == "-h") {
            std::fputs(usage, stdout);
            std::exit(0);
        } else if (k == "--mode") {
            o.mode = value();
        } else if (k == "--label") {
            o.label = value();
        } else if (k == "--sub-url") {
            o.sub_url = value();
        } else if (k == "--connections") {
            o.connections = std::stoul(value());
        } else if (k == "--h2") {
            o.h2 = true;
        } else if (k == "--streams-per-connection") {
            o.streams_per_connection = std::max<std::size_t>(1, std::stoul(value()));
        } else if (k == "--h2-window") {
            o.windows.stream = std::stoi(value());
        } else if (k == "--h2-connection-window") {
            o.windows.connection = std::stoi(value());
        } else if (k == "--insecure") {
            o.insecure = true;
        } else if (k == "--ca-file") {
            o.ca_file = value();
        } else if (k == "--pub-batch") {
            o.pub_batch = std::max<std::size_t>(1, std::stoul(value()));
        } else if (k == "--processes") {
            o.processes = std::stoul(value());
        } else if (k == "--source-base") {
            o.source_base = value();
        } else if (k == "--no-source-bind") {
            o.source_bind = false;
        } else if (k == "--max-connecting") {
            o.max_connecting = std::stoul(value());
        } else if (k == "--pub-url") {
            o.pub_url = value();
        } else if (k == "--pub-body") {
            o.pub_body = value();
        } else if (k == "--pub-content-type") {
            o.pub_content_type = value();
        } else if (k == "--pub-window") {
            o.pub_window = std::stoul(value());
        } else if (k == "--payload") {
            o.payload = std::stoul(value());
        } else if (k == "--rates") {
            o.rates = split(value(), ',');
        } else if (k == "--step-seconds") {
            o.step_seconds = std::stod(value());
        } else if (k == "--drain-seconds") {
            o.drain_seconds = std::stod(value());
        } else if (k == "--max-p99-ms") {
            o.max_p99_ms = std::stod(value());
        } else if (k == "--hold-seconds") {
            o.hold_seconds = std::stod(value());
        } else if (k == "--ready-timeout") {
            o.ready_timeout = std::stod(value());
        } else if (k == "--server-pids") {
            for (const auto& p : split(value(), ',')) {
                o.server_pids.push_back(std::stoi(p));
            }
        } else if (k == "--server-match") {
            o.server_match = value();
        } else if (k == "--json") {
            o.json_out = value();
        } else if (k == "--expect-no-loss") {
            o.expect_no_loss = true;
        } else {
            std::fprintf(stderr, "rig-bench: unknown option %s\n%s", k.c_str(), usage);
            return false;
        }
    }
    if (o.processes == 0) {
        // At least one process per subscriber URL, and the same number for each.
        const std::size_t urls =
            1 + static_cast<std::size_t>(std::count(o.sub_url.begin(), o.sub_url.end(), ','));
        o.processes = std::max<std::size_t>(1, (o.connections + 14999) / 15000);
        o.processes = (o.processes + urls - 1) / urls * urls;
    }
    if (o.streams_per_connection > 1 && !o.h2) {
        std::fprintf(stderr, "rig-bench: --streams-per-connection needs --h2\n");
        return false;
    }
    if (o.pub_content_type.empty()) {
        o.pub_content_type =
            o.pub_batch > 1 ? "application/cloudevents-batch+json" : "application/json";
    }
    return true;
}

std::string nth_address(const std::string& base, std::size_t k) {
    auto parts = split(base, '.');
    if (parts.size() != 4) {
        return base;
    }
    const int last = std::stoi(parts[3]) + static_cast<int>(k);
    return parts[0] + "." + parts[1] + "." + parts[2] + "." + std::to_string(last);
}

struct worker_handle {
    pid_t pid = -1;
    int to = -1;    // control pipe (write end)
    int from = -1;  // report pipe (read end)
    std::string buffer;
    std::size_t connected = 0, ready = 0, closed = 0, errors = 0;
    uint64_t delivered = 0;
    bool has_report = false;
    std::string report;
};

class fleet {
public:
    // Process k subscribes to targets[k % targets.size()] (several nodes of one cluster).
    fleet(const options& o, const std::vector<url>& targets) {
        std::size_t remaining = o.connections;
        for (std::size_t k = 0; k < o.processes; ++k) {
            const std::size_t share = remaining / (o.processes - k);
            remaining -= share;
            int ctl[2], rep[2];
            if (pipe(ctl) != 0 || pipe(rep) != 0) {
                std::perror("pipe");
                std::exit(1);
            }
            const pid_t pid = fork();
            if (pid == 0) {
                ::close(ctl[1]);
                ::close(rep[0]);
                for (auto& w : workers_) {
                    ::close(w.to);
                    ::close(w.from);
                }
                worker_config cfg;
                cfg.id = static_cast<int>(k);
                cfg.target = targets[k % targets.size()];
                cfg.connections = share;
                cfg.h2 = o.h2;
                cfg.streams_per_connection = o.h2 ? o.streams_per_connection : 1;
                cfg.windows = o.windows;
                cfg.tls.insecure = o.insecure;
                cfg.tls.ca_file = o.ca_file;
                cfg.source_address = o.source_bind ? nth_address(o.source_base, k) : "";
                cfg.max_connecting = o.max_connecting;
                cfg.report_fd = rep[1];
                cfg.control_fd = ctl[0];
                _exit(run_subscriber_worker(cfg));
            }
            ::close(ctl[0]);
            ::close(rep[1]);
            worker_handle w;
            w.pid = pid;
            w.to = ctl[1];
            w.from = rep[0];
            workers_.push_back(std::move(w));
        }
    }

    ~fleet() {
        send("stop");
        for (auto& w : workers_) {
            int status = 0;
            waitpid(w.pid, &status, 0);
            ::close(w.to);
            ::close(w.from);
        }
    }

    void send(const std::string& cmd) {
        const std::string line = cmd + "\n";
        for (auto& w : workers_) {
            if (::write(w.to, line.data(), line.size()) < 0) {
                std::perror("write to worker");
            }
        }
    }

    // Reads whatever the workers have written, waiting at most `ms`.
    void pump(int ms) {
        std::vector<pollfd> fds;
        for (auto& w : workers_) {
            fds.push_back({w.from, POLLIN, 0});
        }
        if (poll(fds.data(), fds.size(), ms) <= 0) {
            return;
        }
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP))) {
                continue;
            }
            char buf[65536];
            const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                continue;
            }
            auto& w = workers_[i];
            w.buffer.append(buf, static_cast<std::size_t>(n));
            std::size_t nl;
            while ((nl = w.buffer.find('\n')) != std::string::npos) {
                const std::string line = w.buffer.substr(0, nl);
                w.buffer.erase(0, nl + 1);
                if (line.rfind("progress ", 0) == 0) {
                    unsigned long long d = 0;
                    std::sscanf(line.c_str(), "progress %zu %zu %llu %zu %zu", &w.connected,
                                &w.ready, &d, &w.closed, &w.errors);
                    w.delivered = d;
                } else if (line.rfind("report ", 0) == 0) {
                    w.report = line;
                    w.has_report = true;
                }
            }
        }
    }

    std::size_t ready() const { return sum(&worker_handle::ready); }
    std::size_t closed() const { return sum(&worker_handle::closed); }
    std::size_t errors() const { return sum(&worker_handle::errors); }
    std::size_t connected() const { return sum(&worker_handle::connected); }
    uint64_t delivered() const {
        uint64_t d = 0;
        for (const auto& w : workers_) {
            d += w.delivered;
        }
        return d;
    }

    struct report {
        std::size_t ready = 0;
        uint64_t delivered = 0, out_of_order = 0, first_ready_ns = 0, last_ready_ns = 0, bytes = 0;
        histogram hist;
    };

    report collect() {
        for (auto& w : workers_) {
            w.has_report = false;
        }
        send("report");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline &&
               !std::all_of(workers_.begin(), workers_.end(),
                            [](const worker_handle& w) { return w.has_report; })) {
            pump(100);
        }
        report r;
        for (const auto& w : workers_) {
            std::istringstream in(w.report.substr(7));
            std::size_t ready = 0;
            uint64_t delivered = 0, ooo = 0, first = 0, last = 0, bytes = 0;
            std::string hist;
            in >> ready >> delivered >> ooo >> first >> last >> bytes >> hist;
            r.ready += ready;
            r.delivered += delivered;
            r.bytes += bytes;
            r.out_of_order += ooo;
            if (first != 0 && (r.first_ready_ns == 0 || first < r.first_ready_ns)) {
                r.first_ready_ns = first;
            }
            r.last_ready_ns = std::max(r.last_ready_ns, last);
            r.hist.merge_serialized(hist);
        }
        return r;
    }

private:
    std::size_t sum(std::size_t worker_handle::*m) const {
        std::size_t s = 0;
        for (const auto& w : workers_) {
            s += w.*m;
        }
        return s;
    }
    std::vector<worker_handle> workers_;
};

struct server_watch {
    std::vector<int> pids;
    proc_sample sample() const { return sample_processes(pids); }
};

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string fmt_double(double v, int prec = 1) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", prec, v);
    return buf;
}

struct step_result {
    std::string rate;
    uint64_t published = 0, delivered = 0, expected = 0, lost = 0, out_of_order = 0,
             delivered_bytes = 0, publish_errors = 0;
    double seconds = 0, publish_rate = 0, delivered_per_s = 0, delivered_bytes_per_s = 0,
           p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0, server_cpu_pct = 0,
           server_cpu_us_per_delivered = 0, server_cpu_us_per_published = 0;
    uint64_t server_rss = 0;
};

std::string json_escape(const std::string& s) {
    std::string out;
    for (const char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

int run(const options& o) {
    std::vector<url> targets;
    for (std::size_t at = 0; at <= o.sub_url.size();) {
        const std::size_t comma = std::min(o.sub_url.find(',', at), o.sub_url.size());
        const auto one = parse_url(o.sub_url.substr(at, comma - at));
        if (!one) {
            std::fprintf(stderr, "rig-bench: bad --sub-url %s\n", o.sub_url.c_str());
            return 2;
        }
        targets.push_back(*one);
        at = comma + 1;
    }
    const auto* sub = &targets.front();
    if (o.h2 && sub->websocket) {
        std::fprintf(stderr, "rig-bench: --h2 is for SSE; WebSocket runs over HTTP/1.1\n");
        return 2;
    }
    const std::size_t per_conn = o.h2 ? o.streams_per_connection : 1;
    const std::size_t subscribers_total = o.connections * per_conn;
    const std::string protocol = sub->websocket ? "ws" : o.h2 ? "h2" : "h1";
    server_watch server;
    server.pids = o.server_pids;
    if (!o.server_match.empty()) {
        auto found = find_processes(o.server_match);
        server.pids.insert(server.pids.end(), found.begin(), found.end());
    }
    const proc_sample baseline = server.sample();

    const auto t0 = std::chrono::steady_clock::now();
    const uint64_t t0_ns = monotonic_ns();
    fleet subscribers(o, targets);
    auto last_print = std::chrono::steady_clock::now();
    while (subscribers.ready() + subscribers.closed() < subscribers_total &&
           seconds_since(t0) < o.ready_timeout) {
        subscribers.pump(100);
        if (seconds_since(last_print) > 1) {
            last_print = std::chrono::steady_clock::now();
            std::fprintf(stderr, "[%s] connecting: %zu ready, %zu failed of %zu\n", o.label.c_str(),
                         subscribers.ready(), subscribers.closed(), subscribers_total);
        }
    }
    const double connect_seconds = seconds_since(t0);
    auto connect_report = subscribers.collect();
    const std::size_t ready = connect_report.ready;
    const double connect_rate =
        connect_report.last_ready_ns > t0_ns
            ? static_cast<double>(ready) /
                  (static_cast<double>(connect_report.last_ready_ns - t0_ns) / 1e9)
            : 0;
    const proc_sample connected_sample = server.sample();
    const double connect_cpu = connected_sample.cpu_seconds - baseline.cpu_seconds;
    const double cpu_us_per_subscriber = ready ? connect_cpu * 1e6 / static_cast<double>(ready) : 0;
    std::fprintf(stderr,
                 "[%s] %zu of %zu subscribers ready in %.2f s (%.0f/s), %zu failed, server CPU "
                 "%.1f µs per subscriber\n",
                 o.label.c_str(), ready, subscribers_total, connect_seconds, connect_rate,
                 subscribers.closed(), cpu_us_per_subscriber);

    std::ostringstream json;
    json << "{\"label\":\"" << json_escape(o.label) << "\",\"mode\":\"" << o.mode
         << "\",\"protocol\":\"" << protocol << "\",\"tls\":" << (sub->tls ? "true" : "false")
         << ",\"connections\":" << o.connections << ",\"streams_per_connection\":" << per_conn
         << ",\"subscribers\":" << subscribers_total << ",\"connected\":" << subscribers.connected()
         << ",\"ready\":" << ready << ",\"failed\":" << subscribers.closed()
         << ",\"connect_seconds\":" << connect_seconds << ",\"connect_rate\":" << connect_rate
         << ",\"connect_server_cpu_s\":" << connect_cpu
         << ",\"server_cpu_us_per_connect\":" << cpu_us_per_subscriber
         << ",\"server_pids\":" << server.pids.size();
    int exit_code = 0;
    if (ready < subscribers_total && o.expect_no_loss) {
        exit_code = 1;
    }

    if (o.mode == "idle" || o.mode == "connect") {
        const auto hold_start = std::chrono::steady_clock::now();
        while (o.mode == "idle" && seconds_since(hold_start) < o.hold_seconds) {
            subscribers.pump(200);
        }
        const proc_sample held = server.sample();
        const double per_subscriber =
            ready ? static_cast<double>(static_cast<int64_t>(held.rss_bytes) -
                                        static_cast<int64_t>(baseline.rss_bytes)) /
                        static_cast<double>(ready)
                  : 0;
        std::printf(
            "| target | subscribers | connect rate /s | server RSS before | server RSS held | RSS "
            "per subscriber |\n");
        std::printf("|---|---|---|---|---|---|\n");
        std::printf("| %s | %zu | %.0f | %.1f MiB | %.1f MiB | %.0f B |\n", o.label.c_str(), ready,
                    connect_rate, static_cast<double>(baseline.rss_bytes) / 1048576.0,
                    static_cast<double>(held.rss_bytes) / 1048576.0, per_subscriber);
        json << ",\"rss_before\":" << baseline.rss_bytes << ",\"rss_held\":" << held.rss_bytes
             << ",\"rss_per_connection\":" << per_subscriber
             << ",\"still_open\":" << (ready - std::min(ready, subscribers.closed())) << "}";
    } else {
        const auto pub_url = parse_url(o.pub_url);
        if (!pub_url || pub_url->tls || pub_url->websocket) {
            std::fprintf(stderr, "rig-bench: bad --pub-url %s (http:// only)\n", o.pub_url.c_str());
            return 2;
        }
        publisher pub(*pub_url, o.pub_content_type, o.pub_body, o.payload, o.pub_window,
                      o.pub_batch);
        if (!pub.start()) {
            std::fprintf(stderr, "rig-bench: cannot connect to %s\n", o.pub_url.c_str());
            return 1;
        }
        uint64_t seq = 0;
        std::vector<step_result> results;
        (void)connected_sample;
        std::printf(
            "| target | rate target /s | published /s | delivered /s | delivered MB/s | p50 ms | "
            "p99 ms | p99.9 ms | max ms | lost | out of order | server CPU %% | CPU µs per "
            "delivery |\n");
        std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        std::fflush(stdout);
        for (const auto& rate : o.rates) {
            subscribers.send("reset");
            subscribers.pump(50);
            const bool max_rate = rate == "max";
            const double per_second = max_rate ? 0 : std::stod(rate);
            std::atomic<uint64_t> published{0};
            const uint64_t first_seq = seq;
            const uint64_t ok_before = pub.ok(), failed_before = pub.failed();
            const auto step_start = std::chrono::steady_clock::now();
            const proc_sample cpu_before = server.sample();
            std::atomic<bool> behind{false};
            std::thread producer([&] {
                uint64_t i = 0;  // events: a batch counts as pub.batch() events
                while (seconds_since(step_start) < o.step_seconds) {
                    if (!max_rate) {
                        const auto due =
                            step_start +
                            std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(static_cast<double>(i) / per_second));
                        if (std::chrono::steady_clock::now() >
                            due + std::chrono::milliseconds(50)) {
                            behind = true;  // the window was full: the target is not keeping up
                        }
                        std::this_thread::sleep_until(due);
                    }
                    if (!pub.send(first_seq + i)) {
                        break;
                    }
                    i += pub.batch();
                    published = i;
                }
                pub.wait_idle();
            });
            while (seconds_since(step_start) < o.step_seconds) {
                subscribers.pump(100);
            }
            producer.join();
            const uint64_t publish_errors = pub.failed() - failed_before;
            (void)ok_before;
            seq += published;
            const double publish_seconds = seconds_since(step_start);
            // Events the server did not accept are not expected at the subscribers.
            const uint64_t accepted = published > publish_errors ? published - publish_errors : 0;
            const uint64_t expected = accepted * ready;
            const auto drain_start = std::chrono::steady_clock::now();
            while (subscribers.delivered() < expected &&
                   seconds_since(drain_start) < o.drain_seconds) {
                subscribers.pump(50);
            }
            const double step_seconds = seconds_since(step_start);
            const proc_sample cpu_after = server.sample();
            auto r = subscribers.collect();
            step_result s;
            s.rate = rate;
            s.published = published;
            s.expected = expected;
            s.delivered = r.delivered;
            s.delivered_bytes = r.bytes;
            s.publish_errors = publish_errors;
            s.lost = expected > r.delivered ? expected - r.delivered : 0;
            s.out_of_order = r.out_of_order;
            s.seconds = step_seconds;
            s.publish_rate = static_cast<double>(published) / publish_seconds;
            s.delivered_per_s = static_cast<double>(r.delivered) / step_seconds;
            s.delivered_bytes_per_s = static_cast<double>(r.bytes) / step_seconds;
            s.p50_ms = r.hist.quantile_us(0.50) / 1000;
            s.p99_ms = r.hist.quantile_us(0.99) / 1000;
            s.p999_ms = r.hist.quantile_us(0.999) / 1000;
            s.max_ms = r.hist.quantile_us(1.0) / 1000;
            const double cpu = cpu_after.cpu_seconds - cpu_before.cpu_seconds;
            s.server_cpu_pct = 100.0 * cpu / step_seconds;
            s.server_cpu_us_per_delivered =
                r.delivered ? cpu * 1e6 / static_cast<double>(r.delivered) : 0;
            s.server_cpu_us_per_published =
                published ? cpu * 1e6 / static_cast<double>(published.load()) : 0;
            s.server_rss = cpu_after.rss_bytes;
            std::printf(
                "| %s | %s | %.0f | %.0f | %.1f | %s | %s | %s | %s | %llu | %llu | %.0f | %.2f "
                "|\n",
                o.label.c_str(), rate.c_str(), s.publish_rate, s.delivered_per_s,
                s.delivered_bytes_per_s / 1e6, fmt_double(s.p50_ms, 2).c_str(),
                fmt_double(s.p99_ms, 2).c_str(), fmt_double(s.p999_ms, 2).c_str(),
                fmt_double(s.max_ms, 2).c_str(), static_cast<unsigned long long>(s.lost),
                static_cast<unsigned long long>(s.out_of_order), s.server_cpu_pct,
                s.server_cpu_us_per_delivered);
            std::fflush(stdout);
            if (publish_errors > 0) {
                std::fprintf(stderr, "[%s] %llu events not accepted; first answer: %s\n",
                             o.label.c_str(), static_cast<unsigned long long>(publish_errors),
                             pub.first_error().c_str());
            }
            if (behind) {
                std::fprintf(stderr, "[%s] the publisher fell behind the target rate\n",
                             o.label.c_str());
            }
            results.push_back(s);
            if (o.expect_no_loss && (s.lost > 0 || s.out_of_order > 0 || publish_errors > 0)) {
                exit_code = 1;
            }
            if (o.max_p99_ms > 0 && (s.p99_ms > o.max_p99_ms || s.lost > 0)) {
                break;
            }
        }
        json << ",\"pub_batch\":" << o.pub_batch << ",\"steps\":[";
        for (std::size_t i = 0; i < results.size(); ++i) {
            const auto& s = results[i];
            json << (i ? "," : "") << "{\"rate\":\"" << s.rate << "\",\"published\":" << s.published
                 << ",\"delivered\":" << s.delivered << ",\"expected\":" << s.expected
                 << ",\"delivered_bytes\":" << s.delivered_bytes
                 << ",\"publish_errors\":" << s.publish_errors << ",\"lost\":" << s.lost
                 << ",\"out_of_order\":" << s.out_of_order << ",\"seconds\":" << s.seconds
                 << ",\"publish_rate\":" << s.publish_rate
                 << ",\"delivered_per_s\":" << s.delivered_per_s
                 << ",\"delivered_bytes_per_s\":" << s.delivered_bytes_per_s
                 << ",\"p50_ms\":" << s.p50_ms << ",\"p99_ms\":" << s.p99_ms
                 << ",\"p999_ms\":" << s.p999_ms << ",\"max_ms\":" << s.max_ms
                 << ",\"server_cpu_pct\":" << s.server_cpu_pct
                 << ",\"server_cpu_us_per_delivered\":" << s.server_cpu_us_per_delivered
                 << ",\"server_cpu_us_per_published\":" << s.server_cpu_us_per_published
                 << ",\"server_rss\":" << s.server_rss << "}";
        }
        json << "]}";
    }
    if (!o.json_out.empty()) {
        std::ofstream(o.json_out) << json.str() << "\n";
    }
    return exit_code;
}

}  // namespace
}  // namespace rig::bench

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);
    rig::bench::options o;
    if (!rig::bench::parse_options(argc, argv, o)) {
        return 2;
    }
    return rig::bench::run(o);
}
