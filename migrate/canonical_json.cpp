#include "migrate/canonical_json.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

namespace aaiti::migrate {
namespace {

class FastCanonicaliser {
public:
    explicit FastCanonicaliser(std::string_view text) : s_(text) {}

    bool run(std::string& out) {
        if (!value(out, 0)) return false;
        skip_space();
        return i_ == s_.size();
    }

private:
    // Deeper documents go to the general path rather than risk the stack.
    static constexpr int k_max_depth = 64;

    void skip_space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }

    // A string with printable ASCII only and no backslash: its canonical form is its source text.
    bool string_span(std::string_view& span) {
        if (i_ >= s_.size() || s_[i_] != '"') return false;
        const std::size_t start = i_++;
        while (i_ < s_.size()) {
            const auto c = static_cast<unsigned char>(s_[i_]);
            if (c == '"') {
                ++i_;
                span = s_.substr(start, i_ - start);
                return true;
            }
            if (c == '\\' || c < 0x20 || c >= 0x80) return false;
            ++i_;
        }
        return false;
    }

    // An integer nlohmann keeps as an integer and prints as written: no fraction or exponent, no leading
    // zero, at most 18 digits (so it fits int64 whatever its sign).
    bool integer(std::string& out) {
        const std::size_t start = i_;
        if (s_[i_] == '-') ++i_;
        const std::size_t digits = i_;
        while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
        const std::size_t n = i_ - digits;
        if (n == 0 || n > 18 || (n > 1 && s_[digits] == '0')) return false;
        if (i_ < s_.size() && (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E')) return false;
        if (n == 1 && s_[digits] == '0' && digits != start) return false;  // "-0" prints as "0" in nlohmann
        out.append(s_, start, i_ - start);
        return true;
    }

    bool literal(std::string_view word, std::string& out) {
        if (s_.substr(i_, word.size()) != word) return false;
        i_ += word.size();
        out += word;
        return true;
    }

    bool value(std::string& out, int depth) {
        skip_space();
        if (i_ >= s_.size() || depth > k_max_depth) return false;
        switch (s_[i_]) {
            case '{': return object(out, depth);
            case '[': return array(out, depth);
            case '"': {
                std::string_view span;
                if (!string_span(span)) return false;
                out += span;
                return true;
            }
            case 't': return literal("true", out);
            case 'f': return literal("false", out);
            case 'n': return literal("null", out);
            default: return (s_[i_] == '-' || (s_[i_] >= '0' && s_[i_] <= '9')) && integer(out);
        }
    }

    bool array(std::string& out, int depth) {
        ++i_;
        out += '[';
        skip_space();
        if (i_ < s_.size() && s_[i_] == ']') {
            ++i_;
            out += ']';
            return true;
        }
        while (true) {
            if (!value(out, depth + 1)) return false;
            skip_space();
            if (i_ >= s_.size()) return false;
            if (s_[i_] == ']') {
                ++i_;
                out += ']';
                return true;
            }
            if (s_[i_] != ',') return false;
            ++i_;
            out += ',';
        }
    }

    // Members are written to `out` as they come, then reordered by key (bytewise, as std::map orders them);
    // keys have no escapes here, so comparing their quoted spans compares the keys.
    bool object(std::string& out, int depth) {
        ++i_;
        skip_space();
        std::vector<std::pair<std::string_view, std::pair<std::size_t, std::size_t>>> members;  // key, value's range in `out`
        const std::size_t base = out.size();
        if (i_ < s_.size() && s_[i_] == '}') {
            ++i_;
            out += "{}";
            return true;
        }
        while (true) {
            skip_space();
            std::string_view key;
            if (!string_span(key)) return false;
            skip_space();
            if (i_ >= s_.size() || s_[i_] != ':') return false;
            ++i_;
            const std::size_t from = out.size();
            if (!value(out, depth + 1)) return false;
            members.push_back({key.substr(1, key.size() - 2), {from, out.size()}});
            skip_space();
            if (i_ >= s_.size()) return false;
            if (s_[i_] == '}') {
                ++i_;
                break;
            }
            if (s_[i_] != ',') return false;
            ++i_;
        }
        std::stable_sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (std::size_t k = 1; k < members.size(); ++k)
            if (members[k].first == members[k - 1].first) return false;  // duplicates: the general path decides which wins
        std::string values = out.substr(base);
        out.resize(base);
        out += '{';
        for (std::size_t k = 0; k < members.size(); ++k) {
            if (k) out += ',';
            out += '"';
            out += members[k].first;
            out += "\":";
            out.append(values, members[k].second.first - base, members[k].second.second - members[k].second.first);
        }
        out += '}';
        return true;
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

}  // namespace

bool append_canonical_json_fast(std::string_view text, std::string& out) {
    const std::size_t before = out.size();
    if (FastCanonicaliser(text).run(out)) return true;
    out.resize(before);
    return false;
}

}  // namespace aaiti::migrate
