// The gateway's one form of a request path: every spelling of a dot segment, repeated slashes, and
// the escapes it refuses.
#include <catch2/catch.hpp>

#include <string>

#include "services/gateway/path_normalizer.h"

using aaiti::gateway::normalize_path;
using aaiti::gateway::PathProblem;

namespace {

std::string normalized(std::string_view path) {
    std::string scratch;
    const auto r = normalize_path(path, scratch);
    REQUIRE(r.problem == PathProblem::none);
    return std::string(r.path);
}

PathProblem problem_of(std::string_view path) {
    std::string scratch;
    const auto r = normalize_path(path, scratch);
    CHECK(r.path.empty());
    return r.problem;
}

}  // namespace

TEST_CASE("a path with no escape, dot segment or empty segment is taken as it is, scratch untouched") {
    for (const char* path : {"/", "/api/svc/echo", "/api/svc/echo/", "/api/v1.2/file.txt", "/api/.hidden/x", "/api/x./y",
                             "/api/...", "/api/..x/y", "/api/x..", "*"}) {
        std::string scratch = "untouched";
        const std::string_view input = path;
        const auto r = normalize_path(input, scratch);
        CHECK(r.problem == PathProblem::none);
        CHECK(r.path.data() == input.data());  // the same bytes: no copy
        CHECK(r.path.size() == input.size());
        CHECK(scratch == "untouched");
    }
}

TEST_CASE("dot segments are removed in every spelling (RFC 3986 5.2.4 on the decoded path)") {
    CHECK(normalized("/api/pub/../priv/secret") == "/api/priv/secret");
    CHECK(normalized("/api/pub/%2e%2e/priv/secret") == "/api/priv/secret");
    CHECK(normalized("/api/pub/%2E%2E/priv/secret") == "/api/priv/secret");
    CHECK(normalized("/api/pub/%2E%2e/priv/secret") == "/api/priv/secret");
    CHECK(normalized("/api/pub/.%2e/priv/secret") == "/api/priv/secret");
    CHECK(normalized("/api/pub/%2e./priv/secret") == "/api/priv/secret");
    CHECK(normalized("/api/pub/./priv") == "/api/pub/priv");
    CHECK(normalized("/api/pub/%2e/priv") == "/api/pub/priv");
    CHECK(normalized("/api/./pub/././x") == "/api/pub/x");
    CHECK(normalized("/api/pub/x/../../priv/y") == "/api/priv/y");
}

TEST_CASE("a trailing dot segment leaves a trailing slash; .. past the root stays at the root") {
    CHECK(normalized("/api/priv/x/..") == "/api/priv/");
    CHECK(normalized("/api/priv/x/%2e%2e") == "/api/priv/");
    CHECK(normalized("/api/priv/x/.") == "/api/priv/x/");
    CHECK(normalized("/..") == "/");
    CHECK(normalized("/.") == "/");
    CHECK(normalized("/../../api/priv/x") == "/api/priv/x");
    CHECK(normalized("/api/../../../priv") == "/priv");
    CHECK(normalized("/%2e%2e/%2e%2e/api/priv") == "/api/priv");
}

TEST_CASE("repeated slashes collapse, a trailing one is kept") {
    CHECK(normalized("//api//pub///x") == "/api/pub/x");
    CHECK(normalized("/api/pub//") == "/api/pub/");
    CHECK(normalized("//") == "/");
    CHECK(normalized("/api//..//priv") == "/priv");
}

TEST_CASE("escapes of unreserved characters are decoded, the others kept with upper-case hex") {
    CHECK(normalized("/api/%70riv/%7Euser") == "/api/priv/~user");
    CHECK(normalized("/api/a%20b/c%3fd") == "/api/a%20b/c%3Fd");
    CHECK(normalized("/api/%41%2D%5f%30") == "/api/A-_0");
    CHECK(normalized("/api/caf%c3%a9") == "/api/caf%C3%A9");
}

TEST_CASE("mixed spellings come out as one path") {
    CHECK(normalized("/api/pub/./%2e%2e//priv/%73ecret") == "/api/priv/secret");
    CHECK(normalized("//api/pub/.%2E/./priv//secret/.") == "/api/priv/secret/");
    CHECK(normalized("/api/pub/..%2e/x") == "/api/pub/.../x");  // "..." is a name, not a dot segment
}

TEST_CASE("encoded '/', backslash and NUL, a raw backslash, '..;' and malformed escapes are refused") {
    CHECK(problem_of("/api/pub/..%2fpriv/secret") == PathProblem::encoded_slash);
    CHECK(problem_of("/api/pub/%2F") == PathProblem::encoded_slash);
    CHECK(problem_of("/api/pub/..%5cpriv") == PathProblem::encoded_backslash);
    CHECK(problem_of("/api/pub/%5C") == PathProblem::encoded_backslash);
    CHECK(problem_of("/api/pub/x%00.json") == PathProblem::encoded_nul);
    CHECK(problem_of("/api/pub\\..\\priv") == PathProblem::backslash);
    CHECK(problem_of("/api/pub/..;/priv/secret") == PathProblem::dot_segment_parameters);
    CHECK(problem_of("/api/pub/..;jsessionid=x/priv") == PathProblem::dot_segment_parameters);
    CHECK(problem_of("/api/pub/%2e%2e;/priv") == PathProblem::dot_segment_parameters);
    CHECK(problem_of("/api/pub/.;/x") == PathProblem::dot_segment_parameters);
    CHECK(normalized("/api/pub/x;v=1/y") == "/api/pub/x;v=1/y");  // parameters on a name are the upstream's
    CHECK(problem_of("/api/pub/%zz") == PathProblem::malformed_escape);
    CHECK(problem_of("/api/pub/%2") == PathProblem::malformed_escape);
    CHECK(problem_of("/api/pub/%") == PathProblem::malformed_escape);
    CHECK(problem_of("/api/pub/%/x") == PathProblem::malformed_escape);
    CHECK_FALSE(aaiti::gateway::describe(PathProblem::encoded_slash).empty());
}
