// The certificate tools people otherwise reach for openssl one-liners for: read any of the formats
// the platforms we upload to use (PEM, DER, PKCS#7, PKCS#12), describe a certificate, tell whether
// a key belongs to a certificate or CSR, put a set of certificates in chain order, convert between
// the formats, and fetch what a TLS server actually serves. Certificates travel as DER bytes; keys
// as unencrypted PKCS#8 DER inside a Secret, so they are wiped when dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/clock.hpp"
#include "dcvkit/error.hpp"
#include "dcvkit/secret.hpp"

namespace dcvkit::cert {

enum class Format { Pem, Der, P7b, Pfx };
std::optional<Format> parse_format(std::string_view name);  // "pem", "der", "p7b", "pfx"
std::string_view format_name(Format format);

// What a certificate file holds: its certificates in file order and, when it carries one, a key.
struct Bundle {
  Format format = Format::Pem;
  std::vector<std::string> certs;  // DER
  Secret key;                      // unencrypted PKCS#8 DER; empty when the file has no key
};

// Reads PEM (certificates, optionally a private key), DER, PKCS#7 (PEM or DER) or PKCS#12, told
// apart by content. `password` opens a PKCS#12 file or an encrypted PEM key; nullptr when none was
// given. Errors: InvalidInput "cert.unreadable", "cert.no_certificate", "cert.password_needed",
// "cert.password_wrong".
Result<Bundle> read_bundle(std::string_view data, const Secret* password);

// A private key in PEM (PKCS#8, traditional, encrypted PKCS#8) or DER, as unencrypted PKCS#8 DER.
// Errors: "cert.key_unreadable", "cert.key_password_needed", "cert.key_password_wrong".
Result<Secret> read_private_key(std::string_view data, const Secret* password);

// A CSR in PEM or DER, as DER ("cert.csr_unreadable").
Result<std::string> read_csr(std::string_view data);

struct CertInfo {
  std::string subject, issuer;  // one-line RFC 2253
  std::vector<std::string> sans;  // "DNS:name", "IP:addr", "email:...", in certificate order
  UnixSeconds not_before = 0, not_after = 0;
  long long days_left = 0;        // whole days until not_after (negative once expired)
  std::string key_type;           // RSA, EC, Ed25519, Ed448
  int key_bits = 0;
  std::string curve;              // P-256, P-384, ... for EC
  std::string serial;             // lowercase hex
  std::string sha256_fingerprint, sha1_fingerprint;  // "AB:CD:..." as openssl prints them
  bool self_signed = false, is_ca = false;
};
Result<CertInfo> describe(std::string_view der, UnixSeconds now);

// The certificates put in chain order: the leaf (the one no other certificate was issued by), then
// each certificate's issuer found among the rest (issuer name and signature checked).
struct ChainOrder {
  std::vector<std::size_t> order;   // indices into the input, leaf first
  std::vector<std::size_t> unused;  // certificates not on the leaf's path
  bool ends_in_root = false;        // the last one is self-signed
  std::string missing_issuer;       // when not: the issuer name no given certificate has
};
Result<ChainOrder> order_chain(const std::vector<std::string>& ders);

// OpenSSL's path validation of a chain in order (leaf first) at `now`, trusting the PEM
// certificates of `ca_file`, or the system store when it is empty. CertVerify "cert.untrusted".
Status verify_path(const std::vector<std::string>& ordered, const std::string& ca_file, UnixSeconds now);

enum class KeyHolder { Certificate, Csr };
struct KeyMatch {
  bool match = false;
  std::string holder_key_type, private_key_type;  // "RSA 2048", "EC P-256", "Ed25519"
};
// Compares the public key of a certificate or CSR (DER) with a private key (PKCS#8 DER) with
// EVP_PKEY_eq: the whole key (RSA modulus and exponent, EC point and curve), not a digest.
Result<KeyMatch> match_key(std::string_view holder_der, KeyHolder holder, const Secret& key);

// PEM: every certificate; DER: the first one only (DER holds one certificate); P7B: a certificates-
// only PKCS#7 in PEM armour ("-----BEGIN PKCS7-----"), as CAs and Windows use.
Result<std::string> encode_certificates(const std::vector<std::string>& ders, Format format);
// The key as unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
Result<Secret> private_key_pem(const Secret& key);

// PKCS#12 profiles: modern = PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for key and certificates and a
// SHA-256 MAC; legacy = pbeWithSHA1And3-KeyTripleDES-CBC for both and a SHA-1 MAC, for Windows
// Server 2016 and older and Java 8 importers. (RC2 would need OpenSSL's legacy provider; 3DES does not.)
enum class Pkcs12Profile { Modern, Legacy };
std::optional<Pkcs12Profile> parse_pkcs12_profile(std::string_view name);  // "modern", "legacy"
// The leaf (first) with its key, the rest as CA certificates. Needs a non-empty password
// ("cert.password_needed") and a key that is the leaf's ("cert.key_mismatch").
Result<Secret> encode_pkcs12(const std::vector<std::string>& ders, const Secret& key, const Secret& password,
                             Pkcs12Profile profile, const std::string& friendly_name);

// A TLS server to ask: `host` goes in SNI (unless it is an address); `connect_address` (when set)
// is where to connect instead of resolving the host.
struct Endpoint {
  std::string host;
  std::uint16_t port = 443;
  std::string connect_address;
};
// "host", "host:port", "[v6]:port" (InvalidInput "cert.bad_endpoint").
Result<Endpoint> parse_endpoint(std::string_view text);

struct ServedChain {
  std::vector<std::string> certs;  // DER, as the server sent them (leaf first)
  std::string tls_version;
  std::string verify_error;        // "" when the chain verifies for the host name
};
// One TLS handshake (Network "cert.connect_failed" / "cert.tls_failed"), within `timeout_ms`.
// The chain is verified against `ca_file` or the system store, and reported, not enforced.
Result<ServedChain> fetch_served_chain(const Endpoint& endpoint, int timeout_ms, const std::string& ca_file);

}  // namespace dcvkit::cert
