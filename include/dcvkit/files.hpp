// File I/O with the guarantees the tool promises: bounded reads, and writes that are atomic
// (temp file + fsync + rename) so no reader ever sees a half-written key, token or certificate.
#pragma once

#include <sys/types.h>

#include <functional>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/error.hpp"

namespace dcvkit {

// Reads the whole file, refusing more than max_bytes. `what` names the file in errors ("CSR file").
Result<std::string> read_file(const std::string& path, std::size_t max_bytes, std::string_view what);
// The same for keys (AuthKey, API key, TSIG): only a regular file, so a FIFO without a writer
// cannot block for ever and /dev/null is not read as an empty key ("io.not_regular_file").
Result<std::string> read_regular_file(const std::string& path, std::size_t max_bytes, std::string_view what);

// A file written to a temporary name next to its destination, fsynced, and only put in place by
// commit(). Destroyed uncommitted, it leaves nothing behind. Several staged files let a command
// that writes two files write both or neither.
class StagedFile {
 public:
  static Result<StagedFile> create(const std::string& path, std::string_view data, mode_t mode);
  // The same, with contents too large to hold: `produce` hands them over piece by piece through
  // `write` (which returns false once a write failed) and returns false when it cannot go on.
  using Write = std::function<bool(std::string_view)>;
  static Result<StagedFile> create(const std::string& path, const std::function<bool(const Write&)>& produce,
                                   mode_t mode);
  StagedFile(StagedFile&& other) noexcept;
  StagedFile& operator=(StagedFile&&) = delete;
  StagedFile(const StagedFile&) = delete;
  ~StagedFile();

  // Renames into place. Without overwrite, an existing destination is an error (checked atomically).
  Status commit(bool overwrite);
  const std::string& path() const { return path_; }

 private:
  StagedFile(std::string path, std::string temp) : path_(std::move(path)), temp_(std::move(temp)) {}
  std::string path_;
  std::string temp_;  // empty once committed or moved from
};

Status write_file_atomic(const std::string& path, std::string_view data, mode_t mode, bool overwrite);

// Several files written as one set: every file is staged first, then renamed into place. Without
// overwrite an existing file is an error and the files of the set already renamed are removed
// again, so there is never a partial set; with overwrite each file is replaced atomically.
struct FileContent {
  std::string path;
  std::string_view data;
  mode_t mode;
};
Status write_file_set(const std::vector<FileContent>& files, bool overwrite);

// Removes the temporary files StagedFiles for `path` left next to it when their process was killed
// before commit (a half-written certificate, or a stray copy of a private key). Best effort.
void remove_staged_leftovers(const std::string& path);

// Fails when the path exists (for "never overwrite unless --force" checks done before any work).
Status ensure_absent(const std::string& path, std::string_view what);

// Before work that cannot be undone (an order): `dir`, or the nearest existing directory above it
// when it is still to be created, is writable and its file system has `bytes` free. Creates
// nothing. Errors: "io.not_writable", "io.no_space" (naming the directory).
Status ensure_room_for(const std::string& dir, std::uintmax_t bytes, std::string_view what);

// Notes which of `dir` and its parents do not exist yet; when it goes, removes those (deepest
// first, only while empty) unless keep() was called: a command that stops before it has anything
// to write leaves no empty directory behind.
class MadeDirectories {
 public:
  explicit MadeDirectories(const std::string& dir);
  ~MadeDirectories();
  MadeDirectories(const MadeDirectories&) = delete;
  MadeDirectories& operator=(const MadeDirectories&) = delete;
  void keep() { missing_.clear(); }

 private:
  std::vector<std::string> missing_;  // deepest first
};

// A directory for private keys, as ssh wants its own: created 0700 when missing; refused
// ("io.unsafe_dir") when it (or what a symlink there points to) is not a directory, belongs to
// another user, or is writable by group or others — anyone who can write there can swap a key.
Status ensure_private_dir(const std::string& dir, std::string_view what);

}  // namespace dcvkit
