// The raw cost of what DNSSEC validation adds per name: ECDSA P-256 signature checks (the bench
// zone's algorithm, and the most common one), timed straight through OpenSSL on one core, with the
// key made once, as the probe does. The servers' limit (dns_limit.cpp) never pays it; a validating
// check must, on the same cores.
#include <openssl/evp.h>

#include <vector>

#include "bench_check.hpp"

namespace bench_check {

double ecdsa_p256_verifies_per_s(double seconds) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!key) die("cannot make a P-256 key");
  // About what a signed TXT set's signed data is: RRSIG fields, owner, a 50-character token.
  const std::vector<unsigned char> data(160, 0x5a);
  std::vector<unsigned char> sig(128);
  std::size_t sig_len = sig.size();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx, sig.data(), &sig_len, data.data(), data.size()) != 1)
    die("cannot sign with the P-256 key");
  const auto start = SteadyClock::now();
  std::size_t done = 0;
  while (seconds_since(start) < seconds) {
    for (int i = 0; i < 100; ++i, ++done)
      if (EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) != 1 ||
          EVP_DigestVerify(ctx, sig.data(), sig_len, data.data(), data.size()) != 1)
        die("the P-256 signature did not verify");
  }
  const double rate = static_cast<double>(done) / seconds_since(start);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return rate;
}

}  // namespace bench_check
