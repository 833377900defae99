#include "options.hpp"

#include <cxxopts.hpp>
#include <fstream>
#include <iostream>

#include "dcvkit/publish_rfc2136.hpp"

namespace dcvkit::sandbox {
namespace {

// What the host itself would ask, as `dcvkit check` does: resolv.conf's first nameserver.
std::string system_resolver() {
  std::ifstream conf("/etc/resolv.conf");
  for (std::string key, value; conf >> key;)
    if (key == "nameserver" && conf >> value) return value;
  return "127.0.0.1";
}

// HOST:PORT where PORT may be 0 (parse_host_port, shared with the CLI, takes 1-65535 only).
std::optional<HostPort> parse_listen(std::string text) {
  const bool any_port = text.size() > 2 && text.ends_with(":0");
  if (any_port) text.resize(text.size() - 2);
  auto parsed = parse_host_port(text, 0);
  if (!parsed || parsed->host.empty() || (parsed->port == 0) != any_port) return std::nullopt;
  return *parsed;
}

int usage(const std::string& message) {
  std::cerr << "dcvkit-sandbox: " << message << "\n(see dcvkit-sandbox --help)\n";
  return kExitUsage;
}

}  // namespace

std::optional<int> parse_options(int argc, char** argv, Config& config) {
  cxxopts::Options options("dcvkit-sandbox", "A local CertCentral-compatible CA for tests (never a real CA)");
  options.add_options()
      ("listen", "Address to serve on (port 0: a free one)", cxxopts::value<std::string>(), "HOST:PORT")
      ("data-dir", "CA keys, ca-bundle.pem and api-key live here", cxxopts::value<std::string>(), "DIR")
      ("state", "SQLite state file (default: in memory)", cxxopts::value<std::string>(), "FILE")
      ("faults", "Fault plan (JSON array of rules)", cxxopts::value<std::string>(), "FILE")
      ("resolver", "Recursive resolver for the DNS check and the web servers' A records (default: /etc/resolv.conf)", cxxopts::value<std::string>(), "IP[:PORT]")
      ("ns-port", "Port of the authoritative servers", cxxopts::value<std::uint16_t>()->default_value("53"), "P")
      ("http-port", "Port for http:// fetches", cxxopts::value<std::uint16_t>()->default_value("80"), "P")
      ("https-port", "Port for https:// fetches", cxxopts::value<std::uint16_t>()->default_value("443"), "P")
      ("connect-address", "Connect here for every name's web server", cxxopts::value<std::string>(), "IP")
      ("timeout", "DNS query timeout", cxxopts::value<int>()->default_value("3000"), "MS")
      ("no-rate-limits", "Switch off the per-key rate limits")
      ("auto-www", "Single-name orders also get the www (or bare) partner name in the leaf, as DV products do")
      ("shuffle-chain", "Serve pem_all and pem_noroot downloads in a non-leaf-first order")
      ("http", "Serve plain HTTP instead of HTTPS")
      ("log", "One line per request (method, path, status, ms)", cxxopts::value<std::string>(), "FILE")
      ("h,help", "Show this help");
  try {
    auto args = options.parse(argc, argv);
    if (args.count("help")) {
      std::cout << options.help() << std::flush;
      return kExitOk;
    }
    if (!args.unmatched().empty()) return usage("unexpected argument: " + args.unmatched().front());
    if (!args.count("listen") || !args.count("data-dir")) return usage("--listen and --data-dir are required");
    auto listen = parse_listen(args["listen"].as<std::string>());
    if (!listen) return usage("--listen must be HOST:PORT, e.g. 127.0.0.1:0");
    config.listen.host = listen->host;
    config.listen.port = listen->port;
    config.listen.tls = args.count("http") == 0;
    config.data_dir = args["data-dir"].as<std::string>();
    if (args.count("state")) config.state_file = args["state"].as<std::string>();
    if (args.count("faults")) config.faults_file = args["faults"].as<std::string>();
    if (args.count("log")) config.log_file = args["log"].as<std::string>();
    config.rate_limits = args.count("no-rate-limits") == 0;
    config.issuance.auto_www = args.count("auto-www") > 0;
    config.issuance.shuffle_chain = args.count("shuffle-chain") > 0;

    auto resolver = parse_host_port(args.count("resolver") ? args["resolver"].as<std::string>() : system_resolver(), 53);
    if (!resolver) return usage("--resolver: " + resolver.error().message);
    auto& v = config.validation;
    v.dns.resolver = *resolver;
    v.dns.ns_port = args["ns-port"].as<std::uint16_t>();
    v.dns.timeout_ms = args["timeout"].as<int>();
    if (v.dns.timeout_ms <= 0) return usage("--timeout must be positive");
    v.http.http_port = args["http-port"].as<std::uint16_t>();
    v.http.https_port = args["https-port"].as<std::uint16_t>();
    if (args.count("connect-address")) v.http.connect_address = args["connect-address"].as<std::string>();
    v.http.resolver = v.dns.resolver;  // web servers' A records through the same resolver, as at the CA
    v.http.resolve_timeout_ms = v.dns.timeout_ms;
  } catch (const cxxopts::exceptions::exception& e) {
    return usage(e.what());
  }
  return std::nullopt;
}

}  // namespace dcvkit::sandbox
