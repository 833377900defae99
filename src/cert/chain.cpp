// The certificate chain the API returned, put in order and checked against the order before a
// file is written: the CSR's key, the ordered names (check_leaf_names), each certificate issued
// and signed by the next, and OpenSSL's path validation to the root that came with it.
#include <openssl/pem.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <optional>

#include "csr/der.hpp"
#include "dcvkit/cert_chain.hpp"
#include "dcvkit/csr.hpp"
#include "dcvkit/files.hpp"
#include "dcvkit/time.hpp"
#include "util/openssl_ptr.hpp"
#include "util/strings.hpp"

namespace dcvkit {
namespace {

constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
constexpr mode_t kCertMode = 0644;

using X509Store = std::unique_ptr<X509_STORE, FreeWith<X509_STORE_free>>;
using X509StoreCtx = std::unique_ptr<X509_STORE_CTX, FreeWith<X509_STORE_CTX_free>>;
using X509Stack = std::unique_ptr<STACK_OF(X509), FreeWith<[](STACK_OF(X509)* s) { sk_X509_free(s); }>>;

Error verify_error(std::string code, std::string message, std::string hint = {}) {
  if (hint.empty()) hint = "nothing was written; the order is paid for: fetch it again later with dcvkit order download ID, or contact the CA";
  return make_error(ErrorKind::CertVerify, std::move(code), std::move(message), std::move(hint));
}


ossl::X509Ptr parse_pem_certificate(std::string_view pem) {
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ossl::X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  return cert;
}

std::string to_pem(X509* cert) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string subject_of(const X509* cert, bool issuer = false) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  const X509_NAME* name = issuer ? X509_get_issuer_name(cert) : X509_get_subject_name(cert);
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

UnixSeconds unix_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return to_unix(CivilTime{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec});
}

std::optional<std::string> public_key_der(const EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int n = key ? i2d_PUBKEY(key, &der) : -1;
  if (n <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

// DNS names in the SAN, lowercase; non-DNS entries come back as "<type>:..." so they never match.
std::vector<std::string> san_names(X509* cert) {
  std::vector<std::string> out;
  ossl::GeneralNames names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names.get(), i);
    if (g->type == GEN_DNS) {
      const auto* s = g->d.dNSName;
      out.push_back(detail::ascii_lower(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                      static_cast<std::size_t>(ASN1_STRING_length(s)))));
    } else {
      out.push_back("<non-dns:" + std::to_string(g->type) + ">");
    }
  }
  return out;
}

std::string serial_hex(const X509* cert) {
  ossl::Deleter<BN_free> free_bn;
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (!bn) return {};
  char* hex = BN_bn2hex(bn);
  free_bn(bn);
  std::string out = hex ? hex : "";
  OPENSSL_free(hex);
  return detail::ascii_lower(out);
}

bool self_signed(X509* cert) {
  return X509_check_issued(cert, cert) == X509_V_OK && X509_verify(cert, X509_get0_pubkey(cert)) == 1;
}

std::string list(const std::vector<std::string>& names) {
  std::string out = detail::join(names, ", ");
  return out.empty() ? "(none)" : out;
}

std::string describe(const std::vector<ossl::X509Ptr>& certs, std::size_t i) {
  return "certificate " + std::to_string(i + 1) + " of " + std::to_string(certs.size()) + " (" + subject_of(certs[i].get()) + ")";
}

