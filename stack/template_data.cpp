#include "stack/template_data.h"

namespace aaiti::stack {

TemplateData& TemplateData::set(const std::string& name, TemplateData value) {
    for (auto& [k, v] : fields_)
        if (k == name) {
            v = std::move(value);
            return *this;
        }
    fields_.emplace_back(name, std::move(value));
    return *this;
}

TemplateData& TemplateData::push(TemplateData item) {
    items_.push_back(std::move(item));
    return *this;
}

TemplateData& TemplateData::mark_first_last() {
    for (std::size_t i = 0; i < items_.size(); ++i) {
        items_[i].set("first", i == 0);
        items_[i].set("last", i + 1 == items_.size());
    }
    return *this;
}

}  // namespace aaiti::stack
