#include "stack/stack_model.h"

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