// Leaf first, then each issuer, the root last, whatever order they came in: `pem_all` is a bundle,
// not a promise of order. X509_check_issued matches names and key identifiers (AKI/SKI) and the
// issuer's key usage; signatures are checked after. The one certificate that issued none of the
// others is the leaf; from it each next one must be the only remaining issuer. Refused
// ("cert.bad_chain") when they do not form one chain: two candidates for the leaf, a certificate
// whose issuer is missing while others are left over, or two possible issuers.
Result<std::vector<ossl::X509Ptr>> into_chain_order(std::vector<ossl::X509Ptr> certs, bool& reordered) {
  for (std::size_t i = 0; i < certs.size(); ++i)
    for (std::size_t j = certs.size(); j-- > i + 1;)
      if (X509_cmp(certs[i].get(), certs[j].get()) == 0) certs.erase(certs.begin() + static_cast<std::ptrdiff_t>(j));
  const std::size_t n = certs.size();
  std::vector<std::vector<std::size_t>> issuers(n);  // issuers[i]: the others that could have issued i
  std::vector<bool> issues_some(n, false);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (i != j && X509_check_issued(certs[j].get(), certs[i].get()) == X509_V_OK) {
        issuers[i].push_back(j);
        issues_some[j] = true;
      }
  ERR_clear_error();
  std::vector<std::size_t> leaves;
  for (std::size_t i = 0; i < n; ++i)
    if (!issues_some[i]) leaves.push_back(i);
  const std::string sent = "the " + std::to_string(n) + " certificates sent do not form one chain: ";
  if (leaves.size() != 1) {
    std::string which;
    for (auto i : leaves) which += (which.empty() ? "" : "; ") + describe(certs, i);
    return verify_error("cert.bad_chain", sent + (leaves.empty() ? "every one issued another (a loop)"
                                                                 : std::to_string(leaves.size()) + " of them issued none of the others: " + which));
  }
  std::vector<std::size_t> order{leaves.front()};
  std::vector<bool> used(n, false);
  used[leaves.front()] = true;
  while (order.size() < n) {
    const std::size_t at = order.back();
    std::vector<std::size_t> next;
    for (auto j : issuers[at])
      if (!used[j]) next.push_back(j);
    if (next.size() != 1)
      return verify_error("cert.bad_chain", sent + (next.empty() ? "the issuer of " + describe(certs, at) + ", " +
                                                                       subject_of(certs[at].get(), true) + ", is not among them"
                                                                 : describe(certs, at) + " has " + std::to_string(next.size()) +
                                                                       " possible issuers among them"));
    used[next.front()] = true;
    order.push_back(next.front());
  }
  std::vector<ossl::X509Ptr> sorted;
  sorted.reserve(order.size());
  for (auto i : order) sorted.push_back(std::move(certs[i]));
  reordered = false;
  for (std::size_t i = 0; i < n; ++i) reordered = reordered || order[i] != i;
  return sorted;
}

std::string names_error(const LeafNameCheck& check, const std::vector<std::string>& leaf_names,
                        const std::vector<std::string>& ordered) {
  std::string out = "the certificate is for " + list(leaf_names) + ", the order was for " + list(ordered);
  if (!check.missing.empty()) out += "; missing: " + list(check.missing);
  if (!check.unexpected.empty()) out += "; not ordered and not the CA's automatic www addition: " + list(check.unexpected);
  return out;
}

Status x509_path_check(const std::vector<ossl::X509Ptr>& certs, bool has_root, UnixSeconds now) {
  X509Store store(X509_STORE_new());
  X509Stack untrusted(sk_X509_new_null());
  X509StoreCtx ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) return make_error(ErrorKind::Internal, "internal.openssl", ossl::last_error());
  const std::size_t last = has_root ? certs.size() - 1 : certs.size();
  if (has_root) {
    if (X509_STORE_add_cert(store.get(), certs.back().get()) != 1)
      return make_error(ErrorKind::Internal, "internal.openssl", ossl::last_error());
  } else if (X509_STORE_set_default_paths(store.get()) != 1) {
    return make_error(ErrorKind::Internal, "internal.openssl", ossl::last_error());
  }
  for (std::size_t i = 1; i < last; ++i) sk_X509_push(untrusted.get(), certs[i].get());
  if (X509_STORE_CTX_init(ctx.get(), store.get(), certs.front().get(), untrusted.get()) != 1)
    return make_error(ErrorKind::Internal, "internal.openssl", ossl::last_error());
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), static_cast<time_t>(now));
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return verify_error("cert.untrusted", std::string("the certificate does not verify to ") +
                                              (has_root ? "the root sent with it" : "a CA this system trusts") + ": " +
                                              X509_verify_cert_error_string(err) + " (depth " +
                                              std::to_string(X509_STORE_CTX_get_error_depth(ctx.get())) + ")");
  }
  return {};
}

}  // namespace

Result<std::string> csr_der_of(std::string_view csr_text) {
  auto text = parse_csr_text(std::string(csr_text), "the CSR");
  if (!text) return text.error();
  auto der = csr_detail::base64_decode(text->base64_body);
  if (!der) return make_error(ErrorKind::InvalidInput, "csr.bad_base64", "the CSR's PEM body is not base64");
  return std::move(*der);
}

