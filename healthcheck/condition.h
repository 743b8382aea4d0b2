#pragma once
// Conditions, Gatus-style, given as 'NAME: SUBJECT OP VALUE' ('*: ...' applies to every target):
//   status == 200            status < 500             latency < 100ms
//   json.status == "ok"      json.items[0].id > 3     body contains "ready"
//   cert_expiry > 7d         connected == true        replication_lag < 10s
// Operators: == != < <= > >= contains. Durations take ms/s/m/h/d. A target without conditions gets
// the defaults: HTTP `status < 400`, everything else `connected == true`.
#include <string>
#include <string_view>
#include <vector>

#include "healthcheck/probe_result.h"

namespace aaiti::health {

enum class Subject { status, latency, body, json_field, cert_expiry, connected, replication_lag };
enum class Operator { eq, ne, lt, le, gt, ge, contains };

struct Condition {
    std::string target;     // a target name, or "*"
    std::string text;       // "status == 200"
    Subject subject = Subject::status;
    std::string json_path;  // for json_field: "status", "items[0].id"
    Operator op = Operator::eq;
    std::string expected;   // the value as written, quotes removed
    bool expected_is_string = false;  // written in quotes: compared as text, never as a number
    double expected_number = 0;       // numbers, and durations in seconds
    bool expected_numeric = false;
};

// Throws UsageError naming the condition and what is wrong with it.
Condition parse_condition(std::string_view spec);

// Checks the condition against what the probe saw.
ConditionOutcome evaluate(const Condition& condition, const ProbeResult& result);

// The conditions that apply to `target`: those naming it or "*", else the defaults for its kind.
std::vector<Condition> conditions_for(const Target& target, const std::vector<Condition>& all);

}  // namespace aaiti::health
