// bench_order: ordering on the immediate path against a real dcvkit-sandbox, with the client's
// throttle on. Starts its own world on loopback (tests/support fixtures): three BIND servers
// (DnsFixture) and the sandbox validating through them. Then:
//   1. an AuthKey (POST /account/auth-key), N CSRs (P-256, one name each) and their tokens,
//      published at _dnsauth.<name> on both authoritative servers (one RFC 2136 update per batch);
//   2. every certificate ordered through the library (submit_order) by T workers, one Client
//      each, sharing the process's throttle for the API key (95 / 5 s, 950 / 5 min);
//   3. each chain verified (key, names, signatures, path) as the CLI would before writing.
// Reported: API calls per issued certificate on the immediate path (the target is exactly 1: no
// products call, no lookup, no polling), orders/s against the throttle's ceiling (and the API's
// 100 / 5 s = 20/s), the sandbox's own count of orders and 429s.
// Usage: bench_order [--names N] [--workers T]
// Last line: {"orders","issued","api_calls_per_cert","orders_per_s","throttle_limit_per_s",...}
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_args.hpp"
#include "dcvkit/cert_chain.hpp"
#include "dcvkit/certcentral.hpp"
#include "dcvkit/csr.hpp"
#include "dcvkit/token.hpp"
#include "support/dns_fixture.hpp"
#include "support/sandbox_server.hpp"

namespace {

using namespace dcvkit;
using SteadyClock = std::chrono::steady_clock;

struct Args {
  int names = 200;
  int workers = 4;
};

Args parse_args(int argc, char** argv) {
  Args a;
  bench::parse_int_flags(argc, argv, {{"--names", &a.names}, {"--workers", &a.workers}},
                         "bench_order [--names N] [--workers T]");
  return a;
}

struct Prepared {
  std::string name, csr;
  std::string public_key_der;
};

certcentral::ClientOptions client_options(const test::SandboxServer& sandbox) {
  certcentral::ClientOptions o;
  o.base_url = sandbox.url();
  o.api_key = Secret(sandbox.api_key());
  o.ca_bundle = sandbox.ca_bundle();
  return o;
}

int bench_main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  std::fprintf(stderr, "bench_order: starting BIND x3 and the sandbox\n");
  test::DnsFixture dns;
  test::SandboxOptions so;
  so.resolver = dns.resolver().server();
  so.ns_port = dns.ns_port();
  so.extra_args = {"--timeout", "2000"};
  test::SandboxServer sandbox(so);

  auto setup = certcentral::Client::connect(client_options(sandbox));
  if (!setup) throw std::runtime_error(setup.error().message);
  auto auth_key = (*setup)->create_auth_key();
  if (!auth_key) throw std::runtime_error(auth_key.error().message);

  std::fprintf(stderr, "bench_order: %d CSRs and tokens, publishing\n", args.names);
  std::vector<Prepared> items;
  std::vector<std::string> updates;
  const UnixSeconds stamp = system_clock().now() - 60;
  for (int i = 0; i < args.names; ++i) {
    CsrRequest r;
    r.common_name = "b" + std::to_string(i) + ".example.test";
    auto csr = generate_csr(r);
    if (!csr) throw std::runtime_error(csr.error().message);
    auto key = csr_public_key_der(csr->csr_pem);
    auto token = compute_token(auth_key->key.view(), csr->csr_pem, stamp);
    if (!key || !token) throw std::runtime_error("token or key");
    items.push_back({r.common_name, csr->csr_pem, *key});
    updates.push_back("update add _dnsauth." + r.common_name + ". 60 TXT \"" + *token + "\"");
  }
  for (std::size_t at = 0; at < updates.size(); at += 100) {
    std::vector<std::string> batch(updates.begin() + static_cast<long>(at),
                                   updates.begin() + static_cast<long>(std::min(updates.size(), at + 100)));
    dns.ns1().update("example.test", batch);
    dns.ns2().update("example.test", batch);
  }
  const auto stats_before = sandbox.stats();

