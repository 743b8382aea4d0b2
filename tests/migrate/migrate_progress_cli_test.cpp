// `aaitictl migrate`'s live progress: drawn on a terminal stderr only; a piped stderr (CI, 2>file) gets
// the plain log lines and never an escape sequence or a carriage return.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/migrate/fixtures.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_servers.h"

using Catch::Matchers::Contains;

namespace aaiti::test {
namespace {

namespace mf = migrate_fixtures;

ProcessResult migrate_chinook(const std::string& target, bool stderr_terminal, std::vector<std::pair<std::string, std::string>> env,
                              std::vector<std::string> extra = {}) {
    TempDir dir("migrate-progress");
    ProcessOptions o;
    o.inherit_environment = false;  // NO_COLOR, TERM, LOG_* of whoever runs the tests must not decide
    o.env = std::move(env);
    o.stderr_is_terminal = stderr_terminal;
    o.timeout = std::chrono::milliseconds(120000);
    std::vector<std::string> argv{binary_path("aaitictl"), "migrate", "--source", mf::copy_chinook(dir.path()), "--target", target};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_process(argv, o);
}

TEST_CASE("migrate: a piped stderr gets log lines and no progress display", "[pg]") {
    TestDatabase db("migrate_progress_piped");
    const auto r = migrate_chinook(db.url(), false, {{"TERM", "xterm"}});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Contains("table loaded"));
    CHECK(r.err.find('\r') == std::string::npos);
    CHECK(r.err.find('\x1b') == std::string::npos);
    CHECK_THAT(r.err, !Contains("migrate: done"));
}

TEST_CASE("migrate: a terminal stderr shows the progress display, its last frame at 100%", "[pg]") {
    TestDatabase db("migrate_progress_tty");
    const auto r = migrate_chinook(db.url(), true, {{"TERM", "xterm"}}, {"-o", "json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Contains("migrate: done") && Contains("100%") && Contains("15.6k/15.6k rows") && Contains("11/11 tables"));
    CHECK_THAT(r.err, Contains("\x1b[32m"));  // coloured bars on a colour terminal
    CHECK_THAT(r.err, Contains("table loaded"));  // log lines still come, above the display
    CHECK(r.out.find('\x1b') == std::string::npos);  // stdout is the JSON report only
    CHECK(r.out.front() == '{');
}

TEST_CASE("migrate: NO_COLOR keeps the display uncoloured; --no-progress and TERM=dumb turn it off", "[pg]") {
    TestDatabase a("migrate_progress_nocolor"), b("migrate_progress_off"), c("migrate_progress_dumb");
    const auto no_color = migrate_chinook(a.url(), true, {{"TERM", "xterm"}, {"NO_COLOR", "1"}});
    REQUIRE(no_color.exit_code == 0);
    CHECK_THAT(no_color.err, Contains("migrate: done") && !Contains("\x1b[32m"));

    const auto off = migrate_chinook(b.url(), true, {{"TERM", "xterm"}}, {"--no-progress"});
    REQUIRE(off.exit_code == 0);
    CHECK_THAT(off.err, !Contains("migrate: done") && !Contains("\x1b[J"));

    const auto dumb = migrate_chinook(c.url(), true, {{"TERM", "dumb"}});
    REQUIRE(dumb.exit_code == 0);
    CHECK_THAT(dumb.err, !Contains("migrate: done") && !Contains("\x1b[J"));
}

}  // namespace
}  // namespace aaiti::test
