#pragma once
// Method + path routing with path parameters: "/api/users/{id}" matches "/api/users/42" with
// id="42". Literal segments win over parameters ("/users/me" before "/users/{id}"). A path that
// matches no template is 404; one that matches a template without the request's method is 405 with
// an Allow list. HEAD is served by the GET handler when no HEAD handler exists.
// Routes are added before the server starts; matching is read-only and needs no lock.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "services/kit/handler.h"

namespace aaiti::kit {

class Router {
public:
    Router();
    ~Router();
    Router(Router&&) noexcept;
    Router& operator=(Router&&) noexcept;

    // Throws std::invalid_argument for a template that does not start with '/', has an empty or
    // malformed "{name}" segment, or repeats a (method, template) pair.
    void add(std::string_view method, std::string_view path_template, Endpoint endpoint);

    enum class Outcome { found, not_found, method_not_allowed };
    struct Match {
        Outcome outcome = Outcome::not_found;
        const Endpoint* endpoint = nullptr;     // when found
        const std::string* route = nullptr;     // the template, when the path matched one
        std::uint32_t route_id = k_unmatched;   // dense id of the template (metrics cache key)
        std::vector<PathParam> params;          // decoded values, when found
        std::string allow;                      // "GET, HEAD, POST" when method_not_allowed
    };
    Match match(std::string_view method, std::string_view path) const;

    // Route id used for requests that matched no template; its metrics label is "unmatched".
    static constexpr std::uint32_t k_unmatched = 0;
    // Number of distinct templates (ids are 1..route_count()).
    std::uint32_t route_count() const noexcept;

private:
    struct Node;
    std::unique_ptr<Node> root_;
    std::uint32_t next_route_id_ = 1;
};

}  // namespace aaiti::kit
