#pragma once
// RFC 9562 UUIDs: random v4 (libsodium's CSPRNG) and name-based v5 (SHA-1).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aaiti {

class Uuid {
public:
    using Bytes = std::array<std::uint8_t, 16>;

    Uuid() = default;  // the nil UUID
    explicit Uuid(const Bytes& bytes) : bytes_(bytes) {}

    static Uuid random_v4();
    // Deterministic: the same namespace and name always give the same UUID.
    static Uuid name_based_v5(const Uuid& name_space, std::string_view name);
    // Accepts the canonical 8-4-4-4-12 form, any case; nullopt otherwise.
    static std::optional<Uuid> parse(std::string_view text);

    std::string to_string() const;  // lowercase canonical form
    const Bytes& bytes() const { return bytes_; }
    int version() const { return bytes_[6] >> 4; }
    bool operator==(const Uuid&) const = default;

private:
    Bytes bytes_{};
};

// RFC 9562 predefined namespaces.
Uuid uuid_namespace_dns();
Uuid uuid_namespace_url();

}  // namespace aaiti
