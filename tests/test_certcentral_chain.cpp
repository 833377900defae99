// Chain verification with real certificates made here (root -> intermediate -> leaf): a good
// chain passes in any order; a wrong key, wrong names (beyond the CA's automatic www addition),
// certificates that form no single chain, a bad signature, an expired leaf or an intermediate that
// is no CA fail with their own codes; files are written as a set; a refused chain is kept aside.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>

#include "dcvkit/cert_chain.hpp"
#include "dcvkit/csr.hpp"
#include "dcvkit/files.hpp"
#include "support/temp_dir.hpp"
#include "util/openssl_ptr.hpp"

namespace {

using namespace dcvkit;
using dcvkit::test::TempDir;

ossl::PKey new_key() { return ossl::PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

std::string spki(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr) << value;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

struct CertSpec {
  std::string cn;
  EVP_PKEY* key;                 // the certificate's key
  X509* issuer = nullptr;        // null: self-signed
  EVP_PKEY* issuer_key = nullptr;
  bool ca = false;
  std::vector<std::string> sans{};
  long not_before = -60, not_after = 86400 * 90;
  bool cert_sign_anyway = false;  // keyCertSign even when not a CA (basicConstraints CA:FALSE)
};

ossl::X509Ptr make_cert(const CertSpec& s) {
  ossl::X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  static long serial = 1000;
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), s.not_before);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), s.not_after);
  X509_set_pubkey(cert.get(), s.key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(s.cn.c_str()), -1, -1, 0);
  X509* issuer = s.issuer ? s.issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));
  add_ext(cert.get(), issuer, NID_basic_constraints, s.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_ext(cert.get(), issuer, NID_key_usage,
          s.ca || s.cert_sign_anyway ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add_ext(cert.get(), issuer, NID_subject_key_identifier, "hash");
  if (s.issuer) add_ext(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
  if (!s.ca) add_ext(cert.get(), issuer, NID_ext_key_usage, "serverAuth");
  if (!s.sans.empty()) {
    std::string san;
    for (const auto& n : s.sans) san += (san.empty() ? "DNS:" : ",DNS:") + n;
    add_ext(cert.get(), issuer, NID_subject_alt_name, san.c_str());
  }
  X509_sign(cert.get(), s.issuer_key ? s.issuer_key : s.key, EVP_sha256());
  return cert;
}

std::string pem(X509* cert) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}


class CertCentralChain : public ::testing::Test {
 protected:
  void SetUp() override {
    root = make_cert({"Test Root", root_key.get(), nullptr, nullptr, true});
    inter = make_cert({"Test Intermediate", inter_key.get(), root.get(), root_key.get(), true});
    leaf = make_cert({"shop.example.test", leaf_key.get(), inter.get(), inter_key.get(), false, names});
    expected = {spki(leaf_key.get()), names};
  }
  std::vector<std::string> good() const { return {pem(leaf.get()), pem(inter.get()), pem(root.get())}; }
  std::string code_of(const std::vector<std::string>& pems, const ChainExpectation& e) const {
    auto r = verify_chain(pems, e, std::time(nullptr));
    if (r) return "ok";
    EXPECT_EQ(r.error().kind, ErrorKind::CertVerify) << r.error().code;
    EXPECT_FALSE(r.error().message.empty());
    return r.error().code;
  }

  std::vector<std::string> names{"shop.example.test", "www.shop.example.test"};
  ossl::PKey root_key = new_key(), inter_key = new_key(), leaf_key = new_key();
  ossl::X509Ptr root, inter, leaf;
  ChainExpectation expected;
};

TEST_F(CertCentralChain, GoodChainVerifies) {
  auto v = verify_chain(good(), expected, std::time(nullptr));
  ASSERT_TRUE(v) << v.error().code << ": " << v.error().message;
  EXPECT_EQ(v->leaf_pem, pem(leaf.get()));
  ASSERT_EQ(v->intermediate_pems.size(), 1u);
  EXPECT_EQ(v->intermediate_pems[0], pem(inter.get()));
  EXPECT_EQ(v->root_pem, pem(root.get()));
  EXPECT_EQ(v->names, names);
  EXPECT_NE(v->issuer.find("Test Intermediate"), std::string::npos);
  EXPECT_GT(v->not_after, v->not_before);
  EXPECT_FALSE(v->serial_hex.empty());
  // Names compare as a set, case-insensitively.
  EXPECT_EQ(code_of(good(), {expected.public_key_der, {"WWW.shop.example.test", "shop.example.test"}}), "ok");
}

TEST_F(CertCentralChain, CsrKeyIsWhatTheLeafMustCarry) {
  CsrRequest r;
  r.common_name = "shop.example.test";
  auto csr = generate_csr(r);
  ASSERT_TRUE(csr);
  auto der = csr_public_key_der(csr->csr_pem);
  ASSERT_TRUE(der);
  ossl::Bio bio(BIO_new_mem_buf(csr->private_key_pem.view().data(), static_cast<int>(csr->private_key_pem.size())));
  ossl::PKey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(key);
  EXPECT_EQ(*der, spki(key.get()));
  EXPECT_FALSE(csr_public_key_der("not a csr"));
}

TEST_F(CertCentralChain, WrongKey) {
  auto other = new_key();
  auto wrong = make_cert({"shop.example.test", other.get(), inter.get(), inter_key.get(), false, names});
  EXPECT_EQ(code_of({pem(wrong.get()), pem(inter.get()), pem(root.get())}, expected), "cert.key_mismatch");
}

TEST_F(CertCentralChain, WrongNames) {
  auto fewer = make_cert({"shop.example.test", leaf_key.get(), inter.get(), inter_key.get(), false, {"shop.example.test"}});
  EXPECT_EQ(code_of({pem(fewer.get()), pem(inter.get()), pem(root.get())}, expected), "cert.names_mismatch");
  auto more = make_cert({"shop.example.test", leaf_key.get(), inter.get(), inter_key.get(), false,
                         {"shop.example.test", "www.shop.example.test", "evil.example.test"}});
  EXPECT_EQ(code_of({pem(more.get()), pem(inter.get()), pem(root.get())}, expected), "cert.names_mismatch");
  auto none = make_cert({"shop.example.test", leaf_key.get(), inter.get(), inter_key.get(), false, {}});
  EXPECT_EQ(code_of({pem(none.get()), pem(inter.get()), pem(root.get())}, expected), "cert.names_mismatch");
}

TEST_F(CertCentralChain, AnyOrderIsSortedLeafFirst) {
  const std::string l = pem(leaf.get()), i = pem(inter.get()), r = pem(root.get());
  const std::vector<std::vector<std::string>> orders = {{l, i, r}, {l, r, i}, {i, l, r}, {i, r, l}, {r, l, i}, {r, i, l}};
  for (const auto& order : orders) {
    auto v = verify_chain(order, expected, std::time(nullptr));
    ASSERT_TRUE(v) << v.error().code << ": " << v.error().message;
    EXPECT_EQ(v->leaf_pem, l);
    EXPECT_EQ(v->intermediate_pems, std::vector<std::string>{i});
    EXPECT_EQ(v->root_pem, r);
    EXPECT_EQ(v->reordered, order.front() != l || order[1] != i);
  }
  // A certificate sent twice is the same certificate.
  auto twice = verify_chain({r, l, i, l}, expected, std::time(nullptr));
  ASSERT_TRUE(twice) << twice.error().message;
  EXPECT_EQ(twice->intermediate_pems.size(), 1u);
}

TEST_F(CertCentralChain, RefusedOnlyWhenTheyDoNotFormOneChain) {
  EXPECT_EQ(code_of({pem(leaf.get()), pem(root.get())}, expected), "cert.bad_chain") << "intermediate missing";
  auto stray_key = new_key();
  auto stray_root = make_cert({"Another Root", stray_key.get(), nullptr, nullptr, true});
  EXPECT_EQ(code_of({pem(leaf.get()), pem(inter.get()), pem(root.get()), pem(stray_root.get())}, expected), "cert.bad_chain")
      << "a certificate that belongs to no chain here";
  // Two intermediates that could both have issued the leaf (same name and key): which one is meant?
  auto twin = make_cert({"Test Intermediate", inter_key.get(), root.get(), root_key.get(), true});
  EXPECT_EQ(code_of({pem(leaf.get()), pem(inter.get()), pem(twin.get()), pem(root.get())}, expected), "cert.bad_chain");
  auto r = verify_chain({pem(root.get()), pem(leaf.get())}, expected, std::time(nullptr));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("do not form one chain"), std::string::npos) << r.error().message;
  // Same issuer name and key identifier, signed by another key: sorted, then the signature fails.
  auto impostor_key = new_key();
  auto forged = make_cert({"shop.example.test", leaf_key.get(), inter.get(), impostor_key.get(), false, names});
  EXPECT_EQ(code_of({pem(inter.get()), pem(forged.get()), pem(root.get())}, expected), "cert.bad_chain");
}

