#pragma once
// How the commands reach a supervisor that runs in the background: a lock file it holds while alive (so
// a stale pid file never fools `ps` or `down`), and a FIFO it reads one-line requests from
// ("restart auth-1", "promote"). Both live in the state directory; neither needs a socket path short
// enough for sun_path.
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace aaiti::stack::native {

// Held for the supervisor's lifetime (flock on the file, which also records its pid).
class SupervisorLock {
public:
    // nullopt when another supervisor holds it.
    static std::optional<SupervisorLock> try_acquire(const std::string& path);
    SupervisorLock(SupervisorLock&&) noexcept;
    SupervisorLock& operator=(SupervisorLock&&) = delete;
    ~SupervisorLock();

private:
    explicit SupervisorLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

// The pid of the supervisor holding the lock at `path`; nullopt when none does.
std::optional<pid_t> running_supervisor(const std::string& lock_path);

// The supervisor's end: creates the FIFO if needed and opens it non-blocking (read and write, so it never
// sees end-of-file when a client goes away). Returns the fd.
int open_control_fifo(const std::string& path);
// Complete request lines available on `fd`; `pending` keeps a partial line between calls.
std::vector<std::string> read_control_requests(int fd, std::string& pending);

// A client's end: false when no supervisor is reading the FIFO.
bool send_control_request(const std::string& fifo_path, const std::string& request);

// Every port of `ports` is free on 127.0.0.1, else UnavailableError: "up: port 3001 (auth-1,
// services.auth.port) on 127.0.0.1 is already in use by pid 4242 (python3 -m http.server 3001); stop what
// listens there or change services.auth.port in the stack file". The holder is named when /proc shows it.
struct PortClaim {
    int port = 0;
    std::string owner;  // "auth-1"
    std::string key;    // "services.auth.port"
};
void require_ports_free(const std::vector<PortClaim>& ports);

// Who listens on TCP `port` (IPv4 or IPv6): "pid 4242 (python3 -m http.server 3001)" from /proc/net/tcp{,6}
// and the /proc/<pid>/fd links we may read; "a process of another user (pid not visible; `ss -ltnp` as root
// names it)" when the socket is there but its owner is not visible to us; empty when no listener is found.
std::string port_holder(int port);

}  // namespace aaiti::stack::native
