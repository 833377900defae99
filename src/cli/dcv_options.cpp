#include "cli/dcv_options.hpp"

#include "cli/names_input.hpp"

namespace dcvkit::cli {

void add_plan_options(cxxopts::Options& options) {
  options.add_options()
      ("csr", "Take the names from this CSR (CN + SANs)", cxxopts::value<std::string>(), "FILE")
      ("method", "dns (dns-txt-token) or http (http-token)", cxxopts::value<std::string>(), "M")
      ("dns-at", "dnsauth: TXT at _dnsauth.<name> (default); apex: at <name> itself",
       cxxopts::value<std::string>()->default_value("dnsauth"), "WHERE");
  add_names_options(options);
}

Result<PlanInput> plan_from_args(const cxxopts::ParseResult& args, const Output& out) {
  if (!args.count("method")) return usage_error("--method is required", "--method dns or --method http");
  const auto method = parse_dcv_method(args["method"].as<std::string>());
  if (!method) return unknown_dcv_method(args["method"].as<std::string>(), "dns or http");
  PlanOptions options;
  options.method = *method;
  const auto at = args["dns-at"].as<std::string>();
  if (at != "dnsauth" && at != "apex") return usage_error("--dns-at must be dnsauth or apex", "");
  options.dns_at = at == "apex" ? DnsLocation::Apex : DnsLocation::DnsAuth;

  const bool from_csr = args.count("csr") > 0;
  if (from_csr == has_names_options(args))
    return usage_error(from_csr ? "--csr and --name/--names-file both given" : "no names given",
                       "give the CSR (--csr FILE) or the names (--name NAME..., --names-file FILE)");
  PlanInput input;
  std::vector<std::pair<std::string, std::string>> names;  // name, token
  if (from_csr) {
    auto csr = load_csr_input(args, out);
    if (!csr) return csr.error();
    for (const auto& n : csr->info.names()) names.emplace_back(n, "");
    input.csr = std::move(*csr);
  } else {
    auto listed = read_names(args);
    if (!listed) return listed.error();
    for (auto& n : *listed) names.emplace_back(std::move(n.name), std::move(n.token));
  }
  std::vector<std::string> only_names;
  only_names.reserve(names.size());
  for (const auto& n : names) only_names.push_back(n.first);
  auto plan = make_plan(only_names, options);
  if (!plan) return plan.error();
  // make_plan folds names that share a record; a line's token stays with its record.
  for (auto& e : *plan) {
    PlannedEntry p{std::move(e), ""};
    input.entries.push_back(std::move(p));
  }
  for (const auto& [name, token] : names) {
    if (token.empty()) continue;
    auto one = make_plan({name}, options);
    for (auto& p : input.entries)
      if (one && p.entry.record == one->front().record && p.token.empty()) p.token = token;
  }
  return input;
}

}  // namespace dcvkit::cli