TEST_F(CertCentralChain, TheCasAutomaticWwwAdditionIsAcceptedAndReported) {
  // Ordered: shop.example.test alone; the leaf also carries www.shop.example.test.
  auto v = verify_chain(good(), {expected.public_key_der, {"shop.example.test"}}, std::time(nullptr));
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->added_names, std::vector<std::string>{"www.shop.example.test"});
  EXPECT_EQ(v->names, names);
  auto exact = verify_chain(good(), expected, std::time(nullptr));
  ASSERT_TRUE(exact);
  EXPECT_TRUE(exact->added_names.empty());
  // Anything else still refuses, and says which name is wrong.
  auto more = make_cert({"shop.example.test", leaf_key.get(), inter.get(), inter_key.get(), false,
                         {"shop.example.test", "www.shop.example.test", "evil.example.test"}});
  auto r = verify_chain({pem(more.get()), pem(inter.get()), pem(root.get())}, {expected.public_key_der, {"shop.example.test"}},
                        std::time(nullptr));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "cert.names_mismatch");
  EXPECT_NE(r.error().message.find("not ordered and not the CA's automatic www addition: evil.example.test"), std::string::npos)
      << r.error().message;
}

// The rule of docs/ca-rules.md ("Names the CA adds on its own"), case by case.
TEST(LeafNames, TableOfCases) {
  using V = std::vector<std::string>;
  struct Case {
    const char* what;
    V ordered, leaf, missing, added, unexpected;
  };
  const std::vector<Case> cases = {
      {"exactly the ordered names", {"example.com", "www.example.com"}, {"www.example.com", "example.com"}, {}, {}, {}},
      {"www added to a bare name", {"example.com"}, {"example.com", "www.example.com"}, {}, {"www.example.com"}, {}},
      {"bare name added to a www name", {"www.example.com"}, {"www.example.com", "example.com"}, {}, {"example.com"}, {}},
      {"www added to a subdomain", {"shop.example.test"}, {"shop.example.test", "www.shop.example.test"}, {}, {"www.shop.example.test"}, {}},
      {"compared case-insensitively", {"Shop.Example.TEST"}, {"shop.example.test", "WWW.shop.example.test"}, {}, {"www.shop.example.test"}, {}},
      {"only for the first name", {"a.example.com", "b.example.com"}, {"a.example.com", "b.example.com", "www.b.example.com"}, {}, {}, {"www.b.example.com"}},
      {"first name's partner with several names", {"a.example.com", "b.example.com"}, {"a.example.com", "b.example.com", "www.a.example.com"}, {}, {"www.a.example.com"}, {}},
      {"once per certificate", {"example.com"}, {"example.com", "www.example.com", "www.www.example.com"}, {}, {"www.example.com"}, {"www.www.example.com"}},
      {"no other name", {"example.com"}, {"example.com", "mail.example.com"}, {}, {}, {"mail.example.com"}},
      {"not another domain", {"example.com"}, {"example.com", "www.example.org"}, {}, {}, {"www.example.org"}},
      {"a wildcard is skipped: the first registrable name counts", {"*.example.com", "shop.example.com"}, {"*.example.com", "shop.example.com", "www.shop.example.com"}, {}, {"www.shop.example.com"}, {}},
      {"no addition for a wildcard", {"*.example.com"}, {"*.example.com", "www.*.example.com"}, {}, {}, {"www.*.example.com"}},
      {"no base domain for a wildcard", {"*.example.com"}, {"*.example.com", "example.com"}, {}, {}, {"example.com"}},
      {"never a public suffix", {"www.co.uk"}, {"www.co.uk", "co.uk"}, {}, {}, {"co.uk"}},
      {"partner already ordered: nothing more", {"example.com", "www.example.com"}, {"example.com", "www.example.com", "www.www.example.com"}, {}, {}, {"www.www.example.com"}},
      {"a missing name refuses", {"example.com", "shop.example.com"}, {"example.com", "www.example.com"}, {"shop.example.com"}, {"www.example.com"}, {}},
      {"the partner does not replace the ordered name", {"example.com"}, {"www.example.com"}, {"example.com"}, {"www.example.com"}, {}},
      {"a non-DNS name is unexpected", {"example.com"}, {"example.com", "<non-dns:7>"}, {}, {}, {"<non-dns:7>"}},
      {"no names at all", {"example.com"}, {}, {"example.com"}, {}, {}},
  };
  for (const auto& c : cases) {
    const LeafNameCheck r = check_leaf_names(c.ordered, c.leaf);
    EXPECT_EQ(r.missing, c.missing) << c.what;
    EXPECT_EQ(r.added, c.added) << c.what;
    EXPECT_EQ(r.unexpected, c.unexpected) << c.what;
    EXPECT_EQ(r.ok(), c.missing.empty() && c.unexpected.empty()) << c.what;
  }
}

