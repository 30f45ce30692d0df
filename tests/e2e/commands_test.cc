// End-to-end tests of every `pond` command and its error cases: each command
// runs the real binary in a new process, so persistence is checked throughout.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "e2e/pond_fixture.h"
#include "e2e/run_pond.h"

namespace pond::testing {
namespace {

namespace fs = std::filesystem;

std::string ConformanceParquet(const std::string& table) {
  std::string dir = std::string(POND_SHARED_DIR) + "/delta-conformance/dat/" + table + "/delta";
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".parquet") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files.empty() ? "" : files.front();
}

// all_primitive_types: one file, 5 rows, a `timestamp` column.
std::string PrimitivesParquet() { return ConformanceParquet("all_primitive_types"); }
// basic_append: letter, number, a_float; no time column.
std::string NoTimeParquet() { return ConformanceParquet("basic_append"); }

class CommandsTest : public PondFixture {
 protected:
  // The pond's output of `cat PATH` (asserting it worked).
  std::string Cat(const std::string& path) {
    PondRun r = Pond({"cat", path});
    EXPECT_TRUE(Ok(r)) << "cat " << path;
    return r.out;
  }

  Strings List(const std::string& pattern = "") {
    PondRun r = pattern.empty() ? Pond({"list"}) : Pond({"list", pattern});
    EXPECT_TRUE(Ok(r)) << "list " << pattern;
    return Lines(r.out);
  }

  size_t TxnCount() {
    PondRun r = Pond({"log", "--limit", "100000"});
    EXPECT_TRUE(Ok(r));
    return LineCount(r.out);
  }

