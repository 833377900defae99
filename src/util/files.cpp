#include "dcvkit/files.hpp"

#include <cstdio>  // renameat2 (glibc >= 2.28)
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "util/posix.hpp"

namespace dcvkit {
namespace {

Error io_error(std::string code, const std::string& message, int err, std::string hint = {}) {
  return make_error(ErrorKind::Io, std::move(code), message + ": " + std::strerror(err), std::move(hint));
}

// ".<name>.tmp-": what a StagedFile's temporary name starts with, next to its destination.
std::string staged_prefix(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return "." + path.substr(slash == std::string::npos ? 0 : slash + 1) + ".tmp-";
}

std::string dir_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Opens for reading; with `regular_only`, anything but a regular file is refused before a byte is
// read. O_NONBLOCK makes the open of a FIFO without a writer return at once instead of waiting for
// ever; it changes nothing for regular files.
Result<int> open_for_reading(const std::string& path, std::string_view what, bool regular_only) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (regular_only ? O_NONBLOCK : 0));
  if (fd < 0) {
    int err = errno;
    return io_error("io.read_failed", std::string("cannot open ") + std::string(what) + " '" + path + "'", err,
                    err == ENOENT ? "check the path" : "check the file's permissions");
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorKind::Io, "io.is_directory",
                      std::string(what) + " '" + path + "' is a directory", "give the path of a file");
  }
  if (regular_only && !S_ISREG(st.st_mode)) {
    ::close(fd);
    const char* kind = S_ISFIFO(st.st_mode) ? "a FIFO (named pipe)"
                       : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "not a regular file";
    return make_error(ErrorKind::InvalidInput, "io.not_regular_file",
                      std::string(what) + " '" + path + "' is " + kind + ", not a regular file",
                      "give the path of a regular file (mode 0600); an AuthKey or API key from a pipe goes "
                      "through --auth-key-stdin or the environment instead");
  }
  return fd;
}

Result<std::string> read_open_file(int fd, const std::string& path, std::size_t max_bytes, std::string_view what) {
  std::string data;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return io_error("io.read_failed", std::string("cannot read ") + std::string(what) + " '" + path + "'", err);
    }
    if (n == 0) break;
    if (data.size() + static_cast<std::size_t>(n) > max_bytes) {
      ::close(fd);
      return make_error(ErrorKind::InvalidInput, "input.too_large",
                        std::string(what) + " '" + path + "' is larger than " + std::to_string(max_bytes) + " bytes",
                        "is this the right file?");
    }
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return data;
}

}  // namespace

Result<std::string> read_file(const std::string& path, std::size_t max_bytes, std::string_view what) {
  auto fd = open_for_reading(path, what, false);
  if (!fd) return fd.error();
  return read_open_file(*fd, path, max_bytes, what);
}

Result<std::string> read_regular_file(const std::string& path, std::size_t max_bytes, std::string_view what) {
  auto fd = open_for_reading(path, what, true);
  if (!fd) return fd.error();
  return read_open_file(*fd, path, max_bytes, what);
}


Result<StagedFile> StagedFile::create(const std::string& path, std::string_view data, mode_t mode) {
  return create(path, [data](const Write& write) { return write(data); }, mode);
}

Result<StagedFile> StagedFile::create(const std::string& path, const std::function<bool(const Write&)>& produce,
                                      mode_t mode) {
  std::string temp = dir_of(path) + "/" + staged_prefix(path) + posix::random_suffix(10);
  // O_EXCL + explicit mode: a private key is never, even briefly, readable by others.
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) {
    int err = errno;
    return io_error("io.write_failed", "cannot create a file in '" + dir_of(path) + "'", err,
                    "check that the directory exists and is writable");
  }
  ::fchmod(fd, mode);  // the umask must not widen or narrow what we promise
  int err = 0;
  bool ok = produce([&](std::string_view piece) {
    if (posix::write_all(fd, piece)) return true;
    err = errno;
    return false;
  });
  if (ok && ::fsync(fd) != 0) {
    ok = false;
    err = errno;
  }
  ::close(fd);
  if (!ok) {
    ::unlink(temp.c_str());
    return io_error("io.write_failed", "cannot write '" + path + "'", err ? err : EIO, "check free space and permissions");
  }
  return StagedFile(path, std::move(temp));
}

StagedFile::StagedFile(StagedFile&& other) noexcept
    : path_(std::move(other.path_)), temp_(std::exchange(other.temp_, std::string())) {}

StagedFile::~StagedFile() {
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

Status StagedFile::commit(bool overwrite) {
  int rc = overwrite ? ::rename(temp_.c_str(), path_.c_str())
                     : ::renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, path_.c_str(), RENAME_NOREPLACE);
  if (rc != 0) {
    int err = errno;
    if (err == EEXIST)
      return make_error(ErrorKind::Io, "io.exists", "'" + path_ + "' already exists",
                        "choose another path, or pass --force to replace it");
    return io_error("io.write_failed", "cannot put '" + path_ + "' in place", err);
  }
  temp_.clear();
  fsync_dir(dir_of(path_));
  return {};
}

