// plain_query: DuckDB alone, as a user would run it instead of pond (the
// library pond uses, in a fresh in-memory database, time zone UTC).
//
//   plain_query SQL            runs the statements (a COPY writes its own file)
//   plain_query --csv QUERY    writes QUERY's result to stdout with DuckDB's
//   plain_query --json QUERY   own CSV writer, or its JSON writer (one array)
//
// The peer of `pond query` in bench/sql_bench.sh and of `pond cat` in
// bench/factory_bench.sh.
#include <cstdio>
#include <cstring>
#include <string>

#include "duckdb.hpp"

int main(int argc, char** argv) {
  std::string format;
  if (argc == 3 && (std::strcmp(argv[1], "--csv") == 0 || std::strcmp(argv[1], "--json") == 0)) {
    format = argv[1] + 2;
  } else if (argc != 2) {
    std::fprintf(stderr, "usage: plain_query [--csv|--json] SQL\n");
    return 2;
  }
  std::string sql = argv[argc - 1];
  if (format == "csv") sql = "COPY (" + sql + ") TO '/dev/stdout' (FORMAT csv)";
  if (format == "json") sql = "COPY (" + sql + ") TO '/dev/stdout' (FORMAT json, ARRAY true)";
  duckdb::DuckDB db(nullptr);
  duckdb::Connection con(db);
  con.Query("SET TimeZone = 'UTC'");
  auto result = con.Query(sql);
  if (result->HasError()) {
    std::fprintf(stderr, "plain_query: %s\n", result->GetError().c_str());
    return 1;
  }
  return 0;
}
