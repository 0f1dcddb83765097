/* The reference for `cpd balance`: open the database read-only, run the one
 * indexed query a balance needs (the sum of a member's ledger entries for a
 * year, through the index entry_member_year), print the total.
 *
 *   cpd_bench_reference_balance DB LOGIN YEAR
 */
#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char** argv)
{
  if (argc != 4) {
    fprintf(stderr, "usage: %s DB LOGIN YEAR\n", argv[0]);
    return 64;
  }
  sqlite3* db = NULL;
  if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    fprintf(stderr, "%s: %s\n", argv[1], sqlite3_errmsg(db));
    return 69;
  }
  sqlite3_stmt* query = NULL;
  const char* sql = "SELECT coalesce(sum(e.points), 0) FROM member m"
                    " JOIN entry e ON e.member_id = m.id AND e.year = ?2"
                    " WHERE m.login = ?1";
  if (sqlite3_prepare_v2(db, sql, -1, &query, NULL) != SQLITE_OK) {
    fprintf(stderr, "%s\n", sqlite3_errmsg(db));
    return 70;
  }
  sqlite3_bind_text(query, 1, argv[2], -1, SQLITE_STATIC);
  sqlite3_bind_int(query, 2, atoi(argv[3]));
  if (sqlite3_step(query) != SQLITE_ROW) {
    fprintf(stderr, "%s\n", sqlite3_errmsg(db));
    return 70;
  }
  const long long tenths = sqlite3_column_int64(query, 0);
  printf("%s %s: %lld.%lld points\n", argv[2], argv[3], tenths / 10, tenths % 10);
  sqlite3_finalize(query);
  sqlite3_close(db);
  return 0;
}
