#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "dcvkit/publish_hook.hpp"
#include "support/temp_dir.hpp"

namespace dcvkit {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using test::read_text;
using test::TempDir;

std::string token(int i) {
  std::string n = std::to_string(i);
  return "20240101000000" + std::string(50 - n.size(), 'h') + n;
}

PlanEntry dns_entry(const std::string& name) { return PlanEntry{name, DcvMethod::Dns, "_dnsauth." + name}; }
PlanEntry http_entry(const std::string& name) {
  return PlanEntry{name, DcvMethod::Http, "http://" + name + "/.well-known/pki-validation/fileauth.txt"};
}

std::map<std::string, std::vector<std::string>> parse_env(const std::string& text) {
  std::map<std::string, std::vector<std::string>> vars;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (eq != std::string::npos) vars[line.substr(0, eq)].push_back(line.substr(eq + 1));
  }
  return vars;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Sets environment variables for one test and puts the old values back.
class ScopedEnv {
 public:
  void set(const std::string& name, const std::string& value) {
    const char* old = ::getenv(name.c_str());
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second)
        ::setenv(it->first.c_str(), it->second->c_str(), 1);
      else
        ::unsetenv(it->first.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// True once `pid` is gone (or only a zombie waiting for its new parent).
bool process_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto paren = content.rfind(')');
  return paren != std::string::npos && paren + 2 < content.size() && content[paren + 2] == 'Z';
}

bool wait_gone(pid_t pid, double seconds) {
  auto start = Clock::now();
  while (seconds_since(start) < seconds) {
    if (process_gone(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return process_gone(pid);
}

TEST(PublishHook, PassesEveryVariableAndWithholdsSecrets) {
  TempDir tmp;
  ScopedEnv env;
  env.set("DCVKIT_AUTH_KEY", "super-secret-auth-key");
  env.set("DCVKIT_API_KEY", "super-secret-api-key");
  env.set("DCVKIT_TOKEN", "stale-value-from-parent");
  env.set("DCVKIT_TEST_PARENT_VAR", "inherited");
  const auto out = tmp.file("env.txt");
  auto publisher = make_hook_publisher(HookOptions{"env > '" + out + "'", 10});
  EXPECT_EQ(publisher->kind(), "hook");
  EXPECT_TRUE(publisher->supports(DcvMethod::Dns));
  EXPECT_TRUE(publisher->supports(DcvMethod::Http));

  auto status = publisher->publish(dns_entry("Example.COM"), token(1));
  ASSERT_TRUE(status.ok()) << status.error().code << ": " << status.error().message;
  auto vars = parse_env(read_text(out));
  using V = std::vector<std::string>;
  EXPECT_EQ(vars["DCVKIT_ACTION"], V{"publish"});
  EXPECT_EQ(vars["DCVKIT_NAME"], V{"example.com"});
  EXPECT_EQ(vars["DCVKIT_RECORD"], V{"_dnsauth.Example.COM"});
  EXPECT_EQ(vars["DCVKIT_TOKEN"], V{token(1)});
  EXPECT_EQ(vars["DCVKIT_METHOD"], V{"dns-txt-token"});
  EXPECT_EQ(vars["DCVKIT_TEST_PARENT_VAR"], V{"inherited"});
  EXPECT_EQ(vars.count("DCVKIT_AUTH_KEY"), 0u);
  EXPECT_EQ(vars.count("DCVKIT_API_KEY"), 0u);
  EXPECT_EQ(read_text(out).find("super-secret"), std::string::npos);

  ASSERT_TRUE(publisher->unpublish(http_entry("www.example.com"), token(2)).ok());
  vars = parse_env(read_text(out));
  EXPECT_EQ(vars["DCVKIT_ACTION"], V{"unpublish"});
  EXPECT_EQ(vars["DCVKIT_NAME"], V{"www.example.com"});
  EXPECT_EQ(vars["DCVKIT_RECORD"], V{"http://www.example.com/.well-known/pki-validation/fileauth.txt"});
  EXPECT_EQ(vars["DCVKIT_TOKEN"], V{token(2)});
  EXPECT_EQ(vars["DCVKIT_METHOD"], V{"http-token"});
}

TEST(PublishHook, StdinIsDevNull) {
  TempDir tmp;
  const auto out = tmp.file("stdin.txt");
  auto publisher = make_hook_publisher(HookOptions{"cat > '" + out + "'", 5});
  auto start = Clock::now();
  ASSERT_TRUE(publisher->publish(dns_entry("example.com"), token(1)).ok());
  EXPECT_LT(seconds_since(start), 3.0);
  EXPECT_EQ(read_text(out), "");
}

TEST(PublishHook, LargeOutputDoesNotBlockTheHook) {
  auto publisher = make_hook_publisher(HookOptions{"head -c 2000000 /dev/zero; head -c 2000000 /dev/zero >&2", 20});
  auto status = publisher->publish(dns_entry("example.com"), token(1));
  EXPECT_TRUE(status.ok()) << status.error().message;
}

TEST(PublishHook, FailureCarriesStatusAndStderrTail) {
  auto publisher =
      make_hook_publisher(HookOptions{"echo on-stdout; head -c 5000 /dev/zero | tr '\\0' x >&2; "
                                      "printf '\\033[31m\\nnsupdate: REFUSED for example.com\\n' >&2; exit 3",
                                      10});
  auto status = publisher->publish(dns_entry("example.com"), token(1));
  ASSERT_FALSE(status.ok());
  const auto& e = status.error();
  EXPECT_EQ(e.code, "publish.hook_failed");
  EXPECT_NE(e.message.find("status 3"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("nsupdate: REFUSED for example.com"), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find("on-stdout"), std::string::npos);
  EXPECT_EQ(e.message.find('\033'), std::string::npos) << "control bytes reach the terminal";
  EXPECT_LT(e.message.size(), 1400u) << "only the tail of stderr is kept";
  EXPECT_FALSE(e.hint.empty());
}

TEST(PublishHook, MissingCommandIsAFailure) {
  auto publisher = make_hook_publisher(HookOptions{"/nonexistent/dcvkit-hook", 10});
  auto status = publisher->publish(dns_entry("example.com"), token(1));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "publish.hook_failed");
  EXPECT_NE(status.error().message.find("status 127"), std::string::npos) << status.error().message;
}

TEST(PublishHook, TimeoutKillsTheHook) {
  auto publisher = make_hook_publisher(HookOptions{"sleep 30", 1});
  auto start = Clock::now();
  auto status = publisher->publish(dns_entry("example.com"), token(1));
  double took = seconds_since(start);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "publish.hook_timeout");
  EXPECT_GE(took, 0.9);
  EXPECT_LT(took, 4.0);
}

TEST(PublishHook, TimeoutKillsTheWholeProcessGroup) {
  TempDir tmp;
  const auto pid_file = tmp.file("child.pid");
  // The background child holds the hook's pipes open; it must die with the hook.
  auto publisher = make_hook_publisher(HookOptions{"sleep 30 & echo $! > '" + pid_file + "'; wait", 1});
  auto start = Clock::now();
  auto status = publisher->publish(dns_entry("example.com"), token(1));
  double took = seconds_since(start);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "publish.hook_timeout");
  EXPECT_LT(took, 4.0);
  pid_t child = std::stoi(read_text(pid_file));
  EXPECT_TRUE(wait_gone(child, 2.0)) << "background child " << child << " survived";
}

TEST(PublishHook, TimeoutEscalatesToSigkill) {
  // Ignores SIGTERM, as do the children it starts.
  auto publisher = make_hook_publisher(HookOptions{"trap '' TERM; sleep 30 & sleep 30", 1});
  auto start = Clock::now();
  auto status = publisher->publish(dns_entry("example.com"), token(1));
  double took = seconds_since(start);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "publish.hook_timeout");
  EXPECT_GE(took, 2.9);
  EXPECT_LT(took, 4.0);
}

TEST(PublishHook, TimeoutHonouredWhenAnEscapedChildHoldsThePipes) {
  TempDir tmp;
  const auto pid_file = tmp.file("escaped.pid");
  // setsid leaves the hook's process group, so killing the group cannot close these pipes.
  auto publisher =
      make_hook_publisher(HookOptions{"setsid sh -c 'echo $$ > \"" + pid_file + "\"; exec sleep 30' & sleep 30", 1});
  auto start = Clock::now();
  auto status = publisher->publish(dns_entry("example.com"), token(1));
  double took = seconds_since(start);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "publish.hook_timeout");
  EXPECT_LT(took, 4.0);
  if (fs::exists(pid_file)) ::kill(std::stoi(read_text(pid_file)), SIGKILL);
}

TEST(PublishHook, SuccessReturnsPromptlyDespiteABackgroundChild) {
  TempDir tmp;
  const auto pid_file = tmp.file("daemon.pid");
  // A hook may start something that outlives it (a throwaway web server); that is not ours to kill.
  auto publisher = make_hook_publisher(HookOptions{"sleep 20 & echo $! > '" + pid_file + "'; exit 0", 30});
  auto start = Clock::now();
  auto status = publisher->publish(dns_entry("example.com"), token(1));
  EXPECT_TRUE(status.ok()) << status.error().message;
  EXPECT_LT(seconds_since(start), 2.0);
  pid_t daemon = std::stoi(read_text(pid_file));
  EXPECT_FALSE(process_gone(daemon));
  ::kill(daemon, SIGKILL);
}

TEST(PublishHook, InvalidInputNeverReachesTheHook) {
  TempDir tmp;
  const auto marker = tmp.file("ran");
  auto publisher = make_hook_publisher(HookOptions{"touch '" + marker + "'", 5});
  EXPECT_EQ(publisher->publish(dns_entry("example.com"), token(1).substr(0, 63) + "\n").error().code,
            "publish.invalid_token");
  EXPECT_EQ(publisher->publish(dns_entry("../etc/passwd"), token(1)).error().code, "publish.invalid_name");
  EXPECT_EQ(publisher->publish(PlanEntry{"example.com", DcvMethod::Dns, "x\ny"}, token(1)).error().code,
            "publish.invalid_record");
  EXPECT_FALSE(fs::exists(marker));
}

TEST(PublishHook, ParallelHooksKeepTheirOwnEnvironment) {
  TempDir tmp;
  auto publisher = make_hook_publisher(
      HookOptions{"sleep 0.2; printf %s \"$DCVKIT_TOKEN\" > '" + tmp.path().string() + "/'\"$DCVKIT_NAME\"", 20});
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::vector<int> ok(kThreads, 0);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      ok[t] = publisher->publish(dns_entry("host" + std::to_string(t) + ".example.com"), token(t)).ok() ? 1 : 0;
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(ok[t], 1);
    EXPECT_EQ(read_text(tmp.file("host" + std::to_string(t) + ".example.com")), token(t));
  }
}

}  // namespace
}  // namespace dcvkit
