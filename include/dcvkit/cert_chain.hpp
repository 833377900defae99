// An issued certificate and its chain: put in order, checked before anything is written, then
// written as a set (cert.pem, chain.pem, fullchain.pem, root.pem) with each file replaced
// atomically. A chain that fails the checks is kept aside (received-unverified.pem), never lost.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/cert_tools.hpp"
#include "dcvkit/clock.hpp"
#include "dcvkit/error.hpp"
#include "dcvkit/secret.hpp"

namespace dcvkit {

// What the leaf must be: the CSR's key, the ordered names (plus what check_leaf_names accepts).
struct ChainExpectation {
  std::string public_key_der;      // SubjectPublicKeyInfo (DER) of the CSR
  std::vector<std::string> names;  // canonical names ordered (CN + SANs)
};

// The CSR's SubjectPublicKeyInfo in DER, from its PEM text (InvalidInput "csr.*" when unreadable).
Result<std::string> csr_public_key_der(std::string_view csr_text);
// The CSR itself in DER, from its PEM text (as ACME's finalize sends it, and key checks read it).
Result<std::string> csr_der_of(std::string_view csr_text);

// Every "-----BEGIN CERTIFICATE-----" block of a bundle, in order (InvalidInput when none).
Result<std::vector<std::string>> split_pem_certificates(std::string_view bundle);

// The names rule (docs/ca-rules.md, "Names the CA adds on its own"): the leaf must carry every
// ordered name; a name beyond them is accepted only as the CA's documented automatic addition for
// the order's first registrable name N (the first ordered name that is not a wildcard): "www.N",
// or, when N is "www.M", the bare "M" — at most one such name per certificate, and never a public
// suffix. Anything else the leaf carries is unexpected. Names compare case-insensitively.
struct LeafNameCheck {
  std::vector<std::string> missing;     // ordered, not in the leaf
  std::vector<std::string> added;       // in the leaf, not ordered: the accepted automatic addition
  std::vector<std::string> unexpected;  // in the leaf, not ordered, not acceptable
  bool ok() const { return missing.empty() && unexpected.empty(); }
};
LeafNameCheck check_leaf_names(const std::vector<std::string>& ordered, const std::vector<std::string>& leaf_names);

struct VerifiedChain {
  std::string leaf_pem;
  std::vector<std::string> intermediate_pems;
  std::string root_pem;            // "" when the API sent no self-signed root (then the system CAs anchored it)
  std::vector<std::string> names;  // the leaf's DNS SANs, lowercase, as in the certificate
  std::vector<std::string> added_names;  // of those, the ones the CA added on its own (not ordered)
  bool reordered = false;          // the certificates came in another order than leaf first
  std::string serial_hex;
  std::string issuer;              // one-line RFC 2253
  UnixSeconds not_before = 0, not_after = 0;
};

// `pems`: the certificates as the CA sent them, in any order. Checks, in this order, with
// CertVerify errors: every entry is one certificate ("cert.malformed"); they form one chain —
// sorted leaf, intermediates, root by subject/issuer names and key identifiers, exact duplicates
// dropped ("cert.bad_chain" when they do not); the leaf's key is the CSR's ("cert.key_mismatch");
// the leaf's names pass check_leaf_names ("cert.names_mismatch"); each certificate is signed by
// the next ("cert.bad_chain"); OpenSSL's X509_verify_cert from the leaf to the root sent (trusted
// alone; intermediates untrusted), TLS server purpose, at `now` ("cert.untrusted").
Result<VerifiedChain> verify_chain(const std::vector<std::string>& pems, const ChainExpectation& expected,
                                   UnixSeconds now);

struct ChainFiles {
  std::string cert, chain, fullchain, root;  // root "" when not written
  std::vector<std::string> extras;           // what ExtraOutputs added (privkey.pem, cert.der, ...)
};
ChainFiles chain_files_in(const std::string& dir);

// What a set may hold besides the PEM chain files, written in the same all-or-nothing set:
// privkey.pem (the key as stored, 0600, as certbot users expect beside fullchain.pem), cert.der
// (the leaf, DER), chain.p7b (leaf and intermediates, PKCS#7) and cert.pfx (PKCS#12: the key, the
// leaf and the intermediates under a password; 0600) — for load balancers, CDNs and Windows/Java
// importers that want those.
struct ExtraOutputs {
  const Secret* private_key = nullptr;   // PEM; needed by privkey and Pfx
  bool privkey = false;                  // write privkey.pem
  std::vector<cert::Format> formats;     // Der, P7b, Pfx (Pem is the set itself)
  const Secret* pfx_password = nullptr;  // needed by Pfx
  cert::Pkcs12Profile pfx_profile = cert::Pkcs12Profile::Modern;
  bool empty() const { return !privkey && formats.empty(); }
  bool wants_pfx() const;
  bool needs_key() const { return privkey || wants_pfx(); }
};
// An ExtraOutputs with the key and the password it points at, read once for a write (not
// copyable, so the pointers stay valid).
struct ExtraOutputFiles {
  Secret key, password;
  ExtraOutputs extras;
};
// The files of `extras` in `dir`, in the order they are written.
std::vector<std::string> extra_output_paths(const std::string& dir, const ExtraOutputs& extras);
// Before ordering: the extras can be made for a certificate of this CSR — the key given is the
// CSR's ("cert.key_mismatch"), a PFX has its password — so nothing is bought that cannot be written.
Status check_extra_outputs(const ExtraOutputs& extras, std::string_view csr_pem);
// The file an extra output goes to in `dir` ("privkey.pem", "cert.der", "chain.p7b", "cert.pfx").
std::string extra_output_path(const std::string& dir, std::optional<cert::Format> format);

// Before ordering: creates `dir` (and its parents) when missing, and fails (Io "io.exists") when
// one of the files is already there and overwrite is false — so a refusal never comes after the
// certificate was bought.
Status prepare_chain_dir(const std::string& dir, bool overwrite, const ExtraOutputs& extras = {});
// The same refusal without creating anything (for a dry run, which must fail where the real one would).
Status check_chain_dir(const std::string& dir, bool overwrite, const ExtraOutputs& extras = {});

// Writes the set: all files are staged (fsynced temp files) first, then renamed into place. Without
// overwrite an existing file is an error and any file already renamed is removed again, so
// there is never a partial set; with overwrite each file is replaced atomically.
Result<ChainFiles> write_chain(const VerifiedChain& chain, const std::string& dir, bool overwrite,
                               const ExtraOutputs& extras = {});

// The certificates as one PEM bundle, in the order given, each ending in a newline.
std::string join_pem_bundle(const std::vector<std::string>& pems);

// After a chain the CA issued failed verify_chain: the certificates exactly as received, in
// DIR/received-unverified.pem (0644, replaced atomically; never one of the names a server loads),
// so a paid certificate is never lost. Returns the path.
inline constexpr const char* kReceivedUnverifiedFile = "received-unverified.pem";
std::string received_unverified_path(const std::string& dir);  // "" dir: the working directory
Result<std::string> write_received_unverified(const std::vector<std::string>& pems, const std::string& dir);

// The one way a refused chain is kept and reported: write_received_unverified, then `failed` (what
// verify_chain said, first) tells where the certificates are — also in `also` ("the ledger") when
// given — and its hint how to fetch them again (`fetch_again`: a command).
Error keep_refused_chain(Error failed, const std::vector<std::string>& pems, const std::string& dir,
                         std::string_view fetch_again, std::string_view also = {});

// What delivery says about the order when the chain is refused: the command that fetches the
// certificate again ("dcvkit order download 12 --out-dir D"), and where else it is kept.
struct DeliveryOrder {
  std::string fetch_again;
  std::string also;  // e.g. "the ledger"; "" when nowhere else
};

struct ChainDelivery {
  VerifiedChain chain;
  ChainFiles files;
};

// The one way an issued chain becomes files (order submit/download, run, acme order): verify_chain
// (any order of `pems`); a refused chain goes to keep_refused_chain; then leftovers of a write that
// was killed are removed, the directory made, and the set written (write_chain).
Result<ChainDelivery> deliver_chain(const std::vector<std::string>& pems, const ChainExpectation& expected,
                                    const std::string& dir, bool overwrite, const DeliveryOrder& order, UnixSeconds now,
                                    const ExtraOutputs& extras = {});

}  // namespace dcvkit
