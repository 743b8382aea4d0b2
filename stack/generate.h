#pragma once
// `aaitictl compose generate`: every file of the stack for the chosen profiles, rendered and written.
#include <string>
#include <vector>

#include "common/config.h"
#include "stack/renderers.h"
#include "stack/stack_model.h"

namespace aaiti::stack {

struct GenerateOptions {
    std::vector<Profile> profiles;  // empty: all of them (production)
    std::string output_dir;         // created if missing
    std::string stack_file;         // named in the generated files' headers
    // The configuration keys the user set that reach every service (stack_settings.h: StackSettings::passed).
    std::vector<ConfigEntry> settings;
};

// The files, in a stable order, without writing anything. docker-compose.yml and the Dockerfiles always;
// haproxy with production; Prometheus, Alertmanager and Grafana with monitoring or production.
std::vector<GeneratedFile> render_stack_files(const Stack& stack, const GenerateOptions& options);

// Renders and writes them under options.output_dir (secret ones mode 0600). Throws IoError naming the path.
std::vector<GeneratedFile> generate_stack_files(const Stack& stack, const GenerateOptions& options);

}  // namespace aaiti::stack
