#include "cli/run_dry.hpp"

#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <vector>

#include "cli/check_network.hpp"
#include "dcvkit/check_batch.hpp"
#include "dcvkit/ledger.hpp"
#include "dcvkit/pipeline.hpp"

namespace dcvkit::cli {
namespace {

// What the run's own publish step puts right (the token is not there yet, or is an old one): not a
// reason to expect the run to fail.
bool publishing_fixes(const std::string& code) {
  for (const char* c : {"dns.nxdomain", "dns.no_txt", "dns.token_mismatch", "dns.partial_propagation", "http.not_found",
                        "http.no_token", "http.token_mismatch", "token.expired", "token.not_yet_valid", "token.wrong_csr"})
    if (code == c) return true;
  return false;
}

struct Planned {
  std::string id;
  RunForecast forecast;
  std::vector<CheckResult> failing;  // names failing for a reason publishing does not fix
};

}  // namespace

int dry_run_manifest(const cxxopts::ParseResult& args, const std::string& state, ManifestFile& manifest,
                     std::optional<UnixSeconds> renew_window, const Output& out) {
  std::unique_ptr<Ledger> ledger;
  if (std::filesystem::exists(state)) {
    auto opened = Ledger::open_read_only(state);
    if (!opened) return out.fail(opened.error());
    ledger = std::move(*opened);
  }
  CheckBatchOptions check;
  if (auto st = apply_check_network_options(args, check, "dns-timeout"); !st) return out.fail(st.error());
  const UnixSeconds now = system_clock().now();

  std::vector<Planned> planned;
  std::vector<CheckRequest> requests;
  std::map<std::string, std::size_t> owner_of;  // a name (canonical, as results name it) -> its certificate in planned
  for (;;) {
    auto next = manifest.next();
    if (!next) return out.fail(next.error());
    if (!*next) break;
    const ManifestEntry& spec = **next;
    std::optional<LedgerEntry> entry;
    if (ledger) {
      auto got = ledger->get(spec.id);
      if (!got) return out.fail(got.error());
      entry = *got;
    }
    planned.push_back({spec.id, forecast_certificate(entry, spec.acme.has_value(), args.count("retry-failed") > 0, renew_window, now), {}});
    // ACME names are checked once their challenges are up (the run does it before answering them).
    if (!planned.back().forecast.orders || spec.acme) continue;
    // The ledger's token when it is the one the run would use; otherwise none (the run makes one).
    std::vector<std::string> tokens;
    if (entry && !entry->token.empty() && entry->stage != Stage::Done) tokens.push_back(entry->token);
    auto expected = std::shared_ptr<const TokenExpectation>(TokenExpectation::exact(tokens));
    for (const auto& name : spec.names) {
      requests.push_back(CheckRequest{name, spec.method, expected});
      owner_of.emplace(name, planned.size() - 1);
    }
  }
  std::size_t next_request = 0;
  auto checked = run_check_batch(
      check,
      [&]() -> std::optional<CheckRequest> {
        if (next_request == requests.size()) return std::nullopt;
        return requests[next_request++];
      },
      [&](CheckResult r) {
        if (r.ok || publishing_fixes(r.code)) return;
        if (auto it = owner_of.find(r.name); it != owner_of.end()) planned[it->second].failing.push_back(std::move(r));
      });
  if (!checked) return out.fail(checked.error());

  bool held = false, failing = false;
  nlohmann::json all = nlohmann::json::array();
  for (const auto& p : planned) {
    held = held || p.forecast.action == "held";
    failing = failing || !p.failing.empty();
    if (out.json()) {
      nlohmann::json j = {{"id", p.id}, {"action", p.forecast.action}, {"detail", p.forecast.detail}};
      for (const auto& f : p.failing) j["check_failures"].push_back({{"name", f.name}, {"code", f.code}, {"message", f.message}});
      all.push_back(j);
      continue;
    }
    std::cout << shown(p.id) << ": " << p.forecast.action << " (" << shown(p.forecast.detail) << ")\n";
    for (const auto& f : p.failing) std::cout << "  FAIL " << shown(f.name) << " [" << f.code << "] " << shown(f.message) << "\n";
  }
  const int code = failing ? kExitCheckFailed : held ? kExitPartial : kExitOk;
  if (out.json()) out.print({{"dry_run", true}, {"certificates", all}, {"exit_code", code}});
  else std::cout << "(dry run: nothing was generated, published, ordered or written)\n";
  return code;
}

}  // namespace dcvkit::cli
