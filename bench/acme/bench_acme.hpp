// bench_acme: N single-name certificates from one Pebble (EAB required, PEBBLE_VA_NOSLEEP=1,
// http-01 fetched from a real nginx webroot, names resolved by a real BIND) with dcvkit, lego and
// certbot, each driven as its users drive it (one process per certificate, one after another), then
// with `dcvkit run` over the same N. Shared declarations of the bench's parts.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "support/acme_world.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace bench_acme {

struct Options {
  int certs = 20;
  int run_concurrency = 8;  // dcvkit run's own default
  std::set<std::string> only;  // the clients to measure (--only); empty: all four
};

// What the clients share: the CA, the account's EAB credentials, where to publish.
struct Setup {
  dcvkit::test::AcmeWorld* world = nullptr;
  const dcvkit::test::TempDir* dir = nullptr;  // each client's files below it
  std::string eab_kid = "kid-1";
  std::string eab_hmac_key;       // the peers take it on argv (their interface); dcvkit from a file
  std::string eab_hmac_key_file;
  std::string email = "bench@example.test";
};

// One client's N certificates: the figures, or why it was not measured.
struct ClientResult {
  std::string client;
  std::optional<std::string> skipped;  // why it was not measured (a missing binary, a refusal)
  int certs = 0;                       // attempted
  int issued = 0;                      // certificate files written, parsed, naming their name
  double wall_s = 0;                   // all N, one after another (or the one run)
  double cpu_s = 0;                    // user + system of the client's processes
  double peak_rss_mb = 0;              // the largest of its processes
  std::vector<std::string> failures;   // the first few, one line each
  nlohmann::json extra = nlohmann::json::object();  // client-specific notes (concurrency, parallelism)

  double wall_per_cert() const { return issued > 0 ? wall_s / issued : 0; }
  double cpu_per_cert() const { return issued > 0 ? cpu_s / issued : 0; }
  bool measured() const { return !skipped && issued > 0; }
};

ClientResult skipped(const std::string& client, int certs, std::string why);
// dcvkit's account (EAB, the HMAC key read from a file), registered once before anything is timed;
// the failure when it could not be.
std::optional<std::string> register_dcvkit(const Setup& s);
// How a process run went, and what it cost.
void charge(ClientResult& r, const dcvkit::test::RunResult& run, double wall_s);
// Whether `path` holds a certificate (PEM, the leaf first) naming `name`; the problem otherwise.
std::optional<std::string> certificate_problem(const std::string& path, const std::string& name);

// The clients (clients.cpp). Each issues one untimed warm-up certificate first (lego and certbot
// register their accounts there; page cache warm), then `certs` names "<prefix>N.example.test".
// dcvkit's need register_dcvkit() first.
ClientResult bench_dcvkit(const Setup& s, int certs);
ClientResult bench_lego(const Setup& s, int certs);
ClientResult bench_certbot(const Setup& s, int certs);
ClientResult bench_dcvkit_run(const Setup& s, int certs, int concurrency);

// The human table on stderr and the JSON line on stdout (report.cpp); returns the exit code.
int report(const Options& o, const std::vector<ClientResult>& results, const nlohmann::json& context);

}  // namespace bench_acme
