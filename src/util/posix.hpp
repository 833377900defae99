// Small POSIX pieces several modules need: an owned file descriptor, a full write, temp names.
#pragma once

#include <unistd.h>

#include <string>
#include <string_view>
#include <utility>

namespace dcvkit::posix {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Writes all of data, retrying on EINTR and short writes; false with errno set on failure.
bool write_all(int fd, std::string_view data);

// No core file and no ptrace by other processes of the same user: a dump of this process would
// hold the AuthKey, the API key and private keys. Called first thing in main().
void disable_core_dumps();

// Random [a-z0-9] characters for temporary file names (not for secrets).
std::string random_suffix(std::size_t length = 12);

}  // namespace dcvkit::posix
