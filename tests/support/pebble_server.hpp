// Debian's Pebble (the Let's Encrypt team's ACME test CA) on loopback: its HTTPS listener gets a
// certificate from a test CA made at start, External Account Binding is required unless told
// otherwise, PEBBLE_VA_NOSLEEP=1, its DNS lookups go to the given server (the test BIND) and its
// http-01 fetches to the given port (the test nginx). ca_bundle() holds the test CA and Pebble's
// roots (regenerated at every start), so a client trusts both with one --ca-bundle.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dcvkit::test {

struct PebbleOptions {
  bool eab_required = true;
  std::uint16_t http_port = 80;       // where the VA fetches http-01 (nginx's port)
  std::string dns_server;             // "127.0.0.1:P": where the VA resolves names
  int nonce_reject_percent = 5;       // PEBBLE_WFE_NONCEREJECT (Pebble's own default is 5)
  int authz_reuse_percent = 0;        // PEBBLE_AUTHZREUSE: 0 so every order validates afresh
  // PEBBLE_ALTERNATE_ROOTS: more roots, each with its own intermediate; every certificate is then
  // offered under each chain (Link: rel="alternate"), the first root's being the default.
  int alternate_roots = 0;
  std::map<std::string, std::string> eab_keys = {
      {"kid-1", "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"},
      {"kid-2", "b10lLJs8l1GPIzsLP0s6pMt8O0XVGnfTaCeROxQM0BIt2XrJMDHJZBM5NuQmQJQH"}};
};

// The common name in a PEM certificate's subject or issuer (`field`: "subject", "issuer"), as
// openssl reads it; empty when it has none.
std::string certificate_cn(const std::string& pem, const std::string& field);

class PebbleServer {
 public:
  explicit PebbleServer(PebbleOptions options);  // starts and waits for the directory; throws otherwise
  ~PebbleServer();
  PebbleServer(const PebbleServer&) = delete;
  PebbleServer& operator=(const PebbleServer&) = delete;

  std::string directory_url() const;              // https://127.0.0.1:P/dir
  // Pebble's HTTPS CA and every root (the default one and the alternates).
  const std::string& ca_bundle() const { return ca_bundle_; }
  // The common names of Pebble's roots (made anew at each start), the default chain's first.
  const std::vector<std::string>& root_names() const { return root_names_; }
  const std::string& dir() const { return dir_; }
  // A file (0600) holding the HMAC key of `kid` as Pebble was configured with it.
  std::string eab_key_file(const std::string& kid) const;
  std::string log() const;
  void stop();

 private:
  bool answers() const;

  PebbleOptions options_;
  std::string dir_, ca_bundle_;
  std::vector<std::string> root_names_;
  std::uint16_t port_ = 0, management_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace dcvkit::test
