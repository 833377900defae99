// Library example (b): pre-check many names the way the CA will look at them, with the batch
// engine (dcvkit/check_batch.hpp): every authoritative nameserver for DNS, the CA's fetch rules
// for HTTP, all names in flight at once.
//   dcvkit-example-check-batch [--method dns|http] [--resolver HOST[:PORT]] [--ns-port PORT] TOKEN [NAME...]
// Names come from the arguments, or one per line from stdin when there are none: they are read
// as the engine asks for them, so a list of thousands is never held in memory.
// One line per name, in completion order:  "<name> ok"  or  "<name> <reason code>: <message>",
// followed by an indented hint. Exit codes: 0 every name passes, 1 some do not, 2 usage,
// 3 the batch could not run (e.g. the resolver is not an address).
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/check_batch.hpp"
#include "dcvkit/plan.hpp"             // parse_dcv_method
#include "dcvkit/publish_rfc2136.hpp"  // parse_host_port

namespace {

constexpr int kExitSomeFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitBatch = 3;

int usage(const std::string& problem) {
  std::cerr << "dcvkit-example-check-batch: error: " << problem << "\n"
            << "usage: dcvkit-example-check-batch [--method dns|http] [--resolver HOST[:PORT]] "
               "[--ns-port PORT] TOKEN [NAME...]\n";
  return kExitUsage;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  const long port = std::strtol(std::string(text).c_str(), nullptr, 10);
  if (port < 1 || port > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(port);
}

}  // namespace

int main(int argc, char** argv) {
  dcvkit::CheckBatchOptions options;
  dcvkit::DcvMethod method = dcvkit::DcvMethod::Dns;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--method" && has_value) {
      auto m = dcvkit::parse_dcv_method(argv[++i]);
      if (!m) return usage("--method: expected dns or http, got '" + std::string(argv[i]) + "'");
      method = *m;
    } else if (arg == "--resolver" && has_value) {
      auto resolver = dcvkit::parse_host_port(argv[++i], 53);
      if (!resolver) return usage("--resolver: " + resolver.error().message);
      options.dns.resolver = *resolver;
    } else if (arg == "--ns-port" && has_value) {
      auto port = parse_port(argv[++i]);
      if (!port) return usage("--ns-port: expected a port 1-65535, got '" + std::string(argv[i]) + "'");
      options.dns.ns_port = *port;
    } else if (arg.substr(0, 2) == "--") {
      return usage("unknown option or missing value: " + std::string(arg));
    } else {
      positional.emplace_back(arg);
    }
  }
  if (positional.empty()) return usage("no token given");

  // The token expected at every name; TokenExpectation::from_csr would accept any token made
  // from a CSR and AuthKey instead.
  const std::shared_ptr<const dcvkit::TokenExpectation> expected = dcvkit::TokenExpectation::exact({positional[0]});
  std::size_t next_arg = 1;
  const bool from_stdin = positional.size() == 1;
  auto next = [&]() -> std::optional<dcvkit::CheckRequest> {
    std::string name;
    if (from_stdin) {
      while (name.empty())
        if (!std::getline(std::cin, name)) return std::nullopt;
    } else {
      if (next_arg == positional.size()) return std::nullopt;
      name = positional[next_arg++];
    }
    return dcvkit::CheckRequest{name, method, expected};
  };

  std::size_t failed = 0;
  auto on_result = [&](const dcvkit::CheckResult& r) {
    if (r.ok) {
      std::cout << r.name << " ok\n";
      return;
    }
    ++failed;
    std::cout << r.name << " " << r.code << ": " << r.message << "\n";
    if (!r.hint.empty()) std::cout << "    hint: " << r.hint << "\n";
  };

  const dcvkit::Status status = dcvkit::run_check_batch(options, next, on_result);
  std::cout.flush();
  if (!status) {
    std::cerr << "dcvkit-example-check-batch: error: " << status.error().message << "\n";
    if (!status.error().hint.empty()) std::cerr << "  hint: " << status.error().hint << "\n";
    return kExitBatch;
  }
  return failed == 0 ? 0 : kExitSomeFailed;
}
