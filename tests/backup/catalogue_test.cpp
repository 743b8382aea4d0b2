// Ids, times, manifests, selection and retention: pure logic, no server.
#include <catch2/catch.hpp>

#include <algorithm>

#include "backup/backup.h"
#include "backup/backup_id.h"
#include "backup/selection.h"
#include "common/error.h"
#include "common/time_text.h"

namespace aaiti::backup {
namespace {

BackupEntry complete_at(const std::string& iso) {
    const std::int64_t t = parse_time_argument(iso);
    BackupEntry e;
    e.id = make_backup_id(t * 1000);
    e.state = BackupState::complete;
    Manifest m;
    m.id = e.id;
    m.started_at_ms = t * 1000;
    m.finished_at_ms = t * 1000 + 5000;
    e.manifest = m;
    return e;
}

TEST_CASE("backup ids sort by time and give their time back", "[backup]") {
    const auto a = make_backup_id(parse_time_argument("2026-11-26T01:02:03Z") * 1000);
    const auto b = make_backup_id(parse_time_argument("2026-11-26T01:02:04Z") * 1000);
    CHECK(a.substr(0, 16) == "20261126T010203Z");
    CHECK(is_backup_id(a));
    CHECK(a < b);
    // Within one second the milliseconds keep the order (a list must show the newer one last).
    const auto early = make_backup_id(parse_time_argument("2026-11-26T01:02:03Z") * 1000 + 9);
    const auto late = make_backup_id(parse_time_argument("2026-11-26T01:02:03Z") * 1000 + 998);
    CHECK(early < late);
    CHECK(early.substr(0, 20) == "20261126T010203Z-009");
    CHECK(is_backup_id(late));
    CHECK(backup_id_time(a) == parse_time_argument("2026-11-26T01:02:03Z"));
    CHECK_FALSE(is_backup_id("20261126T010203Z"));
    CHECK_FALSE(is_backup_id("../../etc/passwd"));
}

TEST_CASE("restore times (--at) accept ISO times, dates, zones and ids; refuses the rest naming the text", "[backup]") {
    // A bare date is that whole day (the seed's restore.sh <backup-date>): its last second.
    CHECK(parse_time_argument("2026-11-26") == parse_time_argument("2026-11-26T23:59:59Z"));
    CHECK(parse_time_argument("2026-11-26 01:30") == parse_time_argument("2026-11-26T01:30:00Z"));
    CHECK(parse_time_argument("2026-11-26T03:30:00+02:00") == parse_time_argument("2026-11-26T01:30:00Z"));
    CHECK(format_utc(parse_time_argument("2026-11-26T01:30:05Z")) == "2026-11-26T01:30:05Z");
    CHECK_THROWS_WITH(parse_time_argument("yesterday"), Catch::Contains("\"yesterday\" is not a time"));
    CHECK_THROWS_AS(parse_time_argument("2026-13-01"), UsageError);
}

TEST_CASE("manifests round-trip through JSON; damaged or future ones are data errors", "[backup]") {
    Manifest m;
    m.id = "20261126T010203Z-abcd";
    m.database = "aaiti";
    m.started_at_ms = 1;
    m.finished_at_ms = 2;
    m.data_file = "dump.zst.enc";
    m.raw_bytes = 100;
    m.stored_bytes = 40;
    m.stored_sha256 = std::string(64, 'a');
    m.encryption.cipher = "xchacha20poly1305-secretstream";
    m.encryption.kdf = "argon2id";
    m.encryption.key_id = "0011223344556677";
    m.encryption.salt_hex = std::string(32, 'b');
    m.encryption.opslimit = 2;
    m.encryption.memlimit = 67108864;
    m.encryption.chunk_bytes = 1 << 20;
    m.tables = {{"public", "orders", 12}};
    const auto text = manifest_to_json(m);
    CHECK(text.find("\"key\"") == std::string::npos);
    const Manifest back = manifest_from_json(text, "m.json");
    CHECK(back.id == m.id);
    CHECK(back.encryption.salt_hex == m.encryption.salt_hex);
    CHECK(back.tables.at(0).rows == 12);

    CHECK_THROWS_AS(manifest_from_json("{", "m.json"), DataError);
    CHECK_THROWS_WITH(manifest_from_json(R"({"format_version": 99})", "m.json"), Catch::Contains("newer"));
    auto escaping = text;
    escaping.replace(escaping.find("dump.zst.enc"), 12, "../../x");
    CHECK_THROWS_AS(manifest_from_json(escaping, "m.json"), DataError);
}

TEST_CASE("selection: --latest and --at choose complete backups only", "[backup]") {
    std::vector<BackupEntry> entries = {complete_at("2026-11-01T00:00:00Z"), complete_at("2026-11-10T00:00:00Z")};
    BackupEntry broken;
    broken.id = make_backup_id(parse_time_argument("2026-11-20T00:00:00Z") * 1000);
    entries.push_back(broken);

    CHECK(select_backup(entries, "", true, std::nullopt, "repo").id == entries[1].id);
    CHECK(select_backup(entries, "", false, parse_time_argument("2026-11-09"), "repo").id == entries[0].id);
    CHECK(select_backup(entries, "", false, parse_time_argument("2026-11-25"), "repo").id == entries[1].id);
    CHECK_THROWS_WITH(select_backup(entries, "", false, parse_time_argument("2026-10-01"), "repo"),
                      Catch::Contains("no complete backup at or before 2026-10-01T23:59:59Z"));
    // A bare date is the whole day: the 10th's backup, taken at midnight or at any time of it, is chosen.
    CHECK(select_backup(entries, "", false, parse_time_argument("2026-11-10"), "repo").id == entries[1].id);
    entries.insert(entries.begin() + 2, complete_at("2026-11-10T23:59:59Z"));
    CHECK(select_backup(entries, "", false, parse_time_argument("2026-11-10"), "repo").id == entries[2].id);
    CHECK(parse_time_argument("2026-11-10") == parse_time_argument("2026-11-10T23:59:59Z"));
    CHECK(parse_time_argument("2026-11-10T00:00") == parse_time_argument("2026-11-10T00:00:00Z"));
    CHECK_THROWS_WITH(select_backup(entries, broken.id, false, std::nullopt, "repo"), Catch::Contains("incomplete"));
    CHECK_THROWS_WITH(select_backup(entries, "nope", false, std::nullopt, "repo"), Catch::Contains("no backup nope"));
}

TEST_CASE("prune: last/daily/weekly/monthly keep the newest per period; incomplete ones always go", "[backup]") {
    std::vector<BackupEntry> entries;
    // Two a day for the 10 days before 2026-11-26, plus one a month back to August.
    for (const char* day : {"2026-08-15", "2026-09-15", "2026-10-15"}) entries.push_back(complete_at(std::string(day) + "T12:00:00Z"));
    for (int d = 16; d <= 25; ++d)
        for (const char* hour : {"T06:00:00Z", "T18:00:00Z"})
            entries.push_back(complete_at("2026-11-" + std::to_string(d) + hour));
    BackupEntry broken;
    broken.id = make_backup_id(parse_time_argument("2026-11-25T20:00:00Z") * 1000);
    entries.push_back(broken);

    RetentionRules rules;
    rules.keep_last = 3;
    rules.keep_daily = 2;
    rules.keep_monthly = 3;
    const auto plan = plan_prune(entries, rules);
    std::vector<std::string> kept;
    for (const auto& d : plan)
        if (d.keep) kept.push_back(d.id.substr(0, 13));
    // last 3: 25th 18h, 25th 06h, 24th 18h; daily 2: 25th 18h, 24th 18h; monthly 3: Nov (25th 18h), Oct, Sep.
    CHECK(kept == std::vector<std::string>{"20260915T1200", "20261015T1200", "20261124T1800", "20261125T0600",
                                           "20261125T1800"});
    CHECK(plan.back().keep == false);
    CHECK(plan.back().reasons == std::vector<std::string>{"incomplete"});
    CHECK_THROWS_AS(plan_prune(entries, RetentionRules{}), UsageError);
    // Every removal says why each rule passes it over.
    const auto nov16 =
        std::find_if(plan.begin(), plan.end(), [](const PruneDecision& d) { return d.id.substr(0, 13) == "20261116T0600"; });
    REQUIRE(nov16 != plan.end());
    CHECK_FALSE(nov16->keep);
    CHECK(nov16->reasons == std::vector<std::string>{"no rule keeps it", "not among the 3 newest",
                                                     "daily 2026-11-16 is older than the 2 newest days",
                                                     "monthly 2026-11 keeps the newer " + plan[plan.size() - 2].id});
}

TEST_CASE("prune: a labelled backup is kept until a prune names its label; scheduled ones follow the rules", "[backup]") {
    auto labelled = [](const std::string& iso, const std::string& label) {
        BackupEntry e = complete_at(iso);
        e.manifest->label = label;
        return e;
    };
    const std::vector<BackupEntry> entries = {
        labelled("2026-12-08T02:00:00Z", "scheduled"), labelled("2026-12-08T10:00:00Z", "before-upgrade"),
        complete_at("2026-12-08T11:00:00Z"), labelled("2026-12-08T14:00:00Z", "before-upgrade"),
        labelled("2026-12-09T02:00:00Z", "scheduled")};
    RetentionRules daily;
    daily.keep_daily = 7;
    const auto plan = plan_prune(entries, daily);
    REQUIRE(plan.size() == 5);
    CHECK_FALSE(plan[0].keep);  // the 8th's newest under the rules is the unlabelled 11:00 one
    CHECK(plan[0].reasons.back() == "daily 2026-12-08 keeps the newer " + entries[2].id);
    CHECK(plan[1].keep);
    CHECK(plan[1].reasons == std::vector<std::string>{
                                 "labelled \"before-upgrade\": kept until `backup prune --label before-upgrade` or removed by hand"});
    CHECK(plan[2].keep);
    CHECK(plan[3].keep);
    CHECK(plan[4].keep);

    RetentionRules by_label;
    by_label.keep_last = 1;
    by_label.label = "before-upgrade";
    const auto pruned = plan_prune(entries, by_label);
    CHECK(pruned[0].reasons == std::vector<std::string>{"not labelled before-upgrade"});
    CHECK(pruned[0].keep);
    CHECK_FALSE(pruned[1].keep);
    CHECK(pruned[3].keep);
    CHECK(pruned[3].reasons == std::vector<std::string>{"last 1"});
}

}  // namespace
}  // namespace aaiti::backup
