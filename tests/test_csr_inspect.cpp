// Parsing and signature-checking CSRs: key description, subject, CN/SAN/IP extraction, names().
#include <gtest/gtest.h>
#include <openssl/err.h>

#include "dcvkit/csr.hpp"
#include "support/csr_fixtures.hpp"

namespace dcvkit {
namespace {

using test::CsrSpec;
using test::FixtureKey;

Result<CsrInfo> inspect_spec(const CsrSpec& spec) {
  auto csr = parse_csr_text(test::csr_pem(spec), "spec.csr");
  if (!csr) return csr.error();
  return inspect_csr(*csr);
}

struct KeyExpectation {
  FixtureKey key;
  std::string type;
  int bits;
  std::string curve;
  std::string signature;
  bool weak;
};

class CsrInspectKey : public ::testing::TestWithParam<KeyExpectation> {};

TEST_P(CsrInspectKey, DescribesTypeSizeAndSignature) {
  const auto& want = GetParam();
  auto info = inspect_spec({.key = want.key, .common_name = "www.example.com", .dns_names = {"www.example.com"}});
  ASSERT_TRUE(info.ok()) << info.error().code << ": " << info.error().message;
  EXPECT_EQ(info->key_type, want.type);
  EXPECT_EQ(info->key_bits, want.bits);
  EXPECT_EQ(info->curve, want.curve);
  EXPECT_EQ(info->signature_algorithm, want.signature);
  EXPECT_EQ(info->weak_key, want.weak);
}

INSTANTIATE_TEST_SUITE_P(
    CsrTypes, CsrInspectKey,
    ::testing::Values(KeyExpectation{FixtureKey::Rsa1024, "RSA", 1024, "", "sha256WithRSAEncryption", true},
                      KeyExpectation{FixtureKey::Rsa2048, "RSA", 2048, "", "sha256WithRSAEncryption", false},
                      KeyExpectation{FixtureKey::P256, "EC", 256, "P-256", "ecdsa-with-SHA256", false},
                      KeyExpectation{FixtureKey::P384, "EC", 384, "P-384", "ecdsa-with-SHA256", false},
                      KeyExpectation{FixtureKey::P521, "EC", 521, "P-521", "ecdsa-with-SHA256", false},
                      KeyExpectation{FixtureKey::Ed25519, "ED25519", 253, "", "ED25519", false},
                      KeyExpectation{FixtureKey::Ed448, "ED448", 456, "", "ED448", false}));

TEST(CsrInspect, ExtractsCnSansAndIps) {
  auto info = inspect_spec({.common_name = "Www.Example.COM",
                            .organization = "Example Ltd",
                            .dns_names = {"www.example.com", "API.Example.com", "www.example.com"},
                            .ip_addresses = {"192.0.2.1", "2001:db8::1"}});
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->common_name, "Www.Example.COM");
  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"www.example.com", "api.example.com", "www.example.com"}));
  EXPECT_EQ(info->ip_addresses, (std::vector<std::string>{"192.0.2.1", "2001:db8::1"}));
  EXPECT_EQ(info->subject, "O=Example Ltd,CN=Www.Example.COM");
  EXPECT_EQ(info->names(), (std::vector<std::string>{"www.example.com", "api.example.com"}));
}

TEST(CsrInspect, CnFirstInNamesEvenWhenNotInSan) {
  auto info = inspect_spec({.common_name = "example.com.", .dns_names = {"www.example.com"}});
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->names(), (std::vector<std::string>{"example.com", "www.example.com"}));
}

TEST(CsrInspect, CnThatIsNotADnsNameIsLeftOutOfNames) {
  for (std::string cn : {"My Company Server", "localhost", "bad_name.example.com", "10.0.0.1"}) {
    auto info = inspect_spec({.common_name = cn, .dns_names = {"www.example.com"}});
    ASSERT_TRUE(info.ok()) << cn;
    EXPECT_EQ(info->common_name, cn);
    EXPECT_EQ(info->names(), (std::vector<std::string>{"www.example.com"})) << cn;
  }
}

TEST(CsrInspect, Utf8CommonNameIsKeptAndPunycodedInNames) {
  auto info = inspect_spec({.common_name = "b\xc3\xbc" "cher.example"});
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->common_name, "b\xc3\xbc" "cher.example");
  EXPECT_EQ(info->subject, "CN=b\xc3\xbc" "cher.example");
  EXPECT_EQ(info->names(), (std::vector<std::string>{"xn--bcher-kva.example"}));
}

TEST(CsrInspect, NoCnNoSan) {
  auto info = inspect_spec({.organization = "Example Ltd"});
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->common_name, "");
  EXPECT_TRUE(info->dns_names.empty());
  EXPECT_TRUE(info->ip_addresses.empty());
  EXPECT_TRUE(info->names().empty());
}

TEST(CsrInspect, WildcardSanIsKept) {
  auto info = inspect_spec({.common_name = "*.example.com", .dns_names = {"*.example.com", "example.com"}});
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->names(), (std::vector<std::string>{"*.example.com", "example.com"}));
}

TEST(CsrInspect, FlippedSignatureIsRefused) {
  for (auto key : {FixtureKey::Rsa2048, FixtureKey::P256, FixtureKey::Ed25519}) {
    auto der = test::flip_signature(test::csr_der({.key = key, .common_name = "www.example.com"}));
    auto csr = parse_csr_text(test::pem_wrap(der, "CERTIFICATE REQUEST"), "flipped.csr");
    ASSERT_TRUE(csr.ok()) << "loading does not check the signature: " << csr.error().message;
    auto info = inspect_csr(*csr);
    ASSERT_FALSE(info.ok());
    EXPECT_EQ(info.error().kind, ErrorKind::InvalidInput);
    EXPECT_EQ(info.error().code, "csr.bad_signature");
  }
  EXPECT_FALSE(ERR_peek_error()) << "OpenSSL error queue left non-empty";
}

TEST(CsrInspect, HandMadeTextThatIsNotACsrIsRefused) {
  CsrText text{.bytes = "x", .label = "CERTIFICATE REQUEST", .base64_body = "!!!!"};
  auto info = inspect_csr(text);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, "csr.not_a_csr");
}

}  // namespace
}  // namespace dcvkit
