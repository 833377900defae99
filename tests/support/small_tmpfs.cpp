#include "support/small_tmpfs.hpp"

#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace dcvkit::test {

SmallTmpfs::SmallTmpfs(const std::string& dir, std::size_t bytes, bool read_only) : dir_(dir) {
  std::filesystem::create_directories(dir);
  const std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
  if (::mount("tmpfs", dir.c_str(), "tmpfs", read_only ? MS_RDONLY : 0, options.c_str()) == 0) mounted_ = true;
  else error_ = std::strerror(errno);
}

SmallTmpfs::~SmallTmpfs() {
  if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
}

}  // namespace dcvkit::test
