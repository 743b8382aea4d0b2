#include "healthcheck/condition.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>
#include <stdexcept>

#include "common/config.h"
#include "common/error.h"

namespace aaiti::health {
namespace {

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

bool is_duration_subject(Subject s) {
    return s == Subject::latency || s == Subject::cert_expiry || s == Subject::replication_lag;
}

// Longest operators first so "<=" is not read as "<".
struct OperatorSpelling {
    std::string_view text;
    Operator op;
};
constexpr OperatorSpelling k_operators[] = {{"==", Operator::eq}, {"!=", Operator::ne}, {"<=", Operator::le},
                                            {">=", Operator::ge}, {"<", Operator::lt},  {">", Operator::gt}};

std::string format_seconds(double seconds) {
    char text[64];
    if (seconds < 1) std::snprintf(text, sizeof text, "%.0fms", seconds * 1000);
    else if (seconds < 600) std::snprintf(text, sizeof text, "%.2fs", seconds);
    else if (seconds < 172800) std::snprintf(text, sizeof text, "%.1fh", seconds / 3600);
    else std::snprintf(text, sizeof text, "%.1fd", seconds / 86400);
    return text;
}

template <class T>
bool compare(const T& actual, Operator op, const T& expected) {
    switch (op) {
    case Operator::eq: return actual == expected;
    case Operator::ne: return actual != expected;
    case Operator::lt: return actual < expected;
    case Operator::le: return actual <= expected;
    case Operator::gt: return actual > expected;
    case Operator::ge: return actual >= expected;
    case Operator::contains: return false;
    }
    return false;
}

// "items[0].id" -> the element, or nullptr when any step is missing.
const nlohmann::json* find_json(const nlohmann::json& root, std::string_view path) {
    const nlohmann::json* node = &root;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '.') { ++i; continue; }
        if (path[i] == '[') {
            const auto close = path.find(']', i);
            const std::size_t index = std::stoul(std::string(path.substr(i + 1, close - i - 1)));
            if (!node->is_array() || index >= node->size()) return nullptr;
            node = &(*node)[index];
            i = close + 1;
            continue;
        }
        const auto end = path.find_first_of(".[", i);
        const std::string key(path.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
        if (!node->is_object() || !node->contains(key)) return nullptr;
        node = &(*node)[key];
        i = end == std::string_view::npos ? path.size() : end;
    }
    return node;
}

ConditionOutcome judge_number(const Condition& c, double actual, std::string observed) {
    return {c.text, compare(actual, c.op, c.expected_number), std::move(observed)};
}

ConditionOutcome judge_text(const Condition& c, const std::string& actual, std::string observed) {
    if (c.op == Operator::contains) return {c.text, actual.find(c.expected) != std::string::npos, std::move(observed)};
    return {c.text, compare(actual, c.op, c.expected), std::move(observed)};
}

std::string shorten(std::string text) {
    if (text.size() > 80) text = text.substr(0, 77) + "...";
    return text;
}

ConditionOutcome judge_json(const Condition& c, const ProbeResult& r) {
    const auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (body.is_discarded()) return {c.text, false, "body is not JSON"};
    const nlohmann::json* field = find_json(body, c.json_path);
    if (field == nullptr) return {c.text, false, "missing"};
    if (field->is_number() && c.expected_numeric && !c.expected_is_string)
        return judge_number(c, field->get<double>(), field->dump());
    if (field->is_boolean()) return judge_text(c, field->get<bool>() ? "true" : "false", field->dump());
    if (field->is_string()) return judge_text(c, field->get<std::string>(), field->get<std::string>());
    const std::string dumped = field->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return judge_text(c, dumped, shorten(dumped));
}

}  // namespace

