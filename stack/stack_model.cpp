#include "stack/stack_model.h"

#include <arpa/inet.h>
#include <charconv>
#include <cstdint>
#include <stdexcept>

#include "common/error.h"

namespace aaiti::stack {

std::string_view to_string(Profile profile) {
    switch (profile) {
        case Profile::production: return "production";
        case Profile::replica: return "replica";
        case Profile::monitoring: return "monitoring";
    }
    return "production";
}

const std::vector<Profile>& all_profiles() {
    static const std::vector<Profile> profiles = {Profile::production, Profile::replica, Profile::monitoring};
    return profiles;
}

Profile parse_profile(std::string_view name) {
    for (Profile p : all_profiles())
        if (to_string(p) == name) return p;
    throw UsageError("unknown profile \"" + std::string(name) + "\"; use production, replica or monitoring");
}

std::vector<std::string> instance_names(const Service& service) {
    if (service.replicas <= 1) return {service.name};
    std::vector<std::string> names;
    for (int i = 1; i <= service.replicas; ++i) names.push_back(service.name + "-" + std::to_string(i));
    return names;
}

int instance_host_port(const Service& service, int index) { return service.port + 100 * index; }

const Service* Stack::find_service(std::string_view name) const {
    for (const auto& s : services)
        if (s.name == name) return &s;
    return nullptr;
}

const Service& Stack::gateway() const {
    if (const Service* g = find_service("gateway")) return *g;
    throw ConfigError("the stack has no service named gateway");
}

namespace {

constexpr int k_min_subnet_prefix = 16;  // room for every instance a stack can have
constexpr int k_max_subnet_prefix = 24;  // 126 addresses for Docker, 128 for the fixed ones
constexpr std::uint32_t k_haproxy_offset = 2, k_prometheus_offset = 3, k_first_gateway_offset = 16;

struct Ipv4Subnet {
    std::uint32_t network = 0;
    int prefix = 0;
};

std::string dotted(std::uint32_t address) {
    return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 255) + "." + std::to_string((address >> 8) & 255) +
           "." + std::to_string(address & 255);
}

// "a.b.c.d/n", or the problem with it.
std::string parse_subnet(const std::string& text, Ipv4Subnet& out) {
    const auto slash = text.find('/');
    if (slash == std::string::npos) return "expected an IPv4 subnet such as \"172.31.240.0/24\", got \"" + text + "\"";
    in_addr address{};
    if (::inet_pton(AF_INET, text.substr(0, slash).c_str(), &address) != 1)
        return "\"" + text.substr(0, slash) + "\" is not an IPv4 address (network.subnet is IPv4 only)";
    const std::string prefix_text = text.substr(slash + 1);
    int prefix = -1;
    const auto r = std::from_chars(prefix_text.data(), prefix_text.data() + prefix_text.size(), prefix);
    if (prefix_text.empty() || r.ec != std::errc() || r.ptr != prefix_text.data() + prefix_text.size() || prefix < k_min_subnet_prefix ||
        prefix > k_max_subnet_prefix)
        return "the prefix length must be from " + std::to_string(k_min_subnet_prefix) + " to " + std::to_string(k_max_subnet_prefix) +
               " (room for the fixed addresses and Docker's), got \"" + prefix_text + "\"";
    const std::uint32_t network = ntohl(address.s_addr);
    const std::uint32_t host_mask = (std::uint32_t{1} << (32 - prefix)) - 1;
    if ((network & host_mask) != 0)
        return "\"" + text + "\" has host bits set; the network is " + dotted(network & ~host_mask) + "/" + std::to_string(prefix);
    out = {network, prefix};
    return {};
}

}  // namespace

std::string compose_subnet_problem(const std::string& subnet) {
    Ipv4Subnet parsed;
    return parse_subnet(subnet, parsed);
}

ComposeAddresses compose_addresses(const Stack& stack) {
    Ipv4Subnet net;
    if (const std::string problem = parse_subnet(stack.network.subnet, net); !problem.empty())
        throw ConfigError("network.subnet: " + problem);
    const std::uint32_t half = std::uint32_t{1} << (31 - net.prefix);
    ComposeAddresses a;
    a.subnet = stack.network.subnet;
    a.ip_range = dotted(net.network + half) + "/" + std::to_string(net.prefix + 1);
    a.gateway = dotted(net.network + 1);
    a.haproxy = dotted(net.network + k_haproxy_offset);
    a.prometheus = dotted(net.network + k_prometheus_offset);
    for (int i = 0; i < stack.gateway().replicas; ++i) a.gateways.push_back(dotted(net.network + k_first_gateway_offset + static_cast<std::uint32_t>(i)));
    return a;
}

std::string format_duration(std::chrono::milliseconds duration) {
    const auto ms = duration.count();
    struct Unit {
        long long size;
        const char* suffix;
    };
    static constexpr Unit k_units[] = {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}};
    if (ms == 0) return "0s";
    for (const auto& unit : k_units)
        if (ms % unit.size == 0) return std::to_string(ms / unit.size) + unit.suffix;
    return std::to_string(ms) + "ms";
}

}  // namespace aaiti::stack