  std::fprintf(stderr, "bench_order: ordering with %d workers, throttle on\n", args.workers);
  std::atomic<std::size_t> next{0};
  std::atomic<int> issued{0}, immediate{0}, failed{0};
  std::atomic<std::size_t> api_calls{0};
  std::mutex error_mutex;
  std::string first_error;
  double throttle_limit = 0;
  const auto started = SteadyClock::now();
  std::vector<std::thread> workers;
  for (int w = 0; w < args.workers; ++w) {
    workers.emplace_back([&] {
      auto client = certcentral::Client::connect(client_options(sandbox));
      if (!client) {
        ++failed;
        return;
      }
      for (std::size_t i = next++; i < items.size(); i = next++) {
        certcentral::OrderRequest order;
        order.product = "ssl_dv_geotrust";
        order.common_name = items[i].name;
        order.csr = items[i].csr;
        order.validity_days = 90;
        auto result = certcentral::submit_order(**client, order);
        Status ok;
        if (!result) {
          ok = result.error();
        } else if (!result->order.immediate()) {
          ok = make_error(ErrorKind::NotIssued, "order.not_issued", items[i].name + ": not issued at once");
        } else {
          auto verified = verify_chain(result->order.chain_pems(), ChainExpectation{items[i].public_key_der, {items[i].name}},
                                       system_clock().now());
          if (!verified) ok = verified.error();
          ++immediate;
        }
        if (ok) {
          ++issued;
        } else {
          ++failed;
          std::lock_guard lock(error_mutex);
          if (first_error.empty()) first_error = ok.error().code + ": " + ok.error().message;
        }
      }
      api_calls += (*client)->stats().requests;
    });
  }
  for (auto& t : workers) t.join();
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  throttle_limit = certcentral::Throttle::for_key(sandbox.api_key())->burst_per_second();
  const auto stats = sandbox.stats();

  const int orders_placed = stats.value("orders_total", 0) - stats_before.value("orders_total", 0);
  const double per_cert = issued ? static_cast<double>(api_calls) / issued : 0.0;
  std::printf("orders:                 %d (%d workers)\n", args.names, args.workers);
  std::printf("issued at once:         %d, failed %d%s%s\n", immediate.load(), failed.load(),
              first_error.empty() ? "" : " — first: ", first_error.c_str());
  std::printf("API calls per cert:     %.2f (%zu calls; target 1: one POST, nothing else)\n", per_cert, api_calls.load());
  std::printf("orders/s:               %.2f in %.2f s\n", args.names / seconds, seconds);
  std::printf("throttle ceiling:       %.2f/s burst (95 per 5 s; the API's limit is 100 per 5 s = 20/s), %.2f/s sustained\n",
              throttle_limit, certcentral::Throttle::for_key(sandbox.api_key())->sustained_per_second());
  std::printf("sandbox:                %d orders placed, %d answered 429\n", orders_placed, stats.value("rate_limited", 0));
  // The earliest the last request may leave under the short window (the first 95 leave at once,
  // so over a short run orders/s can exceed the sustained 19/s).
  const double min_seconds = std::floor((args.names - 1) / 95.0) * 5.0;
  std::printf("throttle minimum:       %.2f s for %d requests; achieved %.2f of it\n", min_seconds, args.names,
              seconds > 0 && min_seconds > 0 ? min_seconds / seconds : 1.0);
  const nlohmann::json last = {{"orders", args.names},
                               {"issued", issued.load()},
                               {"api_calls_per_cert", std::round(per_cert * 100) / 100},
                               {"orders_per_s", std::round(args.names / seconds * 100) / 100},
                               {"throttle_limit_per_s", throttle_limit},
                               {"api_limit_per_s", 20},
                               {"rate_limited", stats.value("rate_limited", 0)},
                               {"orders_placed", orders_placed},
                               {"workers", args.workers},
                               {"seconds", std::round(seconds * 100) / 100},
                               {"throttle_min_seconds", min_seconds}};
  std::printf("%s\n", last.dump().c_str());
  return failed == 0 && orders_placed == args.names ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return bench_main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_order: %s\n", e.what());
    return 1;
  }
}
