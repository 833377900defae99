// The cryptography of ACME (RFC 8555 §6.2, RFC 7515/7517/7638): the account key, its JWK and
// thumbprint, flattened JWS requests, External Account Binding (§7.3.4), and the challenge values.
// The account key and the EAB HMAC key are Secrets: they are never printed or logged.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dcvkit/error.hpp"
#include "dcvkit/secret.hpp"

namespace dcvkit::acme {

// Unpadded base64url (RFC 4648 §5), as JOSE uses it everywhere.
std::string base64url(std::string_view bytes);
// Strict: only the base64url alphabet, no padding ('=' tolerated at the end), no whitespace.
std::optional<std::string> base64url_decode(std::string_view text);

enum class KeyAlgorithm { ES256, RS256 };  // ES256 = P-256 with SHA-256 (the default); RS256 = RSA 2048+
std::string_view to_string(KeyAlgorithm alg);
std::optional<KeyAlgorithm> parse_key_algorithm(std::string_view text);  // "es256"/"p256", "rs256"/"rsa"

class AccountKey {
 public:
  static Result<AccountKey> generate(KeyAlgorithm alg);
  // PEM (PKCS#8 or traditional) holding a P-256 or RSA (>= 2048 bits) private key.
  static Result<AccountKey> from_pem(std::string_view pem, std::string_view origin);
  // Reads FILE (Io "io.not_found"-style errors from read_file when it cannot).
  static Result<AccountKey> load(const std::string& path);
  // Reads FILE; when it does not exist, generates a key and writes it 0600 (atomically, never
  // over another file). `created` tells which happened.
  static Result<AccountKey> load_or_create(const std::string& path, KeyAlgorithm alg_if_new, bool& created);

  AccountKey(AccountKey&&) noexcept;
  AccountKey& operator=(AccountKey&&) noexcept;
  ~AccountKey();

  KeyAlgorithm algorithm() const { return alg_; }
  Secret private_pem() const;  // PKCS#8
  // The public JWK with only the required members in lexicographic order (RFC 7638 §3.2), so it
  // is both the `jwk` header value and the thumbprint input.
  const std::string& jwk() const { return jwk_; }
  std::string thumbprint() const;  // base64url(SHA-256(jwk()))
  // JWS signature of `signing_input` (ES256: R || S, 64 bytes; RS256: PKCS#1 v1.5), not encoded.
  Result<std::string> sign(std::string_view signing_input) const;

 private:
  struct Impl;
  AccountKey(std::unique_ptr<Impl> impl, KeyAlgorithm alg, std::string jwk);
  std::unique_ptr<Impl> impl_;
  KeyAlgorithm alg_ = KeyAlgorithm::ES256;
  std::string jwk_;
};

// The key identifier and MAC key a CA issues for binding (JPRS: from the reseller; ZeroSSL,
// Google, DigiCert: from the account's console).
struct EabCredentials {
  std::string kid;
  Secret hmac_key;  // decoded bytes
};

// The HMAC key is base64url text (one trailing newline ignored) read from `file`, or from the
// environment variable `env_var` when `file` is empty. Never an argument.
Result<EabCredentials> load_eab_credentials(std::string kid, const std::string& file, const char* env_var);

// A flattened JWS (RFC 7515 §7.2.2) as JSON text. `payload` "" means POST-as-GET (empty payload).
// Exactly one of `jwk` / `kid` goes into the protected header.
struct JwsHeader {
  std::string url;
  std::string nonce;
  std::string kid;  // the account URL; "" = send the jwk (newAccount, revocation by certificate key)
};
Result<std::string> sign_jws(const AccountKey& key, const JwsHeader& header, std::string_view payload);

// The externalAccountBinding member: HS256 JWS over the account's JWK, protected header
// {alg: HS256, kid: EAB key id, url: newAccount URL}.
Result<std::string> eab_jws(const EabCredentials& eab, const AccountKey& account, std::string_view new_account_url);

// token "." thumbprint (RFC 8555 §8.1); http-01 serves it as is.
std::string key_authorization(std::string_view token, const AccountKey& key);
// dns-01: base64url(SHA-256(key authorization)) (§8.4).
std::string dns01_txt_value(std::string_view key_authorization);
// Whether `token` is a plausible ACME token (base64url, 1..128 characters): it becomes a file name.
bool is_valid_token(std::string_view token);

}  // namespace dcvkit::acme
