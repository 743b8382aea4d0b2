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
boost::asio::awaitable<BodySource::Piece> read_piece(BodySource& source);

}  // namespace aaiti::kit
