#include "tests/migrate/fixtures.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdlib>
#include <stdexcept>

namespace aaiti::test::migrate_fixtures {

std::string copy_chinook(const std::filesystem::path& dir) {
    const char* source_dir = std::getenv("AAITI_SOURCE_DIR");
    if (!source_dir) throw std::runtime_error("AAITI_SOURCE_DIR is not set (run the tests through ctest)");
    const auto original = std::filesystem::path(source_dir) / ".." / "shared" / "datasets" / "chinook.sqlite";
    const auto copy = dir / "chinook.sqlite";
    std::filesystem::copy_file(original, copy, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::permissions(copy, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return copy.string();
}

std::string build_hostile(const std::filesystem::path& dir) {
    const auto path = (dir / "hostile.sqlite").string();
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(R"SQL(
CREATE TABLE "user" (
  id INTEGER PRIMARY KEY,
  "Display Name" TEXT,
  email TEXT,
  is_admin BOOLEAN,
  created_at DATETIME,
  settings JSON,
  avatar BLOB,
  score REAL,
  big INTEGER,
  age INTEGER
);
CREATE TABLE "order" (
  id INTEGER PRIMARY KEY,
  user_id INTEGER REFERENCES "user"(id),
  parent_order INTEGER REFERENCES "order"(id),
  total NUMERIC(10,2),
  placed DATETIME
);
CREATE TABLE "Order Line" (
  order_id INTEGER NOT NULL REFERENCES "order"(id),
  line_no INTEGER NOT NULL,
  qty INTEGER,
  PRIMARY KEY (order_id, line_no)
) WITHOUT ROWID;
CREATE TABLE shipment (
  id INTEGER PRIMARY KEY,
  order_id INTEGER,
  line_no INTEGER,
  FOREIGN KEY (order_id, line_no) REFERENCES "Order Line"(order_id, line_no)
);
CREATE TABLE tag (code TEXT PRIMARY KEY, label TEXT) WITHOUT ROWID;
CREATE TABLE "user profile" (user_id INTEGER PRIMARY KEY REFERENCES "user"(id), bio TEXT);
CREATE TABLE log (msg TEXT, level INTEGER);
CREATE TABLE "MixedCase" ("Stuff", "When" TEXT);
CREATE INDEX user_email_lower ON "user" (lower(email));
CREATE INDEX order_big_total ON "order" (total) WHERE total > 100;
CREATE UNIQUE INDEX user_email_unique ON "user" (EMAIL);
CREATE VIEW big_orders AS SELECT * FROM "order" WHERE total > 100;
CREATE TRIGGER order_audit AFTER INSERT ON "order" BEGIN INSERT INTO log VALUES ('new order', 1); END;
)SQL");
    // Users: mixed timestamp formats (space, T+Z+fraction, epoch seconds, epoch milliseconds, offset),
    // booleans as 0/1, JSON, BLOBs (one empty), +/-Infinity and NaN (as text: SQLite stores a NaN REAL as
    // NULL), integers beyond 32 bits, and 'N/A' in an INTEGER column.
    db.exec(R"SQL(
INSERT INTO "user" VALUES (1, 'Ann', 'ann@example.com', 1, '2024-01-02 03:04:05', '{"a": 1, "b": [1, 2]}', x'00ff10', 1.5, 3000000000, 30);
INSERT INTO "user" VALUES (3, 'Cy', 'cy@example.com', NULL, 1700000000, 'null', NULL, -1e999, 5, 'N/A');
INSERT INTO "user" VALUES (4, 'Dee', NULL, 1, 1700000000123, '{"nested": {"x": true}}', NULL, 'NaN', -5000000000, 41);
INSERT INTO "user" VALUES (5, 'Eve', 'eve@example.com', 0, '2024-06-01T10:00:00+02:00', '[]', x'', 0.1, 7, NULL);
)SQL");
    {
        // A display name holding NUL bytes: bound with its length so SQLite keeps them.
        SQLite::Statement insert(db, R"SQL(INSERT INTO "user" VALUES (2, ?, 'bob@example.com', 0,
            '2024-01-02T03:04:05.123Z', '[1, 2]', x'', 1e999, 12, 25))SQL");
        const std::string with_nul("Bob\0the\0builder", 15);
        insert.bind(1, with_nul);  // std::string: bound as TEXT with its full length
        insert.exec();
    }
    // Orders: a self-reference, an orphan user (99), an orphan parent (77), a date column with one value
    // that is not a date ('yesterday': the column stays text with a warning).
    db.exec(R"SQL(
INSERT INTO "order" VALUES (1, 1, NULL, 150.50, '2024-01-03');
INSERT INTO "order" VALUES (2, 2, 1, 20, '2024-01-04 10:00');
INSERT INTO "order" VALUES (3, 99, 2, '12.5', 'yesterday');
INSERT INTO "order" VALUES (4, 1, 77, 1000, NULL);
INSERT INTO "Order Line" VALUES (1, 1, 2), (1, 2, 1), (2, 1, 5), (4, 1, 1);
INSERT INTO shipment VALUES (1, 1, 1), (2, 1, 9), (3, NULL, NULL), (4, 4, 1);
INSERT INTO tag VALUES ('b', 'Bee'), ('a', 'Ay');
INSERT INTO "user profile" VALUES (1, 'likes SQL'), (4, 'likes COPY');
INSERT INTO log VALUES ('same', 1), ('same', 1), ('other', 2);
INSERT INTO "MixedCase" VALUES (1, 'a'), ('two', 'b'), (3.5, 'c'), (x'01', 'd');
)SQL");
    // The trigger above fired on each order insert: log now also has 4 'new order' rows (7 in all).
    return path;
}

std::string build_big(const std::filesystem::path& dir) {
    const auto path = (dir / "big.sqlite").string();
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(R"SQL(
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT, score REAL);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id), note TEXT, at DATETIME);
CREATE TABLE pairs (a TEXT NOT NULL, b INTEGER NOT NULL, v BLOB, PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE TABLE nokey (msg TEXT, n INTEGER);
CREATE INDEX child_parent ON child (parent_id);
BEGIN;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20000)
  INSERT INTO parent SELECT i, 'parent ' || i, i * 0.25 FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 60000)
  INSERT INTO child SELECT i, CASE WHEN i = 777 THEN 999999 ELSE (i % 20000) + 1 END, 'note ' || (i % 97),
                           datetime(1700000000 + i, 'unixepoch') FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 30000)
  INSERT INTO pairs SELECT printf('k%05d', i % 1000), i, randomblob(8) FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 30000)
  INSERT INTO nokey SELECT 'same ' || (i % 10), i % 10 FROM s;
COMMIT;
)SQL");
    return path;
}

}  // namespace aaiti::test::migrate_fixtures
