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
#include <string>
#include <utility>
#include <vector>

#include "dcvkit/names.hpp"
#include "dcvkit/publish_hook.hpp"

extern char** environ;

#include "util/posix.hpp"

namespace dcvkit {
namespace {

using posix::Fd;

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kStderrTail = 1024;
constexpr auto kKillGrace = std::chrono::seconds(2);  // SIGTERM, then SIGKILL this much later
// After the hook itself has exited, a background child it left may hold our pipes open forever;
// we wait this long for the rest of its output, then stop listening.
constexpr auto kDrainGrace = milliseconds(300);

constexpr std::string_view kOurVars[] = {"DCVKIT_ACTION", "DCVKIT_NAME", "DCVKIT_RECORD", "DCVKIT_TOKEN",
                                         "DCVKIT_METHOD"};
constexpr std::string_view kSecretVars[] = {"DCVKIT_AUTH_KEY", "DCVKIT_API_KEY"};

struct Pipe {
  Fd read;
  Fd write;
};

Result<Pipe> make_pipe() {
  int fds[2];
  // O_CLOEXEC: a hook started by another thread at the same moment must not inherit our pipe
  // ends, or our EOF would wait for that unrelated hook.
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return make_error(ErrorKind::Io, "publish.hook_spawn_failed",
                      std::string("cannot create a pipe: ") + std::strerror(errno));
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

bool has_control_chars(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

std::string_view var_name(std::string_view entry) { return entry.substr(0, entry.find('=')); }

template <std::size_t N>
bool listed(std::string_view name, const std::string_view (&list)[N]) {
  for (auto v : list)
    if (v == name) return true;
  return false;
}

// Built before spawning: nothing that allocates may run between fork and exec. `entry` is null for
// a call that carries several entries (dehydrated-chain): then only DCVKIT_ACTION is set.
std::vector<std::string> hook_environment(PublishAction action, const PlanEntry* entry, std::string_view name,
                                          std::string_view token, const std::vector<std::string>& style_vars) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    auto key = var_name(*e);
    if (listed(key, kSecretVars) || listed(key, kOurVars)) continue;
    env.emplace_back(*e);
  }
  env.push_back("DCVKIT_ACTION=" + std::string(to_string(action)));
  if (entry != nullptr) {
    env.push_back("DCVKIT_NAME=" + std::string(name));
    env.push_back("DCVKIT_RECORD=" + entry->record);
    env.push_back("DCVKIT_TOKEN=" + std::string(token));
    env.push_back("DCVKIT_METHOD=" + std::string(method_name(*entry)));
  }
  env.insert(env.end(), style_vars.begin(), style_vars.end());
  return env;
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

int effective_timeout(const HookOptions& options) { return std::max(options.timeout_seconds, 1); }

struct HookRun {
  int wait_status = 0;
  bool timed_out = false;
  std::string stderr_tail;
};

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

// `args` follow the command as "$1", "$2", ... (sh -c 'CMD "$@"' dcvkit-hook ARGS...).
Result<HookRun> run_hook(const HookOptions& options, const std::string& command_text, std::vector<std::string> args,
                         std::vector<std::string> env_strings) {
  auto out = make_pipe();
  if (!out) return out.error();
  auto err = make_pipe();
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
    return make_error(ErrorKind::Io, "publish.hook_spawn_failed",
                      std::string("cannot run /bin/sh: ") + std::strerror(rc));
  out->write.reset();
  err->write.reset();

  Child child(pid);
  HookRun run;
  std::string tail;
  const auto deadline = Clock::now() + std::chrono::seconds(effective_timeout(options));
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
      return make_error(ErrorKind::Internal, "publish.hook_poll_failed", std::string("poll: ") + std::strerror(errno));
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

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + std::to_string(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

// certbot and dehydrated name the domain being validated: a wildcard's is its base name.
std::string domain_of(std::string_view name) {
  return std::string(name.rfind("*.", 0) == 0 ? name.substr(2) : name);
}

// What the hook gets besides the DCVKIT_* variables: positional arguments and style variables.
struct Invocation {
  std::vector<std::string> args;
  std::vector<std::string> vars;
};

// Where the token goes, as the TOKEN_FILENAME argument of dehydrated: the file for http, the TXT
// owner for dns (dehydrated's own scripts ignore it for dns-01).
std::string token_place(const PlanEntry& entry) {
  return entry.method == DcvMethod::Http ? "fileauth.txt" : entry.record;
}

class HookPublisher final : public Publisher {
 public:
  HookPublisher(HookOptions options, HookCalling calling) : options_(std::move(options)), calling_(std::move(calling)) {}

  std::string_view kind() const override { return "hook"; }
  bool supports(DcvMethod method) const override {
    const bool lego = calling_.style == HookStyle::LegoExec || calling_.style == HookStyle::LegoExecRaw;
    return !lego || method == DcvMethod::Dns;
  }
  // certbot's CERTBOT_ALL_DOMAINS / REMAINING_CHALLENGES and dehydrated's HOOK_CHAIN describe a
  // batch: those styles take entries many at a time (a certificate's names fit in one).
  std::size_t batch_size() const override { return batched() ? 250 : 1; }

  Status publish(const PlanEntry& entry, std::string_view token) override {
    return single(PublishAction::Publish, entry, token);
  }
  Status unpublish(const PlanEntry& entry, std::string_view token) override {
    return single(PublishAction::Unpublish, entry, token);
  }
  std::vector<Result<std::string>> apply(PublishAction action, const std::vector<const PublishItem*>& items) override {
    return batched() ? change_results(apply_batch(action, items)) : Publisher::apply(action, items);
  }

 private:
  bool batched() const { return calling_.style == HookStyle::Certbot || calling_.style == HookStyle::DehydratedChain; }

  Status single(PublishAction action, const PlanEntry& entry, std::string_view token) {
    if (batched()) {
      const PublishItem item{entry, std::string(token)};
      return apply_batch(action, {&item}).front();
    }
    auto name = validate(entry, token);
    if (!name) return name.error();
    const bool publish = action == PublishAction::Publish;
    Invocation how;
    switch (calling_.style) {
      case HookStyle::Dehydrated:
        how.args = {publish ? "deploy_challenge" : "clean_challenge", domain_of(*name), token_place(entry), std::string(token)};
        break;
      case HookStyle::LegoExec:
        how.args = {publish ? "present" : "cleanup", entry.record + ".", std::string(token)};
        break;
      case HookStyle::LegoExecRaw:
        how.args = {publish ? "present" : "cleanup", "--", domain_of(*name), std::string(token), std::string(token)};
        how.vars = {"EXEC_MODE=RAW"};
        break;
      default:
        break;
    }
    return run(action, "'" + *name + "'", &entry, *name, token, std::move(how));
  }

  std::vector<Status> apply_batch(PublishAction action, const std::vector<const PublishItem*>& items) {
    std::vector<Status> out(items.size());
    std::vector<std::size_t> good;
    std::vector<std::string> names(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto name = validate(items[i]->entry, items[i]->token);
      if (!name) {
        out[i] = name.error();
        continue;
      }
      names[i] = *name;
      good.push_back(i);
    }
    if (good.empty()) return out;
    const bool publish = action == PublishAction::Publish;
    if (calling_.style == HookStyle::DehydratedChain) {
      Invocation how;
      how.args.emplace_back(publish ? "deploy_challenge" : "clean_challenge");
      std::string list;
      for (auto i : good) {
        how.args.insert(how.args.end(), {domain_of(names[i]), token_place(items[i]->entry), items[i]->token});
        list += (list.empty() ? "'" : ", '") + names[i] + "'";
      }
      const Status st = run(action, list, nullptr, "", "", std::move(how));
      for (auto i : good) out[i] = st;
      return out;
    }
    // certbot: one call per entry, each told the batch's domains and how many calls follow.
    std::string all;
    for (auto i : good) all += (all.empty() ? "" : ",") + domain_of(names[i]);
    for (std::size_t k = 0; k < good.size(); ++k) {
      const auto& item = *items[good[k]];
      Invocation how;
      how.vars = {"CERTBOT_DOMAIN=" + domain_of(names[good[k]]), "CERTBOT_VALIDATION=" + item.token,
                  "CERTBOT_REMAINING_CHALLENGES=" + std::to_string(good.size() - 1 - k), "CERTBOT_ALL_DOMAINS=" + all};
      if (item.entry.method == DcvMethod::Http) how.vars.emplace_back("CERTBOT_TOKEN=fileauth.txt");
      if (!publish) how.vars.emplace_back("CERTBOT_AUTH_OUTPUT=");
      out[good[k]] = run(action, "'" + names[good[k]] + "'", &item.entry, names[good[k]], item.token, std::move(how));
    }
    return out;
  }

  Result<std::string> validate(const PlanEntry& entry, std::string_view token) const {
    // Hooks are scripts that may build paths or zone text from these values: only clean ones go in.
    if (auto valid = check_publish_value(entry, token); !valid) return valid.error();
    auto name = normalize_dns_name(entry.name);
    if (!name)
      return make_error(ErrorKind::InvalidInput, "publish.invalid_name", name.error().message,
                        "give the certificate's DNS name");
    if (entry.record.empty() || has_control_chars(entry.record))
      return make_error(ErrorKind::InvalidInput, "publish.invalid_record",
                        "the record for '" + *name + "' is empty or contains control characters",
                        "build plan entries with make_plan");
    if (!supports(entry.method))
      return make_error(ErrorKind::InvalidInput, "publish.method_unsupported",
                        "a " + std::string(to_string(calling_.style)) + " hook publishes dns tokens only",
                        "use --hook-style dcvkit, certbot or dehydrated for http");
    if (options_.command.empty())
      return make_error(ErrorKind::InvalidInput, "publish.hook_missing", "no hook command is configured",
                        "give the command to run, e.g. --hook './publish.sh'");
    return name;
  }

  Status run(PublishAction action, const std::string& subject, const PlanEntry* entry, std::string_view name,
             std::string_view token, Invocation how) const {
    const std::string& command =
        action == PublishAction::Unpublish && !calling_.cleanup_command.empty() ? calling_.cleanup_command : options_.command;
    auto run = run_hook(options_, command, std::move(how.args), hook_environment(action, entry, name, token, how.vars));
    if (!run) return run.error();
    std::string what = "hook for " + std::string(to_string(action)) + " of " + subject;
    std::string tail = run->stderr_tail.empty() ? std::string() : "; its stderr ended with:\n" + run->stderr_tail;
    if (run->timed_out)
      return make_error(ErrorKind::Io, "publish.hook_timeout",
                        what + " did not finish within " + std::to_string(effective_timeout(options_)) +
                            " s; its process group was killed" + tail,
                        "make the hook faster, or raise the hook timeout");
    if (!WIFEXITED(run->wait_status) || WEXITSTATUS(run->wait_status) != 0) {
      int code = WIFEXITED(run->wait_status) ? WEXITSTATUS(run->wait_status) : -1;
      std::string hint = code == 127   ? "the shell could not find the command; check its path"
                         : code == 126 ? "the command is not executable; check its permissions"
                                       : "see the hook's stderr above; run it by hand with the same DCVKIT_* variables";
      return make_error(ErrorKind::Io, "publish.hook_failed", what + " " + describe_status(run->wait_status) + tail,
                        hint);
    }
    return {};
  }

  const HookOptions options_;
  const HookCalling calling_;
};

constexpr std::pair<HookStyle, std::string_view> kStyles[] = {
    {HookStyle::Dcvkit, "dcvkit"},       {HookStyle::Certbot, "certbot"},     {HookStyle::Dehydrated, "dehydrated"},
    {HookStyle::DehydratedChain, "dehydrated-chain"}, {HookStyle::LegoExec, "lego-exec"}, {HookStyle::LegoExecRaw, "lego-exec-raw"}};

}  // namespace

std::unique_ptr<Publisher> make_hook_publisher(HookOptions options, HookCalling calling) {
  return std::make_unique<HookPublisher>(std::move(options), std::move(calling));
}

std::optional<HookStyle> parse_hook_style(std::string_view text) {
  for (const auto& [style, name] : kStyles)
    if (name == text) return style;
  return std::nullopt;
}

std::string_view to_string(HookStyle style) {
  for (const auto& [s, name] : kStyles)
    if (s == style) return name;
  return "dcvkit";
}

std::string hook_style_names() {
  std::string out;
  for (const auto& [style, name] : kStyles) out.append(out.empty() ? "" : ", ").append(name);
  return out;
}

}  // namespace dcvkit