TEST_F(CertCentralChain, ReceivedButUnverifiedIsKeptAsReceivedUnderItsOwnName) {
  TempDir dir;
  const std::vector<std::string> received = {pem(root.get()), pem(leaf.get())};
  auto path = write_received_unverified(received, dir.file("out"));
  ASSERT_TRUE(path) << path.error().message;
  EXPECT_EQ(*path, dir.file("out") + "/received-unverified.pem");
  EXPECT_EQ(dcvkit::test::read_text(*path), pem(root.get()) + pem(leaf.get()));
  EXPECT_EQ(test::file_mode(*path), 0644u);
  EXPECT_FALSE(std::filesystem::exists(dir.file("out/cert.pem")));
  // A second failure replaces it (the CA keeps the certificate: it can always be fetched again).
  ASSERT_TRUE(write_received_unverified({pem(leaf.get())}, dir.file("out")));
  EXPECT_EQ(dcvkit::test::read_text(*path), pem(leaf.get()));
}

// deliver_chain is what order submit/download, run and acme order all call.
TEST_F(CertCentralChain, DeliveryVerifiesClearsLeftoversAndWritesOrKeepsTheChain) {
  TempDir dir;
  const std::string out = dir.file("site");
  std::filesystem::create_directories(out);
  // What a write killed half-way leaves: a staged copy of cert.pem.
  const std::string leftover = dir.write("site/.cert.pem.tmp-k1ll3dh4lf", "half");
  const DeliveryOrder order{"dcvkit order download 77 --out-dir " + out, "the ledger"};
  auto d = deliver_chain({pem(root.get()), pem(leaf.get()), pem(inter.get())}, expected, out, false, order, std::time(nullptr));
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_TRUE(d->chain.reordered);
  EXPECT_EQ(dcvkit::test::read_text(d->files.fullchain), pem(leaf.get()) + pem(inter.get()));
  EXPECT_FALSE(std::filesystem::exists(leftover)) << "staged leftovers go first";

  // Refused (names of another order): nothing installed, the chain kept, the way back named.
  const std::string other = dir.file("other");
  auto refused = deliver_chain(good(), {expected.public_key_der, {"other.example.test"}}, other, false, order, std::time(nullptr));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "cert.names_mismatch");
  EXPECT_NE(refused.error().message.find("the ledger and " + other + "/received-unverified.pem"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().hint.find("dcvkit order download 77"), std::string::npos) << refused.error().hint;
  EXPECT_TRUE(std::filesystem::exists(other + "/received-unverified.pem"));
  EXPECT_FALSE(std::filesystem::exists(other + "/cert.pem"));
}

