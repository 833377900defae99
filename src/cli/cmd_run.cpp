// dcvkit run: every certificate of a manifest, end to end, resumable from its ledger.
#include <unistd.h>

#include <iostream>
#include <optional>

#include "cli/api_options.hpp"
#include "cli/check_network.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/deploy_options.hpp"
#include "cli/run_dry.hpp"
#include "cli/run_output.hpp"
#include "cli/run_progress.hpp"
#include "dcvkit/files.hpp"
#include "dcvkit/pipeline.hpp"
#include "dcvkit/time.hpp"

namespace dcvkit::cli {
namespace {

// --metrics-file: the ledger (and the run's summary) for node_exporter's textfile collector, put in
// place atomically so the collector never reads half a file.
Status write_metrics(const std::string& path, Ledger& ledger, const PipelineSummary* run) {
  auto text = prometheus_metrics(ledger, run, system_clock().now());
  if (!text) return text.error();
  return write_file_atomic(path, *text, 0644, true);
}

int show_status(const std::string& state, const std::string& metrics, const Output& out) {
  auto ledger = Ledger::open_read_only(state);
  if (!ledger) return out.fail(ledger.error());
  if (!metrics.empty())
    if (auto st = write_metrics(metrics, **ledger, nullptr); !st) return out.fail(st.error());
  auto entries = (*ledger)->all();
  if (!entries) return out.fail(entries.error());
  if (out.json()) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& e : *entries) all.push_back(entry_json(e));
    out.print({{"certificates", all}});
    return kExitOk;
  }
  print_status_table(std::cout, *entries);
  return kExitOk;
}

// --redeploy ID: the deploy hook of one certificate again, for the files it has now (a hook fixed
// after it failed, a server rebuilt). Nothing is ordered or written.
int redeploy(const std::string& id, ManifestFile& manifest, Ledger& ledger, const DeployHook& fallback, const Output& out) {
  std::optional<ManifestEntry> spec;
  for (;;) {
    auto e = manifest.next();
    if (!e) return out.fail(e.error());
    if (!*e) break;
    if ((*e)->id == id) spec = std::move(**e);
  }
  if (!spec) return out.fail(usage_error("--redeploy " + shown(id) + ": no such id in the manifest", "give the id of a manifest line"));
  auto entry = ledger.get(id);
  if (!entry) return out.fail(entry.error());
  const bool has_files = *entry && !(*entry)->chain_pem.empty() &&
                         ((*entry)->stage >= Stage::Written || (*entry)->failed_stage >= Stage::Written);
  if (!has_files)
    return out.fail(usage_error("--redeploy " + shown(id) + ": no certificate of it has been written yet", "run dcvkit run first"));
  const DeployHook& hook = deploy_hook_of(*spec, fallback);
  if (hook.command.empty())
    return out.fail(usage_error("--redeploy " + shown(id) + ": it has no deploy hook", R"(add "deploy": {"hook": CMD} to its line, or --deploy-hook CMD)"));
  const Status st = deploy_written(ledger, *spec, **entry, hook, true);
  if (!st) return out.fail(st.error());
  if (out.json()) out.print({{"id", id}, {"deploy", {{"hook", "ok"}}}});
  else std::cout << shown(id) << ": deploy hook ok\n";
  return kExitOk;
}

}  // namespace

