#include "services/kit/request.h"

#include "common/hex.h"

namespace aaiti::kit {

std::string percent_decode(std::string_view text, bool plus_as_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%' && i + 2 < text.size()) {
            int hi = hex_digit_value(text[i + 1]), lo = hex_digit_value(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(plus_as_space && c == '+' ? ' ' : c);
    }
    return out;
}

std::string_view Request::param(std::string_view name) const noexcept {
    for (const auto& p : params)
        if (p.name == name) return p.value;
    return {};
}

std::optional<std::string> Request::query_param(std::string_view name) const {
    std::string_view rest = query;
    while (!rest.empty()) {
        auto amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        auto eq = pair.find('=');
        std::string_view key = pair.substr(0, eq);
        if (percent_decode(key, true) != name) continue;
        return eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1), true);
    }
    return std::nullopt;
}

}  // namespace aaiti::kit
