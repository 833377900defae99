// The sandbox CA: a root and an intermediate (EC P-256), created in the data dir on first start
// (keys 0600) and reused afterwards; signs leaves from a CSR's public key and the ordered names,
// and a fresh certificate for the HTTPS listener at every start.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dcvkit/error.hpp"
#include "util/openssl_ptr.hpp"

namespace dcvkit::sandbox {

struct LeafRequest {
  EVP_PKEY* public_key = nullptr;  // the CSR's
  std::string common_name;
  std::vector<std::string> names;  // SAN dNSNames, in order
  int validity_days = 199;
};

struct IssuedCertificate {
  std::string serial;  // hex
  std::string leaf_pem, intermediate_pem, root_pem;
  std::string leaf_cn, intermediate_cn, root_cn;
};

struct ServerIdentity {
  ossl::PKey key;
  ossl::X509Ptr certificate;
};

class Ca {
 public:
  // Files in `dir`: ca-root.key, ca-root.pem, ca-intermediate.key, ca-intermediate.pem, and
  // ca-bundle.pem (the root, rewritten at every start). Io errors: the directory is not usable.
  static Result<std::unique_ptr<Ca>> open(const std::string& dir);

  Result<IssuedCertificate> issue(const LeafRequest& request) const;
  // Signed by the intermediate; SANs localhost, 127.0.0.1, ::1 and `listen_host`.
  Result<ServerIdentity> server_identity(const std::string& listen_host) const;
  const X509* intermediate() const { return intermediate_.get(); }
  const std::string& root_pem() const { return root_pem_; }

 private:
  ossl::PKey root_key_, intermediate_key_;
  ossl::X509Ptr root_, intermediate_;
  std::string root_pem_, intermediate_pem_;
};

}  // namespace dcvkit::sandbox
