// bench_token: our batch token rate against the physical limit of the work, raw HMAC-SHA256 over
// the same messages with the key schedule reused, measured in the same run on one core.
// The limit is the fastest of the raw ways OpenSSL offers, so the ratio is not flattered.
// Usage: bench_token [--tokens N] [--rounds R]     Last line: {"tokens_per_s","hmac_per_s","ratio",...}
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sched.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "dcvkit/csr.hpp"
#include "dcvkit/time.hpp"
#include "dcvkit/token.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Variant {
  const char* name;
  bool is_limit;  // counts as a way to compute raw HMAC (the limit), vs. our engine
  std::function<std::uint64_t()> run;  // returns a checksum so the work cannot be optimised away
  double best_per_s = 0;
};

std::string make_csr(std::size_t target_bytes) {
  dcvkit::CsrRequest req;
  req.common_name = "www.benchmark-shop.example.com";
  req.key_type = dcvkit::KeyType::Rsa2048;
  std::string pem;
  for (int i = 0; pem.size() < target_bytes; ++i) {
    req.sans.push_back("host" + std::to_string(i) + ".benchmark-shop.example.com");
    auto g = dcvkit::generate_csr(req);
    if (!g) {
      std::fprintf(stderr, "bench_token: %s\n", g.error().message.c_str());
      std::exit(1);
    }
    pem = g->csr_pem;
  }
  return pem;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 200000;
  int rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--tokens")) n = std::stoul(argv[i + 1]);
    if (!std::strcmp(argv[i], "--rounds")) rounds = std::stoi(argv[i + 1]);
  }
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(0, &one);
  const bool pinned = sched_setaffinity(0, sizeof one, &one) == 0;

  const std::string csr = make_csr(1100);
  const std::string key = "bench-AuthKey-0123456789abcdef0123";
  // Distinct timestamps, formatted once: both sides hash exactly these messages.
  std::vector<char> stamps(n * dcvkit::kTimestampLength);
  const dcvkit::UnixSeconds t0 = *dcvkit::parse_compact_timestamp("20260101000000");
  for (std::size_t i = 0; i < n; ++i)
    std::memcpy(&stamps[i * 14], dcvkit::format_compact_timestamp(t0 + static_cast<dcvkit::UnixSeconds>(i)).data(), 14);
  auto stamp = [&](std::size_t i) { return std::string_view(&stamps[i * 14], 14); };

  auto engine = dcvkit::TokenEngine::create(key);
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* mctx = EVP_MAC_CTX_new(mac);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  EVP_MAC_init(mctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params);
  SHA256_CTX inner, outer;
  {
    unsigned char block[64] = {}, pad[64];
    std::memcpy(block, key.data(), key.size());
    for (int i = 0; i < 64; ++i) pad[i] = block[i] ^ 0x36;
    SHA256_Init(&inner);
    SHA256_Update(&inner, pad, 64);
    for (int i = 0; i < 64; ++i) pad[i] = block[i] ^ 0x5c;
    SHA256_Init(&outer);
    SHA256_Update(&outer, pad, 64);
  }

  std::vector<Variant> variants = {
      {"raw HMAC: EVP_MAC re-init, key kept", true,
       [&] {
         std::uint64_t sum = 0;
         unsigned char out[32];
         std::size_t len;
         for (std::size_t i = 0; i < n; ++i) {
           EVP_MAC_init(mctx, nullptr, 0, nullptr);
           EVP_MAC_update(mctx, reinterpret_cast<const unsigned char*>(stamp(i).data()), 14);
           EVP_MAC_update(mctx, reinterpret_cast<const unsigned char*>(csr.data()), csr.size());
           EVP_MAC_final(mctx, out, &len, sizeof out);
           sum += out[0];
         }
         return sum;
       }},
      {"raw HMAC: EVP_MAC_CTX_dup of keyed ctx", true,
       [&] {
         std::uint64_t sum = 0;
         unsigned char out[32];
         std::size_t len;
         for (std::size_t i = 0; i < n; ++i) {
           EVP_MAC_CTX* c = EVP_MAC_CTX_dup(mctx);
           EVP_MAC_update(c, reinterpret_cast<const unsigned char*>(stamp(i).data()), 14);
           EVP_MAC_update(c, reinterpret_cast<const unsigned char*>(csr.data()), csr.size());
           EVP_MAC_final(c, out, &len, sizeof out);
           EVP_MAC_CTX_free(c);
           sum += out[0];
         }
         return sum;
       }},
      {"raw HMAC: SHA-256 pad states copied", true,
       [&] {
         std::uint64_t sum = 0;
         unsigned char in[32], out[32];
         for (std::size_t i = 0; i < n; ++i) {
           SHA256_CTX c = inner;
           SHA256_Update(&c, stamp(i).data(), 14);
           SHA256_Update(&c, csr.data(), csr.size());
           SHA256_Final(in, &c);
           c = outer;
           SHA256_Update(&c, in, 32);
           SHA256_Final(out, &c);
           sum += out[0];
         }
         return sum;
       }},
      {"dcvkit TokenEngine (HMAC + base36 + format)", false,
       [&] {
         std::uint64_t sum = 0;
         char out[dcvkit::kTokenLength];
         for (std::size_t i = 0; i < n; ++i) {
           engine->compute_into(csr, stamp(i), out);
           sum += static_cast<unsigned char>(out[63]);
         }
         return sum;
       }},
  };

  std::uint64_t sink = 0;
  for (int r = 0; r < rounds; ++r) {
    for (auto& v : variants) {
      const auto start = Clock::now();
      sink += v.run();
      const double s = std::chrono::duration<double>(Clock::now() - start).count();
      v.best_per_s = std::max(v.best_per_s, static_cast<double>(n) / s);
    }
  }
  double limit = 0, ours = 0;
  const char* limit_name = "";
  std::printf("bench_token: %zu tokens x %d rounds (best of), CSR %zu bytes, %s\n", n, rounds, csr.size(),
              pinned ? "pinned to CPU 0" : "not pinned");
  std::printf("%-46s %14s %10s\n", "variant", "per second", "us each");
  for (const auto& v : variants) {
    std::printf("%-46s %14.0f %10.3f\n", v.name, v.best_per_s, 1e6 / v.best_per_s);
    if (v.is_limit && v.best_per_s > limit) {
      limit = v.best_per_s;
      limit_name = v.name;
    }
    if (!v.is_limit) ours = v.best_per_s;
  }
  std::printf("limit = fastest raw HMAC (%s); ratio = dcvkit / limit = %.3f  (target >= 0.85)  [sink %llu]\n", limit_name,
              ours / limit, static_cast<unsigned long long>(sink % 1000));
  std::printf("{\"tokens_per_s\": %.0f, \"hmac_per_s\": %.0f, \"ratio\": %.3f, \"tokens\": %zu, \"csr_bytes\": %zu}\n", ours,
              limit, ours / limit, n, csr.size());
  EVP_MAC_CTX_free(mctx);
  EVP_MAC_free(mac);
  return 0;
}
