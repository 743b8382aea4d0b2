#include "tests/support/http_peer.h"

#include <stdexcept>

#include <unistd.h>

#include "tests/support/process.h"

namespace aaiti::test {

HttpPeer::HttpPeer() {
    // Debian's interpreter: another python3 earlier on PATH (pyenv, venv) may lack nothing we use, but
    // the system one is the one install-deps.sh guarantees.
    const std::string python = ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{python, "-u", source_path("tests/support/http_peer.py")});
    const std::string marker = "listening on 127.0.0.1:";
    if (!process_->wait_for_output(marker, std::chrono::seconds(15))) {
        throw std::runtime_error("HttpPeer: tests/support/http_peer.py did not start; its stderr:\n" +
                                 process_->err());
    }
    const auto out = process_->out();
    port_ = std::stoi(out.substr(out.find(marker) + marker.size()));
}

HttpPeer::~HttpPeer() = default;

std::string HttpPeer::url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

std::string HttpPeer::log() const { return process_->err(); }

}  // namespace aaiti::test
