#pragma once
// The one form of a request path the gateway routes, checks and forwards (RFC 3986 section 6.2.2):
// unreserved characters percent-decoded (%2e is '.', %41 is 'A'), other escapes kept with upper-case
// hex, dot segments removed (section 5.2.4), repeated slashes collapsed. Without it
// "/api/pub/../priv/x" or "/api/pub/%2e%2e/priv/x" matches a public prefix and an upstream that
// resolves dot segments serves the protected path without the token check.
//
// It lives in the gateway, not in the kit: only the gateway applies a policy by path prefix and
// forwards the path to another server that may read it differently; the kit's router matches whole
// literal segments, where a dot segment or an escape simply matches no route.
#include <string>
#include <string_view>

namespace aaiti::gateway {

// Why a path is refused (400 bad_request): each hides a separator from the routing, so the gateway
// and an upstream would read the path differently, whatever the gateway made of it.
enum class PathProblem {
    none,
    malformed_escape,   // '%' not followed by two hex digits
    encoded_slash,      // %2F: a '/' inside a segment here, a separator to many upstreams
    encoded_backslash,  // %5C: a separator on some upstreams
    encoded_nul,        // %00: cuts the path short in C-string upstreams
    backslash,          // a raw '\': a separator on some upstreams
    dot_segment_parameters,  // "..;x" or ".;x": '..' or '.' to servlet containers (Tomcat, Jetty)
};

struct NormalizedPath {
    std::string_view path;  // the normalised path: `path` itself when nothing changed, else in `scratch`
    PathProblem problem = PathProblem::none;
};

// `path` is a request's path (no query). One with no '%', no '.' or '..' segment and no "//" (every
// path a well-behaved client sends) is returned as it is, without touching `scratch`; otherwise the
// normalised form is written into `scratch` (valid while `scratch` is). A path not starting with '/'
// (the asterisk form) is returned as it is. On a problem, `path` is empty.
NormalizedPath normalize_path(std::string_view path, std::string& scratch);

// The 400 message for a problem, naming it: "the request path contains an encoded '/' (%2F) ...".
std::string_view describe(PathProblem problem) noexcept;

}  // namespace aaiti::gateway
