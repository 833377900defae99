#include "util/shell_command.hpp"

#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iterator>
#include <utility>

#include "util/posix.hpp"

extern char** environ;

namespace dcvkit {
namespace {

using posix::Fd;

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kStderrTail = 1024;
constexpr auto kKillGrace = std::chrono::seconds(2);  // SIGTERM, then SIGKILL this much later
// After the command itself has exited, a background child it left may hold our pipes open forever;
// we wait this long for the rest of its output, then stop listening.
constexpr auto kDrainGrace = milliseconds(300);

struct Pipe {
  Fd read;
  Fd write;
};

Result<Pipe> make_pipe(const std::string& code_prefix) {
  int fds[2];
  // O_CLOEXEC: a hook started by another thread at the same moment must not inherit our pipe
  // ends, or our EOF would wait for that unrelated hook.
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return make_error(ErrorKind::Io, code_prefix + "_spawn_failed",
                      std::string("cannot create a pipe: ") + std::strerror(errno));
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

// The hook's stderr goes into our error message, which may reach a terminal: no control bytes,
// and no torn UTF-8 sequence at the cut.
std::string printable_tail(std::string_view raw) {
  std::size_t start = 0;
  while (start < raw.size() && (static_cast<unsigned char>(raw[start]) & 0xC0) == 0x80) ++start;
  std::string out;
  for (unsigned char c : raw.substr(start))
    out += (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : static_cast<char>(c);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ' || out.back() == '\t')) out.pop_back();
  return out;
}


// glibc 2.36's <sys/pidfd.h> lacks extern "C", so C++ cannot link its wrapper; the syscall is stable.
int open_pidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid), pidfd_(open_pidfd(pid)) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  // A hook is never left running unreaped, whatever path leaves run_hook.
  ~Child() {
    if (!reaped_) {
      ::kill(-pid_, SIGKILL);
      reap();
    }
  }

  // Exited (a zombie) but not reaped: the pid, and so the process group id, stays ours to signal.
  bool exited() {
    if (exited_) return true;
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_)
      exited_ = true;
    return exited_;
  }
  void signal_group(int sig) const { ::kill(-pid_, sig); }
  int reap() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return status;
  }
  int pidfd() const { return pidfd_.get(); }

 private:
  pid_t pid_;
  Fd pidfd_;  // readable once the child exits; without it (old kernels) we poll in short slices
  bool exited_ = false;
  bool reaped_ = false;
};

void drain(Fd& fd, std::string* keep) {
  char buf[4096];
  ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    fd.reset();
    return;
  }
  if (keep == nullptr) return;  // the hook's stdout is read only so it never blocks on a full pipe
  keep->append(buf, static_cast<std::size_t>(n));
  if (keep->size() > 2 * kStderrTail) keep->erase(0, keep->size() - kStderrTail);
}

}  // namespace

