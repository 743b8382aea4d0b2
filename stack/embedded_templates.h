#pragma once
// The files of templates/, compiled into aaiti_stack by CMake (embed_templates.cmake writes
// embedded_templates.cpp at build time and rebuilds it when a template changes). The binary therefore
// needs no installed data directory and can never pick up templates of another version.
#include <map>
#include <string>
#include <string_view>

namespace aaiti::stack {

// File name (relative to templates/) -> contents.
const std::map<std::string, std::string_view>& embedded_templates();

}  // namespace aaiti::stack
