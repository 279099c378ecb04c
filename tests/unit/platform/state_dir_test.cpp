#include "platform/state_dir.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "platform/atomic_file.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe::platform {
namespace {

using uplinkprobe::testing::TempDir;

class StateDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(root_ / "state");
    write(target(), "secret\n");
    auto d = StateDir::open((root_ / "state").string());
    ASSERT_TRUE(d.ok());
    dir_ = std::move(*d);
  }
  static void write(const std::string& p, const std::string& text) { std::ofstream(p) << text; }
  static std::string read(const std::string& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  std::string target() const { return (root_ / "target").string(); }
  std::string in(const char* name) const { return (root_ / "state" / name).string(); }

  TempDir root_{"up-statedir-"};
  StateDir dir_;
};

TEST_F(StateDirTest, SymlinkIsNeverFollowed) {
  ASSERT_EQ(::symlink(target().c_str(), in("seg").c_str()), 0);
  for (int flags : {O_RDONLY, O_WRONLY, O_RDWR | O_CREAT}) {
    auto fd = dir_.openFile("seg", flags);
    ASSERT_FALSE(fd.ok());
    EXPECT_NE(fd.error().message.find("symbolic link"), std::string::npos) << fd.error().message;
  }
  EXPECT_FALSE(dir_.readFile("seg", 100).ok());
  EXPECT_EQ(read(target()), "secret\n");
}

TEST_F(StateDirTest, AtomicWriteReplacesPlantedLinksAndKeepsTheTarget) {
  ASSERT_EQ(::symlink(target().c_str(), in("state.json").c_str()), 0);
  ASSERT_EQ(::symlink(target().c_str(), in("state.json.tmp").c_str()), 0);
  ASSERT_TRUE(dir_.writeFileAtomic("state.json", "{}\n").ok());
  EXPECT_EQ(read(target()), "secret\n");
  struct stat st {};
  ASSERT_EQ(::lstat(in("state.json").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(read(in("state.json")), "{}\n");
  // The path-based writer goes the same way.
  ASSERT_EQ(::symlink(target().c_str(), in("other.json").c_str()), 0);
  ASSERT_TRUE(writeFileAtomic(in("other.json"), "x").ok());
  EXPECT_EQ(read(target()), "secret\n");
}

TEST_F(StateDirTest, FifoNeitherHangsNorIsUsed) {
  ASSERT_EQ(::mkfifo(in("fifo").c_str(), 0600), 0);
  auto r = dir_.openFile("fifo", O_RDONLY);  // would block forever without O_NONBLOCK
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not a regular file"), std::string::npos);
  EXPECT_FALSE(dir_.openFile("fifo", O_WRONLY).ok());
  EXPECT_FALSE(readRegularFile(in("fifo"), 100).ok());
}

TEST_F(StateDirTest, HardLinkIsNotWrittenThrough) {
  ASSERT_EQ(::link(target().c_str(), in("hard").c_str()), 0);
  auto w = dir_.openFile("hard", O_WRONLY);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message.find("hard links"), std::string::npos);
  auto r = dir_.openFile("hard", O_RDONLY);
  ASSERT_TRUE(r.ok());
  ::close(*r);
}

TEST_F(StateDirTest, ReadsAreBoundedAndNamesArePlain) {
  write(in("big"), std::string(5000, 'b'));
  auto r = dir_.readFile("big", 4096);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("larger than 4096"), std::string::npos);
  EXPECT_EQ(dir_.readFile("big", 5000).value().size(), 5000u);
  bool missing = false;
  EXPECT_FALSE(dir_.readFile("absent", 10, &missing).ok());
  EXPECT_TRUE(missing);
  EXPECT_FALSE(dir_.openFile("../target", O_RDONLY).ok());
  EXPECT_FALSE(dir_.openFile("a/b", O_RDONLY).ok());
}

TEST_F(StateDirTest, ChownEntriesSkipsSymlinks) {
  ASSERT_EQ(::symlink(target().c_str(), in("link").c_str()), 0);
  write(in("mine"), "m");
  // As root the files move to another owner; otherwise to ourselves (allowed), which still
  // shows which entries are touched.
  const bool root = ::geteuid() == 0;
  const uid_t to = root ? 64997 : ::geteuid();
  const gid_t to_gid = root ? 64997 : ::getegid();
  EXPECT_EQ(dir_.chownEntries(::geteuid(), to, to_gid), 1) << "only the regular file";
  struct stat st {};
  ASSERT_EQ(::stat(target().c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, ::geteuid()) << "the symlink's target kept its owner";
  ASSERT_EQ(::stat(in("mine").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, to);
}

}  // namespace
}  // namespace uplinkprobe::platform
