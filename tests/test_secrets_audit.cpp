// Secrets audit: every command, through success and failure paths, against the real sandbox CA
// (HTTPS, request log on), BIND (RFC 2136 + TSIG) and nginx, with recognisable secrets. Afterwards
// nothing the commands printed, logged or wrote — HTML reports, the run ledger (SQLite file, -wal,
// -shm), hook environments, the sandbox's request log, published files — may hold the AuthKey, the
// API key or a TSIG secret, in plain text, hex or base64. The files meant to hold a secret (key
// files, AuthKey files) and every private key must be mode 0600. Also: no secret is ever taken
// from argv, and neither dcvkit nor the sandbox can leave a core dump.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "support/csr_fixtures.hpp"
#include "support/dns_fixture.hpp"
#include "support/nginx_server.hpp"
#include "support/real_servers_test.hpp"
#include "support/run.hpp"
#include "support/sandbox_server.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace dcvkit::test;
using json = nlohmann::json;
namespace fs = std::filesystem;

// Recognisable on sight in any dump; the API key is what the sandbox will accept.
constexpr const char* kOfflineAuthKey = "AUDITauthkeyQ7x9w2e4r6t8y0u1i3o5";
constexpr const char* kApiKey = "AUDITapikeyZ1y3x5w7v9u2t4s6r8q0p2o4n6m8";
constexpr const char* kWrongApiKey = "AUDITwrongapikeyK2j4h6g8f0d1s3a5p7";

