// hydrovu: collects readings from In-Situ's HydroVu cloud (an executable).
//
//   client_id: ${env:HYDROVU_ID}
//   client_secret: ${env:HYDROVU_SECRET}      # stored unexpanded
//   hydrovu_path: /hydrovu
//   max_points_per_run: 100000                # per device and run
//   archive_path: /hydrovu/archive            # optional
//   base_url: https://www.hydrovu.com/public-api/   # default
//   devices:
//     - {name: well1, id: 1234567, active: true, comment: the east well}
//
//   pond run NODE collect [--device NAME]   new readings, one transaction
//   pond run NODE status                    each device's watermark and rows
//   pond run NODE archive [--device NAME]   compact the active series into an archive
//
// A device's readings are one row per timestamp (UTC) with a DOUBLE column
// per parameter, "<Parameter>.<Unit>" (ids where HydroVu has no name),
// appended as a version of <hydrovu_path>/devices/<id>/<name>_active.series.
// A run asks for what is newer than the newest reading stored for the device
// (over every version), so a rerun or a run after a crash neither loses nor
// duplicates one. When max_points_per_run cuts a backlog, only timestamps
// every parameter of the last page has reached are kept; the next run goes on
// from there.
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "factory/evaluator.h"
#include "net/http.h"
#include "sql/pond_tables.h"
#include "storage/temp_files.h"
#include "tinyfs/path.h"
#include "util/counters.h"
#include "util/id.h"
#include "util/text.h"
#include "util/time.h"
#include "util/url.h"

namespace pond::factory {
namespace {

namespace hostfs = std::filesystem;

struct Device {
  std::string name;
  std::string id;
  bool active = true;
};

struct Config : ParsedConfig {
  std::string client_id, client_secret, hydrovu_path, archive_path;
  std::string base_url = "https://www.hydrovu.com/public-api/";
  int64_t max_points = 0;
  std::vector<Device> devices;
};

// HydroVu over HTTP: a token, then GETs with retries.
class Client {
 public:
  explicit Client(const Config& config) : config_(config) {}

  Status Authenticate() {
    std::string body =
        "grant_type=client_credentials&client_id=" + PercentEncode(config_.client_id) +
        "&client_secret=" + PercentEncode(config_.client_secret) +
        "&scope=" + PercentEncode("read:locations read:data");
    net::Body b;
    b.bytes = body;
    ASSIGN_OR_RETURN(net::Response r,
                     Send("POST", "oauth/token",
                          {"Content-Type: application/x-www-form-urlencoded"}, b, "sign in"));
    if (r.status == 400 || r.status == 401 || r.status == 403) {
      return Status::InvalidArgument(
          "HydroVu refused the client credentials (check client_id and client_secret)");
    }
    if (r.status != 200) return Status::IOError("HydroVu sign-in failed with HTTP " + Code(r));
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_object() || !j["access_token"].is_string()) {
      return Status::IOError("HydroVu's sign-in answer has no access_token");
    }
    token_ = j["access_token"].get<std::string>();
    return Status::OK();
  }

  // GET `path`; a 401 signs in again once. `what` names it in errors.
  Result<net::Response> Get(const std::string& path, const std::vector<std::string>& headers,
                            const std::string& what) {
    for (int auth = 0; auth < 2; ++auth) {
      std::vector<std::string> h = headers;
      h.push_back("Authorization: Bearer " + token_);
      ASSIGN_OR_RETURN(net::Response r, Send("GET", path, h, {}, what));
      if (r.status == 401 && auth == 0) {
        RETURN_IF_ERROR(Authenticate());
        continue;
      }
      if (r.status != 200) return Status::IOError(what + " failed with HTTP " + Code(r));
      return r;
    }
    return Status::IOError(what + " failed: HydroVu refused a fresh token");
  }

 private:
  static std::string Code(const net::Response& r) {
    std::string text = std::to_string(r.status);
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_object() && j.contains("message") && j["message"].is_string()) {
      text += " (" + EscapeControl(j["message"].get<std::string>()) + ")";
    }
    return text;
  }

