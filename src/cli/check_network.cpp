#include "cli/check_network.hpp"

#include <fstream>

#include "cli/common.hpp"
#include "dcvkit/names.hpp"

namespace dcvkit::cli {
namespace {

// The system's first nameserver, so a check asks what the host itself would ask.
std::string default_resolver() {
  std::ifstream conf("/etc/resolv.conf");
  std::string word, value;
  while (conf >> word) {
    if (word == "nameserver" && conf >> value) return value;
  }
  return "127.0.0.1";
}

}  // namespace

void add_check_network_options(cxxopts::Options& options, const std::string& group, const std::string& old_ms_flag) {
  options.add_options(group)
      ("resolver", "Recursive resolver for CNAMEs, NS lookups and the web servers' A records (default: /etc/resolv.conf)", cxxopts::value<std::string>(), "IP[:PORT]")
      ("ns-port", "Port of the authoritative servers", cxxopts::value<std::uint16_t>()->default_value("53"), "PORT")
      ("http-port", "Connect here for http:// URLs (the URL keeps port 80)", cxxopts::value<std::uint16_t>()->default_value("80"), "PORT")
      ("https-port", "Connect here for https:// URLs (the URL keeps port 443)", cxxopts::value<std::uint16_t>()->default_value("443"), "PORT")
      ("connect-address", "Connect to this address for every name (split horizon; no A lookup)", cxxopts::value<std::string>(), "IP")
      ("all-addresses", "HTTP: fetch from every A record of a name; pass only when all serve the token")
      ("dns-timeout", "DNS query timeout, all tries included", cxxopts::value<std::string>()->default_value("3s"), "DURATION")
      ("caa-identity", "A CA identity CAA records may name (repeatable; default: DigiCert's: digicert.com, its brands)",
       cxxopts::value<std::vector<std::string>>(), "NAME")
      ("no-caa", "Do not check CAA records")
      ("dnssec", "Require DNSSEC validation: stop when the resolver cannot give it (default: validate when it can, else warn)")
      ("trust-anchor", "DNSSEC trust anchor file (DS or DNSKEY records; default: /usr/share/dns/root.key); implies --dnssec",
       cxxopts::value<std::string>(), "FILE")
      ("no-dnssec", "Do not validate DNSSEC");
  if (!old_ms_flag.empty() && old_ms_flag != "dns-timeout")
    options.add_options(kOldSpellings)(old_ms_flag, "Old spelling of --dns-timeout, in milliseconds", cxxopts::value<int>(), "MS");
}

Status apply_check_network_options(const cxxopts::ParseResult& args, CheckBatchOptions& batch, const std::string& old_ms_flag) {
  auto resolver = parse_host_port(args.count("resolver") ? args["resolver"].as<std::string>() : default_resolver(), 53);
  if (!resolver) return resolver.error();
  batch.dns.resolver = *resolver;
  batch.dns.ns_port = args["ns-port"].as<std::uint16_t>();
  auto ms = timeout_option_ms(args, "dns-timeout", 600000, old_ms_flag);
  if (!ms) return ms.error();
  batch.dns.timeout_ms = *ms;
  batch.http.http_port = args["http-port"].as<std::uint16_t>();
  batch.http.https_port = args["https-port"].as<std::uint16_t>();
  if (args.count("connect-address")) batch.http.connect_address = args["connect-address"].as<std::string>();
  // The web servers' addresses come from the same resolver as everything else, as at the CA.
  batch.http.resolver = batch.dns.resolver;
  batch.http.resolve_timeout_ms = batch.dns.timeout_ms;
  batch.http.all_addresses = args.count("all-addresses") > 0;
  if (batch.http.all_addresses && !batch.http.connect_address.empty())
    return usage_error("--all-addresses and --connect-address exclude each other",
                       "--connect-address pins every name to one address; drop it to fetch from each A record");
  // CAA for every name by default, as the CA does.
  batch.caa.enabled = args.count("no-caa") == 0;
  if (args.count("caa-identity")) {
    batch.caa.identities.clear();
    for (const auto& id : args["caa-identity"].as<std::vector<std::string>>()) {
      auto name = normalize_dns_name(id);
      if (!name) return usage_error("--caa-identity " + id + ": " + name.error().message, "give the CA's domain, e.g. digicert.com");
      batch.caa.identities.push_back(*name);
    }
  }
  // DNSSEC validated by default, as the CA does. A resolver that cannot give it (strips DNSSEC
  // records, lacks the root's keys) is a warning unless validation was asked for by name.
  const bool require_dnssec = args.count("dnssec") > 0 || args.count("trust-anchor") > 0;
  if (require_dnssec && args.count("no-dnssec"))
    return usage_error("--dnssec/--trust-anchor and --no-dnssec exclude each other", "");
  batch.dns.dnssec.enabled = args.count("no-dnssec") == 0;
  batch.dns.dnssec.required = require_dnssec;
  if (args.count("trust-anchor")) batch.dns.dnssec.trust_anchor_file = args["trust-anchor"].as<std::string>();
  batch.dns.dnssec.on_unavailable = [](const Error& e) {
    Output(false).warn("DNSSEC not validated: " + e.message + " (the CA validates it; --dnssec to require it, --no-dnssec to skip it)");
  };
  return {};
}

}  // namespace dcvkit::cli
