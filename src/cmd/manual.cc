// Each command's --help as a short manual page: NAME, SYNOPSIS, DESCRIPTION,
// OPTIONS and EXAMPLES. The options come from the command's own definition;
// the descriptions and examples are here, one entry per command.
#include "cmd/manual.h"

#include <CLI/CLI.hpp>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace pond {
namespace {

struct Page {
  const char* description;  // paragraphs separated by "\n\n"
  const char* examples;     // one command per line
};

const std::map<std::string, Page>& Pages() {
  static const std::map<std::string, Page> kPages = {
      {"apply",
       {"Reads a YAML file that declares directories, copies from the host and factory nodes, "
        "checks every entry first, and then makes them all in one transaction. Entries that "
        "already exist as declared are left unchanged, so applying the same file twice changes "
        "nothing the second time; each entry is reported as created, updated or unchanged.\n\n"
        "If any entry is invalid, nothing is written.",
        "pond apply -f pipeline.yaml"}},
      {"cat",
       {"Prints the bytes of a file. Tables and series can be queried instead: --sql runs a "
        "query in which the file is the table named source, and --format chooses csv, json, "
        "jsonl, table or raw output. For a series, --time-start and --time-end keep the rows "
        "in that range (RFC 3339 times, offsets allowed), and only the versions that overlap it "
        "are read. --version reads an earlier version of the file.\n\n"
        "csv:///path reads a raw CSV file of the pond as a table. On a terminal, a query that "
        "takes long shows its progress on standard error until its rows are ready.",
        "pond cat /stations/north.series --time-start 2026-01-01 --format csv\n"
        "pond cat /stations/north.series --sql \"SELECT max(temperature) FROM source\""}},
      {"completion",
       {"Prints the bash completion script. Installed pond ships it already; print it to use "
        "pond from a build folder. It completes commands, options and paths inside the pond "
        "(it asks pond itself for the entries of the pond in $POND or --pond).",
        "pond completion bash > ~/.local/share/bash-completion/completions/pond"}},
      {"copy",
       {"Copies host files into the pond with the rules of cp: one file to a new name, one "
        "file into a directory, several files only into an existing directory, and -r for "
        "trees. Everything one command copies is one transaction: all of it is committed, or "
        "none of it.\n\n"
        "A source may be a host path or a URL that says how to store it: host:///abs (raw "
        "bytes), host+table:///abs.parquet (a checked Parquet table), host+series:///abs.parquet "
        "(a time series: each copy adds a version, and the time bounds are recorded), "
        "host+csv:// and host+csv+series:// (CSV read into Parquet). Content over 64 KiB is "
        "stored once per distinct content, named by its SHA-256.\n\n"
        "To copy out of the pond, give a pond glob and a host folder: copy '/glob' "
        "host:///dir.",
        "pond copy -r /data/notes /notes\n"
        "pond copy host+series:///data/north.parquet /stations/north.series\n"
        "pond copy '/stations/*.series' host:///tmp/out"}},
      {"describe",
       {"Describes every entry the pattern matches: its type, node, versions (with time, "
        "transaction, size and SHA-256), and for tables and series the schema, the row count "
        "and the time bounds. For a dynamic node it shows the factory, its configuration and "
        "what it computes.",
        "pond describe '/stations/**'"}},
      {"export",
       {"Writes the tables and series that the pattern matches as Parquet files under a host "
        "folder, Hive-partitioned by time (year=2026/month=1/...) when --temporal names the "
        "parts, with a manifest.json listing every file with its rows, time bounds and "
        "SHA-256. The bounds --start-time and --end-time are inclusive.",
        "pond export -p '/stations/*.series' --dir out --temporal year,month"}},
      {"fsck",
       {"Checks the whole pond and says what is wrong, one line per problem, exiting 1 when "
        "there is any: the log's commits are contiguous and parse, its checkpoints read, every "
        "data file and blob is there with its recorded size and SHA-256, every inline content "
        "matches its hash, and the index agrees with a fresh reading of the log.\n\n"
        "It changes nothing. A damaged part of the pond stays readable elsewhere; writes are "
        "refused until it is repaired (for example from a backup with pond restore).",
        "pond fsck"}},
      {"gc",
       {"Removes blobs and data files that no version of the pond uses, and the temporary "
        "files of interrupted commands, once they are older than the grace period (a running "
        "command may still commit a younger one). Everything any past version names stays, so "
        "every --as-of read keeps working. --dry-run lists what would go.",
        "pond gc --dry-run"}},
      {"remote",
       {"Names the places the pond is copied to: a host folder (file:///dir) or an S3 bucket "
        "(s3://bucket/prefix, with --endpoint for S3-compatible services and --region). A "
        "remote holds the same Delta table as the pond's data folder, so it is itself a pond "
        "that Delta readers can read. --push-after-commit pushes after every command that "
        "commits.",
        "pond remote add backup s3://bucket/ponds/field --region eu-west-1\n"
        "pond remote list"}},
      {"push",
       {"Copies to a remote what it lacks: first the data files and blobs, each checked on the "
        "way, then the commits in order, so that a remote is never ahead of its data. An "
        "interrupted push is finished by the next one. A remote that holds another pond, or a "
        "history that diverged from this one, is refused.",
        "pond push backup"}},
      {"pull",
       {"Brings this pond up to date from a remote it follows (made by pond restore, or named "
        "here). A following pond is read-only: its history is the remote's.",
        "pond pull"}},
      {"restore",
       {"Makes a new pond in an empty host folder from a remote, checking every file as it "
        "arrives. --as-of restores the pond as it was at an earlier transaction. The new pond "
        "then follows the remote (pond pull) unless it is made a pond of its own.",
        "pond restore file:///mnt/usb/field /srv/ponds/field\n"
        "pond restore s3://bucket/ponds/field /srv/ponds/field --as-of 120"}},
      {"verify",
       {"Checks a remote without changing it: its commits are contiguous, its checkpoints name "
        "the files their commits leave, and every data file and blob is there with its size. "
        "--deep also reads every byte and checks its SHA-256.",
        "pond verify backup --deep"}},
      {"init",
       {"Creates an empty pond, holding only its root directory, in the folder named by --pond "
        "or $POND. It refuses a folder that already holds a pond, or anything else.",
        "POND=$HOME/ponds/field pond init"}},
      {"list",
       {"Lists the entries that match a glob, recursively by default: * and ? within a name, "
        "[...] classes, and ** for any depth. -l shows the type, size, version and time of "
        "each. A pattern that ends in / lists that directory.",
        "pond list -l '/stations/*/'\n"
        "pond list '/**/*.series'"}},
      {"list-factories",
       {"Lists the factories that dynamic and executable nodes can use, with what each one "
        "makes; --format json for scripts.",
        "pond list-factories"}},
      {"ln",
       {"Creates a symbolic link in the pond. Links are followed by reads and globs, and loops "
        "are reported, not followed forever.",
        "pond ln -s /stations/lake.series /latest"}},
      {"log",
       {"Shows the pond's transactions, newest first: the sequence number, the time, the "
        "command line and how many node versions it wrote.",
        "pond log --limit 10"}},
      {"maintain",
       {"Each transaction adds one small data file to the log for every directory it touches. "
        "maintain merges each directory's small files into one, in one commit that removes "
        "them and adds the merged file, with every row unchanged: every version of every file, "
        "and every --as-of read, stay exactly as they were. Each merged file is read back and "
        "checked against its inputs before it is committed. It prints the data files and "
        "bytes before and after.\n\n"
        "It also runs by itself: at every checkpoint (each 10 commits), a directory holding "
        "at least the threshold of small files (50 unless set) is compacted. --auto N sets the "
        "threshold, --auto off turns it off; the setting is kept in the pond. The small files "
        "stay on disk, because earlier commits name them.",
        "pond maintain --dry-run\n"
        "pond maintain --auto 100"}},
      {"mkdir",
       {"Creates directories; -p creates missing parents and accepts directories that exist.",
        "pond mkdir -p /stations/north"}},
      {"mknod",
       {"Creates a dynamic node: FACTORY computes the node's content from the YAML "
        "configuration each time it is read (downsampled resolutions, joins, pivots, SQL "
        "views, synthetic series), or an executable node that pond run starts. The "
        "configuration is checked before anything is written; --overwrite replaces a node.",
        "pond mknod temporal-reduce /reduced --config-path reduce.yaml"}},
      {"mv",
       {"Renames an entry, or moves it into a directory. Its versions move with it and stay "
        "in history under the old name for --as-of reads.",
        "pond mv /latest /stations/newest"}},
      {"query",
       {"Runs SQL over the pond. A quoted pond path is a table ('/stations/north.series'); a "
        "glob is the union of the tables it matches, with a _path column and the captures of "
        "its wildcards as _1, _2, ...; 'csv:///path' reads a CSV file of the pond; "
        "pond_entries and pond_transactions describe the log. Only queries run: nothing can "
        "write or reach files outside the pond.\n\n"
        "Results stream in csv, json, jsonl or table format (--format). On a terminal, a query "
        "that takes long shows its progress on standard error until its rows are ready.",
        "pond query \"SELECT _1, avg(temperature) FROM '/stations/*.series' GROUP BY 1\""}},
      {"rm",
       {"Removes files and symbolic links, and with -r directories and all they hold. What is "
        "removed stays in history: --as-of reads of earlier transactions still see it.",
        "pond rm -r /old"}},
      {"run",
       {"Runs an executable factory node, such as the site generator or a collector, with its "
        "arguments; what it writes to the pond is one transaction.",
        "pond run /system/site build /var/www/pond"}},
      {"show",
       {"Shows the operation log itself, one line per record (a version of a node) grouped by "
        "transaction, with directory changes spelled out; filter it by partition, time range "
        "and count.",
        "pond show --limit 20"}},
  };
  return kPages;
}

// `text` wrapped at `width` columns, every line indented by `indent`.
std::string Wrap(const std::string& text, size_t indent, size_t width = 80) {
  std::string out;
  std::string paragraph;
  size_t pos = 0;
  bool first_paragraph = true;
  while (pos <= text.size()) {
    size_t end = text.find("\n\n", pos);
    paragraph = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (!first_paragraph) out += "\n";
    first_paragraph = false;
    std::istringstream words(paragraph);
    std::string word, line;
    while (words >> word) {
      if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
        out += std::string(indent, ' ') + line + "\n";
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
    }
    if (!line.empty()) out += std::string(indent, ' ') + line + "\n";
    if (end == std::string::npos) break;
    pos = end + 2;
  }
  return out;
}

// "pond remote add" for the subcommand `app`.
std::string FullName(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* a = app; a && a->get_parent(); a = a->get_parent()) {
    names.insert(names.begin(), a->get_name());
  }
  std::string out = "pond";
  for (const std::string& n : names) out += " " + n;
  return out;
}