Condition parse_condition(std::string_view spec) {
    const auto bad = [&](const std::string& why) {
        return UsageError("health: condition \"" + std::string(spec) + "\": " + why +
                          "; expected 'NAME: SUBJECT OP VALUE', e.g. 'api: status == 200'");
    };
    const auto colon = spec.find(':');
    if (colon == std::string_view::npos) throw bad("no target name before ':'");
    Condition c;
    c.target = trim(spec.substr(0, colon));
    c.text = trim(spec.substr(colon + 1));
    if (c.target.empty()) throw bad("no target name before ':'");
    std::string_view rest = c.text;

    // Subject: up to the first blank or operator character.
    std::size_t end = 0;
    while (end < rest.size() && !std::isspace(static_cast<unsigned char>(rest[end])) && std::string_view("=!<>").find(rest[end]) == std::string_view::npos)
        ++end;
    const std::string subject(rest.substr(0, end));
    if (subject == "status") c.subject = Subject::status;
    else if (subject == "latency") c.subject = Subject::latency;
    else if (subject == "body") c.subject = Subject::body;
    else if (subject == "cert_expiry") c.subject = Subject::cert_expiry;
    else if (subject == "connected") c.subject = Subject::connected;
    else if (subject == "replication_lag") c.subject = Subject::replication_lag;
    else if (subject.rfind("json.", 0) == 0 && subject.size() > 5) {
        c.subject = Subject::json_field;
        c.json_path = subject.substr(5);
        for (std::size_t open = c.json_path.find('['); open != std::string::npos; open = c.json_path.find('[', open + 1)) {
            const auto close = c.json_path.find(']', open);
            const std::string index = close == std::string::npos ? "" : c.json_path.substr(open + 1, close - open - 1);
            if (index.empty() || index.find_first_not_of("0123456789") != std::string::npos)
                throw bad("JSON path \"" + c.json_path + "\" has a bad array index");
        }
    } else if (subject.empty()) throw bad("no subject");
    else throw bad("unknown subject \"" + subject + "\" (status, latency, body, json.PATH, cert_expiry, connected, replication_lag)");
    rest = rest.substr(end);
    while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);

    // Operator.
    bool found = false;
    if (rest.rfind("contains", 0) == 0) {
        c.op = Operator::contains;
        rest.remove_prefix(8);
        found = true;
    }
    for (const auto& spelling : k_operators) {
        if (found) break;
        if (rest.rfind(spelling.text, 0) == 0) {
            c.op = spelling.op;
            rest.remove_prefix(spelling.text.size());
            found = true;
        }
    }
    if (!found) throw bad("no operator (== != < <= > >= contains)");

    // Value.
    std::string value = trim(rest);
    if (value.empty()) throw bad("no value after the operator");
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
        c.expected_is_string = true;
    }
    c.expected = value;
    if (c.op == Operator::contains && c.subject != Subject::body && c.subject != Subject::json_field)
        throw bad("'contains' applies to body and json fields only");

    if (is_duration_subject(c.subject)) {
        try {
            c.expected_number = static_cast<double>(parse_duration(value).count()) / 1000.0;
        } catch (const std::exception&) {
            throw bad("\"" + value + "\" is not a duration (250ms, 2s, 5m, 7d)");
        }
        c.expected_numeric = true;
    } else if (c.subject == Subject::status) {
        if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos)
            throw bad("\"" + value + "\" is not an HTTP status");
        c.expected_number = std::stod(value);
        c.expected_numeric = true;
    } else if (c.subject == Subject::connected) {
        if (value != "true" && value != "false") throw bad("connected compares with true or false");
        if (c.op != Operator::eq && c.op != Operator::ne) throw bad("connected takes == or !=");
    } else if (!c.expected_is_string) {
        try {
            std::size_t used = 0;
            c.expected_number = std::stod(value, &used);
            c.expected_numeric = used == value.size();
        } catch (const std::exception&) {
        }
    }
    if (c.subject == Subject::body && c.op != Operator::contains && c.op != Operator::eq && c.op != Operator::ne)
        throw bad("body takes ==, != or contains");
    return c;
}

ConditionOutcome evaluate(const Condition& c, const ProbeResult& r) {
    if (c.subject == Subject::connected)
        return {c.text, compare(std::string(r.connected ? "true" : "false"), c.op, c.expected), r.connected ? "true" : "false"};
    if (!r.connected) return {c.text, false, "no connection: " + r.error};
    switch (c.subject) {
    case Subject::status:
        return judge_number(c, static_cast<double>(r.status), std::to_string(r.status));
    case Subject::latency: {
        const double seconds = static_cast<double>(r.latency.count()) / 1e6;
        return judge_number(c, seconds, format_seconds(seconds));
    }
    case Subject::body:
        return judge_text(c, r.body, shorten(r.body));
    case Subject::json_field:
        return judge_json(c, r);
    case Subject::cert_expiry:
        if (!r.cert_expiry_seconds) return {c.text, false, "no certificate"};
        return judge_number(c, static_cast<double>(*r.cert_expiry_seconds), format_seconds(static_cast<double>(*r.cert_expiry_seconds)));
    case Subject::replication_lag:
        if (!r.replication_lag_seconds) return {c.text, false, "not a standby"};
        return judge_number(c, *r.replication_lag_seconds, format_seconds(*r.replication_lag_seconds));
    case Subject::connected:
        break;
    }
    return {c.text, false, "?"};
}

std::vector<Condition> conditions_for(const Target& target, const std::vector<Condition>& all) {
    std::vector<Condition> mine;
    for (const auto& c : all)
        if (c.target == target.name || c.target == "*") mine.push_back(c);
    if (!mine.empty()) return mine;
    mine.push_back(parse_condition(target.name + (target.kind == ProbeKind::http ? ": status < 400" : ": connected == true")));
    return mine;
}

std::string ProbeResult::failure_cause() const {
    // Without a connection every condition fails for the same reason: say it once.
    if (!connected && !success) return "no connection: " + error;
    for (const auto& c : conditions)
        if (!c.passed) return c.condition + " (observed " + c.observed + ")";
    if (!connected) return "no connection: " + error;
    return {};
}

}  // namespace aaiti::health
