#include "common/client_address.h"

#include <arpa/inet.h>

#include <cstring>

#include "common/error.h"

namespace aaiti::net {

namespace {

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool prefix_matches(const IpAddress& a, const IpAddress& b, int prefix) noexcept {
    const int whole = prefix / 8;
    if (std::memcmp(a.bytes.data(), b.bytes.data(), static_cast<std::size_t>(whole)) != 0) return false;
    const int rest = prefix % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a.bytes[static_cast<std::size_t>(whole)] & mask) == (b.bytes[static_cast<std::size_t>(whole)] & mask);
}

}  // namespace

bool IpAddress::parse(std::string_view text, IpAddress& out) noexcept {
    char buf[INET6_ADDRSTRLEN + 1];
    if (text.empty() || text.size() >= sizeof buf) return false;
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    out = IpAddress{};
    if (inet_pton(AF_INET, buf, out.bytes.data()) == 1) return true;
    if (inet_pton(AF_INET6, buf, out.bytes.data()) != 1) return false;
    static constexpr std::uint8_t k_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(out.bytes.data(), k_mapped, sizeof k_mapped) == 0) {
        std::memmove(out.bytes.data(), out.bytes.data() + 12, 4);
        std::memset(out.bytes.data() + 4, 0, 12);
        return true;
    }
    out.v6 = true;
    return true;
}

NetworkList NetworkList::parse(std::string_view list, std::string_view what) {
    NetworkList out;
    out.text_ = std::string(trim(list));
    std::size_t pos = 0;
    while (pos <= list.size()) {
        const auto end = list.find_first_of(", ", pos);
        const std::string_view entry = trim(list.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
        pos = end == std::string_view::npos ? list.size() + 1 : end + 1;
        if (entry.empty()) continue;
        const auto slash = entry.find('/');
        Network n;
        const std::string_view address = entry.substr(0, slash);
        bool ok = IpAddress::parse(address, n.base);
        const int max_prefix = n.base.v6 ? 128 : 32;
        n.prefix = max_prefix;
        if (ok && slash != std::string_view::npos) {
            const std::string_view bits = entry.substr(slash + 1);
            int v = 0;
            ok = !bits.empty() && bits.size() <= 3;
            for (char c : bits) {
                if (c < '0' || c > '9') ok = false;
                v = v * 10 + (c - '0');
            }
            // A mapped IPv4 network (::ffff:10.0.0.0/104) counts its prefix over 128 bits.
            if (ok && !n.base.v6 && address.find(':') != std::string_view::npos) v -= 96;
            ok = ok && v >= 0 && v <= max_prefix;
            n.prefix = v;
        }
        if (!ok)
            throw ConfigError(std::string(what) + ": \"" + std::string(entry) +
                              "\" is not an IP address or network; expected addresses or CIDRs separated by commas "
                              "(127.0.0.1, 10.0.0.0/8, ::1, fd00::/8)");
        out.networks_.push_back(n);
    }
    return out;
}

bool NetworkList::contains(const IpAddress& ip) const noexcept {
    for (const auto& n : networks_)
        if (n.base.v6 == ip.v6 && prefix_matches(n.base, ip, n.prefix)) return true;
    return false;
}

bool NetworkList::contains(std::string_view ip) const noexcept {
    IpAddress a;
    return !networks_.empty() && IpAddress::parse(ip, a) && contains(a);
}

std::string_view host_of_endpoint(std::string_view endpoint) noexcept {
    if (!endpoint.empty() && endpoint.front() == '[') {
        const auto close = endpoint.find(']');
        return close == std::string_view::npos ? endpoint : endpoint.substr(1, close - 1);
    }
    // One colon: IPv4 with a port. More: a bare IPv6 literal, kept whole.
    const auto colon = endpoint.find(':');
    if (colon == std::string_view::npos || endpoint.find(':', colon + 1) != std::string_view::npos) return endpoint;
    return endpoint.substr(0, colon);
}

std::string_view client_address(std::string_view peer, std::string_view forwarded_for, const NetworkList& trusted) noexcept {
    if (trusted.empty() || forwarded_for.empty() || !trusted.contains(peer)) return peer;
    std::string_view client = peer;
    std::string_view rest = forwarded_for;
    while (true) {
        const auto comma = rest.rfind(',');
        // Some proxies write the port too ("203.0.113.7:51234", "[2001:db8::7]:443").
        const std::string_view entry = host_of_endpoint(trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1)));
        if (!entry.empty()) {
            IpAddress a;
            if (!IpAddress::parse(entry, a)) return client;  // garbage: a trusted hop never writes it
            client = entry;
            if (!trusted.contains(a)) return client;
        }
        if (comma == std::string_view::npos) return client;
        rest = rest.substr(0, comma);
    }
}

}  // namespace aaiti::net