Status write_file_atomic(const std::string& path, std::string_view data, mode_t mode, bool overwrite) {
  auto staged = StagedFile::create(path, data, mode);
  if (!staged) return staged.error();
  return staged->commit(overwrite);
}

Status write_file_set(const std::vector<FileContent>& files, bool overwrite) {
  std::vector<StagedFile> staged;
  for (const auto& f : files) {
    auto s = StagedFile::create(f.path, f.data, f.mode);
    if (!s) return s.error();
    staged.push_back(std::move(*s));
  }
  std::vector<std::string> committed;
  for (auto& s : staged) {
    if (auto ok = s.commit(overwrite); !ok) {
      // Without overwrite every committed file is new: take them back, so no partial set stays.
      if (!overwrite)
        for (const auto& path : committed) ::unlink(path.c_str());
      return ok.error();
    }
    committed.push_back(s.path());
  }
  return {};
}

void remove_staged_leftovers(const std::string& path) {
  const std::string prefix = staged_prefix(path);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_of(path), ec))
    if (entry.path().filename().string().rfind(prefix, 0) == 0 && entry.is_regular_file(ec))
      std::filesystem::remove(entry.path(), ec);
}

Status ensure_absent(const std::string& path, std::string_view what) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0)
    return make_error(ErrorKind::Io, "io.exists", std::string(what) + " '" + path + "' already exists",
                      "choose another path, or pass --force to replace it");
  return {};
}

Status ensure_room_for(const std::string& dir, std::uintmax_t bytes, std::string_view what) {
  std::filesystem::path existing = dir.empty() ? "." : dir;
  std::error_code ec;
  while (!std::filesystem::exists(existing, ec) && existing.has_relative_path() && existing != existing.parent_path())
    existing = existing.parent_path().empty() ? std::filesystem::path(".") : existing.parent_path();
  const std::string at = existing.string();
  const std::string where = at == dir ? std::string(what) + " '" + dir + "'" : "'" + at + "' (where " + std::string(what) +
                                                                                    " '" + dir + "' would be created)";
  if (!std::filesystem::is_directory(existing, ec))
    return make_error(ErrorKind::Io, "io.not_writable", where + " is not a directory", "choose another directory");
  if (::access(at.c_str(), W_OK | X_OK) != 0)
    return io_error("io.not_writable", where + " is not writable", errno, "choose a directory this user can write to");
  struct statvfs fs {};
  if (::statvfs(at.c_str(), &fs) == 0) {
    const auto free_bytes = static_cast<std::uintmax_t>(fs.f_bavail) * fs.f_frsize;
    if (free_bytes < bytes)
      return make_error(ErrorKind::Io, "io.no_space",
                        where + " has " + std::to_string(free_bytes) + " bytes free; " + std::to_string(bytes) +
                            " are needed",
                        "free some space there, or choose another directory");
  }
  return {};
}

MadeDirectories::MadeDirectories(const std::string& dir) {
  std::error_code ec;
  for (std::filesystem::path p = dir; !p.empty() && !std::filesystem::exists(p, ec) && p != p.parent_path();
       p = p.parent_path())
    missing_.push_back(p.string());
}

MadeDirectories::~MadeDirectories() {
  for (const auto& d : missing_)
    if (::rmdir(d.c_str()) != 0) break;  // not empty (or not made): it, and what is above it, stay
}

Status ensure_private_dir(const std::string& dir, std::string_view what) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return io_error("io.mkdir_failed", "cannot create the " + std::string(what) + " '" + dir + "'", errno,
                    "check the parent directory's permissions");
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    return io_error("io.unsafe_dir", "cannot read the " + std::string(what) + " '" + dir + "'", errno);
  const std::string where = std::string(what) + " '" + dir + "'";
  if (!S_ISDIR(st.st_mode))
    return make_error(ErrorKind::Io, "io.unsafe_dir", where + " is not a directory", "move it away");
  if (st.st_uid != ::geteuid())
    return make_error(ErrorKind::Io, "io.unsafe_dir",
                      where + " belongs to user " + std::to_string(st.st_uid) + ", not to this user (" +
                          std::to_string(::geteuid()) + "): private keys are not kept there",
                      "use a directory of your own (chown it, or give another path)");
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return make_error(ErrorKind::Io, "io.unsafe_dir",
                      where + " is writable by " + ((st.st_mode & S_IWOTH) != 0 ? "everyone" : "its group") +
                          ": private keys are not kept there",
                      "chmod go-w '" + dir + "' (0700 is best)");
  return {};
}

}  // namespace dcvkit
