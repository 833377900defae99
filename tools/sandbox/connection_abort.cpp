#include "connection_abort.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>

namespace dcvkit::sandbox {
namespace {

struct Endpoint {
  std::string address;
  int port = -1;
};

Endpoint endpoint(const sockaddr_storage& ss) {
  char text[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    return {text, ntohs(a->sin_port)};
  }
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    return {text, ntohs(a->sin6_port)};
  }
  return {};
}

bool is_connection(int fd, std::uint16_t local_port, const std::string& peer_address, int peer_port) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
  sockaddr_storage local{}, peer{};
  socklen_t local_len = sizeof local, peer_len = sizeof peer;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
      ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0)
    return false;
  const Endpoint l = endpoint(local), p = endpoint(peer);
  return l.port == local_port && p.port == peer_port && p.address == peer_address;
}

}  // namespace

bool abort_connection(std::uint16_t local_port, const std::string& peer_address, int peer_port) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return false;
  const int dir_fd = ::dirfd(dir);
  bool found = false;
  while (dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == dir_fd) continue;
    if (is_connection(static_cast<int>(fd), local_port, peer_address, peer_port)) {
      ::shutdown(static_cast<int>(fd), SHUT_RDWR);
      found = true;
      break;
    }
  }
  ::closedir(dir);
  return found;
}

}  // namespace dcvkit::sandbox
