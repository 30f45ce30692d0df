#include "sql/result_writer.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pond::sql::internal {
namespace {

using Id = duckdb::LogicalTypeId;

// Output is gathered here and handed to the stream in large writes.
constexpr size_t kFlushBytes = 1 << 20;

bool IsNumeric(const duckdb::LogicalType& type) {
  return type.IsNumeric() && type.id() != Id::BOOLEAN;
}

bool IsNested(const duckdb::LogicalType& type) { return type.IsNested(); }

// Bytes that make a CSV field need quotes (RFC 4180).
constexpr std::array<bool, 256> kCsvSpecial = [] {
  std::array<bool, 256> t{};
  t[','] = t['"'] = t['\r'] = t['\n'] = true;
  return t;
}();

// `field` as one CSV field. An empty string is quoted so that it differs
// from NULL, which is an empty field.
void AppendCsv(std::string_view field, std::string& out) {
  bool quote = field.empty();
  for (unsigned char c : field) {
    if (kCsvSpecial[c]) {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out.append(field);
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
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
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
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
// operation; nested columns, in JSON, read value by value.
class ChunkText {
 public:
  ChunkText(duckdb::ClientContext& context, const std::vector<duckdb::LogicalType>& types,
            bool json)
      : context_(context), types_(types), json_(json), columns_(types.size()) {}

  void Load(duckdb::DataChunk& chunk) {
    chunk_ = &chunk;
    const duckdb::idx_t n = chunk.size();
    for (size_t c = 0; c < columns_.size(); ++c) {
      Column& col = columns_[c];
      col.by_value = json_ && IsNested(types_[c]);
      if (col.by_value) continue;
      duckdb::Vector* text = &chunk.data[c];
      if (types_[c].id() != Id::VARCHAR) {
        col.cast = std::make_unique<duckdb::Vector>(duckdb::LogicalType::VARCHAR, n);
        duckdb::VectorOperations::Cast(context_, chunk.data[c], *col.cast, n);
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
  duckdb::ClientContext& context_;
  const std::vector<duckdb::LogicalType>& types_;
  bool json_;
  std::vector<Column> columns_;
  duckdb::DataChunk* chunk_ = nullptr;
};

class Writer {
 public:
  Writer(duckdb::ClientContext& context, duckdb::QueryResult& result, OutputFormat format,
         std::ostream& out)
      : result_(result),
        format_(format),
        out_(out),
        types_(result.types.begin(), result.types.end()),
        text_(context, types_,
              format == OutputFormat::kJson || format == OutputFormat::kJsonLines) {
    buf_.reserve(kFlushBytes + (64 << 10));
  }

  Status Run() {
    Begin();
    while (true) {
      auto chunk = result_.Fetch();
      if (!chunk || chunk->size() == 0) break;
      text_.Load(*chunk);
      for (duckdb::idx_t r = 0; r < chunk->size(); ++r) Row(r);
      if (buf_.size() >= kFlushBytes) RETURN_IF_ERROR(Flush());
    }
    // A result that failed part way is reported by the caller; the rows
    // written so far stay written.
    if (!result_.HasError()) End();
    return Flush();
  }

 private:
  void Begin() {
    const size_t width = types_.size();
    switch (format_) {
      case OutputFormat::kCsv:
        for (size_t c = 0; c < width; ++c) {
          if (c) buf_ += ',';
          AppendCsv(result_.names[c], buf_);
        }
        buf_ += '\n';
        break;
      case OutputFormat::kJson:
        buf_ += '[';
        [[fallthrough]];
      case OutputFormat::kJsonLines:
        for (size_t c = 0; c < width; ++c) {
          std::string key;
          AppendJsonString(result_.names[c], key);
          json_keys_.push_back(key + ":");
          json_kind_.push_back(types_[c].id() == Id::BOOLEAN ? kBool
                               : IsNumeric(types_[c])         ? kNumber
                                                              : kString);
        }
        break;
      case OutputFormat::kTable:
        widths_.resize(width);
        for (size_t c = 0; c < width; ++c) widths_[c] = result_.names[c].size();
        break;
    }
  }

  void Row(duckdb::idx_t r) {
    const size_t width = types_.size();
    switch (format_) {
      case OutputFormat::kCsv:
        for (size_t c = 0; c < width; ++c) {
          if (c) buf_ += ',';
          if (auto cell = text_.Cell(c, r)) AppendCsv(*cell, buf_);
        }
        buf_ += '\n';
        break;
      case OutputFormat::kJson:
      case OutputFormat::kJsonLines:
        if (format_ == OutputFormat::kJson) buf_ += rows_ ? ",\n" : "\n";
        buf_ += '{';
        for (size_t c = 0; c < width; ++c) {
          if (c) buf_ += ',';
          buf_ += json_keys_[c];
          if (text_.ByValue(c)) {
            AppendJsonValue(text_.GetValue(c, r), buf_);
            continue;
          }
          auto cell = text_.Cell(c, r);
          if (!cell) {
            buf_ += "null";
          } else if (json_kind_[c] == kString) {
            AppendJsonString(*cell, buf_);
          } else if (json_kind_[c] == kNumber) {
            AppendJsonNumber(*cell, buf_);
          } else {
            buf_.append(*cell);
          }
        }
        buf_ += '}';
        if (format_ == OutputFormat::kJsonLines) buf_ += '\n';
        break;
      case OutputFormat::kTable:
        TableRow(r);
        break;
    }
    ++rows_;
  }

  // The first kTableSampleRows rows are kept to size the columns; the rest
  // are written as they come, in those widths (a longer cell overflows).
  void TableRow(duckdb::idx_t r) {
    const size_t width = types_.size();
    std::vector<std::optional<std::string>> cells(width);
    for (size_t c = 0; c < width; ++c) {
      if (auto cell = text_.Cell(c, r)) cells[c] = std::string(*cell);
    }
    if (sample_.size() < kTableSampleRows) {
      for (size_t c = 0; c < width; ++c) {
        widths_[c] = std::max(widths_[c], cells[c] ? cells[c]->size() : 4);
      }
      sample_.push_back(std::move(cells));
      if (sample_.size() == kTableSampleRows) WriteTableHead();
      return;
    }
    WriteTableLine(cells);
  }

  void WriteTableHead() {
    std::vector<std::optional<std::string>> names(result_.names.begin(), result_.names.end());
    WriteTableLine(names);
    for (size_t c = 0; c < widths_.size(); ++c) {
      if (c) buf_ += "  ";
      buf_.append(widths_[c], '-');
    }
    buf_ += '\n';
    for (const auto& row : sample_) WriteTableLine(row);
    sample_.clear();
    head_written_ = true;
  }

  void WriteTableLine(const std::vector<std::optional<std::string>>& cells) {
    size_t start = buf_.size();
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c) buf_ += "  ";
      std::string_view text = cells[c] ? std::string_view(*cells[c]) : "NULL";
      size_t pad = widths_[c] - std::min(widths_[c], text.size());
      if (IsNumeric(types_[c])) buf_.append(pad, ' ');
      buf_.append(text);
      if (!IsNumeric(types_[c])) buf_.append(pad, ' ');
    }
    while (buf_.size() > start && buf_.back() == ' ') buf_.pop_back();
    buf_ += '\n';
  }

  void End() {
    switch (format_) {
      case OutputFormat::kJson:
        buf_ += rows_ ? "\n]\n" : "]\n";
        break;
      case OutputFormat::kTable:
        if (!head_written_) WriteTableHead();
        buf_ += "(" + std::to_string(rows_) + (rows_ == 1 ? " row)" : " rows)") + "\n";
        break;
      default:
        break;
    }
  }

  Status Flush() {
    out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    buf_.clear();
    return out_ ? Status::OK() : Status::IOError("cannot write the query's output");
  }

  enum JsonKind { kString, kNumber, kBool };

  duckdb::QueryResult& result_;
  const OutputFormat format_;
  std::ostream& out_;
  const std::vector<duckdb::LogicalType> types_;
  ChunkText text_;
  std::string buf_;
  uint64_t rows_ = 0;
  std::vector<std::string> json_keys_;
  std::vector<JsonKind> json_kind_;
  std::vector<size_t> widths_;
  std::vector<std::vector<std::optional<std::string>>> sample_;
  bool head_written_ = false;
};

}  // namespace

Status WriteResult(duckdb::ClientContext& context, duckdb::QueryResult& result,
                   OutputFormat format, std::ostream& out) {
  return Writer(context, result, format, out).Run();
}

}  // namespace pond::sql::internal
