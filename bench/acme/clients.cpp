// The four ways bench_acme issues its N certificates. dcvkit, lego and certbot: one process per
// certificate, one after another, as their users run them (cron, a loop in a deploy script). The
// peers take the EAB HMAC key on argv: that is their interface (loopback only, a test key).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <deque>
#include <functional>
#include <sstream>

#include "bench_acme.hpp"
#include "dcvkit/cert_tools.hpp"
#include "dcvkit/clock.hpp"

namespace bench_acme {
namespace {

using namespace dcvkit::test;
using Argv = std::vector<std::string>;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr const char* kLego = "/usr/bin/lego";
constexpr const char* kCertbot = "/usr/bin/certbot";
constexpr std::size_t kFailuresKept = 3;

std::string name_of(const std::string& prefix, int i) { return prefix + std::to_string(i) + ".example.test"; }

// The last few non-empty lines a failed process printed (certbot ends with advice, its reason
// comes before), joined: the reason as a user would read it.
std::string last_lines(const RunResult& r) {
  std::istringstream in(r.err.find_first_not_of(" \n") != std::string::npos ? r.err : r.out);
  std::deque<std::string> kept;
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(' ') == std::string::npos) continue;
    kept.push_back(line);
    if (kept.size() > 3) kept.pop_front();
  }
  std::string joined;
  for (const auto& line : kept) joined += (joined.empty() ? "" : " | ") + line;
  return joined.substr(0, 500);
}

void note_failure(ClientResult& r, const std::string& line) {
  if (r.failures.size() < kFailuresKept) r.failures.push_back(line);
}

// One certificate's process: its command line, environment and where its certificate lands.
struct Invocation {
  Argv argv;
  std::map<std::string, std::optional<std::string>> env;
  std::string cert_path;
};
using Invoke = std::function<Invocation(const std::string& name)>;

RunResult run_invocation(const Invocation& inv) {
  RunOptions o;
  o.env = inv.env;
  return run_program(inv.argv, o);
}

// One untimed certificate first (the peer registers its account there; page cache warm), then
// `certs` timed ones, one after another.
ClientResult sequential(const std::string& client, const std::string& prefix, int certs, const Invoke& invoke) {
  ClientResult r;
  r.client = client;
  r.certs = certs;
  const Invocation warm = invoke(name_of(prefix, 0));
  const RunResult warm_run = run_invocation(warm);
  if (warm_run.exit_code != 0) {
    r.skipped = "the warm-up certificate failed (exit " + std::to_string(warm_run.exit_code) + "): " + last_lines(warm_run);
    return r;
  }
  for (int i = 1; i <= certs; ++i) {
    const std::string name = name_of(prefix, i);
    const Invocation inv = invoke(name);
    const auto start = Clock::now();
    const RunResult run = run_invocation(inv);
    charge(r, run, std::chrono::duration<double>(Clock::now() - start).count());
    if (run.exit_code != 0) {
      note_failure(r, name + ": exit " + std::to_string(run.exit_code) + ": " + last_lines(run));
    } else if (auto problem = certificate_problem(inv.cert_path, name)) {
      note_failure(r, *problem);
    } else {
      ++r.issued;
    }
  }
  return r;
}

std::optional<std::string> missing(const char* binary, const char* package) {
  if (::access(binary, X_OK) == 0) return std::nullopt;
  return std::string("not installed: ") + binary + " (Debian package " + package + ", see tools/install-deps.sh)";
}

std::string account_key(const Setup& s) { return s.dir->file("dcvkit-account.pem"); }

}  // namespace

ClientResult skipped(const std::string& client, int certs, std::string why) {
  ClientResult r;
  r.client = client;
  r.certs = certs;
  r.skipped = std::move(why);
  return r;
}

std::optional<std::string> register_dcvkit(const Setup& s) {
  Argv args = {"acme", "register"};
  const auto ca = s.world->ca_args();
  args.insert(args.end(), ca.begin(), ca.end());
  args.insert(args.end(), {"--account-key", account_key(s), "--agree-tos", "--email", s.email, "--eab-kid", s.eab_kid,
                           "--eab-hmac-key-file", s.eab_hmac_key_file});
  const RunResult r = run_dcvkit(args);
  if (r.exit_code == 0) return std::nullopt;
  return "dcvkit acme register failed (exit " + std::to_string(r.exit_code) + "): " + last_lines(r);
}

void charge(ClientResult& r, const RunResult& run, double wall_s) {
  r.wall_s += wall_s;
  r.cpu_s += run.cpu_seconds;
  r.peak_rss_mb = std::max(r.peak_rss_mb, static_cast<double>(run.peak_rss_kb) / 1024.0);
}

std::optional<std::string> certificate_problem(const std::string& path, const std::string& name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return name + ": no certificate at " + path;
  const std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto bundle = dcvkit::cert::read_bundle(pem, nullptr);
  if (!bundle) return name + ": " + path + " does not parse: " + bundle.error().message;
  auto info = dcvkit::cert::describe(bundle->certs.front(), dcvkit::system_clock().now());
  if (!info) return name + ": " + path + " does not parse: " + info.error().message;
  if (std::find(info->sans.begin(), info->sans.end(), "DNS:" + name) == info->sans.end())
    return name + ": " + path + " does not name it";
  return std::nullopt;
}

