// The shape of a CSV file, checked strictly before it is imported.
//
// DuckDB's CSV sniffer is lenient: a file with one short row may be read as a
// single text column, or lose its header. Importing is strict instead: the
// first line is the header and names the columns, and every record must have
// exactly as many fields. The delimiter is the one the header line uses most
// (',' ';' tab '|'; ',' when it has none of them). Quoting is RFC 4180
// ("..." with "" for a quote inside, newlines allowed inside quotes); CRLF
// line ends are fine; empty lines are skipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/status.h"

namespace pond {

struct CsvShape {
  char delimiter = ',';
  std::vector<std::string> header;
  int64_t records = 0;  // data records, header excluded
};

// Reads the whole file. InvalidArgument naming the line (1-based, where the
// record starts) when a record has another number of fields than the header,
// a quote is not closed, or a column has no name or the name of another;
// also for an empty file. IOError when the file cannot be read.
Result<CsvShape> CheckCsvShape(const std::string& path);

}  // namespace pond
