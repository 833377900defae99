// JOSE pieces of ACME: base64url, flattened JWS, External Account Binding, challenge values.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "dcvkit/acme_jose.hpp"
#include "dcvkit/files.hpp"

namespace dcvkit::acme {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t kMaxEabFileBytes = 4096;
constexpr std::size_t kMinEabKeyBytes = 16;  // 128 bits; CAs issue 256 or more
constexpr std::size_t kMaxTokenChars = 128;

std::string sha256(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> d{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data());
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

int decode_char(char c) {
  const auto at = kAlphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

std::string protected_header(std::string_view alg, const JwsHeader& h, std::string_view jwk) {
  nlohmann::json j = {{"alg", alg}, {"url", h.url}};
  if (!h.nonce.empty()) j["nonce"] = h.nonce;
  if (!h.kid.empty()) j["kid"] = h.kid;
  std::string text = j.dump();
  // The JWK goes in verbatim (already canonical JSON) rather than through a json round trip.
  if (h.kid.empty() && !jwk.empty()) text.insert(text.size() - 1, std::string(",\"jwk\":") + std::string(jwk));
  return text;
}

std::string flattened(const std::string& protected64, const std::string& payload64, const std::string& sig) {
  return nlohmann::json{{"protected", protected64}, {"payload", payload64}, {"signature", base64url(sig)}}.dump();
}

Error eab_error(std::string message, std::string hint) {
  return make_error(ErrorKind::InvalidInput, "acme.bad_eab_key", std::move(message), std::move(hint));
}

}  // namespace

std::string base64url(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    const unsigned v = (at(i) << 16) | (rest == 2 ? at(i + 1) << 8 : 0);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (rest == 2) out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = decode_char(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string AccountKey::thumbprint() const { return base64url(sha256(jwk_)); }

Result<std::string> sign_jws(const AccountKey& key, const JwsHeader& header, std::string_view payload) {
  const std::string protected64 = base64url(protected_header(to_string(key.algorithm()), header, key.jwk()));
  const std::string payload64 = base64url(payload);
  auto sig = key.sign(protected64 + "." + payload64);
  if (!sig) return sig.error();
  return flattened(protected64, payload64, *sig);
}

Result<std::string> eab_jws(const EabCredentials& eab, const AccountKey& account, std::string_view new_account_url) {
  const std::string protected64 =
      base64url(nlohmann::json{{"alg", "HS256"}, {"kid", eab.kid}, {"url", new_account_url}}.dump());
  const std::string payload64 = base64url(account.jwk());
  const std::string input = protected64 + "." + payload64;
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  std::size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, eab.hmac_key.view().data(), eab.hmac_key.size(),
                reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac.data(), mac.size(), &len) ==
      nullptr)
    return make_error(ErrorKind::Internal, "internal.openssl", "HMAC-SHA256 for the external account binding failed");
  return flattened(protected64, payload64, std::string(reinterpret_cast<const char*>(mac.data()), len));
}

Result<EabCredentials> load_eab_credentials(std::string kid, const std::string& file, const char* env_var) {
  if (kid.empty() || kid.size() > 256)
    return make_error(ErrorKind::Usage, "usage", "the EAB key id is empty or too long",
                      "pass --eab-kid exactly as the CA issued it");
  std::string text;
  std::string origin;
  if (!file.empty()) {
    auto read = read_file(file, kMaxEabFileBytes, "EAB HMAC key file");
    if (!read) return read.error();
    text = std::move(*read);
    origin = "the EAB HMAC key file '" + file + "'";
  } else if (const char* env = env_var ? std::getenv(env_var) : nullptr; env && *env) {
    text = env;
    origin = std::string("$") + env_var;
  } else {
    return make_error(ErrorKind::Usage, "usage", "--eab-kid needs the EAB HMAC key",
                      std::string("pass --eab-hmac-key-file FILE") + (env_var ? " or set " + std::string(env_var) : "") +
                          " (never on the command line)");
  }
  Secret raw(std::move(text));
  std::string_view v = raw.view();
  if (!v.empty() && v.back() == '\n') v.remove_suffix(1);
  if (!v.empty() && v.back() == '\r') v.remove_suffix(1);
  auto decoded = base64url_decode(v);
  if (!decoded) {
    return eab_error(origin + " is not base64url text (not shown)",
                     "the file or variable must hold the HMAC key alone, exactly as the CA issued it");
  }
  Secret key(std::move(*decoded));
  if (key.size() < kMinEabKeyBytes)
    return eab_error(origin + " decodes to fewer than 16 bytes: not an EAB HMAC key",
                     "copy the whole HMAC key (a base64url string of 40 or more characters)");
  return EabCredentials{std::move(kid), std::move(key)};
}

std::string key_authorization(std::string_view token, const AccountKey& key) {
  return std::string(token) + "." + key.thumbprint();
}

std::string dns01_txt_value(std::string_view key_authorization) { return base64url(sha256(key_authorization)); }

bool is_valid_token(std::string_view token) {
  if (token.empty() || token.size() > kMaxTokenChars) return false;
  for (char c : token)
    if (decode_char(c) < 0) return false;
  return true;
}

}  // namespace dcvkit::acme
