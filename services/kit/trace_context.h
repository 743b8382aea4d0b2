#pragma once
// Request ids (X-Request-Id) and W3C Trace Context (traceparent) for the request middleware.
// Ids are generated with a per-thread PRNG seeded from the OS: they must be unique, not secret,
// and a system call per request (a CSPRNG read) would show in the request rate.
#include <optional>
#include <string>
#include <string_view>

namespace aaiti::kit {

inline constexpr std::size_t k_max_request_id_length = 128;

// 1..128 characters of [A-Za-z0-9._-]: safe to echo into headers and logs.
bool is_valid_request_id(std::string_view id) noexcept;
// A new id shaped like a UUID v4 ("3f0c...-4..."). The overload writes into `out`, reusing its storage.
std::string generate_request_id();
void generate_request_id(std::string& out);

struct TraceParent {
    std::string trace_id;   // 32 lowercase hex, not all zero
    std::string parent_id;  // 16 lowercase hex, not all zero
    std::string flags;      // 2 lowercase hex
};

// Parses "00-<trace-id>-<parent-id>-<flags>" (W3C Trace Context level 1). Versions other than 00 are
// accepted when their first four fields have the version-00 shape (forward compatibility); "ff" and
// malformed values give nullopt.
std::optional<TraceParent> parse_traceparent(std::string_view header) noexcept;

// The same check without copying: the views point into `header`.
struct TraceParentView {
    std::string_view trace_id, parent_id, flags;
};
std::optional<TraceParentView> parse_traceparent_view(std::string_view header) noexcept;

std::string generate_trace_id();  // 32 hex
std::string generate_span_id();   // 16 hex
void generate_trace_id(std::string& out);
void generate_span_id(std::string& out);
std::string format_traceparent(std::string_view trace_id, std::string_view span_id, std::string_view flags);

}  // namespace aaiti::kit
