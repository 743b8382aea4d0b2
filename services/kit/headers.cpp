#include "services/kit/headers.h"

#include <algorithm>
#include <array>

namespace aaiti::kit {

namespace {

// ASCII lower-casing by table: field names are compared on every header of every request, and the
// branchy version cost about 12 instructions a character (callgrind).
constexpr std::array<unsigned char, 256> k_lower = [] {
    std::array<unsigned char, 256> t{};
    for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    return t;
}();

unsigned char lower(char c) noexcept { return k_lower[static_cast<unsigned char>(c)]; }

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

const std::string* Headers::find(std::string_view name) const noexcept {
    for (const auto& h : items_)
        if (iequals(h.name, name)) return &h.value;
    return nullptr;
}

std::string_view Headers::get(std::string_view name, std::string_view fallback) const noexcept {
    const std::string* v = find(name);
    return v ? std::string_view(*v) : fallback;
}

void Headers::add(std::string name, std::string value) { items_.push_back({std::move(name), std::move(value)}); }

void Headers::set(std::string name, std::string value) {
    remove(name);
    add(std::move(name), std::move(value));
}

std::size_t Headers::remove(std::string_view name) {
    auto it = std::remove_if(items_.begin(), items_.end(), [&](const Header& h) { return iequals(h.name, name); });
    auto n = static_cast<std::size_t>(items_.end() - it);
    items_.erase(it, items_.end());
    return n;
}

}  // namespace aaiti::kit
