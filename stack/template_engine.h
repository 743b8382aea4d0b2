#pragma once
// Renders the templates of templates/ (compiled into the library, see embedded_templates.h) with
// mustache. Values are inserted as they are, never HTML-escaped: the outputs are YAML, haproxy.cfg,
// JSON and Dockerfiles, and each renderer escapes for its own format before filling TemplateData.
#include <string>

#include "stack/template_data.h"

namespace aaiti::stack {

// Renders the embedded template `name` ("docker-compose.yml.mustache"). Throws std::logic_error when
// the template is unknown or malformed (a bug of ours, caught by the tests).
std::string render_template(const std::string& name, const TemplateData& data);

}  // namespace aaiti::stack
