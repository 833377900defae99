// dcvkit publish / unpublish: tokens for a plan, through one publisher, as a parallel batch.
#include <unistd.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/dcv_options.hpp"
#include "cli/publisher_options.hpp"
#include "dcvkit/token.hpp"

namespace dcvkit::cli {
namespace {

// Every (entry, token) pair to publish: the line's token, --token, or the CSR's token(s).
Result<std::vector<PublishItem>> items_for(const PlanInput& plan, const cxxopts::ParseResult& args, const Output& out) {
  std::vector<std::string> common_tokens;
  if (args.count("token")) common_tokens.push_back(args["token"].as<std::string>());
  if (plan.csr) {
    if (!common_tokens.empty()) return usage_error("--token and --csr both given", "the token is computed from the CSR");
    auto timestamp = token_timestamp(args);
    if (!timestamp) return timestamp.error();
    auto key = read_auth_key(args, out);
    if (!key) return key.error();
    auto engine = TokenEngine::create(key->view());
    if (!engine) return engine.error();
    for (CsrForm form : plan.csr->forms) {
      auto token = engine->compute(csr_form_bytes(plan.csr->text, form), *timestamp);
      if (!token) return token.error();
      common_tokens.push_back(std::move(*token));
    }
    const auto info = inspect_token(*timestamp, system_clock().now());
    if (info.status != TokenStatus::Valid)
      out.warn(info.status == TokenStatus::Expired ? "the token is already expired" : "the token is not valid yet");
  }
  std::vector<PublishItem> items;
  for (const auto& p : plan.entries) {
    const std::vector<std::string> tokens = p.token.empty() ? common_tokens : std::vector<std::string>{p.token};
    if (tokens.empty())
      return usage_error("no token for " + p.entry.name,
                         "give --token TOKEN, --csr FILE (the token is computed), or a \"token\" on each names-file line");
    for (const auto& t : tokens) {
      if (auto parsed = parse_token(t); !parsed) return parsed.error();
      items.push_back({p.entry, t});
    }
  }
  return items;
}

nlohmann::json outcome_json(const PublishOutcome& o, PublishAction action) {
  nlohmann::json j = {{"name", o.item->entry.name},
                      {"method", api_name(o.item->entry.method)},
                      {o.item->entry.method == DcvMethod::Dns ? "record" : "url", o.item->entry.record},
                      {"token", o.item->token},
                      {"action", to_string(action)},
                      {"ok", o.status.ok()},
                      {"elapsed_ms", static_cast<long long>(o.elapsed_ms)}};
  if (!o.note.empty()) j["changed"] = o.note;
  if (!o.status.ok()) {
    j["code"] = o.status.error().code;
    j["message"] = o.status.error().message;
    j["hint"] = o.status.error().hint;
  }
  return j;
}

int run(int argc, char** argv, PublishAction action) {
  const bool jsonl = has_flag(argc, argv, "--jsonl");
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], action == PublishAction::Publish
                                        ? "Publish request tokens where the CA looks (adds; never removes other tokens)."
                                        : "Remove exactly these request tokens (other tokens stay).");
  options.add_options()
      ("token", "The token for every name (instead of computing it from --csr)", cxxopts::value<std::string>(), "TOKEN")
      ("concurrency", "Entries in flight at once", cxxopts::value<std::size_t>()->default_value("32"), "N")
      ("json", "Print one JSON object with every result")
      ("jsonl", "Print one JSON line per entry, then a summary line");
  add_plan_options(options);
  add_publisher_options(options);
  add_token_time_options(options);
  add_csr_form_options(options);
  add_auth_key_options(options);
  int code = kExitOk;
  auto args = parse_options(options, argc, argv, out, code);
  if (!args) return code;

  auto plan = plan_from_args(*args, out);
  if (!plan) return out.fail(plan.error());
  auto choice = publisher_from_args(*args, plan->entries.front().entry.method);
  if (!choice) return out.fail(choice.error());
  auto items = items_for(*plan, *args, out);
  if (!items) return out.fail(items.error());

  if (!choice->publisher) {
    std::cout << choice->print(*items, action);
    return kExitOk;
  }

  const bool live = !out.json() && ::isatty(STDERR_FILENO);
  std::size_t done = 0;
  nlohmann::json all = nlohmann::json::array();
  const auto failed = run_publish_batch(*choice->publisher, action, *items, (*args)["concurrency"].as<std::size_t>(),
                                        [&](const PublishOutcome& o) {
                                          ++done;
                                          if (jsonl) {
                                            out.print(outcome_json(o, action));
                                          } else if (out.json()) {
                                            all.push_back(outcome_json(o, action));
                                          } else if (!o.status.ok()) {
                                            std::cerr << (live ? "\r" : "") << "FAIL " << o.item->entry.record << ": "
                                                      << o.status.error().message << " (" << o.status.error().hint << ")\n";
                                          } else if (!o.note.empty()) {
                                            std::cout << (live ? "\r" : "") << "ok   " << o.item->entry.record << ": "
                                                      << shown(o.note) << "\n";
                                          } else if (items->size() <= 20) {
                                            std::cout << "ok   " << o.item->entry.record << "\n";
                                          }
                                          if (live) std::cerr << "\r" << done << "/" << items->size() << std::flush;
                                        });
  if (live) std::cerr << "\r";
  const std::size_t ok = items->size() - failed;
  const nlohmann::json summary = {{"action", to_string(action)}, {"publisher", choice->publisher->kind()},
                                  {"total", items->size()}, {"ok", ok}, {"failed", failed}};
  if (jsonl) {
    out.print({{"summary", summary}});
  } else if (out.json()) {
    out.print({{"results", all}, {"summary", summary}});
  } else {
    std::cout << (action == PublishAction::Publish ? "published " : "unpublished ") << ok << " of " << items->size()
              << " via " << choice->publisher->kind() << (failed ? ", " + std::to_string(failed) + " failed" : "") << "\n";
  }
  return failed ? kExitPartial : kExitOk;
}

}  // namespace

int cmd_publish(int argc, char** argv) { return run(argc, argv, PublishAction::Publish); }
int cmd_unpublish(int argc, char** argv) { return run(argc, argv, PublishAction::Unpublish); }

}  // namespace dcvkit::cli