  // One request, retried with backoff on 429, 5xx and network errors.
  Result<net::Response> Send(const std::string& method, const std::string& path,
                             const std::vector<std::string>& headers, const net::Body& body,
                             const std::string& what) {
    std::string url = config_.base_url + path;
    std::string error;
    net::Response r;
    const int attempts = 5;
    PhaseTimer waiting("hydrovu: waiting on the server");
    for (int i = 0; i < attempts; ++i) {
      if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200 << (i - 1)));
      if (!http_.Send(method, url, headers, body, &r, &error, /*stall_seconds=*/60)) {
        if (i + 1 < attempts) continue;
        return Status::IOError(what + " failed: cannot reach HydroVu at " +
                               EscapeControl(config_.base_url) + " (" + error + ")");
      }
      received_ += r.body.size();
      if ((r.status == 429 || r.status >= 500) && i + 1 < attempts) continue;
      return r;
    }
    return r;
  }

  const Config& config_;
  net::Http http_;
  std::string token_;
  uint64_t received_ = 0;

 public:
  uint64_t received() const { return received_; }
};

// The readings of one device: timestamp (seconds) -> column -> value.
using Readings = std::map<int64_t, std::map<std::string, double>>;

std::string ActivePath(const Config& c, const Device& d) {
  return c.hydrovu_path + "/devices/" + d.id + "/" + d.name + "_active.series";
}

// The newest reading stored for `d` (seconds), over every version of every
// series in its folder; nullopt when there is none.
Result<std::optional<int64_t>> Watermark(tinyfs::FS& fs, const Config& c, const Device& d,
                                         int64_t* rows) {
  std::optional<int64_t> newest;
  auto dir = fs.TryResolve(c.hydrovu_path + "/devices/" + d.id);
  if (!dir.ok() || !*dir) return newest;
  std::vector<std::string> folders = {c.hydrovu_path + "/devices/" + d.id};
  if (!c.archive_path.empty()) folders.push_back(c.archive_path + "/" + d.id);
  for (const std::string& folder : folders) {
    auto node = fs.TryResolve(folder);
    if (!node.ok() || !*node) continue;
    ASSIGN_OR_RETURN(auto entries, fs.ReadDirectory(**node));
    for (const tinyfs::DirEntry& e : entries) {
      if (e.type != tinyfs::EntryType::kFileSeries || e.name.rfind(d.name + "_", 0) != 0) continue;
      ASSIGN_OR_RETURN(tinyfs::Node series, fs.Resolve(folder + "/" + e.name));
      ASSIGN_OR_RETURN(auto versions, fs.Versions(series));
      for (const auto& v : versions) {
        if (v.meta.max_event_time) {
          int64_t s = *v.meta.max_event_time / 1000000;
          newest = newest ? std::max(*newest, s) : s;
        }
        auto attrs = nlohmann::json::parse(v.meta.attributes, nullptr, false);
        if (rows && attrs.is_object() && attrs["num_rows"].is_number_integer()) {
          *rows += attrs["num_rows"].get<int64_t>();
        }
      }
    }
  }
  return newest;
}

// Appends `readings` as a version of the device's active series.
Status Append(RunContext& ctx, const Config& c, const Device& d, const Readings& readings) {
  std::set<std::string> names;
  for (const auto& [t, values] : readings) {
    for (const auto& [name, v] : values) names.insert(name);
  }
  RowBatch batch;
  batch.columns.push_back({"timestamp", CellType::kTimestamp});
  std::vector<std::string> order(names.begin(), names.end());
  for (const std::string& n : order) batch.columns.push_back({n, CellType::kDouble});
  for (const auto& [t, values] : readings) {
    std::vector<Cell> row = {Cell(t * 1000000)};
    for (const std::string& n : order) {
      auto v = values.find(n);
      row.push_back(v == values.end() ? Cell() : Cell(v->second));
    }
    batch.rows.push_back(std::move(row));
  }
  ASSIGN_OR_RETURN(ParquetEngine * engine, ctx.pond.table().engine().Get());
  ASSIGN_OR_RETURN(auto tmp, ctx.eval.TempFile("hydrovu", ".parquet"));
  RETURN_IF_ERROR(engine->WriteRows(batch, tmp->path()));
  return StoreSeriesVersion(ctx.fs, ctx.pond, ActivePath(c, d), tmp->path());
}

