#include "ca.hpp"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <ctime>
#include <optional>

#include "crypto_util.hpp"
#include "dcvkit/files.hpp"
#include "x509_build.hpp"

namespace dcvkit::sandbox {
namespace {

constexpr UnixSeconds kDay = 86400;
constexpr std::size_t kMaxPemBytes = std::size_t{64} * 1024;

struct KeyPair {
  ossl::PKey key;
  ossl::X509Ptr certificate;
};

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

UnixSeconds now() { return static_cast<UnixSeconds>(std::time(nullptr)); }

// The pair stored as <dir>/<stem>.key + <stem>.pem; nothing when neither file exists.
Result<std::optional<KeyPair>> load_pair(const std::string& dir, const std::string& stem) {
  const std::string key_path = dir + "/" + stem + ".key", cert_path = dir + "/" + stem + ".pem";
  const bool has_key = exists(key_path), has_cert = exists(cert_path);
  if (!has_key && !has_cert) return std::optional<KeyPair>{};
  if (has_key != has_cert)
    return make_error(ErrorKind::Io, "sandbox.ca_incomplete",
                      "only one of " + key_path + " and " + cert_path + " exists",
                      "restore the missing file, or remove both to make a new one");
  auto key_pem = read_file(key_path, kMaxPemBytes, "CA key");
  if (!key_pem) return key_pem.error();
  auto cert_pem = read_file(cert_path, kMaxPemBytes, "CA certificate");
  if (!cert_pem) return cert_pem.error();
  auto key = private_key_from_pem(*key_pem);
  if (!key) return key.error();
  auto cert = certificate_from_pem(*cert_pem);
  if (!cert) return cert.error();
  if (X509_check_private_key(cert->get(), key->get()) != 1)
    return make_error(ErrorKind::Io, "sandbox.ca_mismatch", key_path + " does not belong to " + cert_path + ": " + ossl::last_error(),
                      "remove both to make a new one");
  return std::optional<KeyPair>(KeyPair{std::move(*key), std::move(*cert)});
}

Status save_pair(const std::string& dir, const std::string& stem, const KeyPair& pair) {
  auto key_pem = private_key_pem(pair.key.get());
  if (!key_pem) return key_pem.error();
  if (auto s = write_file_atomic(dir + "/" + stem + ".key", *key_pem, 0600, true); !s) return s;
  return write_file_atomic(dir + "/" + stem + ".pem", certificate_pem(pair.certificate.get()), 0644, true);
}

Result<KeyPair> make_pair(CertProfile profile, const std::string& cn, UnixSeconds years, const Signer& signer) {
  auto key = generate_p256_key();
  if (!key) return key.error();
  CertSpec spec;
  spec.profile = profile;
  spec.common_name = cn;
  spec.organization = "dcvkit sandbox (not a real CA)";
  spec.not_before = now() - 3600;
  spec.not_after = now() + years * 365 * kDay;
  auto cert = build_certificate(spec, key->get(), signer);
  if (!cert) return cert.error();
  return KeyPair{std::move(*key), std::move(*cert)};
}

// Still usable as `issuer`'s child: signed by it and valid for another 30 days at least.
bool still_good(const KeyPair& pair, const KeyPair* issuer) {
  EVP_PKEY* issuer_key = X509_get0_pubkey(issuer ? issuer->certificate.get() : pair.certificate.get());
  const bool signed_ok = issuer_key != nullptr && X509_verify(pair.certificate.get(), issuer_key) == 1;
  time_t horizon = static_cast<time_t>(now() + 30 * kDay);
  const bool fresh = X509_cmp_time(X509_get0_notAfter(pair.certificate.get()), &horizon) > 0;
  ERR_clear_error();
  return signed_ok && fresh;
}

Result<KeyPair> load_or_make(const std::string& dir, const std::string& stem, CertProfile profile, const std::string& cn,
                             UnixSeconds years, const KeyPair* issuer) {
  auto loaded = load_pair(dir, stem);
  if (!loaded) return loaded.error();
  if (*loaded && still_good(**loaded, issuer)) return std::move(**loaded);
  Signer signer;
  if (issuer != nullptr) signer = Signer{issuer->certificate.get(), issuer->key.get()};
  auto made = make_pair(profile, cn, years, signer);
  if (!made) return made.error();
  if (auto s = save_pair(dir, stem, *made); !s) return s.error();
  return made;
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 || ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

Result<std::unique_ptr<Ca>> Ca::open(const std::string& dir) {
  const std::string tag = random_hex(3);
  auto root = load_or_make(dir, "ca-root", CertProfile::Root, "dcvkit-sandbox Root CA " + tag, 10, nullptr);
  if (!root) return root.error();
  auto intermediate =
      load_or_make(dir, "ca-intermediate", CertProfile::Intermediate, "dcvkit-sandbox Intermediate CA " + tag, 5, &*root);
  if (!intermediate) return intermediate.error();
  auto ca = std::make_unique<Ca>();
  ca->root_pem_ = certificate_pem(root->certificate.get());
  ca->intermediate_pem_ = certificate_pem(intermediate->certificate.get());
  if (auto s = write_file_atomic(dir + "/ca-bundle.pem", ca->root_pem_, 0644, true); !s) return s.error();
  ca->root_key_ = std::move(root->key);
  ca->root_ = std::move(root->certificate);
  ca->intermediate_key_ = std::move(intermediate->key);
  ca->intermediate_ = std::move(intermediate->certificate);
  return ca;
}

Result<IssuedCertificate> Ca::issue(const LeafRequest& request) const {
  CertSpec spec;
  spec.profile = CertProfile::Leaf;
  spec.common_name = request.common_name;
  spec.dns_names = request.names;
  spec.not_before = now() - 60;
  spec.not_after = now() + request.validity_days * kDay;
  auto leaf = build_certificate(spec, request.public_key, Signer{intermediate_.get(), intermediate_key_.get()});
  if (!leaf) return leaf.error();
  IssuedCertificate out;
  out.serial = serial_hex(leaf->get());
  out.leaf_pem = certificate_pem(leaf->get());
  out.intermediate_pem = intermediate_pem_;
  out.root_pem = root_pem_;
  out.leaf_cn = request.common_name;
  out.intermediate_cn = subject_common_name(intermediate_.get());
  out.root_cn = subject_common_name(root_.get());
  return out;
}

Result<ServerIdentity> Ca::server_identity(const std::string& listen_host) const {
  auto key = generate_p256_key();
  if (!key) return key.error();
  CertSpec spec;
  spec.profile = CertProfile::Leaf;
  spec.common_name = "dcvkit-sandbox";
  spec.dns_names = {"localhost"};
  spec.ip_addresses = {"127.0.0.1", "::1"};
  if (is_ip_literal(listen_host)) {
    if (listen_host != "127.0.0.1" && listen_host != "::1") spec.ip_addresses.push_back(listen_host);
  } else if (!listen_host.empty() && listen_host != "localhost") {
    spec.dns_names.push_back(listen_host);
  }
  spec.not_before = now() - 60;
  spec.not_after = now() + 365 * kDay;
  auto cert = build_certificate(spec, key->get(), Signer{intermediate_.get(), intermediate_key_.get()});
  if (!cert) return cert.error();
  return ServerIdentity{std::move(*key), std::move(*cert)};
}

}  // namespace dcvkit::sandbox
