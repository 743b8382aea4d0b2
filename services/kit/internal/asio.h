#pragma once
// The one way into Asio/Beast for the kit's two Beast TUs (session.cpp, server.cpp).
// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>: it must come first
// (see shared/DEBIAN-DEPS.md). asio::experimental/as_tuple do not exist in 1.74: use
// redirect_error(use_awaitable, ec) for non-throwing co_await.
#include <utility>

// GCC 12 at -O1 (the asan preset) inlines a coroutine's frame allocation and then reports
// -Wmismatched-new-delete on Asio's awaitable_frame_base operator new/delete, which are a matching
// pair (both go through thread_info_base's recycling allocator). A false positive; silenced only in
// the two TUs that include this header.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

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
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace aaiti::kit::internal {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
}  // namespace aaiti::kit::internal
