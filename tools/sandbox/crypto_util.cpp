#include "crypto_util.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace dcvkit::sandbox {
namespace {

std::vector<unsigned char> random_bytes(std::size_t n) {
  std::vector<unsigned char> bytes(n);
  if (n > 0 && RAND_bytes(bytes.data(), static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
  return bytes;
}

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0x0f];
  }
  return out;
}

}  // namespace

std::string random_hex(std::size_t bytes) {
  const auto r = random_bytes(bytes);
  return hex(r.data(), r.size());
}

std::string random_base36(std::size_t length) {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  while (out.size() < length) {
    for (unsigned char b : random_bytes(length)) {
      if (b >= 252) continue;  // 252 = 7 * 36: keeps every character equally likely
      out += kAlphabet[b % 36];
      if (out.size() == length) break;
    }
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  return hex(digest, len);
}

}  // namespace dcvkit::sandbox
