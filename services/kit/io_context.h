#pragma once
// The hook an async handler uses to do its own I/O on its connection's I/O thread (the gateway's
// upstream client): the calling thread's io_context, so sockets and timers it creates are served by
// the same single-threaded context as the connection, with no lock and no hop between threads.
//
// Beast/Asio TUs only: this header includes Asio (through internal/asio.h). Public kit headers stay
// free of it; a service includes this only in the one TU that speaks Asio.
//
// Rules: call it on an I/O thread (inside an inline or async handler); objects bound to the context
// must be destroyed before the Server is (stop() it first), and must not be used from other threads.
#include <array>
#include <cstdio>
#include <string_view>

#include "services/kit/body_source.h"
#include "services/kit/internal/asio.h"

namespace aaiti::kit {

// The calling I/O thread's io_context; nullptr on any other thread (workers, the test's thread).
boost::asio::io_context* current_io_context() noexcept;
// 0 .. options().threads - 1 for the calling I/O thread of its Server; -1 on any other thread.
// Lets a service keep per-I/O-thread state in a plain vector indexed by it, without locks.
int current_io_thread_index() noexcept;

// The next piece of `source`, awaited from a coroutine; it resumes on its own executor whichever
// thread the source answered from. The kit reads response streams with it, the gateway request ones.
IoTask<BodySource::Piece> read_piece(BodySource& source);

// Writes one piece of a streamed body as it goes on the wire: as it is, or as one HTTP/1.1 chunk
// (size line, bytes, CRLF). With `chunked` and no bytes it writes the last chunk, which ends the
// body. Shared by the kit (responses) and the gateway (requests to upstreams).
template <class AsyncWriteStream>
IoTask<void> write_body_piece(AsyncWriteStream& stream, std::string_view data, bool chunked,
                                              boost::system::error_code& ec) {
    namespace asio = boost::asio;
    const auto done = [&ec] { return asio::redirect_error(use_io_task, ec); };
    if (!chunked) {
        co_await asio::async_write(stream, asio::buffer(data.data(), data.size()), done());
        co_return;
    }
    if (data.empty()) {
        co_await asio::async_write(stream, asio::buffer("0\r\n\r\n", 5), done());
        co_return;
    }
    char size_line[24];
    const int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", data.size());
    std::array<asio::const_buffer, 3> buffers{asio::buffer(size_line, static_cast<std::size_t>(n)),
                                              asio::buffer(data.data(), data.size()), asio::buffer("\r\n", 2)};
    co_await asio::async_write(stream, buffers, done());
}

}  // namespace aaiti::kit
