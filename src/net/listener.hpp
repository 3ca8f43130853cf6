#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <vector>

#include "net/asio.hpp"

namespace rig::net {

// Opens one listening socket per io_context, all bound to the same address and port with
// SO_REUSEPORT so that the kernel spreads incoming connections over the shards. With port 0
// the first socket picks a free port and the others join it. The sockets have TCP_NODELAY,
// which the connections they accept inherit. Throws on failure (start-up).
std::vector<tcp::acceptor> open_reuseport_acceptors(
    const std::vector<boost::asio::io_context*>& contexts, const std::string& address,
    uint16_t port);

}  // namespace rig::net