Result<std::string> csr_public_key_der(std::string_view csr_text) {
  auto der = csr_der_of(csr_text);
  if (!der) return der.error();
  ossl::X509Req req = csr_detail::parse_der_csr(*der);
  auto key = req ? public_key_der(X509_REQ_get0_pubkey(req.get())) : std::nullopt;
  if (!key) return make_error(ErrorKind::InvalidInput, "csr.no_public_key", "cannot read the CSR's public key");
  return *key;
}

Result<std::vector<std::string>> split_pem_certificates(std::string_view bundle) {
  std::vector<std::string> out;
  for (std::size_t at = bundle.find(kBegin); at != std::string_view::npos; at = bundle.find(kBegin, at)) {
    const std::size_t end = bundle.find(kEnd, at);
    if (end == std::string_view::npos) break;
    out.emplace_back(bundle.substr(at, end + kEnd.size() - at));
    out.back() += '\n';
    at = end + kEnd.size();
  }
  if (out.empty())
    return verify_error("cert.malformed", "the API's answer holds no PEM certificate", "run with -v to see the answer");
  return out;
}

Result<VerifiedChain> verify_chain(const std::vector<std::string>& pems, const ChainExpectation& expected, UnixSeconds now) {
  if (pems.empty()) return verify_error("cert.malformed", "the API sent no certificate");
  std::vector<ossl::X509Ptr> received;
  for (std::size_t i = 0; i < pems.size(); ++i) {
    auto blocks = split_pem_certificates(pems[i]);
    ossl::X509Ptr cert = blocks && blocks->size() == 1 ? parse_pem_certificate(blocks->front()) : nullptr;
    if (!cert)
      return verify_error("cert.malformed", "certificate " + std::to_string(i + 1) + " of " + std::to_string(pems.size()) +
                                                " is not exactly one readable PEM certificate");
    received.push_back(std::move(cert));
  }
  bool reordered = false;
  auto sorted = into_chain_order(std::move(received), reordered);
  if (!sorted) return sorted.error();
  const std::vector<ossl::X509Ptr>& certs = *sorted;
  X509* leaf = certs.front().get();

  const auto leaf_key = public_key_der(X509_get0_pubkey(leaf));
  if (!leaf_key || *leaf_key != expected.public_key_der)
    return verify_error("cert.key_mismatch", "the certificate's public key is not the CSR's (" + subject_of(leaf) + ")");

  const auto sans = san_names(leaf);
  const LeafNameCheck names = check_leaf_names(expected.names, sans);
  if (!names.ok()) return verify_error("cert.names_mismatch", names_error(names, sans, expected.names));

  for (std::size_t i = 0; i + 1 < certs.size(); ++i) {
    X509* issuer = certs[i + 1].get();
    if (X509_check_issued(issuer, certs[i].get()) != X509_V_OK || X509_verify(certs[i].get(), X509_get0_pubkey(issuer)) != 1) {
      ERR_clear_error();
      return verify_error("cert.bad_chain", "certificate " + std::to_string(i + 1) + " (" + subject_of(certs[i].get()) +
                                                ") is not signed by the next one in the chain (" + subject_of(issuer) + ")");
    }
  }
  const bool has_root = certs.size() > 1 && self_signed(certs.back().get());
  ERR_clear_error();
  if (auto ok = x509_path_check(certs, has_root, now); !ok) return ok.error();

  VerifiedChain v;
  v.leaf_pem = to_pem(leaf);
  for (std::size_t i = 1; i < certs.size(); ++i) {
    if (has_root && i + 1 == certs.size())
      v.root_pem = to_pem(certs[i].get());
    else
      v.intermediate_pems.push_back(to_pem(certs[i].get()));
  }
  v.names = sans;
  v.added_names = names.added;
  v.reordered = reordered;
  v.serial_hex = serial_hex(leaf);
  v.issuer = subject_of(leaf, true);
  v.not_before = unix_time(X509_get0_notBefore(leaf));
  v.not_after = unix_time(X509_get0_notAfter(leaf));
  return v;
}

ChainFiles chain_files_in(const std::string& dir) {
  const std::string base = dir.empty() ? "." : dir;
  return {base + "/cert.pem", base + "/chain.pem", base + "/fullchain.pem", base + "/root.pem", {}};
}

Status prepare_chain_dir(const std::string& dir, bool overwrite, const ExtraOutputs& extras) {
  std::error_code ec;
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec)
    return make_error(ErrorKind::Io, "io.mkdir_failed", "cannot create the directory '" + dir + "': " + ec.message(),
                      "choose another --out-dir");
  return check_chain_dir(dir, overwrite, extras);
}

