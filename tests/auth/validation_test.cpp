// The input rules of the handlers as plain functions (unit): media types and identifiers.
#include <catch2/catch.hpp>

#include "services/auth/json_io.h"

namespace aaiti::auth {
namespace {

TEST_CASE("a body is JSON only when its Content-Type is application/json, parameters and case aside") {
    for (const char* yes : {"application/json", "APPLICATION/JSON", "application/json;charset=utf-8",
                            "application/json; charset=\"utf-8\"", "\tapplication/json ; foo=bar"})
        CHECK(is_json_content_type(yes));
    for (const char* no : {"", " ", "text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
                           "multipart/form-data; boundary=x", "application/jsonx", "application/json-patch+json",
                           "application/ json", "application", "json", "text/json"})
        CHECK_FALSE(is_json_content_type(no));
}

}  // namespace
}  // namespace aaiti::auth
