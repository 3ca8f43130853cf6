#include "net/listener.hpp"

#include <sys/socket.h>

#include <boost/asio/socket_base.hpp>
#include <stdexcept>
#include <string>

namespace rig::net {

std::vector<tcp::acceptor> open_reuseport_acceptors(
    const std::vector<boost::asio::io_context*>& contexts, const std::string& address,
    uint16_t port) {
    using reuse_port = boost::asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
    std::vector<tcp::acceptor> out;
    tcp::endpoint ep(boost::asio::ip::make_address(address), port);
    for (auto* io : contexts) {
        tcp::acceptor a(*io);
        a.open(ep.protocol());
        a.set_option(boost::asio::socket_base::reuse_address(true));
        a.set_option(reuse_port(true));
        // Accepted sockets inherit TCP_NODELAY from the listener (Linux): one setsockopt here
        // instead of one per connection. Gathered writes already make the segments large.
        a.set_option(tcp::no_delay(true));
        boost::system::error_code ec;
        a.bind(ep, ec);
        if (ec) {
            throw std::runtime_error("cannot listen on " + address + ":" +
                                     std::to_string(ep.port()) + ": " + ec.message());
        }
        // As deep as the kernel allows (net.core.somaxconn caps it): bursts of connects wait
        // in the queue instead of having their SYNs dropped.
        a.listen(65535);
        // Later acceptors join the port the first one got.
        ep = a.local_endpoint();
        out.push_back(std::move(a));
    }
    return out;
}

}  // namespace rig::net
