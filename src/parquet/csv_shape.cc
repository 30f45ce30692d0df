#include "parquet/csv_shape.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "util/fd_read.h"

namespace pond {
namespace {

constexpr char kCandidates[] = {',', ';', '\t', '|'};

// The delimiter the header line (up to the first newline outside quotes) uses most.
char DetectDelimiter(std::string_view text) {
  int counts[4] = {0, 0, 0, 0};
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\n') break;
    for (int i = 0; i < 4; ++i) counts[i] += c == kCandidates[i];
  }
  int best = 0;
  for (int i = 1; i < 4; ++i) {
    if (counts[i] > counts[best]) best = i;
  }
  return counts[best] > 0 ? kCandidates[best] : ',';
}

std::string DelimiterName(char d) {
  if (d == '\t') return "tab";
  return std::string("'") + d + "'";
}

}  // namespace

Result<CsvShape> CheckCsvShape(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot read '" + path + "': " + std::strerror(errno));
  CsvShape shape;
  IoBuffer buf;
  bool first_chunk = true;
  bool have_delimiter = false;
  // Parser state.
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };
  State state = State::kFieldStart;
  int64_t line = 1;          // the physical line we are on
  int64_t record_line = 1;   // where the current record started
  size_t fields = 0;         // fields completed in the current record
  bool record_empty = true;  // nothing seen yet in the current record
  std::string field;         // the current field (kept for the header only)
  bool in_header = true;
  bool pending_cr = false;
  Status error;

  auto end_field = [&] {
    if (in_header) shape.header.push_back(field);
    field.clear();
    ++fields;
  };
  auto end_record = [&]() -> bool {
    if (record_empty && fields == 0) return true;  // an empty line
    end_field();
    if (in_header) {
      in_header = false;
      std::set<std::string> names;
      for (size_t i = 0; i < shape.header.size(); ++i) {
        if (shape.header[i].empty()) {
          error = Status::InvalidArgument("line 1 names no column " + std::to_string(i + 1) +
                                          " (the header must name every column)");
          return false;
        }
        if (!names.insert(shape.header[i]).second) {
          error = Status::InvalidArgument("line 1 names column '" + shape.header[i] + "' twice");
          return false;
        }
      }
    } else if (fields != shape.header.size()) {
      error = Status::InvalidArgument(
          "line " + std::to_string(record_line) + " has " + std::to_string(fields) + " field" +
          (fields == 1 ? "" : "s") + " where the header has " +
          std::to_string(shape.header.size()) + " (fields separated by " +
          DelimiterName(shape.delimiter) + ")");
      return false;
    } else {
      ++shape.records;
    }
    fields = 0;
    record_empty = true;
    return true;
  };

  while (error.ok()) {
    ssize_t got = ::read(fd, buf.data(), buf.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      error = Status::IOError("cannot read '" + path + "': " + std::strerror(errno));
      break;
    }
    if (got == 0) break;
    std::string_view chunk(buf.data(), static_cast<size_t>(got));
    if (first_chunk) {
      if (chunk.starts_with("\xEF\xBB\xBF")) chunk.remove_prefix(3);  // a UTF-8 BOM
      first_chunk = false;
    }
    if (!have_delimiter) {
      shape.delimiter = DetectDelimiter(chunk);
      have_delimiter = true;
    }
    const char d = shape.delimiter;
    for (char c : chunk) {
      if (pending_cr) {
        pending_cr = false;
        if (c != '\n') {  // a lone CR inside an unquoted field: keep it
          if (in_header) field.push_back('\r');
          record_empty = false;
        }
      }
      switch (state) {
        case State::kQuoted:
          if (c == '"') {
            state = State::kQuoteInQuoted;
          } else {
            if (c == '\n') ++line;
            if (in_header) field.push_back(c);
          }
          continue;
        case State::kQuoteInQuoted:
          if (c == '"') {  // "" inside quotes
            if (in_header) field.push_back('"');
            state = State::kQuoted;
            continue;
          }
          state = State::kUnquoted;  // the closing quote; what follows ends the field
          break;
        default:
          break;
      }
      if (c == '\r') {
        pending_cr = true;
        continue;
      }
      if (c == '\n') {
        if (!end_record()) break;
        state = State::kFieldStart;
        ++line;
        record_line = line;
        continue;
      }
      record_empty = false;
      if (c == d) {
        end_field();
        state = State::kFieldStart;
        continue;
      }
      if (c == '"' && state == State::kFieldStart) {
        state = State::kQuoted;
        continue;
      }
      state = State::kUnquoted;
      if (in_header) field.push_back(c);
    }
  }
  ::close(fd);
  if (!error.ok()) return error;
  if (state == State::kQuoted) {
    return Status::InvalidArgument("line " + std::to_string(record_line) +
                                   " opens a quote that is never closed");
  }
  if (!end_record()) return error;
  if (shape.header.empty()) return Status::InvalidArgument("the file is empty (it needs a header)");
  return shape;
}

}  // namespace pond
