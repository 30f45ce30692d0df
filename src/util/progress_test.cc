#include "util/progress.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>

namespace pond {
namespace {

// What was written to the read end of a pipe so far.
std::string Drain(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

TEST(ProgressTest, LineSaysWhatIsDoneAndWhatIsLeft) {
  Progress counting("copy", false);
  counting.Add(3 * 1024 * 1024, 1204);
  EXPECT_EQ(counting.Line(100), "copy: 1,204 files, 3.0 MiB");
  EXPECT_EQ(counting.Line(2000), "copy: 1,204 files, 3.0 MiB, 1.5 MiB/s");

  Progress sized("push", false);
  sized.SetTotal(1000 * 1024 * 1024);
  sized.Add(400 * 1024 * 1024);
  EXPECT_EQ(sized.Line(4000), "push: 40% of 1000.0 MiB, 100.0 MiB/s, 6 s left");

  Progress share("query", false);
  share.SetFraction(0.25);
  EXPECT_EQ(share.Line(3000), "query: 25%, 9 s left");
  share.SetFraction(1.5);  // clamped
  EXPECT_EQ(share.Line(3000), "query: 100%");
  share.SetFraction(0.001);  // too early to tell the time left
  EXPECT_EQ(share.Line(3000), "query: 0%");
}

TEST(ProgressTest, DrawsOnlyWhenEnabledAndErasesItsLine) {
  ::setenv("POND_PROGRESS_DELAY_MS", "0", 1);
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK), 0);
  {
    Progress off("copy", false, fds[1]);
    off.Add(10, 1);
  }
  EXPECT_EQ(Drain(fds[0]), "");

  Progress on("copy", true, fds[1]);
  on.Add(10, 1);
  std::string drawn = Drain(fds[0]);
  EXPECT_EQ(drawn, "\r\033[Kcopy: 1 file, 10 B");
  on.Add(10, 1);  // within 100 ms of the last line: not drawn again
  EXPECT_EQ(Drain(fds[0]), "");
  on.Finish();
  EXPECT_EQ(Drain(fds[0]), "\r\033[K");
  on.Add(10, 1);  // finished: silent
  EXPECT_EQ(Drain(fds[0]), "");
  ::close(fds[0]);
  ::close(fds[1]);
  ::unsetenv("POND_PROGRESS_DELAY_MS");
}

TEST(ProgressTest, NothingIsDrawnForShortWork) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK), 0);
  {
    Progress quick("copy", true, fds[1]);  // the default delay: half a second
    quick.Add(10, 1);
  }
  EXPECT_EQ(Drain(fds[0]), "");
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(ProgressTest, ManyThreadsMayAdd) {
  Progress p("copy", false);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) p.Add(1, 1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(p.Line(0), "copy: 4,000 files, 3.9 KiB");
}

}  // namespace
}  // namespace pond