TEST_F(CertCentralChain, PathValidationFailures) {
  auto expired = make_cert({"shop.example.test", leaf_key.get(), inter.get(), inter_key.get(), false, names, -86400 * 10, -86400});
  EXPECT_EQ(code_of({pem(expired.get()), pem(inter.get()), pem(root.get())}, expected), "cert.untrusted");
  // An intermediate that may sign certificates by its key usage but is no CA (basicConstraints):
  // only the path validation sees it.
  auto not_ca = make_cert({"Test Intermediate", inter_key.get(), root.get(), root_key.get(), false, {}, -60, 86400, true});
  auto under = make_cert({"shop.example.test", leaf_key.get(), not_ca.get(), inter_key.get(), false, names});
  EXPECT_EQ(code_of({pem(under.get()), pem(not_ca.get()), pem(root.get())}, expected), "cert.untrusted");
  // One that may not sign certificates at all is not its issuer.
  auto no_sign = make_cert({"Test Intermediate", inter_key.get(), root.get(), root_key.get(), false});
  EXPECT_EQ(code_of({pem(under.get()), pem(no_sign.get()), pem(root.get())}, expected), "cert.bad_chain");
  // Without a root the system's CAs must anchor it: they do not know this test root.
  EXPECT_EQ(code_of({pem(leaf.get()), pem(inter.get())}, expected), "cert.untrusted");
}

