#pragma once

// The one place that names the Asio namespace for the project.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace rig {
namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;
}  // namespace rig
