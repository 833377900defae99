// dcvkit run: every certificate of a manifest, end to end, resumable from its ledger.
#include <unistd.h>

#include <iostream>
#include <map>

#include "cli/api_options.hpp"
#include "cli/check_network.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "dcvkit/pipeline.hpp"
#include "dcvkit/time.hpp"

namespace dcvkit::cli {
namespace {

nlohmann::json result_json(const PipelineResult& r) {
  nlohmann::json j = {{"id", r.id}, {"stage", to_string(r.stage)}, {"ok", r.stage == Stage::Done}};
  if (r.order_id) j["order_id"] = r.order_id;
  if (r.certificate_id) j["certificate_id"] = r.certificate_id;
  if (!r.out_dir.empty()) j["out_dir"] = r.out_dir;
  if (r.not_after) j["not_after"] = format_iso8601(r.not_after);
  if (r.reused) j["reused"] = true;
  if (!r.error_code.empty()) j["error"] = {{"code", r.error_code}, {"message", r.error_message}, {"hint", r.hint}};
  return j;
}

nlohmann::json entry_json(const LedgerEntry& e) {
  nlohmann::json j = {{"id", e.id}, {"stage", to_string(e.stage)}, {"attempts", e.attempts},
                      {"updated_at", format_iso8601(e.updated_at)}};
  if (e.order_id) j["order_id"] = e.order_id;
  if (e.certificate_id) j["certificate_id"] = e.certificate_id;
  if (e.not_after) j["not_after"] = format_iso8601(e.not_after);
  if (!e.out_dir.empty()) j["out_dir"] = e.out_dir;
  if (e.stage == Stage::Failed)
    j["error"] = {{"stage", to_string(e.failed_stage)}, {"code", e.error_code}, {"message", e.error_message}};
  return j;
}

int show_status(const std::string& state, const Output& out) {
  auto ledger = Ledger::open_read_only(state);
  if (!ledger) return out.fail(ledger.error());
  auto entries = (*ledger)->all();
  if (!entries) return out.fail(entries.error());
  if (out.json()) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& e : *entries) all.push_back(entry_json(e));
    out.print({{"certificates", all}});
    return kExitOk;
  }
  std::cout << "ID                    STAGE        ORDER      EXPIRES               DETAIL\n";
  for (const auto& e : *entries) {
    std::string id = shown(e.id);
    id.resize(std::max<std::size_t>(id.size(), 21), ' ');
    std::string stage(to_string(e.stage));
    stage.resize(12, ' ');
    std::string order = e.order_id ? std::to_string(e.order_id) : "-";
    order.resize(std::max<std::size_t>(order.size(), 10), ' ');
    std::string expires = e.not_after ? format_iso8601(e.not_after) : "-";
    expires.resize(std::max<std::size_t>(expires.size(), 21), ' ');
    const std::string detail =
        e.stage == Stage::Failed ? "at " + std::string(to_string(e.failed_stage)) + ": " + e.error_code + ": " + e.error_message
                                 : e.out_dir;
    std::cout << id << " " << stage << " " << order << " " << expires << " " << shown(detail) << "\n";
  }
  return kExitOk;
}

// Certificates that expire within `window` go back to a new token and a new order (same key).
Status mark_renewals(Ledger& ledger, UnixSeconds window, std::size_t& count) {
  auto entries = ledger.all();
  if (!entries) return entries.error();
  const UnixSeconds now = system_clock().now();
  for (const auto& e : *entries) {
    if (e.stage != Stage::Done || e.not_after == 0 || e.not_after - now > window) continue;
    if (auto st = ledger.rewind(e.id, Stage::CsrReady); !st) return st;
    ++count;
  }
  return {};
}

}  // namespace

