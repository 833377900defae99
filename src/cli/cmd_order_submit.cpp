// dcvkit order submit: one order with request tokens (use_auth_key). Issued at once when every
// name's token is in place — then exactly one API call — and the files are written only after
// the chain was verified against the CSR and the names. Never orders twice (submit_order).
#include <cstdlib>
#include <iostream>

#include "cli/api_options.hpp"
#include "cli/check_network.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/csr_input.hpp"
#include "cli/deploy_options.hpp"
#include "cli/order_delivery.hpp"
#include "cli/order_precheck.hpp"
#include "cli/token_report.hpp"
#include "dcvkit/files.hpp"
#include "dcvkit/names.hpp"
#include "dcvkit/plan.hpp"
#include "dcvkit/token.hpp"
#include "dcvkit/validity_limit.hpp"

namespace dcvkit::cli {
namespace {

// Room the certificate files need (cert, chain, fullchain, root, and their staged copies), with
// a wide margin: a few kilobytes each.
constexpr std::uintmax_t kCertificateRoom = std::uintmax_t{1} << 20;

using certcentral::OrderRequest;

Result<std::optional<int>> positive_option(const cxxopts::ParseResult& args, const std::string& name, int max) {
  if (!args.count(name)) return std::optional<int>();
  const int v = args[name].as<int>();
  if (v <= 0 || v > max) return usage_error("--" + name + " must be 1 to " + std::to_string(max), "");
  return std::optional<int>(v);
}

// The names: --cn / --san, each defaulting to the CSR's (CN first), canonical and deduplicated.
Result<OrderRequest> order_from_args(const cxxopts::ParseResult& args, const CsrInput& csr, DcvMethod method) {
  OrderRequest order;
  order.product = args["product"].as<std::string>();
  if (auto st = certcentral::validate_product_id(order.product); !st) {
    Error e = st.error();
    e.message = "--" + e.message;
    return e;
  }
  const auto csr_names = csr.info.names();
  auto canonical = [](const std::string& n) -> Result<std::string> { return normalize_dns_name(n); };
  if (args.count("cn")) {
    auto cn = canonical(args["cn"].as<std::string>());
    if (!cn) return cn.error();
    order.common_name = *cn;
  } else if (!csr_names.empty()) {
    order.common_name = csr_names.front();
  } else {
    return make_error(ErrorKind::InvalidInput, "csr.no_names", "the CSR has no DNS name to order", "give the names: --cn NAME [--san NAME]...");
  }
  std::vector<std::string> sans;
  if (args.count("san")) {
    for (const auto& s : args["san"].as<std::vector<std::string>>()) {
      auto n = canonical(s);
      if (!n) return n.error();
      sans.push_back(*n);
    }
  } else {
    sans = csr_names;
  }
  for (auto& n : sans)
    if (n != order.common_name && std::find(order.dns_names.begin(), order.dns_names.end(), n) == order.dns_names.end())
      order.dns_names.push_back(n);
  if (auto st = check_name_count(order.names().size()); !st) return st.error();
  order.csr = csr_form_bytes(csr.text, csr.forms.front());
  order.dcv_method = std::string(api_name(method));
  auto days = positive_option(args, "validity-days", 3650);
  if (!days) return days.error();
  auto years = positive_option(args, "validity-years", 10);
  if (!years) return years.error();
  if (*days && *years) return usage_error("--validity-days and --validity-years both given", "give one");
  order.validity_days = *days;
  order.validity_years = *years;
  if (auto limit = check_validity_limit(order.validity_days, system_clock().now()); !limit)
    return limit.error();
  // The plan refuses what the CA cannot validate (a wildcard with http-token).
  if (auto plan = make_plan(order.names(), PlanOptions{method, DnsLocation::DnsAuth}); !plan) return plan.error();
  return order;
}

bool auth_key_given(const cxxopts::ParseResult& args) {
  return args.count("auth-key-file") || args.count("auth-key-stdin") || std::getenv("DCVKIT_AUTH_KEY");
}

// --token: each must be a token whose window covers now (a warning otherwise); with the AuthKey
// it must also be made from exactly the CSR text sent (refused otherwise: the order would not be
// immediate).
Status check_tokens(const std::vector<std::string>& tokens, const std::optional<Secret>& key, const OrderRequest& order,
                    const std::string& form, const Output& out) {
  const UnixSeconds now = system_clock().now();
  for (const auto& t : tokens) {
    auto parsed = parse_token(t);
    if (!parsed) return parsed.error();
    if (auto w = window_warning(inspect_token(parsed->timestamp, now)); !w.empty()) out.warn("--token " + t.substr(0, 14) + "...: " + w);
    if (!key) continue;
    auto verified = verify_token(t, key->view(), order.csr, system_clock());
    if (!verified && verified.error().kind == ErrorKind::TokenMismatch) {
      Error e = verified.error();
      e.message = "--token " + t.substr(0, 14) + "... was not made from this CSR (as --csr-form " + form +
                  ") with this AuthKey: the order would not be issued at once";
      e.hint = "order with the --csr-form the token was made with (dcvkit token new --csr-form), or make a new token";
      return e;
    }
  }
  return {};
}

nlohmann::json check_json(const CheckResult& r) {
  return {{"name", r.name}, {"ok", r.ok}, {"code", r.code}, {"message", r.message}, {"hint", r.hint}};
}

// --precheck: every name checked the way the CA will; any failure refuses the order (exit 10).
std::optional<int> precheck(const cxxopts::ParseResult& args, const OrderRequest& order, DcvMethod method,
                            const std::optional<Secret>& key, const std::vector<std::string>& tokens, const Output& out) {
  if (!key && tokens.empty())
    return out.fail(usage_error("--precheck needs the AuthKey or the tokens",
                                "pass --auth-key-file FILE (or DCVKIT_AUTH_KEY), or --token T"));
  std::shared_ptr<const TokenExpectation> expected;
  if (key) {
    auto e = TokenExpectation::from_csr({order.csr}, key->view());
    if (!e) return out.fail(e.error());
    expected = *e;
  } else {
    expected = TokenExpectation::exact(tokens);
  }
  CheckBatchOptions batch;
  if (auto ok = apply_check_network_options(args, batch, "check-timeout"); !ok) return out.fail(ok.error());
  RecheckOptions recheck;
  const auto deadline = parse_duration(args["check-deadline"].as<std::string>());
  if (!deadline)
    return out.fail(usage_error("--check-deadline: give a duration like 0s, 90s or 10m", "0s checks once"));
  recheck.deadline = std::chrono::seconds(*deadline);
  auto results = precheck_names(order.names(), method, expected, batch, recheck, [&](const RecheckWait& w) {
    if (!out.json())
      std::cerr << "dcvkit: precheck: " << w.failing << " names still failing (" << w.example->code
                << "); checking again in " << w.delay.count() / 1000 << " s\n";
  });
  if (!results) return out.fail(results.error());
  std::vector<const CheckResult*> failed;
  for (const auto& r : *results)
    if (!r.ok) failed.push_back(&r);
  if (failed.empty()) {
    if (!out.json()) std::cerr << "dcvkit: precheck: all " << results->size() << " names pass\n";
    return std::nullopt;
  }
  const Error e = make_error(ErrorKind::CheckFailed, "order.precheck_failed",
                             std::to_string(failed.size()) + " of " + std::to_string(results->size()) +
                                 " names would not validate: nothing was ordered",
                             "fix what each name says (dcvkit check gives the details), or order without --precheck");
  if (out.json()) {
    nlohmann::json names = nlohmann::json::array();
    for (const auto& r : *results) names.push_back(check_json(r));
    out.print({{"error", {{"code", e.code}, {"message", e.message}, {"hint", e.hint}}}, {"precheck", names}});
    return kExitCheckFailed;
  }
  for (const auto* r : failed)
    std::cerr << "FAIL " << shown(r->name) << " [" << r->code << "] " << shown(r->message) << "\n     " << r->hint << "\n";
  return out.fail(e);
}

int dry_run(const cxxopts::ParseResult& args, const OrderRequest& order, const Output& out) {
  auto settings = api_settings(args);
  if (!settings) return out.fail(settings.error());
  if (auto key = read_api_key(args, out); !key) return out.fail(key.error());  // read, checked, never shown
  const auto request = certcentral::order_http_request(order);
  const std::string url = settings->base_url + request.path;
  const std::string key_shown = "[redacted]";
  const auto body = nlohmann::json::parse(request.body);
  if (out.json()) {
    out.print({{"dry_run", true},
               {"method", request.method},
               {"url", url},
               {"headers", {{"X-DC-DEVKEY", key_shown}, {"Content-Type", "application/json"}}},
               {"body", body}});
  } else {
    std::cout << request.method << " " << url << "\nX-DC-DEVKEY: " << key_shown << "\nContent-Type: application/json\n\n"
              << body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n"
              << "(dry run: nothing was sent)\n";
  }
  return kExitOk;
}

// The files of an issued order, or why they could not be written (the order id is in every error).
int finish(const Output& out, certcentral::Client& client, const certcentral::SubmitResult& submitted,
           const ChainExpectation& expected, const OutDir& dir, std::int64_t certificate_id, const DeployHook& hook) {
  const auto& order = submitted.order;
  auto delivery = order.immediate() ? deliver(order.chain_pems(), expected, dir, order.id)
                                     : download_and_deliver(client, certificate_id, expected, dir, order.id);
  if (!delivery) {
    Error e = delivery.error();
    e.message = "order " + std::to_string(order.id) + " was issued, but " + e.message;
    if (e.kind != ErrorKind::CertVerify)
      e.hint = "fetch it again: dcvkit order download " + std::to_string(order.id) + " --out-dir DIR";
    return report_delivery_failure(out, e, order.id, dir);
  }
  const DeployOutcome deployed = deploy_delivery(hook, *delivery, std::to_string(order.id), dir.dir);
  if (out.json()) {
    nlohmann::json j = delivery_json(*delivery);
    j["order_id"] = order.id;
    j["certificate_id"] = certificate_id;
    j["status"] = "issued";
    j["immediate"] = order.immediate();
    j["adopted"] = submitted.adopted;
    j["posts"] = submitted.posts;
    j["api_calls"] = client.stats().requests;
    report_deploy(out, deployed, &j);
    out.print(j);
  } else {
    std::cout << "Order " << order.id << ": issued" << (order.immediate() ? " at once" : "")
              << (submitted.adopted ? " (found after a lost answer: not ordered twice)" : "") << "\n";
    print_delivery(*delivery);
    report_deploy(out, deployed, nullptr);
  }
  return deployed.exit_code();
}

// A pending order's random value is the other thing the CA accepts (instead of a token): say what
// it is and where each name would carry it, so nobody polls without knowing what to publish.
void print_random_value(const Output& out, const std::string& value, const certcentral::OrderRequest& order, bool dns,
                        nlohmann::json& extra) {
  if (value.empty()) return;
  std::vector<std::string> places;
  for (const auto& name : order.names())
    places.push_back(dns ? "TXT at " + dns_record_for(name, DnsLocation::DnsAuth) : http_url_for(name));
  extra["dcv_random_value"] = value;
  extra["random_value_at"] = places;
  if (out.json()) return;
  std::cout << "The CA also accepts its random value instead of a token: " << shown(value) << "\n";
  for (const auto& p : places) std::cout << "  " << p << "\n";
}

}  // namespace

int cmd_order_submit(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0],
                           "Order a DV certificate validated by request tokens (use_auth_key: true). When every name's\n"
                           "token is in place it is issued at once; the chain is verified, then written to --out-dir.");
  options.add_options()
      ("product", "DV product id: ssl_dv_geotrust, ssl_dv_rapidssl, wildcard_dv_geotrust, ...", cxxopts::value<std::string>(), "ID")
      ("csr", "The CSR the tokens were made from", cxxopts::value<std::string>(), "FILE")
      ("method", "dns-txt-token (dns) or http-token (http)", cxxopts::value<std::string>(), "M")
      ("cn", "Common name (default: the CSR's first name)", cxxopts::value<std::string>(), "NAME")
      ("san", "A further name to order, repeatable (default: the CSR's names)", cxxopts::value<std::vector<std::string>>(), "NAME")
      ("validity-days", "Certificate validity in days (default: the CA's maximum)", cxxopts::value<int>(), "N")
      ("validity-years", "Certificate validity in years", cxxopts::value<int>(), "N")
      ("wait", "When not issued at once: validate again with backoff until issued")
      ("timeout", "With --wait: give up after this long (a plain number is seconds)", cxxopts::value<std::string>()->default_value("10m"), "DURATION")
      ("dry-run", "Print the request (API key redacted) and send nothing")
      ("token", "A token you published, repeatable: its window is checked (and with the AuthKey, that it fits the CSR)",
       cxxopts::value<std::vector<std::string>>(), "T")
      ("precheck", "Check every name the way the CA will first; refuse to order when one fails (exit 10)")
      ("check-deadline", "With --precheck: re-check failing names this long before refusing", cxxopts::value<std::string>()->default_value("0s"), "DURATION")
      ("json", "Print one JSON object");
  add_out_dir_options(options);
  add_output_options(options);
  add_deploy_options(options);
  add_csr_form_options(options);
  add_auth_key_options(options);
  add_check_network_options(options, "Pre-check network (with --precheck)", "check-timeout");
  add_api_options(options);
  int code = kExitOk;
  auto args = parse_options(options, argc, argv, out, code);
  if (!args) return code;

  if (!args->count("product")) return out.fail(usage_error("--product ID is required", "e.g. --product ssl_dv_geotrust"));
  if (!args->count("method")) return out.fail(usage_error("--method is required", "--method dns-txt-token or --method http-token"));
  const auto method = parse_dcv_method((*args)["method"].as<std::string>());
  if (!method) return out.fail(unknown_dcv_method((*args)["method"].as<std::string>(), "dns-txt-token or http-token (dns and http are short for them)"));
  if (args->count("all-forms"))
    return out.fail(usage_error("an order sends one CSR text: --all-forms does not apply", "choose it with --csr-form (default pem)"));
  const auto timeout = wait_timeout_seconds(*args);
  if (!timeout) return out.fail(timeout.error());
  const auto hook = deploy_hook_from(*args);
  if (!hook) return out.fail(hook.error());

  auto csr = load_csr_input(*args, out);
  if (!csr) return out.fail(csr.error());
  auto order = order_from_args(*args, *csr, *method);
  if (!order) return out.fail(order.error());
  auto public_key = csr_public_key_der(order->csr);
  if (!public_key) return out.fail(public_key.error());
  const ChainExpectation expected{*public_key, order->names()};

  std::optional<Secret> auth_key;
  if (auth_key_given(*args)) {
    auto key = read_auth_key(*args, out);
    if (!key) return out.fail(key.error());
    auth_key = std::move(*key);
  }
  const auto tokens = args->count("token") ? (*args)["token"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (auto ok = check_tokens(tokens, auth_key, *order, std::string(to_string(csr->forms.front())), out); !ok)
    return out.fail(ok.error());
  if (args->count("precheck"))
    if (auto stop = precheck(*args, *order, *method, auth_key, tokens, out)) return *stop;
  auto with_outputs = out_dir_for_csr(*args, order->csr, out);
  if (!with_outputs) return out.fail(with_outputs.error());
  const OutDir& dir = *with_outputs;
  // A dry run refuses what the real run refuses, with the same exit code: files in the way, no key.
  if (args->count("dry-run")) {
    if (auto ok = check_chain_dir(dir.dir, dir.force, extras_of(dir)); !ok) return out.fail(ok.error());
    return dry_run(*args, *order, out);
  }

  // Before anything is bought: a certificate that cannot be written helps nobody.
  if (auto ok = ensure_room_for(dir.dir, kCertificateRoom, "--out-dir"); !ok) return out.fail(ok.error());
  MadeDirectories made(dir.dir);
  if (auto ok = prepare_chain_dir(dir.dir, dir.force, extras_of(dir)); !ok) return out.fail(ok.error());
  auto client = api_client(*args, out);
  if (!client) return out.fail(client.error());

  certcentral::SubmitOptions submit_options;
  submit_options.on_event = [](std::string_view text) { std::cerr << "dcvkit: " << text << "\n"; };
  auto submitted = certcentral::submit_order(**client, *order, submit_options);
  if (!submitted) return out.fail(submitted.error());
  made.keep();  // an order exists: its certificate goes there, now or after `order download`
  const auto& created = submitted->order;
  if (created.immediate() || created.certificate_id)
    return finish(out, **client, *submitted, expected, dir, created.certificate_id, *hook);

  const bool wait = args->count("wait") > 0;
  if (!out.json())
    std::cerr << "dcvkit: order " << created.id << " placed; not issued at once"
              << (wait ? ", waiting for validation" : ", asking the CA why") << "\n";
  auto state = wait ? wait_until_issued(**client, created.id, std::chrono::seconds(*timeout), out)
                    : certcentral::check_pending_once(**client, created.id);
  if (!state) {
    Error e = state.error();
    e.message = "order " + std::to_string(created.id) + " was placed (not issued at once); " + e.message;
    return out.fail(e);
  }
  if (state->certificate_id) return finish(out, **client, *submitted, expected, dir, state->certificate_id, *hook);
  const std::string id = std::to_string(created.id);
  nlohmann::json extra = {{"adopted", submitted->adopted}, {"posts", submitted->posts}, {"api_calls", (*client)->stats().requests}};
  print_random_value(out, created.dcv_random_value, *order, *method == DcvMethod::Dns, extra);
  return report_not_issued(out, created.id, *state,
                           "publish the tokens (dcvkit check shows what the CA sees), then: dcvkit order download " + id +
                               " --wait --out-dir " + dir.dir + " (do not submit again: that is a second order)",
                           std::move(extra));
}

}  // namespace dcvkit::cli
