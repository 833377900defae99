// Directories private keys are kept in: refused, as ssh refuses its own, when someone else could
// put a key (or a CSR) of theirs there.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dcvkit/files.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace dcvkit;
using dcvkit::test::TempDir;

TEST(PrivateDir, CreatedOwnerOnlyWhenMissing) {
  TempDir dir;
  const std::string keys = dir.file("run.db.keys");
  ASSERT_TRUE(ensure_private_dir(keys, "key directory"));
  struct stat st {};
  ASSERT_EQ(::stat(keys.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(ensure_private_dir(keys, "key directory")) << "an existing private directory is fine";
}

TEST(PrivateDir, GroupOrWorldWritableIsRefusedAlsoBehindASymlink) {
  TempDir dir;
  const std::string keys = dir.file("keys");
  ASSERT_EQ(::mkdir(keys.c_str(), 0700), 0);
  for (mode_t mode : {0770, 0777, 0702}) {
    ASSERT_EQ(::chmod(keys.c_str(), mode), 0);
    auto r = ensure_private_dir(keys, "key directory");
    ASSERT_FALSE(r) << std::oct << mode;
    EXPECT_EQ(r.error().code, "io.unsafe_dir");
    EXPECT_NE(r.error().message.find(keys), std::string::npos);
    EXPECT_NE(r.error().hint.find("chmod go-w"), std::string::npos);
  }
  const std::string link = dir.file("link.keys");
  ASSERT_EQ(::symlink(keys.c_str(), link.c_str()), 0);
  auto r = ensure_private_dir(link, "key directory");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "io.unsafe_dir");
  ASSERT_EQ(::chmod(keys.c_str(), 0755), 0);
  EXPECT_TRUE(ensure_private_dir(link, "key directory")) << "readable by others is ssh's rule too: only writes matter";
}

TEST(PrivateDir, AFileOrAnotherUsersDirectoryIsRefused) {
  TempDir dir;
  const std::string file = dir.write("keys", "not a directory");
  auto r = ensure_private_dir(file, "key directory");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "io.unsafe_dir");
  if (::geteuid() != 0) GTEST_SKIP() << "giving a directory to another user needs root";
  const std::string theirs = dir.file("theirs");
  ASSERT_EQ(::mkdir(theirs.c_str(), 0700), 0);
  ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
  r = ensure_private_dir(theirs, "key directory");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "io.unsafe_dir");
  EXPECT_NE(r.error().message.find("belongs to user 65534"), std::string::npos) << r.error().message;
}

}  // namespace
