#include "stack/template_engine.h"

#include <kainjow/mustache.hpp>
#include <sstream>
#include <stdexcept>

#include "stack/embedded_templates.h"

namespace aaiti::stack {
namespace {

namespace mu = kainjow::mustache;

mu::data to_mustache(const TemplateData& d) {
    switch (d.kind()) {
        case TemplateData::Kind::text: return mu::data(d.text());
        case TemplateData::Kind::flag: return d.flag() ? mu::data(mu::data::type::bool_true) : mu::data(mu::data::type::bool_false);
        case TemplateData::Kind::list: {
            mu::data list = mu::data::type::list;
            for (const auto& item : d.items()) list.push_back(to_mustache(item));
            return list;
        }
        case TemplateData::Kind::object: {
            mu::data object;
            for (const auto& [name, value] : d.fields()) object.set(name, to_mustache(value));
            return object;
        }
    }
    return {};
}

// kainjow 4.1 leaves an empty line where a standalone section tag ("{{#x}}" alone on its line) was
// false. Joining each such line with the next one makes the tag inline, which renders the same without
// the stray line, so templates can keep one tag per line.
std::string inline_standalone_section_tags(const std::string& text) {
    std::istringstream in(text);
    std::string out;
    for (std::string line; std::getline(in, line);) {
        const auto first = line.find_first_not_of(" \t");
        const auto last = line.find_last_not_of(" \t\r");
        const bool standalone = first != std::string::npos && line.compare(first, 2, "{{") == 0 && first + 2 < line.size() &&
                                (line[first + 2] == '#' || line[first + 2] == '^' || line[first + 2] == '/') &&
                                line.compare(last - 1, 2, "}}") == 0 && line.find("}}", first) == last - 1;
        if (standalone) out += line.substr(first, last - first + 1);
        else out += line + (in.eof() ? "" : "\n");
    }
    return out;
}

}  // namespace

std::string render_template(const std::string& name, const TemplateData& data) {
    const auto& templates = embedded_templates();
    const auto it = templates.find(name);
    if (it == templates.end()) throw std::logic_error("no embedded template " + name);
    mu::mustache tmpl{inline_standalone_section_tags(std::string(it->second))};
    if (!tmpl.is_valid()) throw std::logic_error("template " + name + ": " + tmpl.error_message());
    // Identity: every output format here is escaped by its renderer, never as HTML.
    tmpl.set_custom_escape([](const std::string& s) { return s; });
    std::string out = tmpl.render(to_mustache(data));
    if (!tmpl.is_valid()) throw std::logic_error("template " + name + ": " + tmpl.error_message());
    return out;
}

}  // namespace aaiti::stack
