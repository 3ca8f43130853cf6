// net::byte_stream over real loopback sockets: gathered writes, readiness waits with
// non-blocking reads, the end of the stream; plain and TLS (OpenSSL on the socket, ALPN).

#include "net/byte_stream.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "net/tls_context.hpp"

namespace {

namespace asio = boost::asio;
using rig::net::byte_stream;
using tcp = asio::ip::tcp;

std::string tls_fixture(const char* name) {
    return (std::filesystem::path(RIG_TLS_FIXTURES_DIR) / name).string();
}

// The client side: a blocking socket (and SSL) driven from its own thread.
struct client {
    int fd = -1;
    SSL_CTX* ctx = nullptr;
    SSL* ssl = nullptr;

    explicit client(uint16_t port) {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    }
    ~client() {
        if (ssl != nullptr) {
            SSL_free(ssl);
        }
        if (ctx != nullptr) {
            SSL_CTX_free(ctx);
        }
        if (fd >= 0) {
            ::close(fd);
        }
    }
    bool handshake(const char* alpn_wire = nullptr, unsigned alpn_len = 0) {
        ctx = SSL_CTX_new(TLS_client_method());
        ssl = SSL_new(ctx);
        if (alpn_wire != nullptr) {
            SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(alpn_wire), alpn_len);
        }
        SSL_set_fd(ssl, fd);
        return SSL_connect(ssl) == 1;
    }
    std::string read_exactly(std::size_t n) {
        std::string out(n, '\0');
        std::size_t got = 0;
        while (got < n) {
            const int r = ssl != nullptr
                              ? SSL_read(ssl, out.data() + got, static_cast<int>(n - got))
                              : static_cast<int>(::read(fd, out.data() + got, n - got));
            if (r <= 0) {
                break;
            }
            got += static_cast<std::size_t>(r);
        }
        out.resize(got);
        return out;
    }
    void write(std::string_view s) {
        if (ssl != nullptr) {
            SSL_write(ssl, s.data(), static_cast<int>(s.size()));
        } else {
            EXPECT_EQ(::write(fd, s.data(), s.size()), static_cast<ssize_t>(s.size()));
        }
    }
    void end() {
        if (ssl != nullptr) {
            SSL_shutdown(ssl);
        }
        ::shutdown(fd, SHUT_WR);
    }
};

// 300 buffers of 1 KiB (many TLS records, many iovecs), each a different byte.
std::vector<std::string> make_payloads() {
    std::vector<std::string> p;
    for (int i = 0; i < 300; ++i) {
        p.emplace_back(1024, static_cast<char>('a' + i % 26));
    }
    return p;
}

// Runs the server side: optional handshake, one gathered write of every buffer, then reads what
// the client says until the end of the stream. Returns what was read; `alpn` gets the protocol.
std::string serve(asio::io_context& io, byte_stream& s, const std::vector<std::string>& payloads,
                  std::string& alpn) {
    std::vector<asio::const_buffer> buffers;
    for (const auto& p : payloads) {
        buffers.push_back(asio::buffer(p));
    }
    std::string received;
    bool done = false;
    std::function<void()> wait = [&] {
        s.async_wait_readable([&](const rig::net::error_code& ec) {
            if (ec) {
                done = true;
                return;
            }
            char buf[256];
            for (;;) {
                std::size_t n = 0;
                rig::net::error_code rec;
                if (s.read_now(asio::buffer(buf), n, rec) != byte_stream::want::nothing) {
                    wait();
                    return;
                }
                if (rec) {
                    EXPECT_EQ(rec, asio::error::eof);
                    done = true;
                    return;
                }
                received.append(buf, n);
            }
        });
    };
    // A small send buffer makes writes stop half-way and resume: the retry path runs.
    s.socket().set_option(asio::socket_base::send_buffer_size(4096));
    s.async_handshake([&](const rig::net::error_code& ec) {
        ASSERT_FALSE(ec) << ec.message();
        alpn = std::string(s.alpn());
        asio::async_write(s, buffers, [&](const rig::net::error_code& wec, std::size_t n) {
            EXPECT_FALSE(wec) << wec.message();
            EXPECT_EQ(n, payloads.size() * 1024);
            wait();
        });
    });
    io.run_for(std::chrono::seconds(20));
    EXPECT_TRUE(done);
    return received;
}

struct loopback {
    asio::io_context io;
    tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    uint16_t port() const { return acceptor.local_endpoint().port(); }
};

std::string concat(const std::vector<std::string>& p) {
    std::string all;
    for (const auto& s : p) {
        all += s;
    }
    return all;
}

TEST(ByteStream, PlainGatheredWriteThenReadsUntilTheEnd) {
    loopback lb;
    const auto payloads = make_payloads();
    std::string client_read;
    std::thread peer([&] {
        client c(lb.port());
        client_read = c.read_exactly(payloads.size() * 1024);
        c.write("hello from the client");
        c.end();
    });
    byte_stream s(lb.acceptor.accept());
    std::string alpn;
    const std::string got = serve(lb.io, s, payloads, alpn);
    peer.join();
    EXPECT_EQ(client_read, concat(payloads));
    EXPECT_EQ(got, "hello from the client");
    EXPECT_FALSE(s.secure());
    EXPECT_EQ(alpn, "");
}

TEST(ByteStream, TlsHandshakeGatheredWriteAndCleanEnd) {
    auto ctx = rig::net::tls_context::load_server(
        {tls_fixture("rsa-cert.pem"), tls_fixture("rsa-key.pem"), ""}, true);
    ASSERT_TRUE(ctx) << ctx.error().message;
    loopback lb;
    const auto payloads = make_payloads();
    std::string client_read;
    std::thread peer([&] {
        client c(lb.port());
        const char offer[] = "\x02h2\x08http/1.1";
        ASSERT_TRUE(c.handshake(offer, sizeof offer - 1));
        client_read = c.read_exactly(payloads.size() * 1024);
        c.write("hello over TLS");
        c.end();
    });
    byte_stream s(lb.acceptor.accept(), (*ctx)->native());
    std::string alpn;
    const std::string got = serve(lb.io, s, payloads, alpn);
    peer.join();
    EXPECT_TRUE(s.secure());
    EXPECT_EQ(alpn, "h2");
    EXPECT_EQ(client_read, concat(payloads)) << "records reassemble to the frames, in order";
    EXPECT_EQ(got, "hello over TLS");
}

TEST(ByteStream, TlsClientThatJustClosesEndsTheStream) {
    auto ctx = rig::net::tls_context::load_server(
        {tls_fixture("rsa-cert.pem"), tls_fixture("rsa-key.pem"), ""}, false);
    ASSERT_TRUE(ctx);
    loopback lb;
    const std::vector<std::string> payloads(1, std::string(1024, 'x'));
    std::thread peer([&] {
        client c(lb.port());
        ASSERT_TRUE(c.handshake());
        c.read_exactly(1024);
        ::shutdown(c.fd, SHUT_WR);  // no close_notify, as browsers often do
    });
    byte_stream s(lb.acceptor.accept(), (*ctx)->native());
    std::string alpn;
    EXPECT_EQ(serve(lb.io, s, payloads, alpn), "");
    peer.join();
}

}  // namespace