Status check_chain_dir(const std::string& dir, bool overwrite, const ExtraOutputs& extras) {
  if (overwrite) return {};
  const ChainFiles f = chain_files_in(dir);
  std::vector<std::string> paths = {f.cert, f.chain, f.fullchain, f.root};
  for (auto& extra : extra_output_paths(dir, extras)) paths.push_back(std::move(extra));
  for (const auto& path : paths) {
    if (auto absent = ensure_absent(path, "certificate file"); !absent) {
      Error e = absent.error();
      e.hint = "pass --force to replace the set, or choose another --out-dir";
      return e;
    }
  }
  return {};
}

bool ExtraOutputs::wants_pfx() const { return std::count(formats.begin(), formats.end(), cert::Format::Pfx) > 0; }

std::string extra_output_path(const std::string& dir, std::optional<cert::Format> format) {
  const std::string base = (dir.empty() ? std::string(".") : dir) + "/";
  if (!format) return base + "privkey.pem";
  switch (*format) {
    case cert::Format::Der: return base + "cert.der";
    case cert::Format::P7b: return base + "chain.p7b";
    case cert::Format::Pfx: return base + "cert.pfx";
    case cert::Format::Pem: break;
  }
  return base + "cert.pem";
}

std::vector<std::string> extra_output_paths(const std::string& dir, const ExtraOutputs& extras) {
  std::vector<std::string> out;
  if (extras.privkey) out.push_back(extra_output_path(dir, std::nullopt));
  for (const auto format : extras.formats)
    if (format != cert::Format::Pem) out.push_back(extra_output_path(dir, format));
  return out;
}

namespace {

constexpr mode_t kKeyMode = 0600;

Status pfx_password_there(const ExtraOutputs& extras) {
  if (!extras.wants_pfx() || (extras.pfx_password != nullptr && !extras.pfx_password->view().empty())) return {};
  return make_error(ErrorKind::Usage, "cert.password_needed", "cert.pfx needs a password",
                    "give a password file (never on the command line), or DCVKIT_PFX_PASSWORD");
}

// The extras' key as PKCS#8 DER, once it is known to be the key of `holder` (a certificate or a
// CSR, DER): privkey.pem or a PFX that does not fit cert.pem is the upload error people make most.
Result<Secret> matching_key(const ExtraOutputs& extras, std::string_view holder_der, cert::KeyHolder holder) {
  if (extras.private_key == nullptr)
    return make_error(ErrorKind::Usage, "cert.key_needed", "privkey.pem and cert.pfx need the certificate's private key",
                      "give the key (a generated key is always known; with a CSR of your own, give its key too)");
  auto pkcs8 = cert::read_private_key(extras.private_key->view(), nullptr);
  if (!pkcs8) return pkcs8.error();
  auto match = cert::match_key(holder_der, holder, *pkcs8);
  if (!match) return match.error();
  if (!match->match) {
    const std::string of = holder == cert::KeyHolder::Csr ? "the CSR's" : "the certificate's";
    return make_error(ErrorKind::InvalidInput, "cert.key_mismatch",
                      "the private key (" + match->private_key_type + ") is not " + of + " (" + match->holder_key_type +
                          "): privkey.pem and cert.pfx would not fit cert.pem",
                      "give the key the CSR was made with");
  }
  return std::move(*pkcs8);
}

// The DER of each PEM certificate, in order.
Result<std::vector<std::string>> ders_of(const std::vector<std::string>& pems) {
  std::vector<std::string> out;
  for (const auto& pem : pems) {
    auto bundle = cert::read_bundle(pem, nullptr);
    if (!bundle) return bundle.error();
    out.insert(out.end(), bundle->certs.begin(), bundle->certs.end());
  }
  return out;
}

// The bytes of each extra output (kept alive in `keep` and `secrets` while the set is written).
Status add_extras(const VerifiedChain& chain, const std::string& dir, const ExtraOutputs& extras,
                  std::vector<FileContent>& contents, std::vector<std::string>& keep, std::vector<Secret>& secrets) {
  if (extras.empty()) return {};
  if (auto ok = pfx_password_there(extras); !ok) return ok;
  std::vector<std::string> pems = {chain.leaf_pem};
  pems.insert(pems.end(), chain.intermediate_pems.begin(), chain.intermediate_pems.end());
  auto ders = ders_of(pems);
  if (!ders) return ders.error();
  Secret pkcs8;
  if (extras.needs_key()) {
    auto key = matching_key(extras, ders->front(), cert::KeyHolder::Certificate);
    if (!key) return key.error();
    pkcs8 = std::move(*key);
  }
  keep.reserve(extras.formats.size());
  secrets.reserve(extras.formats.size());
  const auto paths = extra_output_paths(dir, extras);
  auto path = paths.begin();
  if (extras.privkey) contents.push_back({*path++, extras.private_key->view(), kKeyMode});
  for (const auto format : extras.formats) {
    if (format == cert::Format::Pfx) {
      auto pfx = cert::encode_pkcs12(*ders, pkcs8, *extras.pfx_password, extras.pfx_profile, "dcvkit");
      if (!pfx) return pfx.error();
      secrets.push_back(std::move(*pfx));
      contents.push_back({*path++, secrets.back().view(), kKeyMode});
    } else if (format == cert::Format::Der || format == cert::Format::P7b) {
      auto encoded = cert::encode_certificates(format == cert::Format::Der ? std::vector<std::string>{ders->front()} : *ders, format);
      if (!encoded) return encoded.error();
      keep.push_back(std::move(*encoded));
      contents.push_back({*path++, keep.back(), kCertMode});
    }
  }
  return {};
}

}  // namespace

