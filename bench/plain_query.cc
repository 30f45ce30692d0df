// plain_query SQL: runs one query in a fresh in-memory DuckDB (the same
// library pond uses) and prints the result as CSV. The peer of `pond query`
// in bench/sql_bench.sh.
#include <cstdio>
#include <iostream>

#include "duckdb.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: plain_query SQL\n");
    return 2;
  }
  duckdb::DuckDB db(nullptr);
  duckdb::Connection con(db);
  con.Query("SET TimeZone = 'UTC'");
  auto result = con.SendQuery(argv[1]);
  if (result->HasError()) {
    std::fprintf(stderr, "plain_query: %s\n", result->GetError().c_str());
    return 1;
  }
  std::string line;
  while (auto chunk = result->Fetch()) {
    if (chunk->size() == 0) break;
    for (duckdb::idx_t r = 0; r < chunk->size(); ++r) {
      line.clear();
      for (duckdb::idx_t c = 0; c < chunk->ColumnCount(); ++c) {
        if (c) line += ',';
        line += chunk->GetValue(c, r).ToString();
      }
      std::cout << line << '\n';
    }
  }
  return 0;
}
