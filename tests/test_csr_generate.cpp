// Generating a key + CSR: canonical names, key types, and a round trip through load + inspect.
#include <gtest/gtest.h>
#include <openssl/pem.h>

#include "dcvkit/csr.hpp"
#include "util/openssl_ptr.hpp"

namespace dcvkit {
namespace {

struct KeyCase {
  KeyType type;
  std::string key_type;
  int bits;
  std::string signature;
};

class CsrGenerateKey : public ::testing::TestWithParam<KeyCase> {};

TEST_P(CsrGenerateKey, RoundTripsThroughLoadAndInspect) {
  CsrRequest request{.common_name = "www.example.com", .sans = {"example.com"}, .key_type = GetParam().type};
  auto generated = generate_csr(request);
  ASSERT_TRUE(generated.ok()) << generated.error().message;
  EXPECT_EQ(generated->names, (std::vector<std::string>{"www.example.com", "example.com"}));

  auto csr = parse_csr_text(generated->csr_pem, "generated");
  ASSERT_TRUE(csr.ok()) << csr.error().message;
  EXPECT_EQ(csr->bytes, generated->csr_pem);
  auto info = inspect_csr(*csr);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->common_name, "www.example.com");
  EXPECT_EQ(info->dns_names, generated->names);  // the CN is in the SAN too
  EXPECT_EQ(info->names(), generated->names);
  EXPECT_EQ(info->key_type, GetParam().key_type);
  EXPECT_EQ(info->key_bits, GetParam().bits);
  EXPECT_FALSE(info->weak_key);
  EXPECT_EQ(info->signature_algorithm, GetParam().signature);

  // The private key is PKCS#8 and belongs to the CSR.
  auto key_pem = generated->private_key_pem.view();
  EXPECT_EQ(key_pem.substr(0, 28), "-----BEGIN PRIVATE KEY-----\n");
  ossl::Bio bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  ossl::PKey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(key != nullptr);
  ossl::Bio csr_bio(BIO_new_mem_buf(generated->csr_pem.data(), static_cast<int>(generated->csr_pem.size())));
  ossl::X509Req req(PEM_read_bio_X509_REQ(csr_bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(req != nullptr);
  EXPECT_EQ(EVP_PKEY_eq(key.get(), X509_REQ_get0_pubkey(req.get())), 1);
}

INSTANTIATE_TEST_SUITE_P(CsrTypes, CsrGenerateKey,
                         ::testing::Values(KeyCase{KeyType::Rsa2048, "RSA", 2048, "sha256WithRSAEncryption"},
                                           KeyCase{KeyType::Rsa3072, "RSA", 3072, "sha256WithRSAEncryption"},
                                           KeyCase{KeyType::Rsa4096, "RSA", 4096, "sha256WithRSAEncryption"},
                                           KeyCase{KeyType::P256, "EC", 256, "ecdsa-with-SHA256"},
                                           KeyCase{KeyType::P384, "EC", 384, "ecdsa-with-SHA256"}));

TEST(CsrGenerate, NamesAreCanonicalisedAndFolded) {
  CsrRequest request{.common_name = "WWW.Example.com.",
                     .sans = {"www.example.com", "B\xc3\xbc" "cher.example", "api.example.com", "API.example.com"}};
  auto generated = generate_csr(request);
  ASSERT_TRUE(generated.ok()) << generated.error().message;
  std::vector<std::string> want{"www.example.com", "xn--bcher-kva.example", "api.example.com"};
  EXPECT_EQ(generated->names, want);
  auto csr = parse_csr_text(generated->csr_pem, "generated");
  ASSERT_TRUE(csr.ok());
  auto info = inspect_csr(*csr);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->common_name, "www.example.com");
  EXPECT_EQ(info->subject, "CN=www.example.com");
  EXPECT_EQ(info->dns_names, want);
}

TEST(CsrGenerate, WildcardCommonName) {
  auto generated = generate_csr({.common_name = "*.example.com", .sans = {"example.com"}});
  ASSERT_TRUE(generated.ok()) << generated.error().message;
  EXPECT_EQ(generated->names, (std::vector<std::string>{"*.example.com", "example.com"}));
}

TEST(CsrGenerate, InvalidNamesGenerateNothing) {
  struct Case {
    CsrRequest request;
    std::string code;
  };
  std::vector<Case> cases{{{.common_name = "1.2.3.4", .sans = {}}, "name.ip_address"},
                          {{.common_name = "", .sans = {}}, "name.empty"},
                          {{.common_name = "www.example.com", .sans = {"ok.example.com", "a/b"}}, "name.bad_character"},
                          {{.common_name = "www.example.com", .sans = {"../x"}}, "name.empty_label"}};
  for (const auto& c : cases) {
    auto generated = generate_csr(c.request);
    ASSERT_FALSE(generated.ok()) << c.code;
    EXPECT_EQ(generated.error().kind, ErrorKind::InvalidInput);
    EXPECT_EQ(generated.error().code, c.code);
  }
}

TEST(CsrGenerate, CommonNameLongerThan64IsRefused) {
  std::string long_name = std::string(60, 'a') + ".example.com";
  auto generated = generate_csr({.common_name = long_name, .sans = {}});
  ASSERT_FALSE(generated.ok());
  EXPECT_EQ(generated.error().code, "csr.cn_too_long");
  auto as_san = generate_csr({.common_name = "example.com", .sans = {long_name}});
  ASSERT_TRUE(as_san.ok()) << as_san.error().message;
  EXPECT_EQ(as_san->names.back(), long_name);
}

TEST(CsrGenerate, KeyTypeNamesRoundTrip) {
  for (auto type : {KeyType::Rsa2048, KeyType::Rsa3072, KeyType::Rsa4096, KeyType::P256, KeyType::P384})
    EXPECT_EQ(parse_key_type(to_string(type)), type);
  EXPECT_EQ(to_string(KeyType::P384), "p384");
  EXPECT_EQ(parse_key_type("rsa2048"), KeyType::Rsa2048);
  EXPECT_FALSE(parse_key_type("rsa1024").has_value());
  EXPECT_FALSE(parse_key_type("P256").has_value());
  EXPECT_FALSE(parse_key_type("ed25519").has_value());
}

}  // namespace
}  // namespace dcvkit
