// A set of certificates in chain order (leaf, intermediates, root), and its path validation.
#include <openssl/pem.h>

#include <algorithm>

#include "cert/x509_util.hpp"
#include "dcvkit/cert_tools.hpp"

namespace dcvkit::cert {
namespace {

using namespace cert_detail;

using X509Store = std::unique_ptr<X509_STORE, FreeWith<X509_STORE_free>>;
using X509StoreCtx = std::unique_ptr<X509_STORE_CTX, FreeWith<X509_STORE_CTX_free>>;

Result<std::vector<ossl::X509Ptr>> parse_all(const std::vector<std::string>& ders) {
  std::vector<ossl::X509Ptr> certs;
  for (std::size_t i = 0; i < ders.size(); ++i) {
    auto c = parse_der(ders[i]);
    if (!c) return invalid("cert.unreadable", "certificate " + std::to_string(i + 1) + " is not a DER certificate");
    certs.push_back(std::move(c));
  }
  if (certs.empty()) return invalid("cert.no_certificate", "no certificate given");
  return certs;
}

// Index of the certificate among `certs` (other than `of`) that issued certs[of].
std::optional<std::size_t> issuer_index(const std::vector<ossl::X509Ptr>& certs, std::size_t of) {
  for (std::size_t j = 0; j < certs.size(); ++j)
    if (j != of && issued_by(certs[of].get(), certs[j].get())) return j;
  return std::nullopt;
}

}  // namespace

Result<ChainOrder> order_chain(const std::vector<std::string>& ders) {
  auto certs = parse_all(ders);
  if (!certs) return certs.error();
  const std::size_t n = certs->size();
  // The leaf issued nothing in the set; among several such, the first that is not a CA.
  std::vector<bool> issued_something(n, false);
  for (std::size_t i = 0; i < n; ++i)
    if (auto j = issuer_index(*certs, i); j && !issued_by((*certs)[i].get(), (*certs)[i].get())) issued_something[*j] = true;
  std::optional<std::size_t> leaf;
  for (std::size_t i = 0; i < n && !leaf; ++i)
    if (!issued_something[i] && X509_check_ca((*certs)[i].get()) == 0) leaf = i;
  for (std::size_t i = 0; i < n && !leaf; ++i)
    if (!issued_something[i]) leaf = i;
  ERR_clear_error();

  ChainOrder out;
  std::vector<bool> used(n, false);
  std::size_t at = leaf.value_or(0);
  for (;;) {
    out.order.push_back(at);
    used[at] = true;
    X509* cert = (*certs)[at].get();
    if (issued_by(cert, cert)) {
      out.ends_in_root = true;
      break;
    }
    auto next = issuer_index(*certs, at);
    if (!next || used[*next]) {
      out.missing_issuer = name_text(X509_get_issuer_name(cert));
      break;
    }
    at = *next;
  }
  for (std::size_t i = 0; i < n; ++i)
    if (!used[i]) out.unused.push_back(i);
  return out;
}

Status verify_path(const std::vector<std::string>& ordered, const std::string& ca_file, UnixSeconds now) {
  auto certs = parse_all(ordered);
  if (!certs) return certs.error();
  X509Store store(X509_STORE_new());
  X509Stack untrusted(sk_X509_new_null());
  X509StoreCtx ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) return openssl_failure("cannot set up path validation");
  if (!ca_file.empty()) {
    if (X509_STORE_load_file(store.get(), ca_file.c_str()) != 1)
      return invalid("cert.bad_ca_file", "cannot read trust anchors from '" + ca_file + "': " + ossl::last_error(),
                     "--ca-file wants PEM certificates");
  } else if (X509_STORE_set_default_paths(store.get()) != 1) {
    return openssl_failure("cannot load the system's trusted CAs");
  }
  // A self-signed root that came with the chain is not trusted because it came: the anchors decide.
  for (std::size_t i = 1; i < certs->size(); ++i) {
    if (!X509_up_ref((*certs)[i].get()) || !sk_X509_push(untrusted.get(), (*certs)[i].get()))
      return openssl_failure("cannot set up path validation");
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), certs->front().get(), untrusted.get()) != 1)
    return openssl_failure("cannot set up path validation");
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), static_cast<time_t>(now));
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    ERR_clear_error();
    return make_error(ErrorKind::CertVerify, "cert.untrusted",
                      std::string("the chain does not verify to ") + (ca_file.empty() ? "a CA this system trusts" : "a CA of '" + ca_file + "'") +
                          ": " + X509_verify_cert_error_string(err) + " (at certificate " + std::to_string(depth + 1) + ")",
                      "add the missing intermediate certificate(s), or pass the right root with --ca-file");
  }
  return {};
}

}  // namespace dcvkit::cert