// An id as HydroVu sends it: a string, or a number.
std::string IdText(simdjson::ondemand::value v) {
  std::string_view text;
  if (v.get_string().get(text) == simdjson::SUCCESS) return std::string(text);
  int64_t n = 0;
  if (v.get_int64().get(n) == simdjson::SUCCESS) return std::to_string(n);
  return "?";
}

// One data page, read with simdjson (pages are large: a DOM would cost more
// than everything else a run does): its readings at or after `start` into
// `readings`, and `horizon`, the newest time every parameter has reached.
Status ParsePage(const std::string& body, int64_t start,
                 const std::function<std::string(const char*, const std::string&)>& name_of,
                 Readings& readings, int64_t* points, std::optional<int64_t>& horizon) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string json(body);
  simdjson::ondemand::document doc;
  if (parser.iterate(json).get(doc) != simdjson::SUCCESS) return Status::IOError("not JSON");
  simdjson::ondemand::array parameters;
  if (doc["parameters"].get_array().get(parameters) != simdjson::SUCCESS) {
    return Status::IOError("no parameters");
  }
  for (auto item : parameters) {
    simdjson::ondemand::object p;
    if (item.get_object().get(p) != simdjson::SUCCESS) return Status::IOError("a bad parameter");
    std::string pid = "?", uid = "?";
    std::optional<int64_t> last;
    std::string column;
    bool have_readings = false;
    // Fields in any order: ids first if they come first, readings buffered by column.
    std::vector<std::pair<int64_t, double>> values;
    for (auto field : p) {
      std::string_view key;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS) return Status::IOError("a bad key");
      if (key == "parameterId") {
        pid = IdText(field.value());
      } else if (key == "unitId") {
        uid = IdText(field.value());
      } else if (key == "readings") {
        simdjson::ondemand::array list;
        if (field.value().get_array().get(list) != simdjson::SUCCESS) {
          return Status::IOError("readings that are not a list");
        }
        have_readings = true;
        for (auto r : list) {
          simdjson::ondemand::object reading;
          if (r.get_object().get(reading) != simdjson::SUCCESS) continue;
          int64_t t = 0;
          double v = 0;
          bool has_t = false, has_v = false;
          for (auto f : reading) {
            std::string_view k;
            if (f.unescaped_key().get(k) != simdjson::SUCCESS) continue;
            if (k == "timestamp") {
              has_t = f.value().get_int64().get(t) == simdjson::SUCCESS;
            } else if (k == "value") {
              has_v = f.value().get_double().get(v) == simdjson::SUCCESS;
            }
          }
          if (!has_t || t < start) continue;
          last = last ? std::max(*last, t) : t;
          if (has_v && std::isfinite(v)) values.emplace_back(t, v);
        }
      }
    }
    if (!have_readings) continue;
    column = name_of("parameters", pid) + "." + name_of("units", uid);
    for (const auto& [t, v] : values) {
      readings[t][column] = v;
      ++*points;
    }
    if (last) horizon = horizon ? std::min(*horizon, *last) : *last;
  }
  return Status::OK();
}

// New readings of one device, at most `max_points` values.
Result<Readings> Collect(Client& client, const Device& d, int64_t start, int64_t max_points,
                         const nlohmann::json& names, int64_t* points) {
  Readings readings;
  std::string page;
  auto name_of = [&](const char* kind, const std::string& id) {
    const auto& table = names[kind];
    return table.is_object() && table.contains(id) && table[id].is_string()
               ? table[id].get<std::string>()
               : id;
  };
  while (true) {
    std::vector<std::string> headers;
    if (!page.empty()) headers.push_back("x-isi-start-page: " + page);
    ASSIGN_OR_RETURN(net::Response r,
                     client.Get("v1/locations/" + d.id + "/data?startTime=" + std::to_string(start),
                                headers, "reading device " + d.name));
    std::optional<int64_t> horizon;  // what every parameter of this page has reached
    Status parsed = ParsePage(r.body, start, name_of, readings, points, horizon);
    if (!parsed.ok()) {
      return Status::IOError("HydroVu sent device " + d.name + "'s readings in an unknown shape (" +
                             parsed.message() + ")");
    }
    auto next = r.headers.find("x-isi-next-page");
    if (next == r.headers.end() || next->second.empty()) break;
    if (*points >= max_points) {
      // Cut here: keep only what every parameter has reached, so that the
      // next run (which starts after the newest kept row) misses nothing.
      if (horizon) {
        for (auto it = readings.upper_bound(*horizon); it != readings.end();) {
          *points -= static_cast<int64_t>(it->second.size());
          it = readings.erase(it);
        }
      }
      break;
    }
    page = next->second;
  }
  return readings;
}

