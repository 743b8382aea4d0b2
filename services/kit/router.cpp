#include "services/kit/router.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace aaiti::kit {

// One path segment position. A node where a template ends carries the template, its id, its
// parameter names (in order) and the endpoints per method.
struct Router::Node {
    std::vector<std::pair<std::string, std::unique_ptr<Node>>> literals;
    std::unique_ptr<Node> param;

    std::string route;
    std::uint32_t route_id = k_unmatched;
    std::vector<std::string> param_names;
    std::vector<std::pair<std::string, Endpoint>> methods;
};

namespace {

// "/a/b/" -> {"a", "b", ""}; "/" -> {}.
void split_segments(std::string_view path, std::vector<std::string_view>& out) {
    out.clear();
    if (path.size() <= 1) return;
    std::size_t start = 1;
    for (;;) {
        std::size_t slash = path.find('/', start);
        out.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
}

bool is_param_segment(std::string_view s) { return s.size() >= 2 && s.front() == '{' && s.back() == '}'; }

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

std::uint32_t Router::route_count() const noexcept { return next_route_id_ - 1; }

void Router::add(std::string_view method, std::string_view path_template, Endpoint endpoint) {
    auto fail = [&](const std::string& why) {
        throw std::invalid_argument("router: route " + std::string(method) + " " + std::string(path_template) + ": " + why);
    };
    if (method.empty()) fail("empty method");
    if (path_template.empty() || path_template.front() != '/') fail("a path template starts with '/'");

    std::vector<std::string_view> segments;
    split_segments(path_template, segments);
    Node* node = root_.get();
    std::vector<std::string> names;
    for (std::string_view seg : segments) {
        if (is_param_segment(seg)) {
            std::string_view name = seg.substr(1, seg.size() - 2);
            if (name.empty() || name.find_first_of("{}/") != std::string_view::npos) fail("malformed parameter " + std::string(seg));
            if (std::find(names.begin(), names.end(), name) != names.end()) fail("parameter {" + std::string(name) + "} repeats");
            names.emplace_back(name);
            if (!node->param) node->param = std::make_unique<Node>();
            node = node->param.get();
        } else {
            if (seg.find_first_of("{}") != std::string_view::npos) fail("'{' and '}' only enclose a whole segment");
            auto it = std::find_if(node->literals.begin(), node->literals.end(), [&](const auto& l) { return l.first == seg; });
            if (it == node->literals.end()) {
                node->literals.emplace_back(std::string(seg), std::make_unique<Node>());
                it = std::prev(node->literals.end());
            }
            node = it->second.get();
        }
    }
    if (node->route_id == k_unmatched) {
        node->route = std::string(path_template);
        node->route_id = next_route_id_++;
        node->param_names = std::move(names);
    } else if (node->param_names != names) {
        fail("conflicts with " + node->route + " (same shape, different parameter names)");
    }
    for (const auto& [m, _] : node->methods)
        if (m == method) fail("registered twice");
    node->methods.emplace_back(std::string(method), std::move(endpoint));
}

namespace {

template <class NodeT>
const NodeT* find_node(const NodeT* node, const std::vector<std::string_view>& segs, std::size_t i,
                       std::vector<std::string_view>& values) {
    if (i == segs.size()) return node->route_id != Router::k_unmatched ? node : nullptr;
    for (const auto& [lit, child] : node->literals)
        if (lit == segs[i])
            if (const NodeT* found = find_node(child.get(), segs, i + 1, values)) return found;
    if (node->param && !segs[i].empty()) {
        values.push_back(segs[i]);
        if (const NodeT* found = find_node(node->param.get(), segs, i + 1, values)) return found;
        values.pop_back();
    }
    return nullptr;
}

}  // namespace

Router::Match Router::match(std::string_view method, std::string_view path) const {
    Match result;
    if (path.empty() || path.front() != '/') return result;
    // Small fixed-capacity vectors would avoid these allocations; paths are short and this has not
    // shown up in profiles.
    thread_local std::vector<std::string_view> segments;
    thread_local std::vector<std::string_view> values;
    split_segments(path, segments);
    values.clear();
    const Node* node = find_node(root_.get(), segments, 0, values);
    if (!node) return result;

    result.route = &node->route;
    result.route_id = node->route_id;
    const Endpoint* endpoint = nullptr;
    const Endpoint* get_endpoint = nullptr;
    for (const auto& [m, e] : node->methods) {
        if (m == method) endpoint = &e;
        if (m == "GET") get_endpoint = &e;
    }
    if (!endpoint && method == "HEAD") endpoint = get_endpoint;
    if (!endpoint) {
        result.outcome = Outcome::method_not_allowed;
        std::vector<std::string_view> allowed;
        bool has_head = false;
        for (const auto& [m, _] : node->methods) {
            allowed.push_back(m);
            has_head = has_head || m == "HEAD";
        }
        if (get_endpoint && !has_head) allowed.push_back("HEAD");
        std::sort(allowed.begin(), allowed.end());
        for (std::string_view m : allowed) {
            if (!result.allow.empty()) result.allow += ", ";
            result.allow += m;
        }
        return result;
    }
    result.outcome = Outcome::found;
    result.endpoint = endpoint;
    result.params.reserve(values.size());
    for (std::size_t k = 0; k < values.size(); ++k)
        result.params.push_back({node->param_names[k], percent_decode(values[k])});
    return result;
}

}  // namespace aaiti::kit
