#include "tinyfs/fs.h"

#include <gtest/gtest.h>

#include "test_util.h"
#include "tinyfs/memory_persistence.h"

namespace pond::tinyfs {
namespace {

class FsTest : public ::testing::Test {
 protected:
  FsTest() : persistence_(NewMemoryPersistence()), fs_(*persistence_) {}

  void Begin() { ASSERT_OK(persistence_->Begin("test")); }
  void Commit() { ASSERT_OK(persistence_->Commit().status()); }
  void Write(const std::string& path, const std::string& text,
             EntryType type = EntryType::kFileData) {
    ASSERT_OK(fs_.WriteFile(path, type, InlineContent(text)).status());
  }
  std::string Read(const std::string& path, std::optional<int64_t> version = std::nullopt) {
    auto node = fs_.Resolve(path);
    EXPECT_TRUE(node.ok()) << node.status().ToString();
    if (!node.ok()) return "";
    auto text = fs_.ReadFile(*node, version);
    EXPECT_TRUE(text.ok()) << text.status().ToString();
    return text.ok() ? *text : "";
  }
  std::vector<std::string> GlobPaths(const std::string& pattern) {
    auto matches = fs_.Glob(pattern);
    EXPECT_TRUE(matches.ok()) << matches.status().ToString();
    std::vector<std::string> out;
    if (matches.ok()) {
      for (const auto& m : *matches) out.push_back(m.path);
    }
    return out;
  }

