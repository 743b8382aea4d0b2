#pragma once
// Making key UUIDs fast: a load writes one UUIDv5 per key value and per reference, millions per run.
// UUIDv5 is SHA-1 over namespace + name, and every name of a column shares the prefix "table:", so the
// SHA-1 state after that prefix is computed once and copied for each key (OpenSSL's SHA-1 uses the CPU's
// SHA instructions; a portable one in C++ was a fifth of the load's time). The result is identical to
// Uuid::name_based_v5 (pinned by a test).
#include <memory>
#include <string>
#include <string_view>

#include "common/uuid.h"

struct evp_md_ctx_st;

namespace aaiti::migrate {

// Not thread-safe: one generator per thread (each RowConverter has its own).
class KeyUuidGenerator {
public:
    KeyUuidGenerator() = default;
    KeyUuidGenerator(const Uuid& name_space, std::string_view table);
    KeyUuidGenerator(KeyUuidGenerator&&) noexcept = default;
    KeyUuidGenerator& operator=(KeyUuidGenerator&&) noexcept = default;

    // UUIDv5(name_space, table + ":" + key_text) in canonical text form, written into `out`.
    void write(std::string_view key_text, std::string& out) const;
    std::string operator()(std::string_view key_text) const {
        std::string out;
        write(key_text, out);
        return out;
    }

private:
    struct CtxFree {
        void operator()(evp_md_ctx_st* ctx) const;
    };
    std::unique_ptr<evp_md_ctx_st, CtxFree> prefix_;
    std::unique_ptr<evp_md_ctx_st, CtxFree> scratch_;
};

}  // namespace aaiti::migrate