Result<CommandRun> run_shell_command(const std::string& command_text, std::vector<std::string> args,
                                     std::vector<std::string> env_strings, int timeout_seconds, const std::string& code_prefix) {
  auto out = make_pipe(code_prefix);
  if (!out) return out.error();
  auto err = make_pipe(code_prefix);
  if (!err) return err.error();

  std::string sh = "/bin/sh", dash_c = "-c", command = command_text, arg0 = "dcvkit-hook";
  if (!args.empty()) command += " \"$@\"";
  std::vector<char*> argv{sh.data(), dash_c.data(), command.data()};
  if (!args.empty()) argv.push_back(arg0.data());
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out->write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err->write.get(), 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so a timeout can kill the hook together with everything it started.
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, sh.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    return make_error(ErrorKind::Io, code_prefix + "_spawn_failed",
                      std::string("cannot run /bin/sh: ") + std::strerror(rc));
  out->write.reset();
  err->write.reset();

  Child child(pid);
  CommandRun run;
  std::string tail;
  const auto deadline = Clock::now() + std::chrono::seconds(std::max(timeout_seconds, 1));
  Clock::time_point kill_at = Clock::time_point::max();
  Clock::time_point stop_at = Clock::time_point::max();  // set once the hook has exited
  bool term_sent = false, kill_sent = false;

  for (;;) {
    auto now = Clock::now();
    bool exited = child.exited();
    bool pipes_open = out->read.valid() || err->read.valid();
    if (exited && stop_at == Clock::time_point::max()) stop_at = now + kDrainGrace;
    if (exited && (!pipes_open || now >= stop_at)) {
      // Survivors of a timed-out group still get their SIGKILL before we let the group id go.
      if (!term_sent || kill_sent || !pipes_open) break;
    }
    if (!exited && !term_sent && now >= deadline) {
      run.timed_out = true;
      term_sent = true;
      kill_at = now + kKillGrace;
      child.signal_group(SIGTERM);
    }
    if (term_sent && !kill_sent && now >= kill_at) {
      kill_sent = true;
      child.signal_group(SIGKILL);
      stop_at = std::min(stop_at, now + kDrainGrace);
    }

    auto next = std::min({term_sent ? Clock::time_point::max() : deadline,
                          kill_sent ? Clock::time_point::max() : kill_at, exited ? stop_at : Clock::time_point::max()});
    pollfd fds[3];
    nfds_t count = 0;
    if (out->read.valid()) fds[count++] = pollfd{out->read.get(), POLLIN, 0};
    if (err->read.valid()) fds[count++] = pollfd{err->read.get(), POLLIN, 0};
    bool watch_child = !exited && child.pidfd() >= 0;
    if (watch_child) fds[count++] = pollfd{child.pidfd(), POLLIN, 0};
    auto wait = next == Clock::time_point::max()
                    ? milliseconds(1000)
                    : std::chrono::duration_cast<milliseconds>(next - now) + milliseconds(1);
    if (!exited && child.pidfd() < 0) wait = std::min(wait, milliseconds(10));
    if (wait > milliseconds(1000)) wait = milliseconds(1000);
    if (wait < milliseconds(0)) wait = milliseconds(0);
    int ready = ::poll(fds, count, static_cast<int>(wait.count()));
    if (ready < 0 && errno != EINTR)
      return make_error(ErrorKind::Internal, code_prefix + "_poll_failed", std::string("poll: ") + std::strerror(errno));
    for (nfds_t i = 0; ready > 0 && i < count; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == out->read.get())
        drain(out->read, nullptr);
      else if (fds[i].fd == err->read.get())
        drain(err->read, &tail);
    }
  }
  run.wait_status = child.reap();
  run.stderr_tail = printable_tail(tail.size() > kStderrTail ? std::string_view(tail).substr(tail.size() - kStderrTail)
                                                             : std::string_view(tail));
  return run;
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + std::to_string(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}


std::vector<std::string> command_environment(std::vector<std::string> ours, const std::vector<std::string_view>& also_dropped) {
  static constexpr std::string_view kSecrets[] = {"DCVKIT_AUTH_KEY", "DCVKIT_API_KEY", "DCVKIT_EAB_HMAC_KEY",
                                                  "DCVKIT_PFX_PASSWORD", "DCVKIT_KEY_PASSWORD"};
  const auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  const auto dropped = [&](std::string_view name) {
    return std::find(std::begin(kSecrets), std::end(kSecrets), name) != std::end(kSecrets) ||
           std::find(also_dropped.begin(), also_dropped.end(), name) != also_dropped.end() ||
           std::any_of(ours.begin(), ours.end(), [&](const std::string& v) { return name_of(v) == name; });
  };
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e)
    if (!dropped(name_of(*e))) env.emplace_back(*e);
  env.insert(env.end(), std::make_move_iterator(ours.begin()), std::make_move_iterator(ours.end()));
  return env;
}

}  // namespace dcvkit