  std::unique_ptr<Persistence> persistence_;
  FS fs_;
};

TEST_F(FsTest, MkdirWriteReadAndVersions) {
  Begin();
  ASSERT_OK(fs_.Mkdir("/a", false).status());
  ASSERT_OK(fs_.Mkdir("/a/b/c", true).status());
  ASSERT_OK(fs_.Mkdir("/a/b", true).status());  // -p on an existing directory is fine
  EXPECT_TRUE(fs_.Mkdir("/a", false).status().IsAlreadyExists());
  EXPECT_TRUE(fs_.Mkdir("/x/y", false).status().IsNotFound());
  Write("/a/b/c/f.txt", "one");
  Commit();
  Begin();
  Write("/a/b/c/f.txt", "two");
  Commit();
  EXPECT_EQ(Read("/a/b/c/f.txt"), "two");
  EXPECT_EQ(Read("/a/b/c/f.txt", 1), "one");
  ASSERT_OK_AND_ASSIGN(Node f, fs_.Resolve("/a/b/c/f.txt"));
  auto missing = fs_.ReadFile(f, 3);
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_NE(missing.status().message().find("has no version 3"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(auto versions, fs_.Versions(f));
  EXPECT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].part_id, versions[1].part_id);  // the parent directory's partition
}

TEST_F(FsTest, NamesAndPathsAreValidated) {
  Begin();
  Write("/f", "x");
  EXPECT_EQ(fs_.Mkdir("/f/sub", false).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fs_.Mkdir("/", false).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs_.WriteFile("/a/..", EntryType::kFileData, InlineContent("")).ok());
  EXPECT_TRUE(fs_.Mkdir("/f", true).status().IsAlreadyExists());
  EXPECT_EQ(fs_.WriteFile("/f", EntryType::kFileTable, InlineContent("")).status().code(),
            StatusCode::kInvalidArgument);  // a file:data cannot become a table
  ASSERT_OK(fs_.Mkdir("/d", false).status());
  EXPECT_TRUE(
      fs_.WriteFile("/d", EntryType::kFileData, InlineContent("")).status().IsAlreadyExists());
}

TEST_F(FsTest, RelativePathsDotsAndWorkingDirectory) {
  Begin();
  ASSERT_OK(fs_.Mkdir("/a/b", true).status());
  Write("/a/top", "T");
  ASSERT_OK(fs_.ChangeDirectory("/a/b"));
  EXPECT_EQ(fs_.cwd(), "/a/b");
  EXPECT_EQ(Read("../top"), "T");
  EXPECT_EQ(Read("./../../a/./top"), "T");
  EXPECT_EQ(Read("/../../a/top"), "T");  // ".." at the root stays there
  Write("here", "H");
  EXPECT_EQ(Read("/a/b/here"), "H");
  EXPECT_FALSE(fs_.ChangeDirectory("/a/top").ok());
}

TEST_F(FsTest, SymlinksRelativeAbsoluteAndLoops) {
  Begin();
  ASSERT_OK(fs_.Mkdir("/data/2026", true).status());
  Write("/data/2026/t.csv", "temps");
  ASSERT_OK(fs_.Symlink("/data/2026", "/latest").status());
  ASSERT_OK(fs_.Symlink("2026/t.csv", "/data/rel").status());
  ASSERT_OK(fs_.Symlink("..", "/data/2026/up").status());
  EXPECT_EQ(Read("/latest/t.csv"), "temps");
  EXPECT_EQ(Read("/data/rel"), "temps");
  EXPECT_EQ(Read("/latest/up/rel"), "temps");
  // ".." after a symlink leaves its target, not the link's directory.
  EXPECT_EQ(Read("/latest/../2026/t.csv"), "temps");
  ASSERT_OK_AND_ASSIGN(Node link, fs_.Resolve("/latest", false));
  EXPECT_EQ(link.type, EntryType::kSymlink);
  EXPECT_EQ(*fs_.ReadLink(link), "/data/2026");

  ASSERT_OK(fs_.Symlink("/loop2", "/loop1").status());
  ASSERT_OK(fs_.Symlink("/loop1", "/loop2").status());
  auto loop = fs_.Resolve("/loop1/x");
  ASSERT_FALSE(loop.ok());
  EXPECT_NE(loop.status().message().find("too many levels of symbolic links"), std::string::npos);
  ASSERT_OK(fs_.Symlink("/nowhere", "/dangling").status());
  EXPECT_TRUE(fs_.Resolve("/dangling").status().IsNotFound());
  EXPECT_TRUE(fs_.Symlink("/x", "/latest").status().IsAlreadyExists());
}

TEST_F(FsTest, RemoveAndRenameKeepHistory) {
  Begin();
  ASSERT_OK(fs_.Mkdir("/d/sub", true).status());
  Write("/d/sub/f", "v1");
  Write("/d/g", "g");
  Commit();
  ASSERT_OK_AND_ASSIGN(Node f, fs_.Resolve("/d/sub/f"));
  Begin();
  EXPECT_EQ(fs_.Remove("/d", false).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(fs_.Remove("/d/nope", false).IsNotFound());
  ASSERT_OK(fs_.Rename("/d/g", "/d/h"));
  ASSERT_OK(fs_.Mkdir("/e", false).status());
  ASSERT_OK(fs_.Rename("/d/sub", "/e"));  // into an existing directory
  EXPECT_EQ(fs_.Rename("/e", "/e/sub/inner").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(fs_.Rename("/d/h", "/e/sub/f").IsAlreadyExists());
  Commit();
  EXPECT_EQ(Read("/e/sub/f"), "v1");
  EXPECT_EQ(Read("/d/h"), "g");
  EXPECT_TRUE(fs_.Resolve("/d/g").status().IsNotFound());
  Begin();
  ASSERT_OK(fs_.Remove("/e", true));
  Commit();
  EXPECT_TRUE(fs_.Resolve("/e/sub/f").status().IsNotFound());
  // The node and its content are still in persistence: history is kept.
  EXPECT_EQ(*fs_.ReadFile(f), "v1");
}

TEST_F(FsTest, AbortLeavesNothing) {
  Begin();
  ASSERT_OK(fs_.Mkdir("/kept", false).status());
  Commit();
  Begin();
  ASSERT_OK(fs_.Mkdir("/gone", false).status());
  Write("/kept/f", "x");
  persistence_->Abort();
  EXPECT_TRUE(fs_.Resolve("/gone").status().IsNotFound());
  EXPECT_TRUE(fs_.Resolve("/kept/f").status().IsNotFound());
  EXPECT_FALSE(fs_.Mkdir("/x", false).ok());  // no transaction open
}

TEST_F(FsTest, GlobWithCaptures) {
  Begin();
  for (const char* s : {"north", "south"}) {
    ASSERT_OK(fs_.Mkdir(std::string("/sensors/") + s, true).status());
    Write(std::string("/sensors/") + s + "/temp.series", s);
    Write(std::string("/sensors/") + s + "/notes.txt", s);
  }
  ASSERT_OK(fs_.Mkdir("/sensors/north/old/2025", true).status());
  Write("/sensors/north/old/2025/a.csv", "a");
  ASSERT_OK_AND_ASSIGN(auto matches, fs_.Glob("/sensors/*/temp.series"));
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0].path, "/sensors/north/temp.series");
  EXPECT_EQ(matches[0].captures, std::vector<std::string>{"north"});
  EXPECT_EQ(matches[1].captures, std::vector<std::string>{"south"});

  EXPECT_EQ(GlobPaths("/**/*.csv"), std::vector<std::string>{"/sensors/north/old/2025/a.csv"});
  ASSERT_OK_AND_ASSIGN(auto deep, fs_.Glob("/sensors/**/*.csv"));
  ASSERT_EQ(deep.size(), 1u);
  EXPECT_EQ(deep[0].captures, (std::vector<std::string>{"north/old/2025", "a.csv"}));
  EXPECT_EQ(GlobPaths("/sensors/?orth/*.txt"),
            std::vector<std::string>{"/sensors/north/notes.txt"});
  EXPECT_EQ(GlobPaths("/sensors/[n]*"), std::vector<std::string>{"/sensors/north"});
  EXPECT_TRUE(GlobPaths("/nothing/*").empty());
  // Regression: a trailing "**" matched directories only, never the files below.
  EXPECT_EQ(GlobPaths("/sensors/north/old/**"),
            (std::vector<std::string>{"/sensors/north/old", "/sensors/north/old/2025",
                                      "/sensors/north/old/2025/a.csv"}));
  EXPECT_EQ(fs_.Glob("/sensors/[abc").status().code(), StatusCode::kInvalidArgument);
  ASSERT_OK(fs_.ChangeDirectory("/sensors"));
  EXPECT_EQ(GlobPaths("*/temp.series").size(), 2u);
  EXPECT_EQ(GlobPaths("**/*").size(), 9u);  // 2 dirs, 4 files, old, 2025, a.csv
}

TEST_F(FsTest, GlobFollowsSymlinkedDirectoriesWithoutLooping) {
  Begin();
  ASSERT_OK(fs_.Mkdir("/a/b", true).status());
  Write("/a/b/f", "x");
  ASSERT_OK(fs_.Mkdir("/other", false).status());
  Write("/other/g", "y");
  ASSERT_OK(fs_.Symlink("/a", "/a/b/back").status());    // a cycle through a link: not followed
  ASSERT_OK(fs_.Symlink("/other", "/a/side").status());  // a link elsewhere: followed
  EXPECT_EQ(GlobPaths("/a/**/*"),
            (std::vector<std::string>{"/a/b", "/a/b/back", "/a/b/f", "/a/side", "/a/side/g"}));
}

// A dynamic directory showing every file that matches a glob elsewhere.
class GlobView : public DynamicDirectory {
 public:
  explicit GlobView(std::string pattern) : pattern_(std::move(pattern)) {}
  Result<std::vector<DirEntry>> Entries(FS& fs) override {
    ASSIGN_OR_RETURN(auto matches, fs.Glob(pattern_));
    std::vector<DirEntry> out;
    for (const auto& m : matches) {
      if (!IsFile(m.node.type)) continue;
      std::string name;
      for (const auto& c : m.captures) name += (name.empty() ? "" : "_") + c;
      for (char& ch : name) ch = ch == '/' ? '_' : ch;
      out.push_back({name, m.node.id, m.node.type});
    }
    return out;
  }

