// A small file system of its own for a test (a full disk, a read-only one): a tmpfs mounted at a
// directory, which needs root or an unprivileged user namespace; mounted() says whether it worked.
#pragma once

#include <cstddef>
#include <string>

namespace dcvkit::test {

// A tmpfs of `bytes` at `dir` (created when missing), unmounted (lazily) when this goes.
class SmallTmpfs {
 public:
  SmallTmpfs(const std::string& dir, std::size_t bytes, bool read_only = false);
  ~SmallTmpfs();
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  std::string dir_, error_;
  bool mounted_ = false;
};

}  // namespace dcvkit::test
