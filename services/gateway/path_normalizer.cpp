#include "services/gateway/path_normalizer.h"

#include <array>

#include "common/hex.h"

namespace aaiti::gateway {

namespace {

bool is_unreserved(unsigned char c) noexcept {  // RFC 3986 section 2.3
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

// The bytes that make a path worth a closer look: '%' and '\\' always, '/' when a '/' or a dot
// segment follows. A table, so the common byte (a letter) costs one load and one branch.
constexpr std::array<bool, 256> k_attention = [] {
    std::array<bool, 256> t{};
    t['%'] = t['\\'] = t['/'] = true;
    return t;
}();

// Whether `path` (starting with '/') must go through the slow path: an escape, a backslash, an empty
// segment or a dot segment. One pass, no writes: the hot path of every proxied request.
bool needs_normalizing(std::string_view path) noexcept {
    const std::size_t n = path.size();
    for (std::size_t i = 0; i < n; ++i) {
        const char c = path[i];
        if (!k_attention[static_cast<unsigned char>(c)]) continue;
        if (c != '/') return true;  // '%' or '\\'
        if (i + 1 == n) continue;
        const char next = path[i + 1];
        if (next == '/') return true;
        if (next != '.') continue;
        // "/." or "/.." as a whole segment (up to the next '/' or the end), or followed by ';'.
        const std::size_t after = i + 2;
        if (after == n || path[after] == '/' || path[after] == ';') return true;
        if (path[after] == '.' && (after + 1 == n || path[after + 1] == '/' || path[after + 1] == ';')) return true;
    }
    return false;
}

// Appends the segment `raw` decoded (unreserved escapes) to `out`, or says why it cannot be.
PathProblem append_decoded(std::string_view raw, std::string& out) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == '\\') return PathProblem::backslash;
        if (c != '%') {
            out.push_back(c);
            continue;
        }
        if (i + 2 >= raw.size()) return PathProblem::malformed_escape;
        const int hi = hex_digit_value(raw[i + 1]);
        const int lo = hex_digit_value(raw[i + 2]);
        if (hi < 0 || lo < 0) return PathProblem::malformed_escape;
        const auto value = static_cast<unsigned char>(hi * 16 + lo);
        if (value == '/') return PathProblem::encoded_slash;
        if (value == '\\') return PathProblem::encoded_backslash;
        if (value == 0) return PathProblem::encoded_nul;
        if (is_unreserved(value)) {
            out.push_back(static_cast<char>(value));
        } else {
            out.push_back('%');
            out.push_back(k_hex[value >> 4]);
            out.push_back(k_hex[value & 0x0F]);
        }
        i += 2;
    }
    return PathProblem::none;
}

// Out of line: its set-up (the output, the segment loop) stays off the path every ordinary request takes.
[[gnu::noinline]] NormalizedPath normalize_into(std::string_view path, std::string& scratch) {
    // Segment by segment on the raw path (no escape decodes to '/': %2F is refused), each decoded onto
    // the output and then resolved: RFC 3986 section 5.2.4 with empty segments dropped as well.
    scratch.clear();
    scratch.reserve(path.size());
    bool trailing_slash = false;
    std::size_t start = 1;
    for (;;) {
        const std::size_t slash = path.find('/', start);
        const bool last = slash == std::string_view::npos;
        const std::size_t end = last ? path.size() : slash;
        const std::size_t segment_start = scratch.size();
        scratch.push_back('/');
        if (const PathProblem p = append_decoded(path.substr(start, end - start), scratch); p != PathProblem::none)
            return {{}, p};
        const std::string_view segment = std::string_view(scratch).substr(segment_start + 1);
        if (segment.starts_with(".;") || segment.starts_with("..;")) return {{}, PathProblem::dot_segment_parameters};
        if (segment.empty() || segment == ".") {
            scratch.resize(segment_start);
            trailing_slash = last;
        } else if (segment == "..") {  // drop it and the segment before, if any: ".." past the root stays at the root
            scratch.resize(segment_start);
            const std::size_t previous = scratch.rfind('/');
            scratch.resize(previous == std::string::npos ? 0 : previous);
            trailing_slash = last;
        } else {
            trailing_slash = false;
        }
        if (last) break;
        start = slash + 1;
    }
    if (scratch.empty() || trailing_slash) scratch.push_back('/');
    return {scratch, PathProblem::none};
}

}  // namespace

NormalizedPath normalize_path(std::string_view path, std::string& scratch) {
    if (path.empty() || path.front() != '/' || !needs_normalizing(path)) return {path, PathProblem::none};
    return normalize_into(path, scratch);
}

std::string_view describe(PathProblem problem) noexcept {
    switch (problem) {
        case PathProblem::none:
            return "";
        case PathProblem::malformed_escape:
            return "the request path contains a malformed percent-escape: '%' must be followed by two hex digits";
        case PathProblem::encoded_slash:
            return "the request path contains an encoded '/' (%2F), which the gateway refuses: send '/' as a separator, "
                   "or put the value in the query";
        case PathProblem::encoded_backslash:
            return "the request path contains an encoded backslash (%5C), which the gateway refuses";
        case PathProblem::encoded_nul:
            return "the request path contains an encoded NUL (%00), which the gateway refuses";
        case PathProblem::dot_segment_parameters:
            return "the request path contains a dot segment with parameters (\"..;\" or \".;\"), which some upstreams "
                   "resolve as \"..\"; the gateway refuses it";
        case PathProblem::backslash:
            return "the request path contains a backslash, which the gateway refuses: segments are separated by '/'";
    }
    return "the request path is not acceptable";
}

}  // namespace aaiti::gateway