class ManualFormatter final : public CLI::Formatter {
 public:
  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override {
    if (mode == CLI::AppFormatMode::Sub || app->get_parent() == nullptr) {
      std::string help = CLI::Formatter::make_help(app, std::move(name), mode);
      if (app->get_parent() == nullptr) {
        help += "\nEach command's --help is its manual, with examples (pond copy --help).\n";
      }
      return help;
    }
    const std::string full = FullName(app);
    std::string out = "NAME\n" + Wrap(full + " - " + app->get_description(), 4) + "\n";
    std::string usage = make_usage(app, full);
    if (usage.rfind("Usage: ", 0) == 0) usage = usage.substr(7);
    while (!usage.empty() && usage.back() == '\n') usage.pop_back();
    out += "SYNOPSIS\n    " + usage + "\n\n";
    const Page* page = nullptr;
    // A nested command (remote add) shares its parent's page.
    for (const CLI::App* a = app; a && a->get_parent() && !page; a = a->get_parent()) {
      auto it = Pages().find(a->get_name());
      if (it != Pages().end()) page = &it->second;
    }
    if (page) out += "DESCRIPTION\n" + Wrap(page->description, 4) + "\n";
    // CLI11's sections under manual-page headings.
    std::string arguments = make_positionals(app);
    if (arguments.rfind("\nPositionals:\n", 0) == 0) {
      out += "ARGUMENTS\n" + arguments.substr(std::string("\nPositionals:\n").size());
      if (!out.ends_with("\n\n")) out += "\n";
    }
    std::string options = make_groups(app, mode);
    if (options.rfind("\nOptions:\n", 0) == 0) {
      options = "\nOPTIONS\n" + options.substr(std::string("\nOptions:\n").size());
    }
    out += options.empty() ? "" : options.substr(1);
    std::string subcommands = make_subcommands(app, mode);
    if (subcommands.rfind("\nSubcommands:\n", 0) == 0) {
      out += "\nCOMMANDS\n" + subcommands.substr(std::string("\nSubcommands:\n").size());
    }
    if (page) {
      out += "\nEXAMPLES\n";
      std::istringstream lines(page->examples);
      std::string line;
      while (std::getline(lines, line)) out += "    " + line + "\n";
    }
    return out;
  }
};

}  // namespace

std::shared_ptr<CLI::FormatterBase> ManualPageFormatter() {
  return std::make_shared<ManualFormatter>();
}

}  // namespace pond
