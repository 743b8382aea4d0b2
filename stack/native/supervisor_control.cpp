#include "stack/native/supervisor_control.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"

namespace aaiti::stack::native {
namespace {

namespace fs = std::filesystem;

// The inodes of the sockets listening on `port` in /proc/net/tcp and tcp6 (state 0A: LISTEN).
std::set<std::string> listening_inodes(int port) {
    std::set<std::string> inodes;
    for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::ifstream in(table);
        std::string line;
        std::getline(in, line);  // the header
        while (std::getline(in, line)) {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
            std::istringstream fields(line);
            std::string sl, local, remote, st, queues, timer, retransmits, uid, timeout, inode;
            if (!(fields >> sl >> local >> remote >> st >> queues >> timer >> retransmits >> uid >> timeout >> inode)) continue;
            const auto colon = local.rfind(':');
            if (st != "0A" || colon == std::string::npos) continue;
            if (std::strtol(local.c_str() + colon + 1, nullptr, 16) == port) inodes.insert(inode);
        }
    }
    return inodes;
}

std::string command_line(const std::string& pid) {
    std::ifstream in("/proc/" + pid + "/cmdline", std::ios::binary);
    std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!raw.empty() && raw.back() == '\0') raw.pop_back();
    for (char& c : raw)
        if (c == '\0' || c == '\n') c = ' ';
    if (raw.size() > 100) raw = raw.substr(0, 97) + "...";
    return raw;
}

}  // namespace

std::string port_holder(int port) {
    const std::set<std::string> inodes = listening_inodes(port);
    if (inodes.empty()) return {};
    std::error_code ec;
    for (const auto& proc : fs::directory_iterator("/proc", ec)) {
        const std::string pid = proc.path().filename().string();
        if (pid.empty() || !std::all_of(pid.begin(), pid.end(), [](unsigned char c) { return std::isdigit(c); })) continue;
        std::error_code fd_ec;
        for (const auto& fd : fs::directory_iterator(proc.path() / "fd", fd_ec)) {
            std::error_code link_ec;
            const std::string target = fs::read_symlink(fd.path(), link_ec).string();
            if (link_ec || target.rfind("socket:[", 0) != 0) continue;
            if (inodes.count(target.substr(8, target.size() - 9))) {
                const std::string cmd = command_line(pid);
                return "pid " + pid + (cmd.empty() ? "" : " (" + cmd + ")");
            }
        }
    }
    return "a process of another user (its pid is not visible to us; `ss -ltnp` as root names it)";
}

std::optional<SupervisorLock> SupervisorLock::try_acquire(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw IoError("up: cannot open " + path + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return std::nullopt;
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
        throw IoError("up: cannot write " + path + ": " + std::strerror(errno));
    return SupervisorLock(fd);
}

SupervisorLock::SupervisorLock(SupervisorLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

SupervisorLock::~SupervisorLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

std::optional<pid_t> running_supervisor(const std::string& lock_path) {
    const int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::optional<pid_t> pid;
    if (::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
        char buf[32] = {};
        const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
        if (n > 0) pid = static_cast<pid_t>(std::atoi(buf));
        if (pid && *pid <= 0) pid.reset();
    }
    ::close(fd);
    return pid;
}

int open_control_fifo(const std::string& path) {
    if (::mkfifo(path.c_str(), 0600) != 0 && errno != EEXIST) throw IoError("up: cannot create " + path + ": " + std::strerror(errno));
    const int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) throw IoError("up: cannot open " + path + ": " + std::strerror(errno));
    return fd;
}

std::vector<std::string> read_control_requests(int fd, std::string& pending) {
    char buf[512];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) pending.append(buf, static_cast<std::size_t>(n));
    std::vector<std::string> lines;
    std::size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
        if (nl > 0) lines.push_back(pending.substr(0, nl));
        pending.erase(0, nl + 1);
    }
    if (pending.size() > 4096) pending.clear();  // garbage without newlines: drop it
    return lines;
}

bool send_control_request(const std::string& fifo_path, const std::string& request) {
    // O_NONBLOCK: fails with ENXIO at once when nobody reads instead of hanging.
    const int fd = ::open(fifo_path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return false;
    const std::string line = request + "\n";  // < PIPE_BUF: written atomically
    const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::close(fd);
    return ok;
}

void require_ports_free(const std::vector<PortClaim>& ports) {
    for (const auto& claim : ports) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw IoError(std::string("up: socket: ") + std::strerror(errno));
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // TIME_WAIT leftovers of a previous run are fine
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(claim.port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const bool taken = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0;
        const int err = errno;
        ::close(fd);
        if (!taken) continue;
        if (err == EACCES)
            throw UnavailableError("up: port " + std::to_string(claim.port) + " (" + claim.owner + ", " + claim.key +
                                   ") needs root to listen on; run as root or change " + claim.key + " in the stack file");
        const std::string holder = port_holder(claim.port);
        throw UnavailableError("up: port " + std::to_string(claim.port) + " (" + claim.owner + ", " + claim.key +
                               ") on 127.0.0.1 is already in use" + (holder.empty() ? "" : " by " + holder) +
                               "; stop what listens there or change " + claim.key + " in the stack file");
    }
}

}  // namespace aaiti::stack::native
