#include "sql/result_writer.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "parquet/duckdb_util_internal.h"

namespace pond::sql::internal {
namespace {

using Id = duckdb::LogicalTypeId;

// Output is gathered here and handed to the stream in large writes.
constexpr size_t kFlushBytes = 1 << 20;

bool IsNumeric(const duckdb::LogicalType& type) {
  return type.IsNumeric() && type.id() != Id::BOOLEAN;
}

// `text` as a JSON string. DuckDB's text is valid UTF-8, so only quotes,
// backslashes and control characters need escapes.
void AppendJsonString(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.substr(start, i - start));
    start = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(text.substr(start));
  out += '"';
}

// A number's text, or null for what JSON cannot hold (NaN, infinities).
void AppendJsonNumber(std::string_view text, std::string& out) {
  if (text.empty() || text.back() == 'n' || text.back() == 'f') {  // nan, inf, -inf
    out += "null";
  } else {
    out.append(text);
  }
}

// `v` as JSON, for the nested types: lists and arrays as arrays, structs and
// maps with text keys as objects, the rest as the flat columns are written.
void AppendJsonValue(const duckdb::Value& v, std::string& out) {
  if (v.IsNull()) {
    out += "null";
    return;
  }
  const duckdb::LogicalType& type = v.type();
  switch (type.id()) {
    case Id::LIST:
    case Id::ARRAY: {
      const auto& children = type.id() == Id::LIST ? duckdb::ListValue::GetChildren(v)
                                                   : duckdb::ArrayValue::GetChildren(v);
      out += '[';
      for (size_t i = 0; i < children.size(); ++i) {
        if (i) out += ',';
        AppendJsonValue(children[i], out);
      }
      out += ']';
      return;
    }
    case Id::STRUCT: {
      const auto& children = duckdb::StructValue::GetChildren(v);
      out += '{';
      for (size_t i = 0; i < children.size(); ++i) {
        if (i) out += ',';
        AppendJsonString(duckdb::StructType::GetChildName(type, i), out);
        out += ':';
        AppendJsonValue(children[i], out);
      }
      out += '}';
      return;
    }
    case Id::MAP: {
      const auto& entries = duckdb::MapValue::GetChildren(v);
      bool text_keys = duckdb::MapType::KeyType(type).id() == Id::VARCHAR;
      out += text_keys ? '{' : '[';
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i) out += ',';
        const auto& kv = duckdb::StructValue::GetChildren(entries[i]);
        if (text_keys) {
          AppendJsonString(kv[0].ToString(), out);
          out += ':';
          AppendJsonValue(kv[1], out);
        } else {
          out += "{\"key\":";
          AppendJsonValue(kv[0], out);
          out += ",\"value\":";
          AppendJsonValue(kv[1], out);
          out += '}';
        }
      }
      out += text_keys ? '}' : ']';
      return;
    }
    case Id::BOOLEAN:
      out += v.GetValue<bool>() ? "true" : "false";
      return;
    default: {
      std::string text = v.ToString();
      if (IsNumeric(type)) {
        AppendJsonNumber(text, out);
      } else {
        AppendJsonString(text, out);
      }
    }
  }
}

// One chunk's columns as text: each flat column cast to VARCHAR in one
// operation (DuckDB's default casts, which need no client context, so any
// thread may run them; the session's time zone is always UTC); nested
// columns, in JSON, read value by value.
class ChunkText {
 public:
  ChunkText(const std::vector<duckdb::LogicalType>& types, bool json)
      : types_(types), json_(json), columns_(types.size()) {}

  void Load(duckdb::DataChunk& chunk) {
    chunk_ = &chunk;
    const duckdb::idx_t n = chunk.size();
    for (size_t c = 0; c < columns_.size(); ++c) {
      Column& col = columns_[c];
      col.by_value = json_ && types_[c].IsNested();
      if (col.by_value) continue;
      duckdb::Vector* text = &chunk.data[c];
      if (types_[c].id() != Id::VARCHAR) {
        col.cast = std::make_unique<duckdb::Vector>(duckdb::LogicalType::VARCHAR, n);
        duckdb::VectorOperations::DefaultCast(chunk.data[c], *col.cast, n);
        text = col.cast.get();
      }
      text->ToUnifiedFormat(n, col.format);
      col.strings = duckdb::UnifiedVectorFormat::GetData<duckdb::string_t>(col.format);
    }
  }