  // The number N in the summary line "N records, ..." of `pond show`.
  int64_t ShowRecords() {
    PondRun r = Pond({"show"});
    EXPECT_TRUE(Ok(r));
    Strings lines = Lines(r.out);
    if (lines.empty()) return -1;
    return std::stoll(lines.back());
  }
};

// ---------------------------------------------------------------- init

TEST(CommandsInitTest, InitCreatesAnEmptyPond) {
  TempDir dir;
  std::string pond = dir.path() + "/p";
  PondRun r = RunPond({"--pond", pond, "init"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(fs::is_directory(pond + "/data/_delta_log"));

  r = RunPond({"--pond", pond, "list"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(r.out, "");
  r = RunPond({"--pond", pond, "log"});
  EXPECT_TRUE(Ok(r));
  ASSERT_EQ(LineCount(r.out), 1u);
  EXPECT_EQ(r.out.rfind("txn 1 ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("init\n"), std::string::npos) << r.out;
  r = RunPond({"--pond", pond, "show"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(Lines(r.out).back(), "1 record, 1 directory");

  // The same through $POND.
  std::string pond2 = dir.path() + "/p2";
  EXPECT_TRUE(Ok(RunPond({"init"}, "POND=" + ShellQuote(pond2))));
  EXPECT_TRUE(Ok(RunPond({"--pond", pond2, "list"})));
}

TEST(CommandsInitTest, SecondInitFails) {
  TempDir dir;
  EXPECT_TRUE(Ok(RunPond({"--pond", dir.path(), "init"})));
  EXPECT_TRUE(Fails(RunPond({"--pond", dir.path(), "init"}), 1, "already exists"));
  // The pond is untouched.
  PondRun r = RunPond({"--pond", dir.path(), "log"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(LineCount(r.out), 1u);
}

TEST(CommandsInitTest, NoPondGiven) {
  for (const Strings& args : {Strings{"list"}, Strings{"init"}, Strings{"mkdir", "/a"},
                              Strings{"cat", "/a"}, Strings{"log"}}) {
    EXPECT_TRUE(Fails(RunPond(args, "env -u POND"), 2, "no pond given")) << args[0];
  }
}

TEST(CommandsInitTest, NotAPond) {
  TempDir dir;
  EXPECT_TRUE(Fails(RunPond({"--pond", dir.path(), "list"}), 1, "there is no pond"));
  EXPECT_TRUE(Fails(RunPond({"log"}, "POND=" + ShellQuote(dir.path())), 1, "there is no pond"));
  EXPECT_TRUE(Fails(RunPond({"--pond", dir.path(), "mkdir", "/a"}), 1, "there is no pond"));
  std::string missing = dir.path() + "/missing";
  EXPECT_TRUE(Fails(RunPond({"--pond", missing, "list"}), 1, "there is no pond"));
  EXPECT_FALSE(fs::exists(missing));  // a read does not create anything
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

// ---------------------------------------------------------------- mkdir

TEST_F(CommandsTest, Mkdir) {
  EXPECT_TRUE(Ok(Pond({"mkdir", "/a", "/b"})));
  EXPECT_EQ(TxnCount(), 2u);  // both in one transaction
  EXPECT_TRUE(Ok(Pond({"mkdir", "-p", "/x/y/z"})));
  EXPECT_EQ(List(), (Strings{"/a/", "/b/", "/x/", "/x/y/", "/x/y/z/"}));
  EXPECT_TRUE(Ok(Pond({"mkdir", "-p", "/x/y"})));  // -p: no error when it exists
  EXPECT_TRUE(Ok(Pond({"mkdir", "/a/c"})));
  EXPECT_EQ(List("/a/"), (Strings{"/a/c/"}));
}

TEST_F(CommandsTest, MkdirErrors) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/a"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("f", "x"), "/f"})));
  size_t txns = TxnCount();
  EXPECT_TRUE(Fails(Pond({"mkdir", "/a"}), 1, "'/a' already exists"));
  EXPECT_TRUE(Fails(Pond({"mkdir", "/missing/b"}), 1, "'/missing' does not exist"));
  EXPECT_TRUE(Fails(Pond({"mkdir", "/f/b"}), 1, "not a directory"));
  EXPECT_TRUE(Fails(Pond({"mkdir", "-p", "/f/b"}), 1, "not a directory"));
  // One bad path fails the whole command: the good one is not created.
  EXPECT_TRUE(Fails(Pond({"mkdir", "/new", "/a"}), 1, "already exists"));
  EXPECT_EQ(TxnCount(), txns);
  EXPECT_EQ(List(), (Strings{"/a/", "/f"}));
}

// ---------------------------------------------------------------- copy

TEST_F(CommandsTest, CopyOneFileToNewName) {
  std::string src = Host("data.txt", "hello\nworld\n");
  PondRun r = Pond({"copy", src, "/renamed.txt"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(List(), (Strings{"/renamed.txt"}));
  EXPECT_EQ(Cat("/renamed.txt"), "hello\nworld\n");
  // A relative host path works too (resolved against the working directory).
  PondRun rel = RunPond({"copy", "data.txt", "/rel.txt"},
                        "cd " + ShellQuote(host_) + " && POND=" + ShellQuote(pond_));
  EXPECT_TRUE(Ok(rel));
  EXPECT_EQ(Cat("/rel.txt"), "hello\nworld\n");
}

TEST_F(CommandsTest, CopyOneFileIntoDirectoryKeepsItsName) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  EXPECT_TRUE(Ok(Pond({"copy", Host("a.csv", "1,2\n"), "/d"})));
  EXPECT_TRUE(Ok(Pond({"copy", Host("b.csv", "3,4\n"), "/d/"})));
  EXPECT_EQ(List("/d/"), (Strings{"/d/a.csv", "/d/b.csv"}));
  EXPECT_EQ(Cat("/d/a.csv"), "1,2\n");
  EXPECT_EQ(Cat("/d/b.csv"), "3,4\n");
  // A trailing '/' names a directory, which must exist.
  EXPECT_TRUE(Fails(Pond({"copy", Host("c.csv", "5"), "/nodir/"}), 1, "does not exist"));
}

TEST_F(CommandsTest, CopySeveralFilesIntoDirectory) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  size_t txns = TxnCount();
  EXPECT_TRUE(Ok(Pond({"copy", Host("a", "A"), Host("b", "BB"), Host("c", "CCC"), "/d"})));
  EXPECT_EQ(TxnCount(), txns + 1);  // one command, one transaction
  EXPECT_EQ(List("/d/"), (Strings{"/d/a", "/d/b", "/d/c"}));
  EXPECT_EQ(Cat("/d/a"), "A");
  EXPECT_EQ(Cat("/d/b"), "BB");
  EXPECT_EQ(Cat("/d/c"), "CCC");
}

TEST_F(CommandsTest, CopySeveralFilesToMissingDirectoryWritesNothing) {
  ASSERT_TRUE(Ok(Pond({"copy", Host("f", "F"), "/f"})));
  size_t txns = TxnCount();
  Strings before = List();
  std::string a = Host("a", "A"), b = Host("b", "B");
  EXPECT_TRUE(Fails(Pond({"copy", a, b, "/missing"}), 1, "existing directory"));
  EXPECT_TRUE(Fails(Pond({"copy", a, b, "/f"}), 1, "existing directory"));  // a file
  // A good source then a missing one: nothing at all is copied.
  EXPECT_TRUE(Fails(Pond({"copy", a, host_ + "/nope", "/"}), 1, "does not exist"));
  EXPECT_EQ(TxnCount(), txns);
  EXPECT_EQ(List(), before);
}

TEST_F(CommandsTest, CopyRecursiveTree) {
  Host("tree/top.txt", "top");
  Host("tree/sub/mid.txt", "mid");
  Host("tree/sub/deep/low.bin", std::string("l\0w", 3));
  fs::create_directories(host_ + "/tree/empty");
  size_t txns = TxnCount();
  EXPECT_TRUE(Ok(Pond({"copy", "-r", host_ + "/tree", "/t"})));  // a new name: the tree itself
  EXPECT_EQ(TxnCount(), txns + 1);
  EXPECT_EQ(List(), (Strings{"/t/", "/t/empty/", "/t/sub/", "/t/sub/deep/", "/t/sub/deep/low.bin",
                             "/t/sub/mid.txt", "/t/top.txt"}));
  EXPECT_EQ(Cat("/t/top.txt"), "top");
  EXPECT_EQ(Cat("/t/sub/mid.txt"), "mid");
  EXPECT_EQ(Cat("/t/sub/deep/low.bin"), std::string("l\0w", 3));

  // Into an existing directory: the tree keeps its name.
  ASSERT_TRUE(Ok(Pond({"mkdir", "/into"})));
  EXPECT_TRUE(Ok(Pond({"copy", "--recursive", host_ + "/tree", "/into"})));
  EXPECT_EQ(List("/into/**/*"), (Strings{"/into/tree/", "/into/tree/empty/", "/into/tree/sub/",
                                         "/into/tree/sub/deep/", "/into/tree/sub/deep/low.bin",
                                         "/into/tree/sub/mid.txt", "/into/tree/top.txt"}));
  EXPECT_EQ(Cat("/into/tree/sub/mid.txt"), "mid");
}

TEST_F(CommandsTest, CopyDirectoryWithoutRecursiveFails) {
  Host("tree/a", "a");
  EXPECT_TRUE(Fails(Pond({"copy", host_ + "/tree", "/t"}), 1, "is a directory (use copy -r)"));
  EXPECT_EQ(TxnCount(), 1u);
  EXPECT_EQ(List(), Strings{});
}

TEST_F(CommandsTest, CopyMissingSourceFails) {
  EXPECT_TRUE(Fails(Pond({"copy", host_ + "/nope", "/x"}), 1, "does not exist"));
  EXPECT_TRUE(Fails(Pond({"copy", "host://" + host_ + "/nope", "/x"}), 1, "does not exist"));
  EXPECT_EQ(TxnCount(), 1u);
}

TEST_F(CommandsTest, CopyHostUrl) {
  std::string src = Host("u.txt", "url form");
  EXPECT_TRUE(Ok(Pond({"copy", "host://" + src, "/u.txt"})));
  EXPECT_EQ(Cat("/u.txt"), "url form");
  // A URL without the absolute path is refused.
  EXPECT_TRUE(Fails(Pond({"copy", "host://u.txt", "/v"}), 1, "absolute path"));
}

TEST_F(CommandsTest, CopyOntoExistingFileMakesNewVersion) {
  ASSERT_TRUE(Ok(Pond({"copy", Host("v1", "old bytes"), "/f"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("v2", "new bytes, longer"), "/f"})));
  EXPECT_EQ(Cat("/f"), "new bytes, longer");
  PondRun r = Pond({"cat", "/f", "--version", "1"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(r.out, "old bytes");
  r = Pond({"cat", "--version", "2", "/f"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(r.out, "new bytes, longer");
  r = Pond({"describe", "/f"});
  EXPECT_TRUE(Ok(r));
  EXPECT_NE(r.out.find("  versions:  2\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("txn 2  9 B  sha256 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("txn 3  17 B  sha256 "), std::string::npos) << r.out;
  r = Pond({"list", "-l", "/f"});
  EXPECT_TRUE(Ok(r));
  EXPECT_TRUE(std::regex_match(r.out, std::regex("file:data +17 B  v2 .*  /f\n"))) << r.out;
}

TEST_F(CommandsTest, CopyUnderAFileFails) {
  ASSERT_TRUE(Ok(Pond({"copy", Host("f", "F"), "/f"})));
  size_t txns = TxnCount();
  EXPECT_TRUE(Fails(Pond({"copy", Host("x", "X"), "/f/x"}), 1, "not a directory"));
  EXPECT_TRUE(Fails(Pond({"copy", Host("x", "X"), "/missing/x"}), 1, "does not exist"));
  EXPECT_EQ(TxnCount(), txns);
  EXPECT_EQ(Cat("/f"), "F");
}

TEST_F(CommandsTest, CopyTable) {
  std::string parquet = NoTimeParquet();
  ASSERT_FALSE(parquet.empty());
  EXPECT_TRUE(Ok(Pond({"copy", "host+table://" + parquet, "/t.parquet"})));
  PondRun r = Pond({"list", "-l"});
  EXPECT_TRUE(Ok(r));
  EXPECT_TRUE(std::regex_match(r.out, std::regex("file:table +[0-9.]+ KiB  v1 .*  /t\\.parquet\n")))
      << r.out;
  r = Pond({"describe", "/t.parquet"});
  EXPECT_TRUE(Ok(r));
  EXPECT_NE(r.out.find("  type:      file:table\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  schema:    letter VARCHAR; number BIGINT; a_float DOUBLE;\n"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\n  rows:      [0-9]+\n"))) << r.out;
  // The stored bytes are the Parquet file's.
  r = Pond({"cat", "--format", "raw", "/t.parquet"});
  EXPECT_TRUE(Ok(r));
  EXPECT_TRUE(r.out == ReadWholeFile(parquet)) << r.out.size() << " bytes";
}

TEST_F(CommandsTest, CopyTableOfNonParquetFails) {
  std::string text = Host("not.parquet", "just,some\ncsv,text\n");
  PondRun r = Pond({"copy", "host+table://" + text, "/t"});
  EXPECT_TRUE(Fails(r, 1, "is not a Parquet file")) << r.err;
  r = Pond({"copy", "host+series://" + text, "/s"});
  EXPECT_TRUE(Fails(r, 1, "is not a Parquet file")) << r.err;
  EXPECT_TRUE(Fails(Pond({"copy", "host+bogus://" + text, "/b"}), 1, "not a source kind"));
  EXPECT_EQ(TxnCount(), 1u);
  EXPECT_EQ(List(), Strings{});
}

TEST_F(CommandsTest, CopySeriesWithoutTimeColumnFails) {
  EXPECT_TRUE(
      Fails(Pond({"copy", "host+series://" + NoTimeParquet(), "/s"}), 1, "has no time column"));
  EXPECT_EQ(TxnCount(), 1u);
  EXPECT_EQ(List(), Strings{});
}

TEST_F(CommandsTest, CopySeriesRecordsEventTimeBounds) {
  std::string parquet = PrimitivesParquet();
  ASSERT_FALSE(parquet.empty());
  EXPECT_TRUE(Ok(Pond({"copy", "host+series://" + parquet, "/s.series"})));
  PondRun r = Pond({"describe", "/s.series"});
  EXPECT_TRUE(Ok(r));
  EXPECT_NE(r.out.find("  type:      file:series\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  events 1970-01-01T00:00:00.000000Z .. 1970-01-01T04:00:00.000000Z\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  rows:      5 (all versions)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  time column: timestamp\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" timestamp TIMESTAMP;"), std::string::npos) << r.out;
  r = Pond({"list", "--format", "json"});
  EXPECT_TRUE(Ok(r));
  auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.is_array() && j.size() == 1) << r.out;
  EXPECT_EQ(j[0]["type"], "file:series");
  // A second version appends: rows count over all versions.
  EXPECT_TRUE(Ok(Pond({"copy", "host+series://" + parquet, "/s.series"})));
  r = Pond({"describe", "/s.series"});
  EXPECT_NE(r.out.find("  rows:      10 (all versions)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  versions:  2\n"), std::string::npos) << r.out;
}

TEST_F(CommandsTest, CopyOut) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "-p", "/d/sub"})));
  ASSERT_TRUE(
      Ok(Pond({"copy", Host("a.txt", "AAA"), Host("b.bin", std::string("B\0B", 3)), "/d"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("c.txt", "CCC"), "/d/sub/c.txt"})));
  std::string out = dir_.path() + "/out";
  fs::create_directories(out);
  EXPECT_TRUE(Ok(Pond({"copy", "/d/*", "host://" + out})));
  EXPECT_EQ(ReadWholeFile(out + "/d/a.txt"), "AAA");
  EXPECT_EQ(ReadWholeFile(out + "/d/b.bin"), std::string("B\0B", 3));
  EXPECT_FALSE(fs::exists(out + "/d/sub/c.txt"));  // '*' does not descend
  EXPECT_TRUE(fs::is_directory(out + "/d/sub") == false);
  // "**" reaches the deeper file; several patterns in one command.
  std::string out2 = dir_.path() + "/out2";
  fs::create_directories(out2);
  EXPECT_TRUE(Ok(Pond({"copy", "/d/**/*.txt", "/d/b.bin", "host://" + out2})));
  EXPECT_EQ(ReadWholeFile(out2 + "/d/a.txt"), "AAA");
  EXPECT_EQ(ReadWholeFile(out2 + "/d/sub/c.txt"), "CCC");
  EXPECT_EQ(ReadWholeFile(out2 + "/d/b.bin"), std::string("B\0B", 3));
  // Nothing else lands there (no temporary files left behind).
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(out2)) files += e.is_regular_file();
  EXPECT_EQ(files, 3u);
  // Copying out is not a transaction.
  EXPECT_EQ(TxnCount(), 4u);
}

TEST_F(CommandsTest, CopyOutErrors) {
  ASSERT_TRUE(Ok(Pond({"copy", Host("a.txt", "A"), "/a.txt"})));
  EXPECT_TRUE(
      Fails(Pond({"copy", "/*", "host://" + dir_.path() + "/missing"}), 1, "does not exist"));
  EXPECT_FALSE(fs::exists(dir_.path() + "/missing"));
  EXPECT_TRUE(Fails(Pond({"copy", "/nothing*", "host://" + host_}), 1, "no pond file matches"));
  EXPECT_TRUE(Fails(Pond({"copy", "/a.txt", "host+table://" + host_}), 2, "host:///dir"));
}

// ---------------------------------------------------------------- cat

TEST_F(CommandsTest, CatExactBytes) {
  std::string binary("\0\x01\xff\n\r\0tail\0", 11);
  ASSERT_TRUE(Ok(Pond({"copy", Host("bin", binary), "/bin"})));
  EXPECT_EQ(Cat("/bin"), binary);

  std::mt19937 rng(42);
  std::string big(300 * 1024, '\0');
  for (char& c : big) c = static_cast<char>(rng() & 0xff);
  ASSERT_TRUE(Ok(Pond({"copy", Host("big", big), "/big"})));
  std::string got = Cat("/big");
  ASSERT_EQ(got.size(), big.size());
  EXPECT_TRUE(got == big);
  PondRun r = Pond({"describe", "/big"});
  EXPECT_TRUE(Ok(r));
  EXPECT_NE(r.out.find("300.0 KiB"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(blob)"), std::string::npos) << r.out;
  r = Pond({"describe", "/bin"});
  EXPECT_EQ(r.out.find("(blob)"), std::string::npos) << r.out;

  // An empty file.
  ASSERT_TRUE(Ok(Pond({"copy", Host("empty", ""), "/empty"})));
  r = Pond({"cat", "/empty"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(r.out, "");
}

TEST_F(CommandsTest, CatErrors) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("f", "F"), "/d/f"})));
  EXPECT_TRUE(Fails(Pond({"cat", "/d"}), 1, "is a directory"));
  EXPECT_TRUE(Fails(Pond({"cat", "/nope"}), 1, "does not exist"));
  EXPECT_TRUE(Fails(Pond({"cat", "/d/nope"}), 1, "does not exist"));
  EXPECT_TRUE(Fails(Pond({"cat", "/d/f/x"}), 1, "not a directory"));
  EXPECT_TRUE(Fails(Pond({"cat", "/d/f", "--version", "2"}), 1, "has no version 2"));
  EXPECT_TRUE(Fails(Pond({"cat", "host:///etc/passwd"}), 2, "pond cat reads pond paths"));
}

// ---------------------------------------------------------------- list

class CommandsListTest : public CommandsTest {
 protected:
  void SetUp() override {
    CommandsTest::SetUp();
    ASSERT_TRUE(Ok(Pond({"mkdir", "-p", "/a/b", "/c"})));
    ASSERT_TRUE(
        Ok(Pond({"copy", Host("x1.txt", "1"), Host("x2.txt", "22"), Host("y.csv", "333"), "/a"})));
    ASSERT_TRUE(Ok(Pond({"copy", Host("z.txt", "4444"), "/a/b/z.txt"})));
    ASSERT_TRUE(Ok(Pond({"copy", Host("top", "t"), "/top"})));
  }
};

TEST_F(CommandsListTest, DefaultIsEverythingRecursively) {
  Strings all{"/a/", "/a/b/", "/a/b/z.txt", "/a/x1.txt", "/a/x2.txt", "/a/y.csv", "/c/", "/top"};
  EXPECT_EQ(List(), all);
  PondRun ls = Pond({"ls"});  // the alias
  EXPECT_TRUE(Ok(ls));
  EXPECT_EQ(Lines(ls.out), all);
  EXPECT_EQ(List("/**/*"), all);
}

TEST_F(CommandsListTest, DirectoryContentsOnly) {
  EXPECT_EQ(List("/a/"), (Strings{"/a/b/", "/a/x1.txt", "/a/x2.txt", "/a/y.csv"}));
  EXPECT_EQ(List("/a/b/"), (Strings{"/a/b/z.txt"}));
  EXPECT_EQ(List("/c/"), Strings{});
  EXPECT_EQ(List("/a"), Strings{"/a/"});  // without the slash: the entry itself
  EXPECT_EQ(List("/top"), Strings{"/top"});
}

TEST_F(CommandsListTest, Globs) {
  EXPECT_EQ(List("/a/*.txt"), (Strings{"/a/x1.txt", "/a/x2.txt"}));
  EXPECT_EQ(List("/a/x?.txt"), (Strings{"/a/x1.txt", "/a/x2.txt"}));
  EXPECT_EQ(List("/a/x[2-9].txt"), (Strings{"/a/x2.txt"}));
  EXPECT_EQ(List("/a/[!x]*"), (Strings{"/a/b/", "/a/y.csv"}));
  EXPECT_EQ(List("/**/*.txt"), (Strings{"/a/b/z.txt", "/a/x1.txt", "/a/x2.txt"}));
  EXPECT_EQ(List("/a/**/z.txt"), (Strings{"/a/b/z.txt"}));
  EXPECT_EQ(List("/*/*/*"), (Strings{"/a/b/z.txt"}));
  EXPECT_EQ(List("/?"), (Strings{"/a/", "/c/"}));
  EXPECT_EQ(List("/nothing*"), Strings{});  // a glob matching nothing is not an error
  // The root lists as "/", not "//".
  Strings with_root = List("/**");
  ASSERT_FALSE(with_root.empty());
  EXPECT_EQ(with_root.front(), "/");
}

// A trailing "**" matches zero or more components (tinyfs/glob.h): the
// directory itself and everything below it, files included.
TEST_F(CommandsListTest, TrailingDoubleStarMatchesFilesToo) {
  EXPECT_EQ(SortedLines(Pond({"list", "/a/**"}).out),
            (Strings{"/a/", "/a/b/", "/a/b/z.txt", "/a/x1.txt", "/a/x2.txt", "/a/y.csv"}));
  EXPECT_EQ(SortedLines(Pond({"list", "/**"}).out),
            (Strings{"/", "/a/", "/a/b/", "/a/b/z.txt", "/a/x1.txt", "/a/x2.txt", "/a/y.csv", "/c/",
                     "/top"}));
}

TEST_F(CommandsListTest, LongFormat) {
  PondRun r = Pond({"list", "-l", "/a/"});
  EXPECT_TRUE(Ok(r));
  Strings lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  const std::string time = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d";
  EXPECT_TRUE(std::regex_match(lines[0], std::regex("directory +-  v2 +" + time + "  /a/b/")))
      << lines[0];
  EXPECT_TRUE(std::regex_match(lines[1], std::regex("file:data +1 B  v1 +" + time + "  /a/x1.txt")))
      << lines[1];
  EXPECT_TRUE(std::regex_match(lines[2], std::regex("file:data +2 B  v1 +" + time + "  /a/x2.txt")))
      << lines[2];
  EXPECT_TRUE(std::regex_match(lines[3], std::regex("file:data +3 B  v1 +" + time + "  /a/y.csv")))
      << lines[3];
  r = Pond({"list", "--long", "/a"});
  EXPECT_TRUE(Ok(r));
  // /a: created, then one copy added three files.
  EXPECT_TRUE(std::regex_match(r.out, std::regex("directory +-  v2 +" + time + "  /a/\n")))
      << r.out;
}

TEST_F(CommandsListTest, JsonFormat) {
  PondRun r = Pond({"list", "--format", "json"});
  EXPECT_TRUE(Ok(r));
  auto all = nlohmann::json::parse(r.out);  // one JSON document: an array
  ASSERT_TRUE(all.is_array()) << r.out;
  ASSERT_EQ(all.size(), 8u);
  std::map<std::string, nlohmann::json> by_path;
  for (const auto& j : all) {
    ASSERT_TRUE(j.is_object());
    by_path[j["path"].get<std::string>()] = j;
  }
  // jsonl: the same objects, one per line.
  PondRun lines_run = Pond({"list", "--format", "jsonl"});
  EXPECT_TRUE(Ok(lines_run));
  Strings lines = Lines(lines_run.out);
  ASSERT_EQ(lines.size(), 8u);
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(nlohmann::json::parse(lines[i]), all[i]);
  ASSERT_TRUE(by_path.count("/a/b/z.txt"));
  EXPECT_EQ(by_path["/a/b/z.txt"]["type"], "file:data");
  EXPECT_EQ(by_path["/a/b/z.txt"]["size"], 4);
  EXPECT_EQ(by_path["/a/b/z.txt"]["version"], 1);
  EXPECT_EQ(by_path["/a/b/z.txt"]["node_id"].get<std::string>().size(), 36u);
  ASSERT_TRUE(by_path.count("/a"));  // directories: no trailing '/' in JSON
  EXPECT_EQ(by_path["/a"]["type"], "directory");
  EXPECT_EQ(by_path["/a"]["size"], 0);
  EXPECT_EQ(by_path["/a"]["version"], 2);
  EXPECT_TRUE(std::regex_match(by_path["/top"]["modified"].get<std::string>(),
                               std::regex("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d")));
  // JSON and -l together: JSON wins.
  r = Pond({"list", "-l", "--format", "json", "/top"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(nlohmann::json::parse(r.out)[0]["path"], "/top");
}

TEST_F(CommandsListTest, Errors) {
  EXPECT_TRUE(Fails(Pond({"list", "/[abc"}), 1, "not a valid pattern"));
  EXPECT_TRUE(Fails(Pond({"list", "/a/**x"}), 1, "not a valid pattern"));
  EXPECT_TRUE(Fails(Pond({"list", "/nope"}), 1, "'/nope' does not exist"));
  EXPECT_TRUE(Fails(Pond({"list", "/a/nope.txt"}), 1, "does not exist"));
  // "/dir/" of a missing directory, or of a file, is an error like ls(1).
  EXPECT_TRUE(Fails(Pond({"list", "/nope/"}), 1, "does not exist"));
  EXPECT_TRUE(Fails(Pond({"list", "/top/"}), 1, "not a directory"));
  EXPECT_TRUE(Fails(Pond({"list", "--format", "xml"}), 2, "xml"));
}

// ---------------------------------------------------------------- describe

TEST_F(CommandsTest, Describe) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("f", "12345"), "/d/f"})));
  ASSERT_TRUE(Ok(Pond({"copy", "host+table://" + PrimitivesParquet(), "/d/t"})));
  PondRun r = Pond({"describe", "/d/f"});
  EXPECT_TRUE(Ok(r));
  Strings lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 5u) << r.out;
  EXPECT_EQ(lines[0], "/d/f");
  EXPECT_EQ(lines[1], "  type:      file:data");
  EXPECT_TRUE(std::regex_match(lines[2], std::regex("  node:      [0-9a-f-]{36} \\(partition "
                                                    "[0-9a-f-]{36}\\)")))
      << lines[2];
  EXPECT_EQ(lines[3], "  versions:  1");
  // sha256("12345") = 5994471abb01112a...
  EXPECT_TRUE(std::regex_match(
      lines[4], std::regex("    v1  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  txn 3  5 B  "
                           "sha256 5994471abb01112a")))
      << lines[4];

  r = Pond({"describe", "/d/t"});
  EXPECT_TRUE(Ok(r));
  EXPECT_NE(r.out.find("  type:      file:table\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  schema:    utf8 VARCHAR; int64 BIGINT; int32 INTEGER; int16 SMALLINT; "
                       "int8 TINYINT; float32 FLOAT; float64 DOUBLE; bool BOOLEAN; binary BLOB; "
                       "decimal DECIMAL(5,3); date32 DATE; timestamp TIMESTAMP;\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  rows:      5\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("events"), std::string::npos) << r.out;  // a table has no time bounds

  r = Pond({"describe", "/d"});
  EXPECT_TRUE(Ok(r));
  EXPECT_NE(r.out.find("  type:      directory\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  entries:   2\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  versions:  3\n"), std::string::npos) << r.out;

  // A glob describes every match.
  r = Pond({"describe", "/d/*"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(r.out.find("/d/f\n"), 0u);
  EXPECT_NE(r.out.find("\n/d/t\n"), std::string::npos);

  EXPECT_TRUE(Fails(Pond({"describe", "/nope"}), 1, "nothing matches '/nope'"));
  EXPECT_TRUE(Fails(Pond({"describe", "/d/*.none"}), 1, "nothing matches"));
  EXPECT_TRUE(Fails(Pond({"describe"}), 2, "pattern"));
}

// ---------------------------------------------------------------- show

TEST_F(CommandsTest, Show) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("f", "hello"), "/d/f"})));
  ASSERT_TRUE(Ok(Pond({"ln", "-s", "/d/f", "/link"})));
  ASSERT_TRUE(Ok(Pond({"copy", "host+table://" + NoTimeParquet(), "/t"})));
  ASSERT_TRUE(Ok(Pond({"copy", "host+series://" + PrimitivesParquet(), "/s"})));
  PondRun r = Pond({"show"});
  EXPECT_TRUE(Ok(r));
  Strings lines = Lines(r.out);
  ASSERT_FALSE(lines.empty());
  // txn 1: root v1; 2: /d + root v2; 3: f + /d v2; 4: link + root v3; 5: t + root v4;
  // 6: s + root v5.
  EXPECT_EQ(lines.back(),
            "11 records, 7 directory, 1 file:data, 1 file:series, 1 file:table, 1 symlink");
  size_t headers = 0, records = 0;
  for (const auto& l : lines) {
    if (l.rfind("── txn ", 0) == 0) ++headers;
    if (std::regex_search(l, std::regex("^(📁|📄|🔗|📊|📈) (directory|file:data|symlink|file:table|"
                                        "file:series) +node [0-9a-f-]{36}  part [0-9a-f-]{36}  "
                                        "v[0-9]+  [0-9.]+ (B|KiB)"))) {
      ++records;
    }
  }
  EXPECT_EQ(headers, 6u) << r.out;
  EXPECT_EQ(records, 11u) << r.out;
  EXPECT_EQ(lines[0].rfind("── txn 1 ── ", 0), 0u) << lines[0];
  auto has = [&](const std::string& needle) { return r.out.find(needle) != std::string::npos; };
  EXPECT_TRUE(has("📄 file:data ")) << r.out;
  EXPECT_TRUE(has("📊 file:table ")) << r.out;
  EXPECT_TRUE(has("📈 file:series ")) << r.out;
  EXPECT_TRUE(has("🔗 symlink ")) << r.out;
  EXPECT_TRUE(
      std::regex_search(r.out, std::regex("\n     \\+ d → [0-9a-f-]{36} \\(directory\\)\n")))
      << r.out;
  EXPECT_TRUE(
      std::regex_search(r.out, std::regex("\n     \\+ f → [0-9a-f-]{36} \\(file:data\\)\n")))
      << r.out;
  EXPECT_TRUE(has("\n     → /d/f\n")) << r.out;  // the symlink's target

  // --limit: the oldest N records.
  r = Pond({"show", "--limit", "2"});
  EXPECT_TRUE(Ok(r));
  lines = Lines(r.out);
  EXPECT_EQ(lines.back(), "2 records, 2 directory");

  // --partition: the records of one directory's partition (the /d directory and its file).
  PondRun d = Pond({"list", "--format", "jsonl", "/d"});
  ASSERT_TRUE(Ok(d));
  std::string d_id = nlohmann::json::parse(d.out)["node_id"];
  r = Pond({"show", "--partition", d_id});
  EXPECT_TRUE(Ok(r));
  lines = Lines(r.out);
  EXPECT_EQ(lines.back(), "3 records, 2 directory, 1 file:data");
  for (const auto& l : lines) {
    if (l.find(" part ") != std::string::npos) {
      EXPECT_NE(l.find(" part " + d_id + " "), std::string::npos) << l;
    }
  }
  r = Pond({"show", "--partition", "no-such-partition"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(r.out, "0 records\n");
  EXPECT_TRUE(Fails(Pond({"show", "--limit", "0"}), 2,
                    "--limit: must be a whole number of 1 or more, not '0'"));
}

TEST_F(CommandsTest, ShowRemovals) {
  ASSERT_TRUE(Ok(Pond({"copy", Host("f", "F"), "/f"})));
  ASSERT_TRUE(Ok(Pond({"rm", "/f"})));
  PondRun r = Pond({"show"});
  EXPECT_TRUE(Ok(r));
  EXPECT_NE(r.out.find("\n     - f\n"), std::string::npos) << r.out;
}

// ---------------------------------------------------------------- log

TEST_F(CommandsTest, Log) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("a", "A"), Host("b", "B"), "/d"})));
  ASSERT_TRUE(Ok(Pond({"list", "/d/*"})));  // a read records nothing
  PondRun r = Pond({"log"});
  EXPECT_TRUE(Ok(r));
  Strings lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  const std::string time = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d";
  EXPECT_TRUE(std::regex_match(lines[0], std::regex("txn 3     " + time + " +3 nodes  pond copy " +
                                                    host_ + "/a " + host_ + "/b /d")))
      << lines[0];
  EXPECT_TRUE(
      std::regex_match(lines[1], std::regex("txn 2     " + time + " +2 nodes  pond mkdir /d")))
      << lines[1];
  EXPECT_TRUE(std::regex_match(lines[2], std::regex("txn 1     " + time + " +1 node   pond init")))
      << lines[2];

  r = Pond({"log", "--limit", "1"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(Lines(r.out), Strings{lines[0]});

  // Globs in the command line are quoted so it can be run again.
  ASSERT_TRUE(Ok(Pond({"rm", "/d/a"})));
  r = Pond({"log", "--limit", "1", "--format", "json"});
  EXPECT_TRUE(Ok(r));
  auto j = nlohmann::json::parse(r.out).at(0);
  EXPECT_EQ(j["txn"], 4);
  EXPECT_EQ(j["command"], "pond rm /d/a");
  EXPECT_EQ(j["nodes_changed"], 1);
  EXPECT_TRUE(j.contains("delta_version"));

  EXPECT_TRUE(Fails(Pond({"log", "--limit", "0"}), 2,
                    "--limit: must be a whole number of 1 or more, not '0'"));
  EXPECT_TRUE(Fails(Pond({"log", "--limit", "x"}), 2,
                    "--limit: must be a whole number of 1 or more, not 'x'"));
}

// ---------------------------------------------------------------- ln -s

TEST_F(CommandsTest, Symlinks) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("f", "through the link"), "/d/f"})));
  EXPECT_TRUE(Ok(Pond({"ln", "-s", "f", "/d/rel"})));
  EXPECT_TRUE(Ok(Pond({"ln", "-s", "/d/f", "/abs"})));
  EXPECT_TRUE(Ok(Pond({"ln", "-s", "../d", "/d/up"})));  // to a directory
  EXPECT_EQ(Cat("/d/rel"), "through the link");
  EXPECT_EQ(Cat("/abs"), "through the link");
  EXPECT_EQ(Cat("/d/up/f"), "through the link");
  PondRun r = Pond({"list", "-l", "/abs"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(r.out.rfind("symlink ", 0), 0u) << r.out;
  r = Pond({"describe", "/d/rel"});
  EXPECT_TRUE(Ok(r));
  EXPECT_NE(r.out.find("  type:      symlink\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  target:    f\n"), std::string::npos) << r.out;

  size_t txns = TxnCount();
  EXPECT_TRUE(Fails(Pond({"ln", "/d/f", "/hard"}), 2, "ln -s"));
  EXPECT_TRUE(Fails(Pond({"ln", "-s", "/d/f", "/abs"}), 1, "already exists"));
  EXPECT_TRUE(Fails(Pond({"ln", "-s", "/d/f", "/d"}), 1, "already exists"));
  EXPECT_TRUE(Fails(Pond({"ln", "-s", "/d/f", "/missing/l"}), 1, "does not exist"));
  EXPECT_TRUE(Fails(Pond({"ln", "-s", "/d/f"}), 2, "link"));
  EXPECT_EQ(TxnCount(), txns);

  // Dangling and looping links fail on read, clearly.
  ASSERT_TRUE(Ok(Pond({"ln", "-s", "/nowhere", "/dangling"})));
  EXPECT_TRUE(Fails(Pond({"cat", "/dangling"}), 1, "does not exist"));
  ASSERT_TRUE(Ok(Pond({"ln", "-s", "/loop2", "/loop1"})));
  ASSERT_TRUE(Ok(Pond({"ln", "-s", "/loop1", "/loop2"})));
  EXPECT_TRUE(Fails(Pond({"cat", "/loop1"}), 1, "symbolic links"));
}

// ---------------------------------------------------------------- rm

TEST_F(CommandsTest, Rm) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "-p", "/d/sub"})));                       // txn 2
  ASSERT_TRUE(Ok(Pond({"copy", Host("f", "F"), Host("g", "G"), "/d"})));  // txn 3
  ASSERT_TRUE(Ok(Pond({"copy", Host("h", "H"), "/d/sub/h"})));            // txn 4
  EXPECT_TRUE(Ok(Pond({"rm", "/d/f"})));                                  // txn 5
  EXPECT_EQ(List(), (Strings{"/d/", "/d/g", "/d/sub/", "/d/sub/h"}));
  EXPECT_TRUE(Fails(Pond({"cat", "/d/f"}), 1, "does not exist"));

  size_t txns = TxnCount();
  EXPECT_TRUE(Fails(Pond({"rm", "/d"}), 1, "is a directory (use rm -r)"));
  EXPECT_TRUE(Fails(Pond({"rm", "/d/f"}), 1, "does not exist"));
  EXPECT_TRUE(Fails(Pond({"rm", "/d/g", "/d/nope"}), 1, "does not exist"));  // all or nothing
  EXPECT_TRUE(Fails(Pond({"rm"}), 2, "paths"));
  EXPECT_EQ(TxnCount(), txns);
  EXPECT_EQ(Cat("/d/g"), "G");

  EXPECT_TRUE(Ok(Pond({"rm", "-r", "/d"})));  // txn 6
  EXPECT_EQ(List(), Strings{});

  // History keeps everything.
  PondRun r = Pond({"--as-of", "4", "cat", "/d/f"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(r.out, "F");
  r = Pond({"--as-of", "5", "list"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(Lines(r.out), (Strings{"/d/", "/d/g", "/d/sub/", "/d/sub/h"}));
  r = Pond({"--as-of", "5", "cat", "/d/sub/h"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(r.out, "H");
  EXPECT_TRUE(Fails(Pond({"--as-of", "5", "cat", "/d/f"}), 1, "does not exist"));
}

// ---------------------------------------------------------------- mv

TEST_F(CommandsTest, Mv) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "-p", "/d/sub", "/e"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("f", "F"), "/d/f"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("g", "G"), "/g"})));

  EXPECT_TRUE(Ok(Pond({"mv", "/d/f", "/d/renamed"})));
  EXPECT_EQ(Cat("/d/renamed"), "F");
  EXPECT_TRUE(Ok(Pond({"mv", "/d/renamed", "/e"})));  // into an existing directory
  EXPECT_EQ(Cat("/e/renamed"), "F");
  EXPECT_TRUE(Ok(Pond({"mv", "/d", "/e"})));  // a directory, with what it holds
  EXPECT_EQ(List(), (Strings{"/e/", "/e/d/", "/e/d/sub/", "/e/renamed", "/g"}));

  size_t txns = TxnCount();
  EXPECT_TRUE(Fails(Pond({"mv", "/g", "/e/renamed"}), 1, "already exists"));
  EXPECT_TRUE(Fails(Pond({"mv", "/e", "/e/d/sub"}), 1, "into itself"));
  EXPECT_TRUE(Fails(Pond({"mv", "/e", "/e/d/new"}), 1, "into itself"));
  EXPECT_TRUE(Fails(Pond({"mv", "/nope", "/x"}), 1, "does not exist"));
  EXPECT_TRUE(Fails(Pond({"mv", "/g", "/missing/x"}), 1, "does not exist"));
  EXPECT_TRUE(Fails(Pond({"mv", "/g"}), 2, "dest"));
  EXPECT_EQ(TxnCount(), txns);
  EXPECT_EQ(List(), (Strings{"/e/", "/e/d/", "/e/d/sub/", "/e/renamed", "/g"}));

  // The file kept its identity and history through the moves.
  PondRun r = Pond({"--as-of", "3", "cat", "/d/f"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(r.out, "F");
}

// ---------------------------------------------------------------- --as-of

TEST_F(CommandsTest, AsOf) {
  ASSERT_TRUE(Ok(Pond({"copy", Host("v1", "one"), "/f"})));  // txn 2
  ASSERT_TRUE(Ok(Pond({"copy", Host("v2", "two"), "/f"})));  // txn 3
  ASSERT_TRUE(Ok(Pond({"mkdir", "/d"})));                    // txn 4
  PondRun r = Pond({"--as-of", "1", "list"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(r.out, "");
  r = Pond({"--as-of", "2", "cat", "/f"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(r.out, "one");
  r = Pond({"--as-of", "3", "list", "-l"});
  EXPECT_TRUE(Ok(r));
  EXPECT_TRUE(std::regex_match(r.out, std::regex("file:data +3 B  v2 .*  /f\n"))) << r.out;
  r = Pond({"--as-of", "4", "list"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(Lines(r.out), (Strings{"/d/", "/f"}));
  EXPECT_EQ(Cat("/f"), "two");
  r = Pond({"--as-of", "2", "log"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(LineCount(r.out), 2u) << r.out;
  r = Pond({"--as-of", "2", "show"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(Lines(r.out).back(), "3 records, 2 directory, 1 file:data");

  EXPECT_TRUE(Fails(Pond({"--as-of", "2", "mkdir", "/x"}), 2, "cannot be used to change the pond"));
  EXPECT_TRUE(Fails(Pond({"--as-of", "4", "rm", "/f"}), 2, "cannot be used to change the pond"));
  EXPECT_TRUE(Fails(Pond({"--as-of", "2", "copy", Host("x", "X"), "/x"}), 2,
                    "cannot be used to change the pond"));
  EXPECT_TRUE(Fails(Pond({"--as-of", "5", "list"}), 1, "no transaction 5"));
  EXPECT_TRUE(Fails(Pond({"--as-of", "0", "list"}), 2,
                    "--as-of: must be a whole number of 1 or more, not '0'"));
  EXPECT_EQ(TxnCount(), 4u);
  EXPECT_EQ(List(), (Strings{"/d/", "/f"}));
}

// ---------------------------------------------------------------- --verbose

TEST_F(CommandsTest, Verbose) {
  PondRun r = Pond({"-v", "mkdir", "/d"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("directory reads: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\ndelta commits: 1\n"), std::string::npos) << r.err;
  r = Pond({"--verbose", "list"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "/d/\n");
  EXPECT_NE(r.err.find("directory reads: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\ndelta commits: 0\n"), std::string::npos) << r.err;
  // Without -v, nothing on stderr.
  EXPECT_TRUE(Ok(Pond({"list"})));
}

// ---------------------------------------------------------------- usage errors

TEST_F(CommandsTest, UsageErrors) {
  for (const Strings& args :
       {Strings{"frobnicate"}, Strings{"list", "--frob"}, Strings{"--frob", "list"},
        Strings{"mkdir"}, Strings{"cat"}, Strings{"copy"}, Strings{"copy", "/x"},
        Strings{"ln", "-s"}, Strings{"mv", "/a"}, Strings{"describe"},
        Strings{"cat", "/f", "--version", "0"}, Strings{"cat", "/f", "--format", "xml"},
        Strings{"--as-of", "x", "list"}, Strings{"list", "/a", "/b"}}) {
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    PondRun r = Pond(args);
    EXPECT_EQ(r.exit_code, 2) << joined << r.err;
    EXPECT_EQ(r.out, "") << joined;
    EXPECT_EQ(LineCount(r.err), 1u) << joined << r.err;
    EXPECT_EQ(r.err.rfind("pond: ", 0), 0u) << joined << r.err;
    EXPECT_LT(r.err.size(), 160u) << joined << r.err;  // one short, clear sentence
  }
  EXPECT_EQ(TxnCount(), 1u);
  // --help and --version are not errors.
  PondRun r = Pond({"--help"});
  EXPECT_TRUE(Ok(r));
  EXPECT_NE(r.out.find("copy"), std::string::npos);
  r = Pond({"--version"});
  EXPECT_TRUE(Ok(r));
  EXPECT_EQ(r.out.rfind("pond ", 0), 0u) << r.out;
}

// ---------------------------------------------------------------- the Delta table

TEST_F(CommandsTest, DeltaTableStaysValid) {
  ASSERT_TRUE(Ok(Pond({"mkdir", "-p", "/a/b"})));
  ASSERT_TRUE(Ok(Pond({"copy", Host("t.txt", "line 1\nline 2\n\"quoted\", comma\n"), "/a/t.txt"})));
  std::mt19937 rng(7);
  std::string big(100 * 1024, '\0');
  for (char& c : big) c = static_cast<char>(rng() & 0xff);
  ASSERT_TRUE(Ok(Pond({"copy", Host("big", big), Host("nul", std::string("\0\n\0", 3)), "/a/b"})));
  ASSERT_TRUE(Ok(Pond({"copy", "host+table://" + NoTimeParquet(), "/a/t.parquet"})));
  ASSERT_TRUE(Ok(Pond({"copy", "host+series://" + PrimitivesParquet(), "/a/s"})));
  ASSERT_TRUE(Ok(Pond({"ln", "-s", "b/big", "/a/l"})));
  ASSERT_TRUE(Ok(Pond({"mv", "/a/t.txt", "/a/b"})));
  ASSERT_TRUE(Ok(Pond({"rm", "/a/b/nul"})));
  EXPECT_TRUE(Fails(Pond({"mkdir", "/a"}), 1, "already exists"));  // a failure adds nothing

  int64_t records = ShowRecords();
  ASSERT_GT(records, 0);
  PondRun r = Pond({"cat", "host+delta://" + pond_ + "/data", "--format=csv"});
  EXPECT_TRUE(Ok(r));
  ASSERT_GT(r.out.size(), 0u);
  EXPECT_EQ(r.out.rfind("part_id,node_id,version,entry_type,", 0), 0u) << r.out.substr(0, 200);
  EXPECT_EQ(static_cast<int64_t>(LineCount(r.out)), records + 1);
  // Every command still reads it.
  EXPECT_EQ(Cat("/a/l"), big);
  EXPECT_EQ(Cat("/a/b/t.txt"), "line 1\nline 2\n\"quoted\", comma\n");
  EXPECT_EQ(TxnCount(), 9u);
}

}  // namespace
}  // namespace pond::testing
