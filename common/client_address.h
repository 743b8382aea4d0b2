#pragma once
// Who the client is, behind proxies: lists of networks (addresses and CIDRs) and the walk back along
// X-Forwarded-For past trusted hops only (the rule of nginx's real_ip_recursive and Envoy's
// xff_num_trusted_hops). A hop's own peer address is the only thing it can be sure of; an address in
// X-Forwarded-For is believed only when every hop after it is trusted, so a client cannot forge its
// way into another client's rate-limit bucket or lockout, nor out of its own.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aaiti::net {

// An IPv4 or IPv6 address in binary form. IPv4-mapped IPv6 addresses (::ffff:1.2.3.4) are IPv4.
struct IpAddress {
    std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4
    bool v6 = false;

    // nullopt-free: returns false when `text` is not an address literal (no brackets, no port).
    static bool parse(std::string_view text, IpAddress& out) noexcept;
};

// A set of networks, e.g. "127.0.0.1, 10.0.0.0/8, ::1, fd00::/8". Empty: contains nothing.
class NetworkList {
public:
    NetworkList() = default;
    // Comma- or space-separated addresses and CIDRs. Throws ConfigError naming `what` (the setting)
    // and the entry that is not an address or network.
    static NetworkList parse(std::string_view list, std::string_view what);

    bool contains(const IpAddress& ip) const noexcept;
    bool contains(std::string_view ip) const noexcept;  // false for text that is not an address
    bool empty() const noexcept { return networks_.empty(); }
    const std::string& text() const noexcept { return text_; }  // as given, for messages

private:
    struct Network {
        IpAddress base;
        int prefix = 0;
    };
    std::vector<Network> networks_;
    std::string text_;
};

// The address part of "ip:port" or "[v6]:port" (the kit's remote_address); the text itself otherwise.
std::string_view host_of_endpoint(std::string_view endpoint) noexcept;

// The client's address for a request that arrived from `peer` (an address, no port) carrying
// `forwarded_for` (every X-Forwarded-For value joined by commas, in order; may be empty). When the
// peer is not trusted the header is ignored and the peer is the client. Otherwise the entries are
// taken from the last one back: the first that is not trusted is the client; if all are trusted, the
// first entry is. An entry that is not an address ends the walk at the last trusted address seen.
// The result views `peer` or `forwarded_for`.
std::string_view client_address(std::string_view peer, std::string_view forwarded_for, const NetworkList& trusted) noexcept;

}  // namespace aaiti::net