std::string hex(std::string_view s, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string base64(std::string_view s, bool url) {
  const char* abc = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                        : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8) |
                       static_cast<unsigned char>(s[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += abc[(v >> shift) & 63];
  }
  return out;  // whole groups only: the tail is cut off by the caller anyway
}

// The secret as it could appear: as is, hex, and base64 at each of the three alignments it can
// have inside a longer encoded text (the middle of each encoding, which does not depend on the
// bytes around it).
std::vector<std::string> forms_of(const std::string& secret) {
  std::vector<std::string> forms = {secret, hex(secret, false), hex(secret, true)};
  for (bool url : {false, true})
    for (std::size_t pad = 0; pad < 3; ++pad) {
      const std::string enc = base64(std::string(pad, '\0') + secret, url);
      if (enc.size() > 16) forms.push_back(enc.substr(4, enc.size() - 8));
    }
  return forms;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0;
}

std::string csr_for(const std::string& cn) {
  CsrSpec spec;
  spec.common_name = cn;
  return csr_pem(spec);
}

// The secret of a BIND key file: secret "...";
std::string tsig_secret(const std::string& key_file) {
  std::smatch m;
  const std::string text = read_text(key_file);
  return std::regex_search(text, m, std::regex("secret\\s+\"([^\"]+)\"")) ? m[1].str() : "";
}

class SecretsAudit : public RealServersTest {
 protected:
  void SetUp() override {
    offline_auth_key_file = dir.write("offline-authkey", std::string(kOfflineAuthKey) + "\n");
    api_key_file = dir.write("api-key", std::string(kApiKey) + "\n");
    wrong_api_key_file = dir.write("wrong-api-key", std::string(kWrongApiKey) + "\n");
    secret_files = {offline_auth_key_file, api_key_file, wrong_api_key_file};
    secrets = {kOfflineAuthKey, kApiKey, kWrongApiKey, tsig_secret(dns->ns1().key_file()),
               tsig_secret(dns->ns2().key_file())};
  }

  // The sandbox accepts exactly our recognisable API key (its data dir is ours, so it is audited).
  void start_sandbox() {
    const std::string data = dir.file("sandbox");
    fs::create_directories(data);
    const std::string key_file = data + "/api-key";
    { std::ofstream(key_file) << kApiKey << "\n"; }
    ::chmod(key_file.c_str(), 0600);
    secret_files.push_back(key_file);
    SandboxOptions o;
    o.resolver = dns->resolver().server();
    o.ns_port = dns->ns_port();
    o.http_port = nginx->http_port();
    o.https_port = nginx->https_port();
    o.data_dir = data;
    o.extra_args = {"--timeout", "1500", "--log", dir.file("sandbox-requests.log")};
    sandbox = std::make_unique<SandboxServer>(o);
    ASSERT_EQ(sandbox->api_key(), kApiKey);
  }

  std::vector<std::string> api(const std::string& key_file = {}) const {
    return {"--api-url", sandbox->url(), "--api-key-file", key_file.empty() ? api_key_file : key_file,
            "--ca-bundle", sandbox->ca_bundle()};
  }

  // Runs dcvkit and keeps everything it printed for the audit.
  RunResult run(const std::vector<std::string>& args, RunOptions options = {}) {
    auto r = run_dcvkit(args, options);
    std::string line;
    for (const auto& a : args) line += a + " ";
    printed += "\n$ dcvkit " + line + "(exit " + std::to_string(r.exit_code) + ")\n" + r.all();
    ++commands_run;
    return r;
  }

  // The sandbox's AuthKey for this account, made by `authkey create --out`.
  void create_auth_key() {
    auth_key_file = dir.file("authkey");
    auto r = run(cat({"authkey", "create", "--out", auth_key_file, "-v"}, api()));
    ASSERT_EQ(r.exit_code, 0) << r.all();
    secret_files.push_back(auth_key_file);
    std::string key = read_text(auth_key_file);
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
    ASSERT_GE(key.size(), 16u);
    secrets.push_back(key);
  }

  std::vector<std::string> cat(std::vector<std::string> a, const std::vector<std::string>& b) const {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  std::string new_csr(const std::string& cn) {
    const std::string csr = dir.file(cn + ".csr");
    auto r = run({"csr", "new", "--cn", cn, "--san", "www." + cn, "--key-out", dir.file(cn + ".key"), "--csr-out", csr});
    EXPECT_EQ(r.exit_code, 0) << r.all();
    return csr;
  }

  // `timeout_flag`: check calls it --timeout, order submit --check-timeout (its --timeout is --wait's).
  std::vector<std::string> dns_check_flags(const std::string& timeout_flag = "--timeout") const {
    return {"--resolver", dns->resolver().server(), "--ns-port", std::to_string(dns->ns_port()), timeout_flag, "1500",
            "--no-dnssec"};
  }

  // Publishes the CSR's token (computed from the AuthKey) for every name on both servers.
  void publish_dns(const std::string& csr, const std::string& key_file) {
    for (const DnsServer* s : {&dns->ns1(), &dns->ns2()}) {
      auto r = run({"publish", "--csr", csr, "--auth-key-file", key_file, "--method", "dns", "--server", s->server(),
                    "--zone", "example.test", "--tsig-key-file", s->key_file()});
      ASSERT_EQ(r.exit_code, 0) << r.all();
    }
  }

  std::string fresh_name(const std::string& kind) {
    return "audit-" + kind + std::to_string(++counter) + "-" + std::to_string(::getpid()) + ".example.test";
  }

  void TearDown() override {
    ASSERT_GT(commands_run, 0);
    std::vector<std::pair<std::string, std::string>> needles;  // (what, form)
    for (const auto& s : secrets) {
      if (s.empty()) continue;
      for (const auto& f : forms_of(s)) needles.emplace_back(s.substr(0, 6) + "...", f);
    }
    auto audit = [&](const std::string& where, const std::string& text) {
      for (const auto& [what, form] : needles)
        EXPECT_EQ(text.find(form), std::string::npos) << "secret " << what << " (as '" << form << "') found in " << where;
    };
    audit("the commands' output", printed);
    if (sandbox) audit("the sandbox's stdout/stderr", sandbox->log());

    const std::set<std::string> meant(secret_files.begin(), secret_files.end());
    std::size_t files_seen = 0;
    for (const fs::path& root : extra_roots) roots.push_back(root);
    roots.push_back(dir.path());
    for (const fs::path& root : roots) {
      for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
        if (!it->is_regular_file()) continue;
        const std::string path = it->path().string();
        ++files_seen;
        const std::string bytes = read_bytes(it->path());
        if (meant.count(path)) {
          EXPECT_EQ(mode_of(it->path()), 0600u) << path << " holds a secret";
          continue;
        }
        if (bytes.find("PRIVATE KEY-----") != std::string::npos) {
          EXPECT_EQ(mode_of(it->path()), 0600u) << path << " holds a private key";
        }
        audit(path, bytes);
      }
    }
    EXPECT_GT(files_seen, meant.size());
  }

  TempDir dir;
  std::unique_ptr<SandboxServer> sandbox;
  std::string offline_auth_key_file, api_key_file, wrong_api_key_file, auth_key_file;
  std::vector<std::string> secret_files, secrets;
  std::vector<fs::path> roots, extra_roots;
  std::string printed;
  int commands_run = 0;
  static int counter;
};
int SecretsAudit::counter = 0;

TEST_F(SecretsAudit, TokenCsrPlanPublishAndCheckCommands) {
  const std::string cn = fresh_name("offline");
  const std::string csr = new_csr(cn);
  auto again = run({"csr", "new", "--cn", cn, "--key-out", dir.file(cn + ".key"), "--csr-out", csr});  // exists
  EXPECT_NE(again.exit_code, 0);

  // token new: from a file, stdin and the environment; every form; JSON.
  auto made = run({"token", "new", "--csr", csr, "--auth-key-file", offline_auth_key_file, "--json"});
  ASSERT_EQ(made.exit_code, 0) << made.all();
  const std::string token = json::parse(made.out).value("token", "");
  ASSERT_EQ(token.size(), 64u);
  RunOptions stdin_key;
  stdin_key.stdin_data = std::string(kOfflineAuthKey) + "\n";
  EXPECT_EQ(run({"token", "new", "--csr", csr, "--auth-key-stdin", "--all-forms"}, stdin_key).exit_code, 0);
  RunOptions env_key;
  env_key.env["DCVKIT_AUTH_KEY"] = kOfflineAuthKey;
  EXPECT_EQ(run({"token", "new", "--csr", csr, "--all-forms", "--json"}, env_key).exit_code, 0);
  // Failure paths: a group-readable key file (warned about), an empty one, a missing CSR.
  const std::string loose = dir.write("loose-authkey", std::string(kOfflineAuthKey) + "\n");
  ::chmod(loose.c_str(), 0640);
  auto warned = run({"token", "new", "--csr", csr, "--auth-key-file", loose});
  EXPECT_EQ(warned.exit_code, 0) << warned.all();
  EXPECT_NE(warned.err.find("readable"), std::string::npos) << warned.err;
  ::chmod(loose.c_str(), 0600);
  secret_files.push_back(loose);
  EXPECT_NE(run({"token", "new", "--csr", csr, "--auth-key-file", dir.write("empty-authkey", "")}).exit_code, 0);
  EXPECT_NE(run({"token", "new", "--csr", dir.file("missing.csr"), "--auth-key-file", offline_auth_key_file}).exit_code, 0);

  // token inspect / verify: the right token, another CSR's, another AuthKey.
  EXPECT_EQ(run({"token", "inspect", token, "--json"}).exit_code, 0);
  EXPECT_EQ(run({"token", "verify", token, "--csr", csr, "--auth-key-file", offline_auth_key_file}).exit_code, 0);
  const std::string other_csr = new_csr(fresh_name("other"));
  EXPECT_EQ(run({"token", "verify", token, "--csr", other_csr, "--auth-key-file", offline_auth_key_file, "--all-forms"}).exit_code, 6);
  RunOptions other_key;
  other_key.env["DCVKIT_AUTH_KEY"] = std::string(kOfflineAuthKey) + "x";
  secrets.push_back(std::string(kOfflineAuthKey) + "x");
  EXPECT_EQ(run({"token", "verify", token, "--csr", csr, "--json"}, other_key).exit_code, 6);

  EXPECT_EQ(run({"plan", "--csr", csr, "--method", "dns", "--json"}).exit_code, 0);

  // publish: RFC 2136 with TSIG (right and wrong key), webroot, a hook that dumps its environment
  // (which holds both secrets in ours), zone text.
  publish_dns(csr, offline_auth_key_file);
  auto badsig = run({"publish", "--csr", csr, "--auth-key-file", offline_auth_key_file, "--method", "dns", "--server",
                     dns->ns1().server(), "--zone", "example.test", "--tsig-key-file", dns->ns1().wrong_key_file()});
  EXPECT_NE(badsig.exit_code, 0);
  EXPECT_NE(badsig.all().find("rejected the TSIG key"), std::string::npos) << badsig.all();
  secrets.push_back(tsig_secret(dns->ns1().wrong_key_file()));
  const std::string webroot = dir.file("webroot");
  fs::create_directories(webroot);
  EXPECT_EQ(run({"publish", "--csr", csr, "--auth-key-file", offline_auth_key_file, "--method", "http", "--webroot", webroot})
                .exit_code,
            0);
  RunOptions both_in_env;
  both_in_env.env["DCVKIT_AUTH_KEY"] = kOfflineAuthKey;
  both_in_env.env["DCVKIT_API_KEY"] = kApiKey;
  const std::string hook_env = dir.file("hook-env.txt");
  auto hooked = run({"publish", "--csr", csr, "--method", "dns", "--hook", "env >> " + hook_env}, both_in_env);
  EXPECT_EQ(hooked.exit_code, 0) << hooked.all();
  EXPECT_NE(read_text(hook_env).find("DCVKIT_TOKEN="), std::string::npos);  // the hook did run and dump
  auto failing_hook = run({"publish", "--csr", csr, "--method", "dns", "--hook", "env >&2; exit 3"}, both_in_env);
  EXPECT_NE(failing_hook.exit_code, 0);
  EXPECT_EQ(run({"publish", "--csr", csr, "--method", "dns", "--print", "zone"}, both_in_env).exit_code, 0);

  // check: a name that passes and one that does not, with an HTML report and JSON lines.
  const std::string names = dir.write("names.txt", cn + "\n" + fresh_name("absent") + "\n");
  auto checked = run(cat({"check", "--names-file", names, "--method", "dns", "--csr", csr, "--auth-key-file",
                          offline_auth_key_file, "--jsonl", "--report", dir.file("check.html")},
                         dns_check_flags()));
  EXPECT_EQ(checked.exit_code, 10) << checked.all();
  EXPECT_NE(checked.out.find("\"ok\":true"), std::string::npos) << checked.out;
  ASSERT_TRUE(fs::exists(dir.file("check.html")));
  EXPECT_EQ(run(cat({"check", "--name", cn, "--method", "dns", "--csr", csr, "--report", dir.file("check-env.html")},
                    dns_check_flags()),
                env_key)
                .exit_code,
            0);
  // The DNS answers themselves carry only tokens.
  for (const auto& txt : dns->ns1().txt("_dnsauth." + cn)) printed += "\nTXT " + txt;
}

TEST_F(SecretsAudit, AuthKeyAndOrderCommandsWithVerboseWireLogs) {
  start_sandbox();
  create_auth_key();
  auto exists = run(cat({"authkey", "create", "--out", dir.file("authkey-again"), "-v"}, api()));
  EXPECT_NE(exists.exit_code, 0) << exists.all();
  EXPECT_EQ(run(cat({"authkey", "show", "--json", "-v"}, api())).exit_code, 0);
  const std::string shown = dir.file("authkey-shown");
  EXPECT_EQ(run(cat({"authkey", "show", "--out", shown, "-v"}, api())).exit_code, 0);
  secret_files.push_back(shown);
  EXPECT_EQ(read_text(shown), read_text(auth_key_file));
  auto reveal = run(cat({"authkey", "show", "--reveal"}, api()));  // stdout is not a terminal
  EXPECT_EQ(reveal.exit_code, 2) << reveal.all();
  EXPECT_EQ(run(cat({"authkey", "show"}, api(wrong_api_key_file))).exit_code, 12);
  RunOptions env_api;
  env_api.env["DCVKIT_API_KEY"] = kApiKey;
  EXPECT_EQ(run({"authkey", "show", "-v", "--api-url", sandbox->url(), "--ca-bundle", sandbox->ca_bundle()}, env_api).exit_code, 0);

  // An order issued at once, with the wire log on; then status, download and list of it.
  const std::string cn = fresh_name("order");
  const std::string csr = new_csr(cn);
  publish_dns(csr, auth_key_file);
  auto dry = run(cat({"order", "submit", "--product", "ssl_dv_geotrust", "--csr", csr, "--method", "dns", "--out-dir",
                      dir.file("dry"), "--dry-run", "--auth-key-file", auth_key_file, "-v"},
                     api()));
  EXPECT_EQ(dry.exit_code, 0) << dry.all();
  auto submitted = run(cat({"order", "submit", "--product", "ssl_dv_geotrust", "--csr", csr, "--method", "dns",
                            "--out-dir", dir.file("certs"), "--auth-key-file", auth_key_file, "--precheck", "--json", "-v"},
                           cat(api(), dns_check_flags("--check-timeout"))));
  ASSERT_EQ(submitted.exit_code, 0) << submitted.all();
  const std::string id = std::to_string(json::parse(submitted.out).value("order_id", 0));
  EXPECT_EQ(run(cat({"order", "status", id, "--json", "-v"}, api())).exit_code, 0);
  EXPECT_EQ(run(cat({"order", "download", id, "--out-dir", dir.file("again"), "-v"}, api())).exit_code, 0);
  EXPECT_EQ(run(cat({"order", "list", "--json", "-v"}, api())).exit_code, 0);

  // Failure paths: tokens not in place (not issued, check-dcv says why), an unknown order, a
  // wrong key, a refused precheck.
  const std::string bare = new_csr(fresh_name("bare"));
  auto pending = run(cat({"order", "submit", "--product", "ssl_dv_geotrust", "--csr", bare, "--method", "dns",
                          "--out-dir", dir.file("bare"), "--json", "-v"},
                         api()));
  EXPECT_EQ(pending.exit_code, 15) << pending.all();
  auto precheck = run(cat({"order", "submit", "--product", "ssl_dv_geotrust", "--csr", bare, "--method", "dns",
                           "--out-dir", dir.file("bare2"), "--auth-key-file", auth_key_file, "--precheck", "-v"},
                          cat(api(), dns_check_flags("--check-timeout"))));
  EXPECT_EQ(precheck.exit_code, 10) << precheck.all();
  EXPECT_NE(run(cat({"order", "status", "99999999", "-v"}, api())).exit_code, 0);
  EXPECT_EQ(run(cat({"order", "list", "-v"}, api(wrong_api_key_file))).exit_code, 12);

  // The sandbox's request log exists and was written (so auditing it means something).
  EXPECT_NE(read_text(dir.file("sandbox-requests.log")).find("/order/certificate"), std::string::npos);
  EXPECT_NE(printed.find("X-DC-DEVKEY: [redacted]"), std::string::npos) << "the wire log was not on";
}

TEST_F(SecretsAudit, RunLedgerReportsAndExports) {
  start_sandbox();
  create_auth_key();
  std::string manifest;
  for (int i = 1; i <= 2; ++i) {
    const std::string host = fresh_name("run");
    std::filesystem::create_directories(nginx->dir() + "/www/" + host);
    extra_roots.emplace_back(nginx->dir() + "/www/" + host);
    manifest += json{{"id", "c" + std::to_string(i)}, {"names", {host}}, {"method", "http"},
                     {"publish", {{"webroot", nginx->dir() + "/www/" + host}}}}
                    .dump() +
                "\n";
  }
  const std::string m = dir.write("manifest.jsonl", manifest);
  const std::string state = dir.file("run.db");
  const std::vector<std::string> net = {"--http-port", std::to_string(nginx->http_port()), "--https-port",
                                        std::to_string(nginx->https_port()), "--connect-address", "127.0.0.1",
                                        "--check-deadline", "20s"};
  // First with the wrong API key (fails and records why), then for real.
  auto refused = run(cat(cat({"run", "--manifest", m, "--state", state, "--auth-key-file", auth_key_file, "--jsonl", "-v"},
                             api(wrong_api_key_file)),
                         net));
  EXPECT_NE(refused.exit_code, 0) << refused.all();
  auto done = run(cat(cat({"run", "--manifest", m, "--state", state, "--auth-key-file", auth_key_file, "--retry-failed",
                           "--jsonl", "--report", dir.file("run.html"), "-v"},
                          api()),
                      net));
  ASSERT_EQ(done.exit_code, 0) << done.all();
  EXPECT_EQ(run({"run", "--status", "--state", state}).exit_code, 0);
  EXPECT_EQ(run({"run", "--status", "--state", state, "--json"}).exit_code, 0);
  EXPECT_EQ(run({"run", "--manifest", m, "--state", state, "--export"}).exit_code, 0);
  ASSERT_TRUE(fs::exists(state));
  ASSERT_TRUE(fs::exists(dir.file("run.html")));
  // The ledger's own bytes, including a -wal if SQLite left one: read here as well as by the walk,
  // so the test fails if the ledger moved elsewhere.
  std::string ledger = read_bytes(state);
  for (const char* suffix : {"-wal", "-shm"})
    if (fs::exists(state + suffix)) ledger += read_bytes(state + suffix);
  EXPECT_NE(ledger.find("c1"), std::string::npos);
  for (const auto& s : secrets) {
    if (!s.empty()) {
      EXPECT_EQ(ledger.find(s), std::string::npos) << "a secret is in the ledger";
    }
  }
  // The run's private keys exist and are the kind the audit checks for.
  bool key_seen = false;
  for (const auto& e : fs::directory_iterator(state + ".keys"))
    key_seen = key_seen || read_bytes(e.path()).find("PRIVATE KEY-----") != std::string::npos;
  EXPECT_TRUE(key_seen);
}

// No option takes a secret as its value: every option with "key", "secret" or "password" in its
// name names a file, stdin, an output path or a key type.
TEST(SecretsArgv, NoOptionTakesASecretValue) {
  const std::vector<std::vector<std::string>> commands = {
      {"token", "new"},    {"token", "inspect"}, {"token", "verify"}, {"csr", "new"},        {"csr", "show"},
      {"plan"},            {"publish"},          {"unpublish"},       {"check"},             {"run"},
      {"authkey", "create"}, {"authkey", "show"}, {"authkey", "delete"}, {"order", "submit"}, {"order", "status"},
      {"order", "download"}, {"order", "list"}, {"acme", "register"}, {"acme", "show"}, {"acme", "deactivate"},
      {"acme", "order"},   {"acme", "revoke"}};
  const std::regex option("--([a-z0-9-]+)");
  const std::regex risky("key|secret|passw|devkey|credential");
  // --account-key names the account key's file (FILE), like --key-out; so does --key (order
  // submit/download/reissue: the private key to place beside the chain as privkey.pem).
  // --key-authorization is an ACME challenge's key authorization (token.thumbprint): public, the
  // CA fetches it from a public URL.
  const std::regex harmless("(-file|-stdin|-out|-type)$|^out$|^account-key$|^key$|^key-authorization$");
  std::size_t options_seen = 0;
  for (auto args : commands) {
    args.push_back("--help");
    auto r = run_dcvkit(args);
    ASSERT_EQ(r.exit_code, 0) << r.all();
    for (std::sregex_iterator it(r.out.begin(), r.out.end(), option), end; it != end; ++it) {
      const std::string name = (*it)[1];
      ++options_seen;
      if (std::regex_search(name, risky)) {
        EXPECT_TRUE(std::regex_search(name, harmless)) << args[0] << ": --" << name << " may take a secret on argv";
      }
    }
  }
  EXPECT_GT(options_seen, 50u);
}

// A secret typed on argv by mistake is refused, and not echoed back.
TEST(SecretsArgv, SecretLikeArgumentsAreRefusedWithoutEchoingThem) {
  TempDir dir;
  const std::string csr = dir.write("a.csr", csr_for("argv.example.com"));
  const std::string secret = "ARGVsecretValue0123456789abcdef";
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"token", "new", "--csr", csr, "--auth-key", secret},
           {"token", "new", "--csr", csr, "--auth-key=" + secret},
           {"order", "list", "--api-key", secret},
           {"authkey", "show", "--api-key=" + secret},
           {"acme", "register", "--eab-kid", "kid-1", "--eab-hmac-key", secret},
           {"acme", "register", "--eab-hmac-key=" + secret},
           {"publish", "--name", "argv.example.com", "--method", "dns", "--server", "127.0.0.1:1", "--tsig-secret", secret}}) {
    auto r = run_dcvkit(args);
    EXPECT_EQ(r.exit_code, 2) << args[2] << ": " << r.all();
    EXPECT_EQ(r.all().find(secret), std::string::npos) << args[2] << " echoed the value: " << r.all();
  }
}