TEST_F(CertCentralChain, Malformed) {
  EXPECT_EQ(code_of({}, expected), "cert.malformed");
  EXPECT_EQ(code_of({"garbage"}, expected), "cert.malformed");
  EXPECT_EQ(code_of({pem(leaf.get()) + pem(inter.get()), pem(root.get())}, expected), "cert.malformed") << "two in one entry";
  std::string damaged = pem(leaf.get());
  damaged[damaged.size() / 2] = damaged[damaged.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_NE(code_of({damaged, pem(inter.get()), pem(root.get())}, expected), "ok");
}

TEST_F(CertCentralChain, SplitsBundles) {
  auto split = split_pem_certificates("text before\n" + pem(leaf.get()) + pem(inter.get()) + "\r\n" + pem(root.get()));
  ASSERT_TRUE(split);
  ASSERT_EQ(split->size(), 3u);
  EXPECT_EQ((*split)[0], pem(leaf.get()));
  EXPECT_TRUE(verify_chain(*split, expected, std::time(nullptr)));
  EXPECT_FALSE(split_pem_certificates("no certificates"));
}

TEST_F(CertCentralChain, WritesTheSetAtomically) {
  TempDir dir;
  const std::string out = dir.file("certs/deep");
  ASSERT_TRUE(prepare_chain_dir(out, false));
  auto v = verify_chain(good(), expected, std::time(nullptr));
  ASSERT_TRUE(v);
  auto files = write_chain(*v, out, false);
  ASSERT_TRUE(files) << files.error().message;
  EXPECT_EQ(dcvkit::test::read_text(files->cert), pem(leaf.get()));
  EXPECT_EQ(dcvkit::test::read_text(files->chain), pem(inter.get()));
  EXPECT_EQ(dcvkit::test::read_text(files->fullchain), pem(leaf.get()) + pem(inter.get()));
  EXPECT_EQ(dcvkit::test::read_text(files->root), pem(root.get()));
  EXPECT_EQ(test::file_mode(files->cert), 0644u);
  EXPECT_EQ(std::filesystem::directory_iterator(out) == std::filesystem::directory_iterator(), false);
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(out)) ++count;
  EXPECT_EQ(count, 4u) << "no temp files left";

  auto refused = prepare_chain_dir(out, false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::Io);
  EXPECT_NE(refused.error().hint.find("--force"), std::string::npos);
  EXPECT_TRUE(prepare_chain_dir(out, true));
  EXPECT_TRUE(write_chain(*v, out, true)) << "--force replaces the set";
}

TEST_F(CertCentralChain, NeverLeavesAPartialSet) {
  TempDir dir;
  auto v = verify_chain(good(), expected, std::time(nullptr));
  ASSERT_TRUE(v);
  // fullchain.pem appears between the check and the write: nothing of ours may stay.
  ASSERT_TRUE(prepare_chain_dir(dir.path().string(), false));
  dir.write("fullchain.pem", "someone else's");
  auto files = write_chain(*v, dir.path().string(), false);
  ASSERT_FALSE(files);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"fullchain.pem"});
  EXPECT_EQ(dcvkit::test::read_text(dir.file("fullchain.pem")), "someone else's");
}

TEST_F(CertCentralChain, WithoutRootNoRootFile) {
  TempDir dir;
  VerifiedChain v;
  v.leaf_pem = pem(leaf.get());
  v.intermediate_pems = {pem(inter.get())};
  dir.write("root.pem", "old root");
  auto files = write_chain(v, dir.path().string(), true);
  ASSERT_TRUE(files);
  EXPECT_TRUE(files->root.empty());
  EXPECT_FALSE(std::filesystem::exists(dir.file("root.pem"))) << "a root from an earlier set does not belong to this one";
}

}  // namespace
