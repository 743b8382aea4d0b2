#include "migrate/options.h"

#include <array>
#include <utility>

#include "common/error.h"

namespace aaiti::migrate {
namespace {

template <typename E, std::size_t N>
E parse_named(std::string_view flag, std::string_view name, const std::array<std::pair<std::string_view, E>, N>& names) {
    std::string accepted;
    for (const auto& [n, v] : names) {
        if (n == name) return v;
        if (!accepted.empty()) accepted += "|";
        accepted += n;
    }
    throw UsageError("migrate: " + std::string(flag) + " \"" + std::string(name) + "\" is not known; use " + accepted);
}

constexpr std::array<std::pair<std::string_view, KeyStrategy>, 2> k_keys{{{"uuid", KeyStrategy::uuid}, {"keep", KeyStrategy::keep}}};
constexpr std::array<std::pair<std::string_view, BadValuePolicy>, 4> k_bad{{{"text", BadValuePolicy::text},
                                                                              {"null", BadValuePolicy::null},
                                                                              {"reject", BadValuePolicy::reject},
                                                                              {"fail", BadValuePolicy::fail}}};
constexpr std::array<std::pair<std::string_view, OrphanPolicy>, 3> k_orphan{
    {{"null", OrphanPolicy::null}, {"keep", OrphanPolicy::keep}, {"fail", OrphanPolicy::fail}}};
constexpr std::array<std::pair<std::string_view, IfExists>, 3> k_exists{
    {{"fail", IfExists::fail}, {"truncate", IfExists::truncate}, {"drop", IfExists::drop}}};

template <typename E, std::size_t N>
std::string_view name_of(E v, const std::array<std::pair<std::string_view, E>, N>& names) {
    for (const auto& [n, e] : names)
        if (e == v) return n;
    return "?";
}

}  // namespace

KeyStrategy parse_key_strategy(std::string_view name) { return parse_named("--keys", name, k_keys); }
BadValuePolicy parse_bad_value_policy(std::string_view name) { return parse_named("--on-bad-value", name, k_bad); }
OrphanPolicy parse_orphan_policy(std::string_view name) { return parse_named("--on-orphan", name, k_orphan); }
IfExists parse_if_exists(std::string_view name) { return parse_named("--if-exists", name, k_exists); }

std::string_view to_string(KeyStrategy v) { return name_of(v, k_keys); }
std::string_view to_string(BadValuePolicy v) { return name_of(v, k_bad); }
std::string_view to_string(OrphanPolicy v) { return name_of(v, k_orphan); }
std::string_view to_string(IfExists v) { return name_of(v, k_exists); }

}  // namespace aaiti::migrate