int cmd_run(int argc, char** argv) {
  const Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Issue every certificate of a manifest: key + CSR, token, publish, check, order, "
                                    "files. Resumable: run it again after any interruption.");
  options.add_options()
      ("manifest", "JSONL, one certificate per line (docs/manifest.md)", cxxopts::value<std::string>(), "FILE")
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
      ("dry-run", "Say what the run would do with each certificate (and check its names, read-only); change nothing")
      ("redeploy", "Run the deploy hook of this certificate again for its files as they are, and exit", cxxopts::value<std::string>(), "ID")
      ("report", "Also write a self-contained HTML report of the run here", cxxopts::value<std::string>(), "FILE.html")
      ("metrics-file", "Also write the ledger and this run as Prometheus metrics here (node_exporter textfile)", cxxopts::value<std::string>(), "FILE.prom")
      ("jsonl", "One JSON line per certificate, then a summary line")
      ("json", "One JSON object with every result");
  add_deploy_options(options);
  add_auth_key_options(options);
  add_api_options(options);
  add_check_network_options(options, "Check (network)", "dns-timeout");
  int code = kExitOk;
  auto parsed = parse_options(options, argc, argv, out, code);
  if (!parsed) return code;
  const auto& args = *parsed;
  if (!args.count("state")) return out.fail(usage_error("--state FILE is required", "the ledger of this run, e.g. --state run.db"));
  const std::string state = args["state"].as<std::string>();
  const std::string metrics = args.count("metrics-file") ? args["metrics-file"].as<std::string>() : "";
  if (args.count("status")) return show_status(state, metrics, out);
  if (!args.count("manifest")) return out.fail(usage_error("--manifest FILE is required", "one certificate per JSONL line; the keys are in docs/manifest.md"));

  const auto hook = deploy_hook_from(args);
  if (!hook) return out.fail(hook.error());

  auto manifest = ManifestFile::open(args["manifest"].as<std::string>());
  if (!manifest) return out.fail(manifest.error());
  const ManifestCursor next = [&] { return (*manifest)->next(); };
  std::optional<UnixSeconds> renew_window;
  if (args.count("renew-within")) {
    auto window = parse_duration(args["renew-within"].as<std::string>());
    if (!window) return out.fail(usage_error("--renew-within must be a duration like 30d", ""));
    renew_window = *window;
  }
  if (args.count("dry-run")) return dry_run_manifest(args, state, **manifest, renew_window, out);
  auto ledger = Ledger::open(state);
  if (!ledger) return out.fail(ledger.error());
  if (args.count("redeploy")) return redeploy(args["redeploy"].as<std::string>(), **manifest, **ledger, *hook, out);
  if (args.count("export")) {
    auto n = export_from_ledger(**ledger, next, true);
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
  o.deploy = *hook;
  for (const auto& [flag, target] : {std::pair{"check-deadline", &o.check_deadline}, {"issue-deadline", &o.issue_deadline}}) {
    auto s = parse_duration(args[flag].as<std::string>());
    if (!s) return out.fail(usage_error(std::string("--") + flag + " must be a duration like 90s, 10m or 1h", ""));
    *target = std::chrono::seconds(*s);
  }
  // The API key and AuthKey are CertCentral's: a manifest of ACME certificates alone needs neither.
  std::optional<Secret> api_key;
  if ((*manifest)->certcentral_entries() > 0) {
    auto auth_key = read_auth_key(args, out);
    if (!auth_key) return out.fail(auth_key.error());
    auto engine = TokenEngine::create(auth_key->view());
    if (!engine) return out.fail(engine.error());
    o.token_engine = std::make_shared<const TokenEngine>(std::move(*engine));
    auto settings = api_settings(args);
    if (!settings) return out.fail(settings.error());
    auto key = read_api_key(args, out);
    if (!key) return out.fail(key.error());
    api_key.emplace(std::move(*key));
    // One client per worker (a client is not thread-safe); they share the key's throttle.
    o.make_client = [&]() -> Result<std::unique_ptr<certcentral::Client>> {
      auto c = api_settings(args);
      if (!c) return c.error();
      c->api_key = Secret(std::string(api_key->view()));
      return certcentral::Client::connect(std::move(*c));
    };
  }
  if (auto st = apply_check_network_options(args, o.check, "dns-timeout"); !st) return out.fail(st.error());

  std::size_t renewing = 0;
  if (renew_window) {
    auto selected = select_renewals(**ledger, *renew_window, system_clock());
    if (!selected) return out.fail(selected.error());
    renewing = *selected;
  }

  const bool jsonl = args.count("jsonl") > 0;
  const std::string report = args.count("report") ? args["report"].as<std::string>() : "";
  std::optional<RunReportWriter> report_rows;
  Status report_status;  // the first row that could not be spooled
  if (!report.empty()) {
    auto writer = RunReportWriter::open();
    if (!writer) return out.fail(writer.error());
    report_rows.emplace(std::move(*writer));
  }
  std::optional<RunProgress> bar;
  if (!out.json() && !jsonl && ::isatty(STDERR_FILENO)) {
    bar.emplace((*manifest)->size(), std::cerr);
    o.on_progress = [&](const std::string& id, Stage stage, const std::string&) { bar->update(id, stage); };
  } else if (!out.json() && !jsonl) {
    o.on_progress = [](const std::string& id, Stage stage, const std::string& detail) { log_finished(std::cerr, id, stage, detail); };
  }
  // Stderr in every mode: --json and --jsonl keep stdout to themselves.
  o.on_notice = [&](const std::string& id, const std::string& text) {
    std::cerr << (bar ? "\r\033[K" : "") << "dcvkit: " << shown(id) << ": " << shown(text) << "\n";
  };
  // Each result is written (--jsonl) or kept in bounds as it comes: a run holds no list of them,
  // except --json, whose one object is the list.
  RunListing listing;
  nlohmann::json all = nlohmann::json::array();
  o.on_result = [&](const PipelineResult& r, const ManifestEntry& spec) {
    if (jsonl) std::cout << result_json(r).dump() << std::endl;
    else if (out.json()) all.push_back(result_json(r));
    else listing.add(r, spec.line);
    if (report_rows && report_status) {
      auto entry = (*ledger)->get(r.id);
      report_status = report_rows->add(r, spec, entry && *entry ? &**entry : nullptr);
    }
  };
  auto summary = run_pipeline(**ledger, next, (*manifest)->size(), o);
  if (bar) bar->finish();
  if (!summary) return out.fail(summary.error());

  const nlohmann::json totals = totals_json(*summary, renewing);
  if (jsonl) std::cout << nlohmann::json{{"summary", totals}}.dump() << std::endl;
  else if (out.json()) out.print({{"certificates", all}, {"summary", totals}});
  else print_summary(std::cout, *summary, listing);
  if (report_rows) {
    if (!report_status) return out.fail(report_status.error());
    if (auto st = report_rows->write(report, *summary, system_clock().now(), true); !st) return out.fail(st.error());
    if (!out.json() && !jsonl) std::cout << "report: " << shown(report) << "\n";
  }
  if (!metrics.empty())
    if (auto st = write_metrics(metrics, **ledger, &*summary); !st) return out.fail(st.error());
  if (summary->stopped) return exit_code_for(summary->stopped->kind);
  return summary->failed == 0 && summary->not_started == 0 ? kExitOk : kExitPartial;
}

}  // namespace dcvkit::cli