 private:
  std::string pattern_;
};

// A dynamic directory showing another directory's entries under reversed names.
class Reversed : public DynamicDirectory {
 public:
  explicit Reversed(std::string source) : source_(std::move(source)) {}
  Result<std::vector<DirEntry>> Entries(FS& fs) override {
    ASSIGN_OR_RETURN(Node dir, fs.Resolve(source_));
    ASSIGN_OR_RETURN(auto entries, fs.ReadDirectory(dir));
    for (auto& e : entries) std::reverse(e.name.begin(), e.name.end());
    return entries;
  }

 private:
  std::string source_;
};

TEST_F(FsTest, DynamicGlobViewListsMatchesAndNeverItself) {
  Begin();
  ASSERT_OK(fs_.Mkdir("/sensors/north", true).status());
  ASSERT_OK(fs_.Mkdir("/sensors/south", true).status());
  Write("/sensors/north/t.csv", "N");
  Write("/sensors/south/t.csv", "S");
  ASSERT_OK_AND_ASSIGN(Node view, fs_.Mkdir("/all", false));
  // "/**/*.csv" would also walk into /all itself.
  fs_.MountDynamic(view.id, std::make_shared<GlobView>("/**/*.csv"));
  Commit();
  ASSERT_OK_AND_ASSIGN(auto entries, fs_.ReadDirectory(view));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].name, "sensors_north_t.csv");
  EXPECT_EQ(Read("/all/sensors_south_t.csv"), "S");
  EXPECT_EQ(GlobPaths("/all/*"),
            (std::vector<std::string>{"/all/sensors_north_t.csv", "/all/sensors_south_t.csv"}));
  // A glob from the root sees the view's entries once, and the walk ends.
  EXPECT_EQ(GlobPaths("/**/*.csv").size(), 4u);
  Begin();
  EXPECT_EQ(fs_.WriteFile("/all/x", EntryType::kFileData, InlineContent("")).status().code(),
            StatusCode::kNotSupported);
}

TEST_F(FsTest, DynamicReversedNames) {
  Begin();
  ASSERT_OK(fs_.Mkdir("/src", false).status());
  Write("/src/abc.txt", "hello");
  ASSERT_OK_AND_ASSIGN(Node rev, fs_.Mkdir("/rev", false));
  fs_.MountDynamic(rev.id, std::make_shared<Reversed>("/src"));
  Commit();
  EXPECT_EQ(GlobPaths("/rev/*"), std::vector<std::string>{"/rev/txt.cba"});
  EXPECT_EQ(Read("/rev/txt.cba"), "hello");
  // A reversed view of itself is a loop, reported as such.
  ASSERT_OK_AND_ASSIGN(Node self, fs_.Resolve("/src"));
  fs_.MountDynamic(self.id, std::make_shared<Reversed>("/src"));
  auto loop = fs_.ReadDirectory(self);
  ASSERT_FALSE(loop.ok());
  EXPECT_NE(loop.status().message().find("loop"), std::string::npos) << loop.status().message();
}

}  // namespace
}  // namespace pond::tinyfs