Status check_extra_outputs(const ExtraOutputs& extras, std::string_view csr_pem) {
  if (auto ok = pfx_password_there(extras); !ok) return ok;
  if (extras.private_key == nullptr) return {};
  auto der = csr_der_of(csr_pem);
  if (!der) return der.error();
  auto key = matching_key(extras, *der, cert::KeyHolder::Csr);
  if (!key) return key.error();
  return {};
}

Result<ChainFiles> write_chain(const VerifiedChain& chain, const std::string& dir, bool overwrite, const ExtraOutputs& extras) {
  ChainFiles files = chain_files_in(dir);
  std::string intermediates;
  for (const auto& p : chain.intermediate_pems) intermediates += p;
  const std::string fullchain = chain.leaf_pem + intermediates;
  std::vector<FileContent> contents = {{files.cert, chain.leaf_pem, kCertMode},
                                      {files.chain, intermediates, kCertMode},
                                      {files.fullchain, fullchain, kCertMode}};
  if (!chain.root_pem.empty()) contents.push_back({files.root, chain.root_pem, kCertMode});
  std::vector<std::string> keep;
  std::vector<Secret> secrets;
  if (auto ok = add_extras(chain, dir, extras, contents, keep, secrets); !ok) return ok.error();
  files.extras = extra_output_paths(dir, extras);
  if (auto ok = write_file_set(contents, overwrite); !ok) return ok.error();
  if (chain.root_pem.empty()) {
    if (overwrite) ::unlink(files.root.c_str());  // a root.pem from an earlier set would not belong to this one
    files.root.clear();
  }
  return files;
}

std::string join_pem_bundle(const std::vector<std::string>& pems) {
  std::string bundle;
  for (const auto& p : pems) {
    bundle += p;
    if (!p.empty() && p.back() != '\n') bundle += '\n';
  }
  return bundle;
}

std::string received_unverified_path(const std::string& dir) {
  return (dir.empty() ? std::string(".") : dir) + "/" + kReceivedUnverifiedFile;
}

Result<std::string> write_received_unverified(const std::vector<std::string>& pems, const std::string& dir) {
  const std::string path = received_unverified_path(dir);
  std::error_code ec;
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (auto st = write_file_atomic(path, join_pem_bundle(pems), kCertMode, true); !st) return st.error();
  return path;
}

Error keep_refused_chain(Error failed, const std::vector<std::string>& pems, const std::string& dir,
                         std::string_view fetch_again, std::string_view also) {
  const std::string in_also = also.empty() ? "" : std::string(also) + " and ";
  if (auto kept = write_received_unverified(pems, dir))
    failed.message += "; nothing was installed: the certificates as received are in " + in_also + *kept +
                      " (not verified: do not install them)";
  else if (!also.empty())
    failed.message += "; nothing was installed: the certificates as received are in " + std::string(also) + " (" +
                      kept.error().message + ")";
  else
    failed.message += "; nothing was installed, and the certificates as received could not be kept: " + kept.error().message;
  failed.hint = "the certificate is issued and paid for: look at what failed, then fetch it again with " +
                std::string(fetch_again) + " (or ask the CA to reissue it)";
  return failed;
}

}  // namespace dcvkit