// Compacts each device's active series (every version) into one version of
// <name>_archive_<YYYYMMDD>.series and removes the active series; the
// watermark, which reads the archives too, carries over.
Status Archive(RunContext& ctx, const Config& c, const std::vector<const Device*>& devices) {
  std::string day = FormatMicrosUtc(NowMicros()).substr(0, 10);
  day.erase(std::remove(day.begin(), day.end(), '-'), day.end());
  int64_t archived = 0;
  for (const Device* d : devices) {
    std::string active = ActivePath(c, *d);
    auto node = ctx.fs.TryResolve(active);
    if (!node.ok() || !*node) continue;
    std::string folder = c.archive_path.empty() ? c.hydrovu_path + "/devices/" + d->id
                                                : c.archive_path + "/" + d->id;
    std::string target = folder + "/" + d->name + "_archive_" + day + ".series";
    auto exists = ctx.fs.TryResolve(target);
    if (exists.ok() && *exists) {
      return Status::AlreadyExists("device " + d->name + " was archived today already (" + target +
                                   ")");
    }
    ASSIGN_OR_RETURN(sql::TableSource source,
                     sql::ResolvePondTable(ctx.fs, ctx.pond, active, {}, ctx.eval.scratch()));
    ASSIGN_OR_RETURN(auto session, sql::OpenInternalSqlSession());
    RETURN_IF_ERROR(session->AddTable("src", source));
    RETURN_IF_ERROR(session->LockDown());
    ASSIGN_OR_RETURN(auto tmp, ctx.eval.TempFile("hydrovu", ".parquet"));
    RETURN_IF_ERROR(session->QueryToParquet("SELECT * FROM src ORDER BY timestamp", tmp->path()));
    RETURN_IF_ERROR(StoreSeriesVersion(ctx.fs, ctx.pond, target, tmp->path()));
    RETURN_IF_ERROR(ctx.fs.Remove(active, /*recursive=*/false));
    ++archived;
  }
  ctx.out << "archived " << archived << " device" << (archived == 1 ? "" : "s") << "\n";
  return Status::OK();
}

class HydroVu final : public Factory {
 public:
  std::string_view name() const override { return "hydrovu"; }
  std::string_view description() const override {
    return "collects HydroVu readings into series: pond run NODE collect|status";
  }
  Makes makes() const override { return Makes::kExecutable; }

  Result<std::shared_ptr<const ParsedConfig>> Parse(const YAML::Node& node) const override {
    Fields f(node, "hydrovu config");
    auto c = std::make_shared<Config>();
    ASSIGN_OR_RETURN(c->client_id, f.String("client_id"));
    ASSIGN_OR_RETURN(c->client_secret, f.String("client_secret"));
    ASSIGN_OR_RETURN(c->hydrovu_path, f.String("hydrovu_path"));
    if (c->hydrovu_path.empty() || c->hydrovu_path[0] != '/') {
      return f.Error("'hydrovu_path' must be an absolute pond path");
    }
    ASSIGN_OR_RETURN(c->max_points, f.Integer("max_points_per_run"));
    if (c->max_points <= 0) return f.Error("'max_points_per_run' must be more than 0");
    if (f.Has("archive_path")) {
      ASSIGN_OR_RETURN(c->archive_path, f.String("archive_path"));
    }
    if (f.Has("base_url")) {
      ASSIGN_OR_RETURN(c->base_url, f.String("base_url"));
      if (c->base_url.empty() || c->base_url.back() != '/') c->base_url += '/';
    }
    ASSIGN_OR_RETURN(auto devices, f.List("devices", true));
    std::set<std::string> names, ids;
    for (size_t i = 0; i < devices.size(); ++i) {
      Fields d(devices[i], "hydrovu config: " + Item("devices", i));
      Device device;
      ASSIGN_OR_RETURN(device.name, d.String("name"));
      ASSIGN_OR_RETURN(device.id, d.String("id"));
      ASSIGN_OR_RETURN(device.active, d.Bool("active", true));
      if (d.Has("comment")) {
        ASSIGN_OR_RETURN(std::string unused, d.String("comment"));
        (void)unused;
      }
      RETURN_IF_ERROR(d.Done());
      bool ok = !device.name.empty() && !device.id.empty();
      for (char ch : device.name)
        ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_');
      for (char ch : device.id) ok = ok && std::isdigit(static_cast<unsigned char>(ch));
      if (!ok) {
        return d.Error("a device has a name of letters, digits, '-' and '_' and a numeric id");
      }
      if (!names.insert(device.name).second || !ids.insert(device.id).second) {
        return d.Error("device '" + device.name + "' (" + device.id + ") is listed twice");
      }
      c->devices.push_back(std::move(device));
    }
    RETURN_IF_ERROR(f.Done());
    return std::shared_ptr<const ParsedConfig>(c);
  }