  // The text of row `r` of column `c`, or nullopt for NULL.
  std::optional<std::string_view> Cell(size_t c, duckdb::idx_t r) const {
    const Column& col = columns_[c];
    duckdb::idx_t i = col.format.sel->get_index(r);
    if (!col.format.validity.RowIsValid(i)) return std::nullopt;
    const duckdb::string_t& s = col.strings[i];
    return std::string_view(s.GetData(), s.GetSize());
  }

  bool ByValue(size_t c) const { return columns_[c].by_value; }
  duckdb::Value GetValue(size_t c, duckdb::idx_t r) const { return chunk_->GetValue(c, r); }

 private:
  struct Column {
    bool by_value = false;
    std::unique_ptr<duckdb::Vector> cast;
    duckdb::UnifiedVectorFormat format;
    const duckdb::string_t* strings = nullptr;
  };
  const std::vector<duckdb::LogicalType>& types_;
  bool json_;
  std::vector<Column> columns_;
  duckdb::DataChunk* chunk_ = nullptr;
};

// What formats a chunk as CSV, JSON or JSON lines: the same for every chunk,
// shared read-only by the formatting threads.
class RowFormat {
 public:
  RowFormat(const duckdb::QueryResult& result, OutputFormat format)
      : format_(format), types_(result.types.begin(), result.types.end()) {
    for (size_t c = 0; c < types_.size(); ++c) {
      std::string key;
      AppendJsonString(result.names[c], key);
      json_keys_.push_back(key + ":");
      json_kind_.push_back(types_[c].id() == Id::BOOLEAN ? kBool
                           : IsNumeric(types_[c])        ? kNumber
                                                         : kString);
    }
  }

  const std::vector<duckdb::LogicalType>& types() const { return types_; }
  bool json() const { return format_ != OutputFormat::kCsv; }

  // Appends every row of `chunk` to `out`; `first` when they are the
  // result's first rows (a JSON array separates rows with commas).
  void Chunk(duckdb::DataChunk& chunk, bool first, std::string& out) const {
    ChunkText text(types_, json());
    text.Load(chunk);
    for (duckdb::idx_t r = 0; r < chunk.size(); ++r) {
      if (format_ == OutputFormat::kCsv) {
        CsvRow(text, r, out);
      } else {
        if (format_ == OutputFormat::kJson) out += first && r == 0 ? "\n" : ",\n";
        JsonRow(text, r, out);
        if (format_ == OutputFormat::kJsonLines) out += '\n';
      }
    }
  }

 private:
  enum JsonKind { kString, kNumber, kBool };

  void CsvRow(const ChunkText& text, duckdb::idx_t r, std::string& out) const {
    for (size_t c = 0; c < types_.size(); ++c) {
      if (c) out += ',';
      if (auto cell = text.Cell(c, r)) parquet_internal::AppendCsvField(*cell, out);
    }
    out += '\n';
  }

  void JsonRow(const ChunkText& text, duckdb::idx_t r, std::string& out) const {
    out += '{';
    for (size_t c = 0; c < types_.size(); ++c) {
      if (c) out += ',';
      out += json_keys_[c];
      if (text.ByValue(c)) {
        AppendJsonValue(text.GetValue(c, r), out);
        continue;
      }
      auto cell = text.Cell(c, r);
      if (!cell) {
        out += "null";
      } else if (json_kind_[c] == kString) {
        AppendJsonString(*cell, out);
      } else if (json_kind_[c] == kNumber) {
        AppendJsonNumber(*cell, out);
      } else {
        out.append(*cell);
      }
    }
    out += '}';
  }

