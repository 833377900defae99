// bench_publish: `dcvkit publish` then `unpublish` of N names (default 1000) in one run each, through
// the PowerDNS HTTP API (a real pdns_server) and through RFC 2136 (a real BIND), on this machine.
// Prints one JSON line. Usage: bench_publish [--names N] [--concurrency C]
#include <chrono>
#include <functional>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bench_args.hpp"
#include "support/dns_server.hpp"
#include "support/pdns_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace dcvkit::test;
using Clock = std::chrono::steady_clock;

struct Timed {
  double ms = 0;
  int exit_code = -1;
};

Timed timed(const std::vector<std::string>& args) {
  const auto start = Clock::now();
  const RunResult r = run_dcvkit(args);
  Timed t{std::chrono::duration<double, std::milli>(Clock::now() - start).count(), r.exit_code};
  if (r.exit_code != 0) std::cerr << "dcvkit " << args.front() << " failed (" << r.exit_code << "): " << r.err.substr(0, 400) << "\n";
  return t;
}

nlohmann::json path_result(const std::vector<std::string>& where, const std::string& names_file, const std::string& token,
                           int names, int concurrency, const std::function<bool()>& published, const std::function<bool()>& gone) {
  auto args = [&](const char* action) {
    std::vector<std::string> a{action, "--names-file", names_file, "--method", "dns", "--token", token, "--concurrency",
                               std::to_string(concurrency), "--jsonl"};
    a.insert(a.end(), where.begin(), where.end());
    return a;
  };
  const Timed pub = timed(args("publish"));
  const bool visible = published();
  const Timed unpub = timed(args("unpublish"));
  const bool removed = gone();
  return {{"publish_ms", static_cast<long long>(pub.ms)},
          {"unpublish_ms", static_cast<long long>(unpub.ms)},
          {"publish_names_per_s", static_cast<long long>(names / (pub.ms / 1000.0))},
          {"ok", pub.exit_code == 0 && unpub.exit_code == 0 && visible && removed}};
}

}  // namespace

int main(int argc, char** argv) {
  int names = 1000, concurrency = 32;
  try {
    dcvkit::bench::parse_int_flags(argc, argv, {{"--names", &names}, {"--concurrency", &concurrency}},
                                   "bench_publish [--names N] [--concurrency C]");
    TempDir dir;
    const std::string token = "20261123000000" + std::string(48, 'b') + "42";
    std::string list;
    for (int i = 0; i < names; ++i) list += "n" + std::to_string(i) + ".example.test\n";
    const std::string names_file = dir.write("names.txt", list);
    const std::string last = "_dnsauth.n" + std::to_string(names - 1) + ".example.test";

    PdnsServer pdns;
    const auto pdns_result =
        path_result({"--powerdns", pdns.api_url(), "--powerdns-key-file", pdns.key_file()}, names_file, token, names,
                    concurrency, [&] { return pdns.txt(last) == std::vector<std::string>{token}; },
                    [&] { return pdns.txt(last).empty(); });
    DnsServer bind(DnsServerConfig{});
    const auto bind_result =
        path_result({"--server", bind.server(), "--tsig-key-file", bind.key_file(), "--zone", "example.test"}, names_file,
                    token, names, concurrency, [&] { return bind.txt(last) == std::vector<std::string>{token}; },
                    [&] { return bind.txt(last).empty(); });
    std::cout << nlohmann::json{{"bench", "publish"},
                                {"names", names},
                                {"concurrency", concurrency},
                                {"powerdns_api", pdns_result},
                                {"rfc2136_bind", bind_result}}
                     .dump()
              << "\n";
    return pdns_result["ok"].get<bool>() && bind_result["ok"].get<bool>() ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "bench_publish: " << e.what() << "\n";
    return 2;
  }
}
