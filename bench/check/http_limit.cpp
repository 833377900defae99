// The HTTP side's limit: wrk against the same nginx, a new connection (and TLS handshake) per
// request, Host rotating over the bench names as the probe's requests do.
#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "bench_check.hpp"
#include "support/run.hpp"

namespace bench_check {

std::string write_wrk_script(const std::string& dir, std::size_t n) {
  const std::string script = dir + "/rotate-hosts.lua";
  std::ofstream lua(script);
  lua << "-- every request a new connection (Connection: close), Host rotating over the bench names\n"
      << "local i = 0\nrequest = function()\n  local host = string.format(\"h%05d." << kZone << "\", i)\n"
      << "  i = (i + 1) % " << n << "\n"
      << "  return wrk.format(\"GET\", nil, {[\"Host\"] = host, [\"Connection\"] = \"close\"})\nend\n";
  if (!lua) die("cannot write " + script);
  return script;
}

WrkResult wrk(const std::string& scheme, std::uint16_t port, int threads, int connections, double seconds,
              const std::string& script) {
  const std::string url = scheme + "://127.0.0.1:" + std::to_string(port) + "/.well-known/pki-validation/fileauth.txt";
  const double cpu_start = cpu_seconds(RUSAGE_CHILDREN);
  auto run = dcvkit::test::run_program({wrk_program(), "-t", std::to_string(threads), "-c", std::to_string(connections),
                                        "-d", std::to_string(static_cast<int>(std::lround(seconds))) + "s", "-H",
                                        "Connection: close", "-s", script, url});
  if (run.exit_code != 0) die("wrk failed:\n" + run.all());
  WrkResult r;
  r.cpu_s = cpu_seconds(RUSAGE_CHILDREN) - cpu_start;
  r.scheme = scheme;
  r.threads = threads;
  r.connections = connections;
  auto number_after = [&](const std::string& label) -> double {
    const auto at = run.out.find(label);
    return at == std::string::npos ? 0 : std::strtod(run.out.c_str() + at + label.size(), nullptr);
  };
  if (run.out.find("Requests/sec:") == std::string::npos) die("wrk: no Requests/sec in its output:\n" + run.all());
  r.rps = number_after("Requests/sec:");
  // "  12345 requests in 3.00s, ..."
  std::istringstream in(run.out);
  for (std::string line; std::getline(in, line);)
    if (line.find(" requests in ") != std::string::npos) r.requests = std::strtoull(line.c_str(), nullptr, 10);
  r.non_2xx = static_cast<std::uint64_t>(number_after("Non-2xx or 3xx responses:"));
  if (const auto at = run.out.find("Socket errors:"); at != std::string::npos) {
    // "Socket errors: connect 0, read 0, write 0, timeout 0"
    std::istringstream s(run.out.substr(at, run.out.find('\n', at) - at));
    for (std::string word; s >> word;)
      if (std::isdigit(static_cast<unsigned char>(word[0]))) r.socket_errors += std::strtoull(word.c_str(), nullptr, 10);
  }
  return r;
}

std::size_t count_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char buf[65536];
  std::size_t lines = 0;
  while (in.read(buf, sizeof buf) || in.gcount() > 0) lines += static_cast<std::size_t>(std::count(buf, buf + in.gcount(), '\n'));
  return lines;
}

}  // namespace bench_check
