// bench_acme: N single-name certificates (default 20) from one Pebble (EAB required,
// PEBBLE_VA_NOSLEEP=1, http-01 fetched by Pebble from a real nginx webroot, the names resolved by
// a real BIND to 127.0.0.1), issued in one run by
//   dcvkit   one `dcvkit acme order` per certificate (account registered once before, untimed),
//   lego     one `lego ... run` per certificate (LEGO_CA_CERTIFICATES trusts Pebble),
//   certbot  one `certbot certonly --webroot` per certificate (REQUESTS_CA_BUNDLE trusts Pebble),
//   run      one `dcvkit run` over a manifest of N, at its configured concurrency,
// one process after another, each client with one untimed warm-up certificate first. Per client:
// wall and CPU seconds per certificate (the processes' own rusage from wait4), the peak RSS of its
// processes, and the certificates issued (files written, parsed, naming their name); then dcvkit's
// ratios against the better peer on each figure. The servers are separate processes, never charged.
// Usage: bench_acme [--n N] [--quick] [--run-concurrency C] [--only CLIENT,...]. Human table on stderr,
// one JSON line on stdout.
#include <cstdio>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "bench_acme.hpp"
#include "bench_args.hpp"

namespace {

using namespace bench_acme;
using dcvkit::test::AcmeWorld;
using dcvkit::test::PebbleOptions;
using dcvkit::test::TempDir;

constexpr int kQuickCerts = 3;
const std::set<std::string> kClients = {"dcvkit", "lego", "certbot", "run"};

constexpr const char* kUsage = "bench_acme [--n N] [--quick] [--run-concurrency C] [--only dcvkit,lego,certbot,run]";

Options parse_args(int argc, char** argv) {
  Options o;
  std::vector<char*> rest = {argv[0]};
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else if (arg == "--only" && i + 1 < argc) {
      std::stringstream list(argv[++i]);
      for (std::string client; std::getline(list, client, ',');) {
        if (!kClients.count(client)) throw std::runtime_error("--only: unknown client " + client + " (dcvkit, lego, certbot, run)");
        o.only.insert(client);
      }
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (quick) o.certs = kQuickCerts;
  dcvkit::bench::parse_int_flags(static_cast<int>(rest.size()), rest.data(),
                                 {{"--n", &o.certs}, {"--run-concurrency", &o.run_concurrency}},
                                 kUsage);
  if (o.run_concurrency > 256) throw std::runtime_error("--run-concurrency must be 1..256");
  return o;
}

std::string load_average() {
  std::string line;
  std::getline(std::ifstream("/proc/loadavg"), line);
  return line.substr(0, line.find(' ', line.find(' ', line.find(' ') + 1) + 1));  // the 1, 5 and 15 min figures
}

void announce(const ClientResult& r) {
  if (r.skipped)
    std::fprintf(stderr, "bench_acme: %s skipped: %s\n", r.client.c_str(), r.skipped->c_str());
  else
    std::fprintf(stderr, "bench_acme: %s: %d of %d in %.1f s\n", r.client.c_str(), r.issued, r.certs, r.wall_s);
}

int bench_main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  nlohmann::json context = {{"load_average_start", load_average()}};
  std::fprintf(stderr, "bench_acme: starting BIND, nginx and Pebble (EAB required, PEBBLE_VA_NOSLEEP=1)\n");
  // Pebble refuses no good nonce here (its default refuses 5%): certbot retries a badNonce once
  // only, so about one certificate in 30 failed on a double refusal, which measures luck, not
  // speed. The tests cover nonce storms.
  PebbleOptions pebble_options;
  pebble_options.nonce_reject_percent = 0;
  AcmeWorld world(pebble_options);
  TempDir dir;
  Setup s;
  s.world = &world;
  s.dir = &dir;
  s.eab_hmac_key = pebble_options.eab_keys.at(s.eab_kid);
  s.eab_hmac_key_file = world.pebble().eab_key_file(s.eab_kid);
  context["pebble"] = {{"eab_required", pebble_options.eab_required},
                       {"va_nosleep", true},
                       {"nonce_reject_percent", pebble_options.nonce_reject_percent},
                       {"authz_reuse_percent", pebble_options.authz_reuse_percent}};
  context["challenge"] = "http-01 (webroot served by nginx)";

  std::vector<ClientResult> results;
  const auto registration = register_dcvkit(s);
  auto measure = [&](const std::string& client, const std::function<ClientResult()>& bench) {
    if (!o.only.empty() && !o.only.count(client)) return;
    std::fprintf(stderr, "bench_acme: %s, %d certificates\n", client.c_str(), o.certs);
    results.push_back(registration && (client == "dcvkit" || client == "run") ? skipped(client, o.certs, *registration)
                                                                               : bench());
    announce(results.back());
  };
  measure("dcvkit", [&] { return bench_dcvkit(s, o.certs); });
  measure("lego", [&] { return bench_lego(s, o.certs); });
  measure("certbot", [&] { return bench_certbot(s, o.certs); });
  measure("run", [&] { return bench_dcvkit_run(s, o.certs, o.run_concurrency); });
  context["load_average_end"] = load_average();
  return report(o, results, context);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return bench_main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_acme: %s\n", e.what());
    return 2;
  }
}