ClientResult bench_dcvkit(const Setup& s, int certs) {
  return sequential("dcvkit", "d", certs, [&](const std::string& name) {
    const std::string out = s.dir->file("dcvkit/" + name);
    Argv argv = {DCVKIT_BIN, "acme", "order"};
    const auto ca = s.world->ca_args();
    argv.insert(argv.end(), ca.begin(), ca.end());
    argv.insert(argv.end(), {"--account-key", account_key(s), "--name", name, "--challenge", "http-01", "--webroot",
                             s.world->webroot(name), "--out-dir", out});
    return Invocation{argv, {}, out + "/cert.pem"};
  });
}

ClientResult bench_lego(const Setup& s, int certs) {
  if (auto why = missing(kLego, "lego")) return skipped("lego", certs, *why);
  const std::string path = s.dir->file("lego");
  ClientResult r = sequential("lego", "l", certs, [&](const std::string& name) {
    return Invocation{{kLego, "--server", s.world->pebble().directory_url(), "--email", s.email, "--eab", "--kid", s.eab_kid,
                       "--hmac", s.eab_hmac_key, "--accept-tos", "--http", "--http.webroot", s.world->webroot(name),
                       "--domains", name, "--path", path, "run"},
                      {{"LEGO_CA_CERTIFICATES", s.world->pebble().ca_bundle()}},
                      path + "/certificates/" + name + ".crt"};
  });
  r.extra["parallelism"] =
      "none: one certificate per `lego run` (several --domains make one certificate for all of them); "
      "users run one process per certificate";
  return r;
}

ClientResult bench_certbot(const Setup& s, int certs) {
  if (auto why = missing(kCertbot, "certbot")) return skipped("certbot", certs, *why);
  const std::string base = s.dir->file("certbot");
  return sequential("certbot", "b", certs, [&](const std::string& name) {
    return Invocation{{kCertbot, "certonly", "--webroot", "-w", s.world->webroot(name), "-d", name, "--server",
                       s.world->pebble().directory_url(), "--eab-kid", s.eab_kid, "--eab-hmac-key", s.eab_hmac_key,
                       "--agree-tos", "-m", s.email, "--non-interactive", "--config-dir", base + "/config", "--work-dir",
                       base + "/work", "--logs-dir", base + "/logs"},
                      {{"REQUESTS_CA_BUNDLE", s.world->pebble().ca_bundle()}},
                      base + "/config/live/" + name + "/cert.pem"};
  });
}

ClientResult bench_dcvkit_run(const Setup& s, int certs, int concurrency) {
  const std::string out_base = s.dir->file("run");
  fs::create_directories(out_base);
  const std::string manifest_path = out_base + "/manifest.jsonl";
  {
    std::ofstream manifest(manifest_path);
    for (int i = 1; i <= certs; ++i) {
      const std::string name = name_of("r", i);
      const nlohmann::json acme = {{"directory", s.world->pebble().directory_url()},
                                   {"account_key", account_key(s)},
                                   {"eab_kid", s.eab_kid},
                                   {"eab_hmac_key_file", s.eab_hmac_key_file},
                                   {"ca_bundle", s.world->pebble().ca_bundle()},
                                   {"agree_tos", true}};
      manifest << nlohmann::json{{"id", "r" + std::to_string(i)},
                                 {"names", {name}},
                                 {"ca", {{"acme", acme}}},
                                 {"challenge", "http-01"},
                                 {"publish", {{"webroot", s.world->webroot(name)}}},
                                 {"out_dir", out_base + "/r" + std::to_string(i)}}
                      .dump()
               << "\n";
    }
  }
  auto& w = *s.world;
  const Argv argv = {DCVKIT_BIN, "run", "--manifest", manifest_path, "--state", out_base + "/run.db", "--concurrency",
                     std::to_string(concurrency), "--resolver", w.dns().server(), "--ns-port", std::to_string(w.dns().port()),
                     "--no-dnssec", "--http-port", std::to_string(w.nginx().http_port()), "--https-port",
                     std::to_string(w.nginx().https_port()), "--connect-address", "127.0.0.1", "--jsonl"};
  ClientResult r;
  r.client = "run";
  r.certs = certs;
  r.extra["concurrency"] = concurrency;
  const auto start = Clock::now();
  const RunResult run = run_program(argv);
  charge(r, run, std::chrono::duration<double>(Clock::now() - start).count());
  for (int i = 1; i <= certs; ++i) {
    const std::string name = name_of("r", i);
    if (auto problem = certificate_problem(out_base + "/r" + std::to_string(i) + "/cert.pem", name))
      note_failure(r, *problem);
    else
      ++r.issued;
  }
  if (r.issued == 0 && run.exit_code != 0) {  // refused (a dcvkit without ACME in run), not measured
    r.skipped = "dcvkit run refused the ACME manifest (exit " + std::to_string(run.exit_code) + "): " + last_lines(run);
    r.failures.clear();
  } else if (run.exit_code != 0) {
    note_failure(r, "dcvkit run: exit " + std::to_string(run.exit_code) + ": " + last_lines(run));
  }
  return r;
}

}  // namespace bench_acme
