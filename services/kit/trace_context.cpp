#include "services/kit/trace_context.h"

#include <cstdint>
#include <random>

namespace aaiti::kit {

namespace {

constexpr char k_hex[] = "0123456789abcdef";

std::mt19937_64& generator() {
    thread_local std::mt19937_64 gen = [] {
        std::random_device rd;
        std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
        return std::mt19937_64(seq);
    }();
    return gen;
}

// Writes `digits` lowercase hex digits of `v` (its low ones) at `out`; returns the end.
char* put_hex(char* out, std::uint64_t v, int digits) noexcept {
    for (int i = digits - 1; i >= 0; --i) *out++ = k_hex[(v >> (i * 4)) & 0xF];
    return out;
}

// A non-zero random 64-bit value (all-zero ids are invalid in W3C Trace Context).
std::uint64_t nonzero_random() {
    std::uint64_t v;
    do v = generator()();
    while (v == 0);
    return v;
}

bool is_lower_hex(std::string_view s) noexcept {
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

bool all_zero(std::string_view s) noexcept { return s.find_first_not_of('0') == std::string_view::npos; }

}  // namespace

bool is_valid_request_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > k_max_request_id_length) return false;
    for (char c : id)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    return true;
}

std::string generate_request_id() {
    std::string out;
    generate_request_id(out);
    return out;
}

void generate_request_id(std::string& out) {
    std::uint64_t hi = generator()(), lo = generator()();
    hi = (hi & ~0xF000ULL) | 0x4000ULL;                      // version 4
    lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
    char id[36];
    char* p = put_hex(id, hi >> 32, 8);
    *p++ = '-';
    p = put_hex(p, (hi >> 16) & 0xFFFF, 4);
    *p++ = '-';
    p = put_hex(p, hi & 0xFFFF, 4);
    *p++ = '-';
    p = put_hex(p, lo >> 48, 4);
    *p++ = '-';
    put_hex(p, lo & 0xFFFFFFFFFFFFULL, 12);
    out.assign(id, sizeof id);
}

std::optional<TraceParentView> parse_traceparent_view(std::string_view h) noexcept {
    // version(2) '-' trace-id(32) '-' parent-id(16) '-' flags(2) = 55 characters.
    constexpr std::size_t k_len = 55;
    if (h.size() < k_len) return std::nullopt;
    std::string_view version = h.substr(0, 2);
    if (!is_lower_hex(version) || version == "ff") return std::nullopt;
    if (version == "00" && h.size() != k_len) return std::nullopt;
    if (h.size() > k_len && h[k_len] != '-') return std::nullopt;  // future versions append "-..."
    if (h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
    std::string_view trace = h.substr(3, 32), parent = h.substr(36, 16), flags = h.substr(53, 2);
    if (!is_lower_hex(trace) || !is_lower_hex(parent) || !is_lower_hex(flags)) return std::nullopt;
    if (all_zero(trace) || all_zero(parent)) return std::nullopt;
    return TraceParentView{trace, parent, flags};
}

std::optional<TraceParent> parse_traceparent(std::string_view h) noexcept {
    auto view = parse_traceparent_view(h);
    if (!view) return std::nullopt;
    try {
        return TraceParent{std::string(view->trace_id), std::string(view->parent_id), std::string(view->flags)};
    } catch (...) {
        return std::nullopt;
    }
}

void generate_trace_id(std::string& out) {
    char id[32];
    put_hex(put_hex(id, nonzero_random(), 16), generator()(), 16);
    out.assign(id, sizeof id);
}

void generate_span_id(std::string& out) {
    char id[16];
    put_hex(id, nonzero_random(), 16);
    out.assign(id, sizeof id);
}

std::string generate_trace_id() {
    std::string out;
    generate_trace_id(out);
    return out;
}

std::string generate_span_id() {
    std::string out;
    generate_span_id(out);
    return out;
}

std::string format_traceparent(std::string_view trace_id, std::string_view span_id, std::string_view flags) {
    std::string out;
    out.reserve(55);
    out += "00-";
    out += trace_id;
    out.push_back('-');
    out += span_id;
    out.push_back('-');
    out += flags;
    return out;
}

}  // namespace aaiti::kit
