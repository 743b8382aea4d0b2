#pragma once
// Writes a Stack as a commented aaiti.yaml (what `aaitictl init` creates). Every string is double-quoted
// (YAML 1.1 readers such as docker-compose turn bare yes/3.8/010 into other types), and paths under the
// file's directory are written relative to it, so the file can be moved with its directory.
// Loading the text back with load_stack_text gives an equal Stack (tested).
#include <string>

#include "stack/stack_model.h"

namespace aaiti::stack {

std::string write_stack_yaml(const Stack& stack, const std::string& base_dir);

// `text` as a YAML double-quoted scalar ("a \"b\"").
std::string yaml_quote(const std::string& text);

}  // namespace aaiti::stack