  Status Run(RunContext& ctx, const ParsedConfig& parsed,
             const std::vector<std::string>& args) const override {
    const Config& c = dynamic_cast<const Config&>(parsed);
    std::string verb = args.empty() ? "" : args[0];
    std::string only;
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--device" && i + 1 < args.size()) {
        only = args[++i];
      } else {
        return Status::InvalidArgument("hydrovu does not take '" + EscapeControl(args[i]) +
                                       "' (collect|status [--device NAME])");
      }
    }
    std::vector<const Device*> devices;
    for (const Device& d : c.devices) {
      if ((only.empty() && d.active) || d.name == only) devices.push_back(&d);
    }
    if (!only.empty() && devices.empty()) {
      return Status::InvalidArgument("the hydrovu config has no device named '" +
                                     EscapeControl(only) + "'");
    }
    if (verb == "status") {
      for (const Device* d : devices) {
        int64_t rows = 0;
        ASSIGN_OR_RETURN(auto newest, Watermark(ctx.fs, c, *d, &rows));
        ctx.out << d->name << "\t" << d->id << "\t"
                << (newest ? FormatMicrosUtc(*newest * 1000000) : std::string("none")) << "\t"
                << rows << " rows\n";
      }
      return Status::OK();
    }
    if (verb == "archive") return Archive(ctx, c, devices);
    if (verb != "collect") {
      return Status::InvalidArgument(
          "hydrovu runs as: collect [--device NAME] | status | archive [--device NAME]");
    }
    auto started = std::chrono::steady_clock::now();
    PhaseTimer timer("hydrovu: collect");
    Client client(c);
    RETURN_IF_ERROR(client.Authenticate());
    ASSIGN_OR_RETURN(net::Response r, client.Get("v1/sispec/friendlynames", {}, "reading names"));
    auto names = nlohmann::json::parse(r.body, nullptr, false);
    if (!names.is_object()) names = nlohmann::json::object();
    int64_t total = 0, rows = 0;
    for (const Device* d : devices) {
      ASSIGN_OR_RETURN(auto newest, Watermark(ctx.fs, c, *d, nullptr));
      int64_t start = newest ? *newest + 1 : 0;
      int64_t points = 0;
      auto readings = Collect(client, *d, start, c.max_points, names, &points);
      if (!readings.ok()) {
        return Status(readings.status().code(),
                      "device " + d->name + ": " + readings.status().message());
      }
      if (readings->empty()) continue;
      RETURN_IF_ERROR(Append(ctx, c, *d, *readings).WithContext("device " + d->name));
      total += points;
      rows += static_cast<int64_t>(readings->size());
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    char elapsed[32];
    std::snprintf(elapsed, sizeof elapsed, "%.2f", seconds);
    ctx.out << "collected " << total << " readings (" << rows << " rows) from " << devices.size()
            << " device" << (devices.size() == 1 ? "" : "s") << ", " << client.received()
            << " bytes"
            << " received, in " << elapsed << " s\n";
    return Status::OK();
  }
};

POND_REGISTER_FACTORY(HydroVu);

}  // namespace
}  // namespace pond::factory