int cmd_run(int argc, char** argv) {
  const Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Issue every certificate of a manifest: key + CSR, token, publish, check, order, "
                                    "files. Resumable: run it again after any interruption.");
  options.add_options()
      ("manifest", "JSONL, one certificate per line (see README: the manifest)", cxxopts::value<std::string>(), "FILE")
      ("state", "The ledger (SQLite; created 0600). Keys and CSRs go next to it in FILE.keys/", cxxopts::value<std::string>(), "FILE")
      ("concurrency", "Certificates in progress at once", cxxopts::value<std::size_t>()->default_value("8"), "N")
      ("keep-tokens", "Leave the tokens published after issuance")
      ("retry-failed", "Start failed certificates again from where they failed")
      ("renew-within", "Re-issue certificates of the ledger that expire within this time (e.g. 30d)",
       cxxopts::value<std::string>(), "DURATION")
      ("check-deadline", "Keep re-checking names that do not validate yet this long", cxxopts::value<std::string>()->default_value("10m"), "DURATION")
      ("issue-deadline", "Poll an order that is not issued at once this long", cxxopts::value<std::string>()->default_value("10m"), "DURATION")
      ("status", "Show each certificate's stage in the ledger and exit")
      ("export", "Write the certificate files again from the ledger and exit")
      ("jsonl", "One JSON line per certificate, then a summary line")
      ("json", "One JSON object with every result");
  add_auth_key_options(options);
  add_api_options(options);
  add_check_network_options(options, "Check (network)", "dns-timeout");
  int code = kExitOk;
  auto parsed = parse_options(options, argc, argv, out, code);
  if (!parsed) return code;
  const auto& args = *parsed;
  if (!args.count("state")) return out.fail(usage_error("--state FILE is required", "the ledger of this run, e.g. --state run.db"));
  const std::string state = args["state"].as<std::string>();
  if (args.count("status")) return show_status(state, out);
  if (!args.count("manifest")) return out.fail(usage_error("--manifest FILE is required", "see README: the manifest"));

  auto manifest = load_manifest(args["manifest"].as<std::string>());
  if (!manifest) return out.fail(manifest.error());
  auto ledger = Ledger::open(state);
  if (!ledger) return out.fail(ledger.error());
  if (args.count("export")) {
    auto n = export_from_ledger(**ledger, *manifest, true);
    if (!n) return out.fail(n.error());
    if (out.json()) out.print({{"exported", *n}});
    else std::cout << "wrote the files of " << *n << " certificate(s) from " << state << "\n";
    return kExitOk;
  }

  PipelineOptions o;
  o.keys_dir = state + ".keys";
  o.concurrency = args["concurrency"].as<std::size_t>();
  if (o.concurrency == 0 || o.concurrency > 256) return out.fail(usage_error("--concurrency must be 1..256", ""));
  o.keep_tokens = args.count("keep-tokens") > 0;
  o.retry_failed = args.count("retry-failed") > 0;
  for (const auto& [flag, target] : {std::pair{"check-deadline", &o.check_deadline}, {"issue-deadline", &o.issue_deadline}}) {
    auto s = parse_duration(args[flag].as<std::string>());
    if (!s) return out.fail(usage_error(std::string("--") + flag + " must be a duration like 90s, 10m or 1h", ""));
    *target = std::chrono::seconds(*s);
  }
  auto auth_key = read_auth_key(args, out);
  if (!auth_key) return out.fail(auth_key.error());
  o.auth_key = std::string(auth_key->view());
  auto settings = api_settings(args);
  if (!settings) return out.fail(settings.error());
  auto api_key = read_api_key(args, out);
  if (!api_key) return out.fail(api_key.error());
  // One client per worker (a client is not thread-safe); they share the key's throttle.
  o.make_client = [&]() -> Result<std::unique_ptr<certcentral::Client>> {
    auto c = api_settings(args);
    if (!c) return c.error();
    c->api_key = Secret(std::string(api_key->view()));
    return certcentral::Client::connect(std::move(*c));
  };
  if (auto st = apply_check_network_options(args, o.check, "dns-timeout"); !st) return out.fail(st.error());

  std::size_t renewing = 0;
  if (args.count("renew-within")) {
    auto window = parse_duration(args["renew-within"].as<std::string>());
    if (!window) return out.fail(usage_error("--renew-within must be a duration like 30d", ""));
    if (auto st = mark_renewals(**ledger, *window, renewing); !st) return out.fail(st.error());
  }

  const bool jsonl = args.count("jsonl") > 0;
  const bool live = !out.json() && ::isatty(STDERR_FILENO);
  if (!out.json() || live)
    o.on_progress = [&](const std::string& id, Stage stage, const std::string& detail) {
      std::cerr << "dcvkit: " << shown(id) << ": " << to_string(stage) << (detail.empty() ? "" : ": " + shown(detail)) << "\n";
    };
  auto summary = run_pipeline(**ledger, *manifest, o);
  if (!summary) return out.fail(summary.error());

  const nlohmann::json totals = {{"total", summary->results.size()}, {"done", summary->done}, {"failed", summary->failed},
                                 {"renewing", renewing}, {"api_requests", summary->api_requests},
                                 {"seconds", summary->seconds}};
  if (jsonl) {
    for (const auto& r : summary->results) std::cout << result_json(r).dump() << "\n";
    std::cout << nlohmann::json{{"summary", totals}}.dump() << std::endl;
  } else if (out.json()) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& r : summary->results) all.push_back(result_json(r));
    out.print({{"certificates", all}, {"summary", totals}});
  } else {
    std::map<std::string, std::size_t> by_code;
    for (const auto& r : summary->results) {
      if (r.stage == Stage::Done) {
        std::cout << "OK   " << shown(r.id) << (r.reused ? " (already done)" : "") << "  " << shown(r.out_dir) << "\n";
      } else {
        ++by_code[r.error_code];
        std::cout << "FAIL " << shown(r.id) << " [" << r.error_code << "] " << shown(r.error_message) << "\n";
        if (!r.hint.empty()) std::cout << "     " << r.hint << "\n";
      }
    }
    std::cout << summary->done << " of " << summary->results.size() << " certificates done, " << summary->failed
              << " failed (" << summary->api_requests << " API requests, "
              << static_cast<long long>(summary->seconds * 1000) << " ms)\n";
  }
  return summary->failed == 0 ? kExitOk : kExitPartial;
}

}  // namespace dcvkit::cli
