#include "support/limit_child.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace dcvkit::test {
namespace {

int g_report_fd = -1;  // the child's end of the message pipe

// A field of /proc/self/status in KiB ("VmRSS", "VmHWM").
long status_kib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

// Threads of this process, from /proc/self/task.
std::size_t thread_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

}  // namespace

void child_report(const std::string& text) {
  if (g_report_fd >= 0) write_all(g_report_fd, "M" + text + "\n");
}

ChildUsage run_in_child(const std::function<int()>& body, int timeout_seconds) {
  if (const std::size_t threads = thread_count(); threads != 1)
    throw std::logic_error("run_in_child: this process has " + std::to_string(threads) +
                           " threads; fork only from one (run servers in their own process)");
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const auto started = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    g_report_fd = fds[1];
    const long start = status_kib("VmRSS");
    int code = 1;
    try {
      code = body();
    } catch (const std::exception& e) {
      child_report(std::string("exception: ") + e.what());
      code = 99;
    }
    write_all(fds[1], "R" + std::to_string(status_kib("VmHWM") - start) + "\n");
    ::_exit(code);  // no atexit handlers, no gtest teardown in the child
  }
  ::close(fds[1]);
  ChildUsage usage;
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() - started > std::chrono::seconds(timeout_seconds)) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      usage.message += "killed after " + std::to_string(timeout_seconds) + " s\n";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  usage.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  usage.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  for (std::size_t pos = 0; pos < text.size();) {
    const auto nl = text.find('\n', pos);
    const std::string line = text.substr(pos, nl - pos);
    if (!line.empty() && line[0] == 'R') usage.rss_growth_kib = std::stol(line.substr(1));
    if (!line.empty() && line[0] == 'M') usage.message += line.substr(1) + "\n";
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return usage;
}

}  // namespace dcvkit::test
