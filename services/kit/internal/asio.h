#pragma once
// The one way into Asio/Beast for the kit's two Asio TUs (session.cpp, server.cpp).
// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>: it must come first
// (see shared/DEBIAN-DEPS.md). asio::experimental/as_tuple do not exist in 1.74: use
// redirect_error(use_awaitable, ec) for non-throwing co_await.
#include <utility>

// GCC 12 at -O1 (the asan preset) inlines a coroutine's frame allocation and then reports
// -Wmismatched-new-delete on Asio's awaitable_frame_base operator new/delete, which are a matching
// pair (both go through thread_info_base's recycling allocator). A false positive; silenced only in
// the two TUs that include this header.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <chrono>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>

namespace aaiti::kit {

// Coroutines, sockets and timers on an I/O thread are bound to the concrete io_context executor,
// not Asio's default any_io_executor: each I/O thread's objects only ever run on its own context,
// and the type-erased executor cost a copy, a prefer() and an indirect call on every completion
// (8% of the gateway's CPU under load in perf, more than its own code).
using IoExecutor = boost::asio::io_context::executor_type;
template <class T = void>
using IoTask = boost::asio::awaitable<T, IoExecutor>;
inline constexpr boost::asio::use_awaitable_t<IoExecutor> use_io_task{};
using IoSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, IoExecutor>;
using IoAcceptor = boost::asio::basic_socket_acceptor<boost::asio::ip::tcp, IoExecutor>;
using IoTimer = boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                                  boost::asio::wait_traits<std::chrono::steady_clock>, IoExecutor>;

}  // namespace aaiti::kit

namespace aaiti::kit::internal {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
}  // namespace aaiti::kit::internal
