// dcvkit check: what the CA will see, for every name, before paying for an order.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <optional>

#include "cli/check_input.hpp"
#include "cli/check_network.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "dcvkit/check_recheck.hpp"
#include "dcvkit/check_report.hpp"
#include "dcvkit/files.hpp"
#include "dcvkit/names.hpp"
#include "dcvkit/time.hpp"

namespace dcvkit::cli {
namespace {

using SteadyClock = std::chrono::steady_clock;

nlohmann::json result_json(const CheckResult& r) {
  nlohmann::json j = {{"name", r.name}, {"method", method_name(r)}, {"ok", r.ok},      {"code", r.code},
                      {"message", r.message}, {"hint", r.hint},       {"elapsed_ms", static_cast<long long>(r.elapsed_ms)}};
  if (r.method == DcvMethod::Dns) {
    j["servers"] = r.servers;
    if (!r.owner.empty()) j["owner"] = r.owner;  // acme-dns-01: the one TXT owner judged
  } else {
    j["url"] = r.url;
    j["address"] = r.address;
    if (!r.servers.empty()) j["servers"] = r.servers;  // --all-addresses: one line per address
  }
  j["token_found"] = r.token_found.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.token_found);
  j["valid_until"] = r.valid_until ? nlohmann::json(format_iso8601(r.valid_until)) : nlohmann::json(nullptr);
  if (!r.tokens_found.empty()) j["tokens_found"] = r.tokens_found;
  return j;
}

nlohmann::json summary_json(const CheckSummary& s) {
  return {{"total", s.total}, {"passed", s.passed}, {"failed", s.total - s.passed}, {"by_code", s.by_code},
          {"seconds", s.seconds}};
}

// The table lists this many failures; the rest are only counted, so memory stays flat however
// many names fail (--jsonl and --report carry every one).
constexpr std::size_t kFailuresListed = 50;

void print_table(const CheckSummary& s, const std::vector<CheckResult>& failures) {
  std::cout << s.passed << " of " << s.total << " names pass (" << static_cast<long long>(s.seconds * 1000) << " ms)\n";
  for (const auto& [code, count] : s.by_code) std::cout << "  " << code << std::string(code.size() < 26 ? 26 - code.size() : 1, ' ') << count << "\n";
  for (const auto& f : failures)
    std::cout << "FAIL " << shown(f.name) << (f.kind == TokenKind::RequestToken ? "" : " (" + std::string(method_name(f)) + ")")
              << " [" << f.code << "] " << shown(f.message) << "\n     " << f.hint << "\n";
  if (const std::size_t failed = s.total - s.passed; failed > failures.size())
    std::cout << "... and " << failed - failures.size() << " more failures (use --jsonl or --report)\n";
}

}  // namespace

int cmd_check(int argc, char** argv) {
  const bool jsonl = has_flag(argc, argv, "--jsonl");
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Check, for every name, what the CA will see: every authoritative nameserver (DNS),\n"
                                    "or fileauth.txt with the CA's redirect rules (HTTP). Exit 0 when all pass, 10 when some fail.");
  add_check_input_options(options);
  add_check_network_options(options);
  options.add_options("Network")
      ("concurrency", "Names in flight per method", cxxopts::value<std::size_t>()->default_value("200"), "N");
  options.add_options("Output")
      ("jsonl", "One JSON line per name")
      ("json", "One JSON object with every result and the summary")
      ("report", "Write a self-contained HTML report", cxxopts::value<std::string>(), "FILE.html")
      ("watch", "Re-check failing names with backoff until all pass or --deadline")
      ("deadline", "With --watch: give up after this long (e.g. 90s, 10m)", cxxopts::value<std::string>()->default_value("10m"), "TIME");
  int code = kExitOk;
  auto args = parse_options(options, argc, argv, out, code);
  if (!args) return code;

  CheckBatchOptions batch;
  if (auto network = apply_check_network_options(*args, batch); !network) return out.fail(network.error());
  batch.concurrency = (*args)["concurrency"].as<std::size_t>();
  if (batch.concurrency == 0) return out.fail(usage_error("--concurrency must be positive", ""));
  const auto deadline_s = parse_duration((*args)["deadline"].as<std::string>());
  if (!deadline_s) return out.fail(usage_error("--deadline: give a duration like 90s, 10m or 1h", ""));
  const bool watch = args->count("watch") > 0;
  // Only the one-object --json output holds every result; the report is spooled to disk.
  const bool keep_results = out.json() && !jsonl;
  std::optional<CheckReportWriter> report;
  if (args->count("report")) {
    auto writer = CheckReportWriter::open();
    if (!writer) return out.fail(writer.error());
    report.emplace(std::move(*writer));
  }
  Status report_status;

  auto input = CheckInput::from_args(*args, out);
  if (!input) return out.fail(input.error());

  const bool live = !out.json() && ::isatty(STDERR_FILENO);
  const auto started = SteadyClock::now();
  std::vector<CheckResult> kept, failures;
  CheckSummary summary;
  std::size_t seen = 0, seen_passed = 0;  // in the current round, for the progress line
  int shown_round = 1;
  auto last_draw = SteadyClock::now();

  RecheckOptions recheck;
  if (watch) recheck.deadline = std::chrono::seconds(*deadline_s);
  RecheckCallbacks callbacks;
  callbacks.on_seen = [&](const CheckResult& r, int round) {
    if (round != shown_round) seen = seen_passed = 0, shown_round = round;
    ++seen;
    seen_passed += r.ok ? 1 : 0;
    if (jsonl) {
      auto j = result_json(r);
      if (watch) j["round"] = round;
      out.print(j);
    }
    if (live && SteadyClock::now() - last_draw > std::chrono::milliseconds(100)) {
      last_draw = SteadyClock::now();
      std::cerr << "\r" << (watch ? "round " + std::to_string(round) + ": " : "") << seen;
      if ((*input)->total() && round == 1) std::cerr << "/" << *(*input)->total();
      std::cerr << " checked, " << seen_passed << " pass, " << seen - seen_passed << " fail " << std::flush;
    }
  };
  callbacks.on_result = [&](const CheckResult& r, int, bool final) {
    if (!final) return;
    summary.add(r);
    if (!r.ok && failures.size() < kFailuresListed) failures.push_back(r);
    if (keep_results) kept.push_back(r);
    if (report && report_status) report_status = report->add(r);
  };
  callbacks.on_wait = [&](const RecheckWait& w) {
    if (live) std::cerr << "\r" << std::string(70, ' ') << "\r";
    if (!out.json())
      std::cerr << "round " << w.round << ": " << w.failing << " names still failing (" << w.example->code
                << "); checking again in " << w.delay.count() / 1000 << " s\n";
  };
  CheckService service(batch);
  auto ended = recheck_until(service, [&] { return (*input)->next(); }, recheck, callbacks);
  if (live) std::cerr << "\r" << std::string(70, ' ') << "\r";
  if (!ended) return out.fail(ended.error());
  if ((*input)->error()) return out.fail(*(*input)->error());
  summary.seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();

  if (report) {
    if (!report_status) return out.fail(report_status.error());
    auto written = report->write((*args)["report"].as<std::string>(), summary, system_clock().now(), true);
    if (!written) return out.fail(written.error());
  }
  if (jsonl) {
    out.print({{"summary", summary_json(summary)}});
  } else if (out.json()) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& r : kept) all.push_back(result_json(r));
    out.print({{"results", all}, {"summary", summary_json(summary)}});
  } else {
    print_table(summary, failures);
  }
  return summary.passed == summary.total ? kExitOk : kExitCheckFailed;
}

}  // namespace dcvkit::cli
