// The manifest of `dcvkit run`: JSONL, one certificate per line.
//   {"id": "shop", "names": ["shop.example.test", "www.shop.example.test"], "method": "dns",
//    "product": "ssl_dv_geotrust", "publish": {"dns": {"server": "127.0.0.1:5300", "zone": "example.test",
//    "tsig_key_file": "tsig.key"}}, "key_type": "p256", "out_dir": "certs/shop"}
// "publish" may instead be {"webroot": DIR}, {"webroot_map": FILE} or {"hook": CMD}; "csr": FILE
// (with "key": FILE) uses an existing CSR instead of generating one; "deploy": {"hook": CMD} runs a
// command once a new certificate's files are in place; "ca": {"acme": {"directory": URL, "account_key": FILE,
// ...}} with "challenge": "http-01"|"dns-01" (instead of "method") orders from an ACME CA instead of
// CertCentral (see AcmeCaSpec). Relative paths are relative to
// the manifest's directory. Unknown and repeated keys are refused (a typo must not silently change a run); ids must
// differ by more than case.
#pragma once

#include <cstddef>
#include <fstream>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <map>
#include <string>
#include <vector>

#include "dcvkit/cert_tools.hpp"
#include "dcvkit/csr.hpp"
#include "dcvkit/deploy.hpp"
#include "dcvkit/error.hpp"
#include "dcvkit/plan.hpp"
#include "dcvkit/publish_spec.hpp"

namespace dcvkit {

// "ca": {"acme": {...}}: where an ACME certificate comes from and how the account is found (or
// made: a key file that does not exist yet is generated 0600, and an account registered, with EAB
// when eab_kid is given, once "agree_tos" says the CA's terms are agreed to).
struct AcmeCaSpec {
  std::string directory;          // resolved URL (a preset name in the manifest becomes its URL)
  std::string account_key;        // path
  std::string eab_kid, eab_hmac_key_file;
  std::string email;              // contact for the account, optional
  std::string ca_bundle;          // trusted in addition to the system CAs (private and test CAs)
  std::string preferred_chain;    // issuer CN of the chain's top certificate (Link rel="alternate")
  bool agree_tos = false;
  AcmeChallengeKind challenge = AcmeChallengeKind::Http01;  // the manifest line's "challenge"
  // What makes two entries use the same account with the same client (directory, key, trust).
  std::string account_id() const { return directory + '\n' + account_key + '\n' + ca_bundle; }
};

struct ManifestEntry {
  std::string id;                  // [A-Za-z0-9._-]{1,64}, unique in the manifest
  std::vector<std::string> names;  // canonical; the first is the common name
  // CertCentral: the request token's method. ACME: where the challenge is published (http-01:
  // Http, dns-01: Dns), so the same publishers serve both.
  DcvMethod method = DcvMethod::Dns;
  std::optional<AcmeCaSpec> acme;  // absent: CertCentral, with the run's API key and AuthKey
  std::string product = "ssl_dv_geotrust";
  PublisherSpec publish;
  KeyType key_type = KeyType::P256;
  std::string csr_path, key_path;  // given: use them; empty: generated under the state dir
  std::string out_dir;             // default: certs/<id> next to the manifest
  // Certificate files in out_dir that dcvkit did not write may be replaced (default: refused
  // before ordering; files of this entry's earlier issuance are always replaced).
  bool replace_files = false;
  std::optional<int> validity_days;
  // "deploy": {"hook": CMD, "delay": "10m", "timeout": "5m"}: run once per newly issued certificate,
  // after its files are written (a ledger step of its own: retried by the next run, never a re-issue).
  DeployHook deploy;
  // "privkey": true puts privkey.pem (0600) beside the chain; "formats": ["der", "p7b", "pfx"] adds
  // cert.der, chain.p7b, cert.pfx — all in the same all-or-nothing set as the PEM files. A PFX is
  // locked with the password in "pfx_password_file" (else $DCVKIT_PFX_PASSWORD), "pfx_profile"
  // modern (AES-256/SHA-256, default) or legacy (3DES/SHA-1, for old Windows and Java importers).
  bool privkey = false;
  std::vector<cert::Format> formats;
  std::string pfx_password_file;
  cert::Pkcs12Profile pfx_profile = cert::Pkcs12Profile::Modern;
  // "key_policy": "reuse" (default: a renewal orders with the same key) or "rotate" (a new key and
  // CSR for each renewal, as certbot does by default; the old key file is kept until the new
  // certificate's files are in place). Only for generated keys.
  bool rotate_key = false;
  std::string spec_json;           // the line, normalised (what the ledger keeps for renewals)
  std::size_t line = 0;            // 1-based line in the manifest
};

// One line holds one certificate of at most 250 names: a megabyte is far beyond any real line,
// and bounds what a file without line breaks can make us hold.
inline constexpr std::size_t kMaxManifestLineBytes = std::size_t{1024} * 1024;

// Every error names the file and line ("manifest.jsonl:7: ...") and says how to fix it.
Result<std::vector<ManifestEntry>> load_manifest(const std::string& path);
// The streaming form: each entry goes to `visit` as its line is read, so memory stays bounded by
// one line plus the set of ids seen (for the uniqueness check), whatever the number of lines.
// `origin` prefixes errors; `base_dir` resolves relative paths. Stops at the first error, from the
// manifest or from `visit`. An input without a single entry is an error, as for load_manifest.
Status read_manifest(std::istream& in, const std::string& origin, const std::string& base_dir,
                     const std::function<Status(ManifestEntry&&)>& visit);
// The reader behind read_manifest, one entry per call: the next entry, nullopt at the end, or the
// first error. Without `check_unique`, ids are not collected (for input already checked).
class ManifestReader {
 public:
  ManifestReader(std::istream& in, std::string origin, std::string base_dir, bool check_unique = true);
  Result<std::optional<ManifestEntry>> next();

 private:
  std::istream& in_;
  std::string origin_, base_dir_;
  bool check_unique_;
  std::map<std::string, std::string> ids_;  // lower-cased id -> the id as written
  std::size_t line_ = 0, entries_ = 0;
};

// A manifest file as `dcvkit run` reads it: open() reads it whole once, so that a bad line
// anywhere is reported before anything is ordered and the number of certificates is known; next()
// then reads it again, one entry at a time, so a run of a million lines never holds them all.
// A file changed between the two passes gives manifest.changed.
class ManifestFile {
 public:
  static Result<std::unique_ptr<ManifestFile>> open(const std::string& path);
  std::size_t size() const { return size_; }
  // Of size(): the entries ordered from CertCentral (those need the run's API key and AuthKey).
  std::size_t certcentral_entries() const { return certcentral_; }
  Result<std::optional<ManifestEntry>> next();

 private:
  explicit ManifestFile(const std::string& path);
  Error changed(const std::string& detail) const;

  std::string path_, base_dir_;
  std::ifstream in_;
  std::optional<ManifestReader> reader_;
  std::size_t size_ = 0, read_ = 0, certcentral_ = 0;
};

// One line on its own (base_dir resolves relative paths); `where` prefixes errors.
Result<ManifestEntry> parse_manifest_line(std::string_view line, const std::string& base_dir, const std::string& where);

}  // namespace dcvkit