  const OutputFormat format_;
  const std::vector<duckdb::LogicalType> types_;
  std::vector<std::string> json_keys_;
  std::vector<JsonKind> json_kind_;
};

// Hands buffers to the output stream in large writes.
class Output {
 public:
  explicit Output(std::ostream& out) : out_(out) {}
  Status Write(std::string_view text) {
    out_.write(text.data(), static_cast<std::streamsize>(text.size()));
    return out_ ? Status::OK() : Status::IOError("cannot write the query's output");
  }

 private:
  std::ostream& out_;
};

// CSV, JSON and JSON lines: the caller's thread fetches chunks, a few
// threads format them at once (the text is most of the work), and the
// caller writes their text in order. At most kInFlight chunks are held.
class ParallelWriter {
 public:
  ParallelWriter(duckdb::QueryResult& result, OutputFormat format, std::ostream& out)
      : result_(result), format_(format), rows_(result, format), out_(out) {}

  ~ParallelWriter() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  Status Run() {
    std::string head;
    if (format_ == OutputFormat::kCsv) {
      for (size_t c = 0; c < result_.names.size(); ++c) {
        if (c) head += ',';
        parquet_internal::AppendCsvField(result_.names[c], head);
      }
      head += '\n';
    }
    if (format_ == OutputFormat::kJson) head += '[';
    RETURN_IF_ERROR(out_.Write(head));
    bool any_rows = false;
    std::string small;  // the first chunk's text, formatted here
    for (uint64_t seq = 0;; ++seq) {
      auto chunk = result_.Fetch();
      if (!chunk || chunk->size() == 0) break;
      any_rows = true;
      if (seq == 0) {
        // A small result is formatted on this thread alone.
        rows_.Chunk(*chunk, /*first=*/true, small);
        continue;
      }
      if (seq == 1) {
        RETURN_IF_ERROR(out_.Write(small));
        small.clear();
        Start();
      }
      RETURN_IF_ERROR(Submit(std::move(chunk)));
    }
    RETURN_IF_ERROR(out_.Write(small));
    RETURN_IF_ERROR(Drain(/*all=*/true));
    if (result_.HasError()) return Status::OK();  // the caller reports it
    if (format_ == OutputFormat::kJson) RETURN_IF_ERROR(out_.Write(any_rows ? "\n]\n" : "]\n"));
    return Status::OK();
  }

 private:
  struct Job {
    std::unique_ptr<duckdb::DataChunk> chunk;
    std::string text;
    bool claimed = false;
    bool done = false;
  };

  void Start() {
    size_t n = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
    for (size_t i = 0; i < n; ++i) threads_.emplace_back([this] { Work(); });
  }

  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      Job* job = nullptr;
      wake_.wait(lock, [&] {
        if (stop_) return true;
        for (Job& j : jobs_) {
          if (!j.claimed) {
            job = &j;
            return true;
          }
        }
        return false;
      });
      if (!job) return;  // stopped
      job->claimed = true;
      lock.unlock();
      // (std::deque keeps references to its elements valid while elements
      // are added at the back and removed only from the front, once done.)
      rows_.Chunk(*job->chunk, /*first=*/false, job->text);
      job->chunk.reset();
      lock.lock();
      job->done = true;
      done_.notify_all();
    }
  }

  Status Submit(std::unique_ptr<duckdb::DataChunk> chunk) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.push_back(Job{std::move(chunk)});
    }
    wake_.notify_one();
    return Drain(/*all=*/false);
  }

  // Writes the finished chunks at the front, in order; waits while too many
  // are held, or, with `all`, until none is left.
  Status Drain(bool all) {
    std::unique_lock<std::mutex> lock(mu_);
    while (!jobs_.empty()) {
      if (!jobs_.front().done) {
        if (!all && jobs_.size() < kInFlight) return Status::OK();
        done_.wait(lock, [&] { return jobs_.front().done; });
      }
      std::string text = std::move(jobs_.front().text);
      jobs_.pop_front();
      lock.unlock();
      RETURN_IF_ERROR(out_.Write(text));
      lock.lock();
    }
    return Status::OK();
  }

  static constexpr size_t kInFlight = 16;

  duckdb::QueryResult& result_;
  const OutputFormat format_;
  const RowFormat rows_;
  Output out_;
  std::mutex mu_;
  std::condition_variable wake_;  // a job came, or stop
  std::condition_variable done_;  // a job finished
  std::deque<Job> jobs_;          // in result order; guarded by mu_
  bool stop_ = false;             // guarded by mu_
  std::vector<std::thread> threads_;
};

