#pragma once
// The values a template sees: text, a flag, a list or a set of named fields. Renderers build these;
// only template_engine.cpp knows mustache (a heavy header kept to one translation unit).
#include <string>
#include <utility>
#include <vector>

namespace aaiti::stack {

class TemplateData {
public:
    enum class Kind { text, flag, list, object };

    TemplateData() : kind_(Kind::object) {}
    TemplateData(std::string text) : kind_(Kind::text), text_(std::move(text)) {}   // NOLINT: implicit on purpose
    TemplateData(const char* text) : kind_(Kind::text), text_(text) {}              // NOLINT
    TemplateData(bool flag) : kind_(Kind::flag), flag_(flag) {}                     // NOLINT
    TemplateData(int number) : kind_(Kind::text), text_(std::to_string(number)) {}  // NOLINT

    static TemplateData list() {
        TemplateData d;
        d.kind_ = Kind::list;
        return d;
    }

    // Objects: sets a field (replacing one of the same name). Returns *this for chaining.
    TemplateData& set(const std::string& name, TemplateData value);
    // Lists: appends an item.
    TemplateData& push(TemplateData item);
    // Lists of objects: sets `first` and `last` flags on every item (for separators in JSON).
    TemplateData& mark_first_last();

    Kind kind() const { return kind_; }
    const std::string& text() const { return text_; }
    bool flag() const { return flag_; }
    const std::vector<TemplateData>& items() const { return items_; }
    const std::vector<std::pair<std::string, TemplateData>>& fields() const { return fields_; }

private:
    Kind kind_;
    std::string text_;
    bool flag_ = false;
    std::vector<TemplateData> items_;
    std::vector<std::pair<std::string, TemplateData>> fields_;
};

}  // namespace aaiti::stack
