// A scratch directory per test, removed afterwards.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace dcvkit::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  // Writes `data` to `name` (mode 0600) and returns its path.
  std::string write(const std::string& name, const std::string& data) const;
  // Names of the entries in the directory, sorted.
  std::vector<std::string> entries() const;

 private:
  std::filesystem::path path_;
};

std::string read_text(const std::string& path);
// The permission bits of a file (following symlinks); 0 when it cannot be read.
unsigned file_mode(const std::string& path);

}  // namespace dcvkit::test