// The table format, for people: the first kTableSampleRows rows are kept to
// size the columns; the rest are written as they come, in those widths (a
// longer cell overflows). Numbers right-aligned, NULL shown as NULL.
class TableWriter {
 public:
  TableWriter(duckdb::QueryResult& result, std::ostream& out)
      : result_(result), types_(result.types.begin(), result.types.end()), out_(out) {
    for (const std::string& name : result.names) widths_.push_back(name.size());
  }

  Status Run() {
    ChunkText text(types_, /*json=*/false);
    while (true) {
      auto chunk = result_.Fetch();
      if (!chunk || chunk->size() == 0) break;
      text.Load(*chunk);
      for (duckdb::idx_t r = 0; r < chunk->size(); ++r) Row(text, r);
      if (buf_.size() >= kFlushBytes) RETURN_IF_ERROR(Flush());
    }
    if (!result_.HasError()) {
      if (!head_written_) WriteHead();
      buf_ += "(" + std::to_string(rows_) + (rows_ == 1 ? " row)" : " rows)") + "\n";
    }
    return Flush();
  }

 private:
  using Cells = std::vector<std::optional<std::string>>;

  void Row(const ChunkText& text, duckdb::idx_t r) {
    Cells cells(types_.size());
    for (size_t c = 0; c < types_.size(); ++c) {
      if (auto cell = text.Cell(c, r)) cells[c] = std::string(*cell);
    }
    ++rows_;
    if (head_written_) return Line(cells);
    for (size_t c = 0; c < types_.size(); ++c) {
      widths_[c] = std::max(widths_[c], cells[c] ? cells[c]->size() : 4);
    }
    sample_.push_back(std::move(cells));
    if (sample_.size() == kTableSampleRows) WriteHead();
  }

  void WriteHead() {
    Line(Cells(result_.names.begin(), result_.names.end()));
    for (size_t c = 0; c < widths_.size(); ++c) {
      if (c) buf_ += "  ";
      buf_.append(widths_[c], '-');
    }
    buf_ += '\n';
    for (const Cells& row : sample_) Line(row);
    sample_.clear();
    head_written_ = true;
  }

  void Line(const Cells& cells) {
    size_t start = buf_.size();
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c) buf_ += "  ";
      std::string_view text = cells[c] ? std::string_view(*cells[c]) : "NULL";
      size_t pad = widths_[c] - std::min(widths_[c], text.size());
      const bool right = IsNumeric(types_[c]);
      if (right) buf_.append(pad, ' ');
      buf_.append(text);
      if (!right) buf_.append(pad, ' ');
    }
    while (buf_.size() > start && buf_.back() == ' ') buf_.pop_back();
    buf_ += '\n';
  }

  Status Flush() {
    Status st = out_.Write(buf_);
    buf_.clear();
    return st;
  }

  duckdb::QueryResult& result_;
  const std::vector<duckdb::LogicalType> types_;
  Output out_;
  std::string buf_;
  uint64_t rows_ = 0;
  std::vector<size_t> widths_;
  std::vector<Cells> sample_;
  bool head_written_ = false;
};

}  // namespace

Status WriteResult(duckdb::QueryResult& result, OutputFormat format, std::ostream& out) {
  if (format == OutputFormat::kTable) return TableWriter(result, out).Run();
  return ParallelWriter(result, format, out).Run();
}

}  // namespace pond::sql::internal
