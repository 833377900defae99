// The ACME account key: generated, loaded, written 0600, turned into its JWK and thumbprint, and
// used to sign JWS requests.
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>

#include <cerrno>
#include <sys/stat.h>

#include "dcvkit/acme_jose.hpp"
#include "dcvkit/files.hpp"
#include "util/openssl_ptr.hpp"

namespace dcvkit::acme {
namespace {

constexpr std::size_t kMaxKeyFileBytes = std::size_t{64} * 1024;
constexpr int kMinRsaBits = 2048;
constexpr std::size_t kP256CoordinateBytes = 32;

Error key_error(const std::string& code, std::string message, std::string hint = {}) {
  return make_error(ErrorKind::InvalidInput, "acme." + code, std::move(message), std::move(hint));
}

Error internal(const std::string& what) {
  return make_error(ErrorKind::Internal, "internal.openssl", what + ": " + ossl::last_error());
}

std::optional<std::string> bn_param(const EVP_PKEY* key, const char* name, std::size_t pad_to = 0) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1 || bn == nullptr) return std::nullopt;
  const std::size_t size = std::max(pad_to, static_cast<std::size_t>(BN_num_bytes(bn)));
  std::string out(size, '\0');
  const int n = BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(size));
  BN_free(bn);
  if (n < 0) return std::nullopt;
  return out;
}

// RFC 7638 §3.2: the required members only, sorted, no whitespace.
std::optional<std::string> public_jwk(const EVP_PKEY* key, KeyAlgorithm alg) {
  if (alg == KeyAlgorithm::ES256) {
    auto x = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, kP256CoordinateBytes);
    auto y = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, kP256CoordinateBytes);
    if (!x || !y) return std::nullopt;
    return R"({"crv":"P-256","kty":"EC","x":")" + base64url(*x) + R"(","y":")" + base64url(*y) + "\"}";
  }
  auto n = bn_param(key, OSSL_PKEY_PARAM_RSA_N);
  auto e = bn_param(key, OSSL_PKEY_PARAM_RSA_E);
  if (!n || !e) return std::nullopt;
  return R"({"e":")" + base64url(*e) + R"(","kty":"RSA","n":")" + base64url(*n) + "\"}";
}

Result<KeyAlgorithm> algorithm_of(const EVP_PKEY* key, std::string_view origin) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    if (EVP_PKEY_get_bits(key) < kMinRsaBits)
      return key_error("weak_account_key", std::string(origin) + ": the RSA key has fewer than 2048 bits",
                       "use a P-256 key (the default) or RSA 2048 or more");
    return KeyAlgorithm::RS256;
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    char curve[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve, &len) == 1 &&
        (std::string_view(curve) == "prime256v1" || std::string_view(curve) == "P-256"))
      return KeyAlgorithm::ES256;
  }
  return key_error("unsupported_account_key", std::string(origin) + ": the account key is neither P-256 nor RSA",
                   "ACME accounts here use ES256 (P-256) or RS256 (RSA 2048+); remove the file to generate one");
}

// ECDSA signatures come out of OpenSSL as DER; JWS wants the two integers side by side (RFC 7518 §3.4).
Result<std::string> der_to_raw_ecdsa(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return internal("cannot read the ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::string out(2 * kP256CoordinateBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  const bool ok = BN_bn2binpad(r, o, kP256CoordinateBytes) >= 0 &&
                  BN_bn2binpad(s, o + kP256CoordinateBytes, kP256CoordinateBytes) >= 0;
  ECDSA_SIG_free(sig);
  if (!ok) return internal("cannot encode the ECDSA signature");
  return out;
}

}  // namespace

struct AccountKey::Impl {
  ossl::PKey key;
};

AccountKey::AccountKey(std::unique_ptr<Impl> impl, KeyAlgorithm alg, std::string jwk)
    : impl_(std::move(impl)), alg_(alg), jwk_(std::move(jwk)) {}
AccountKey::AccountKey(AccountKey&&) noexcept = default;
AccountKey& AccountKey::operator=(AccountKey&&) noexcept = default;
AccountKey::~AccountKey() = default;

std::string_view to_string(KeyAlgorithm alg) { return alg == KeyAlgorithm::ES256 ? "ES256" : "RS256"; }

std::optional<KeyAlgorithm> parse_key_algorithm(std::string_view text) {
  if (text == "es256" || text == "ES256" || text == "p256") return KeyAlgorithm::ES256;
  if (text == "rs256" || text == "RS256" || text == "rsa" || text == "rsa2048") return KeyAlgorithm::RS256;
  return std::nullopt;
}

Result<AccountKey> AccountKey::generate(KeyAlgorithm alg) {
  ossl::PKey key(alg == KeyAlgorithm::ES256 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                                            : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
  if (!key) return internal("cannot generate the account key");
  auto jwk = public_jwk(key.get(), alg);
  if (!jwk) return internal("cannot read the account key's public parameters");
  return AccountKey(std::make_unique<Impl>(Impl{std::move(key)}), alg, std::move(*jwk));
}

Result<AccountKey> AccountKey::from_pem(std::string_view pem, std::string_view origin) {
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return internal("cannot read the account key");
  ossl::PKey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!key)
    return key_error("bad_account_key", std::string(origin) + " does not hold a PEM private key (or it is encrypted)",
                     "give the account key written by 'dcvkit acme register', or a PEM key without a passphrase");
  auto alg = algorithm_of(key.get(), origin);
  if (!alg) return alg.error();
  auto jwk = public_jwk(key.get(), *alg);
  if (!jwk) return internal("cannot read the account key's public parameters");
  return AccountKey(std::make_unique<Impl>(Impl{std::move(key)}), *alg, std::move(*jwk));
}

Result<AccountKey> AccountKey::load(const std::string& path) {
  auto text = read_file(path, kMaxKeyFileBytes, "account key file");
  if (!text) return text.error();
  const Secret pem(std::move(*text));
  return from_pem(pem.view(), "account key file '" + path + "'");
}

Result<AccountKey> AccountKey::load_or_create(const std::string& path, KeyAlgorithm alg_if_new, bool& created) {
  created = false;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 || errno != ENOENT) return load(path);
  auto key = generate(alg_if_new);
  if (!key) return key.error();
  const Secret pem = key->private_pem();
  if (pem.empty()) return internal("cannot write the account key as PEM");
  if (auto written = write_file_atomic(path, pem.view(), 0600, false); !written) return written.error();
  created = true;
  return key;
}

Secret AccountKey::private_pem() const {
  ossl::Bio bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), impl_->key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Secret();
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return Secret(len > 0 && data ? std::string(data, static_cast<std::size_t>(len)) : std::string());
}

Result<std::string> AccountKey::sign(std::string_view signing_input) const {
  std::unique_ptr<EVP_MD_CTX, ossl::Deleter<EVP_MD_CTX_free>> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, impl_->key.get()) != 1)
    return internal("cannot start the JWS signature");
  std::size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(signing_input.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, signing_input.size()) != 1) return internal("cannot sign");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, signing_input.size()) != 1)
    return internal("cannot sign");
  sig.resize(len);
  if (alg_ == KeyAlgorithm::ES256) return der_to_raw_ecdsa(sig);
  return sig;
}

}  // namespace dcvkit::acme
