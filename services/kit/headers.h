#pragma once
// HTTP header fields with case-insensitive lookup (RFC 9110 field names are case-insensitive).
// A plain vector: requests carry a handful of fields, so a linear scan beats any map.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace aaiti::kit {

// ASCII case-insensitive equality (field names are ASCII tokens).
bool iequals(std::string_view a, std::string_view b) noexcept;

struct Header {
    std::string name;
    std::string value;
};

class Headers {
public:
    using const_iterator = std::vector<Header>::const_iterator;

    // The first value of `name`, or nullptr when absent.
    const std::string* find(std::string_view name) const noexcept;
    // The first value of `name`, or `fallback` when absent.
    std::string_view get(std::string_view name, std::string_view fallback = {}) const noexcept;
    bool contains(std::string_view name) const noexcept { return find(name) != nullptr; }

    // Appends a field (repeated fields such as Set-Cookie are kept in order).
    void add(std::string name, std::string value);
    // Replaces every field called `name` by one with `value`.
    void set(std::string name, std::string value);
    // Removes every field called `name`; returns how many were removed.
    std::size_t remove(std::string_view name);

    void reserve(std::size_t n) { items_.reserve(n); }
    void clear() noexcept { items_.clear(); }
    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }
    const_iterator begin() const noexcept { return items_.begin(); }
    const_iterator end() const noexcept { return items_.end(); }

private:
    std::vector<Header> items_;
};

}  // namespace aaiti::kit