// Core dumps are off in both programs that hold secrets: RLIMIT_CORE is 0 (even when the parent
// allowed them), and the process is not dumpable (its /proc/PID/status belongs to root then, which
// shows against a non-root owner: the child runs as `nobody` when the test runs as root).
class CoreDumps : public ::testing::Test {
 protected:
  // Starts argv with the core limit raised as far as allowed and stdin a pipe kept open (so a
  // command reading a secret from stdin waits), as an unprivileged user when we are root.
  pid_t start(const std::vector<std::string>& argv) {
    // Everything the child needs is made before fork: it may only call async-signal-safe functions.
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return -1;  // the child must not keep the write end open
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(fds[0], 0);
      rlimit r{};
      ::getrlimit(RLIMIT_CORE, &r);
      r.rlim_cur = r.rlim_max;
      ::setrlimit(RLIMIT_CORE, &r);
      if (::getuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(126);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[0]);
    stdin_fd = fds[1];
    return pid;
  }

  // Waits until the process shows a core limit of 0 (or gives up) and returns what it saw.
  static std::string core_limit(pid_t pid) {
    std::string line;
    for (int i = 0; i < 100; ++i) {
      std::ifstream limits("/proc/" + std::to_string(pid) + "/limits");
      for (std::string l; std::getline(limits, l);)
        if (l.rfind("Max core file size", 0) == 0) line = l;
      if (std::regex_search(line, std::regex("size\\s+0\\s+0\\s"))) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return line;
  }

  static uid_t proc_owner(pid_t pid) {
    struct stat st {};
    return ::stat(("/proc/" + std::to_string(pid) + "/status").c_str(), &st) == 0 ? st.st_uid : static_cast<uid_t>(-1);
  }

  void expect_no_core_dumps(pid_t pid) {
    ASSERT_GT(pid, 0);
    const std::string limit = core_limit(pid);
    EXPECT_TRUE(std::regex_search(limit, std::regex("size\\s+0\\s+0\\s"))) << "limit: " << limit;
    // Dumpability is switched off just after the limit: give it the same time to show.
    for (int i = 0; i < 100 && proc_owner(pid) != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(proc_owner(pid), 0u) << "the process is dumpable (its /proc entry is not root's)";
    ::close(stdin_fd);
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }

  int stdin_fd = -1;
};

TEST_F(CoreDumps, DcvkitCannotDumpCore) {
  // A world-readable CSR (the child may run as nobody), then the command waits for the AuthKey.
  char tmpl[] = "/tmp/dcvkit-core-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string csr = std::string(tmpl) + "/a.csr";
  { std::ofstream(csr) << csr_for("core.example.com"); }
  ::chmod(tmpl, 0755);
  ::chmod(csr.c_str(), 0644);
  expect_no_core_dumps(start({DCVKIT_BIN, "token", "new", "--csr", csr, "--auth-key-stdin"}));
  fs::remove_all(tmpl);
}

TEST_F(CoreDumps, ControlAProgramThatDoesNotDisableThemIsSeen) {
  // /bin/cat waiting on stdin keeps the raised limit and stays dumpable: the checks can fail.
  const pid_t pid = start({"/bin/cat"});
  ASSERT_GT(pid, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::ifstream limits("/proc/" + std::to_string(pid) + "/limits");
  std::string text((std::istreambuf_iterator<char>(limits)), {});
  rlimit mine{};
  ::getrlimit(RLIMIT_CORE, &mine);
  if (mine.rlim_max != 0) {
    EXPECT_FALSE(std::regex_search(text, std::regex("core file size\\s+0\\s+0\\s"))) << text;
  }
  EXPECT_NE(proc_owner(pid), 0u);
  ::close(stdin_fd);
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

TEST_F(CoreDumps, SandboxCannotDumpCore) {
  char tmpl[] = "/tmp/dcvkit-core-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  ::chmod(tmpl, 0777);
  const pid_t pid = start({SandboxServer::binary(), "--listen", "127.0.0.1:0", "--data-dir", std::string(tmpl) + "/data",
                           "--no-rate-limits"});
  expect_no_core_dumps(pid);
  fs::remove_all(tmpl);
}

}  // namespace
