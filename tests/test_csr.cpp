// Loading CSR files (exact bytes, refusals) and the named CSR text forms.
#include <gtest/gtest.h>
#include <openssl/err.h>

#include <chrono>

#include "dcvkit/csr.hpp"
#include "support/csr_fixtures.hpp"
#include "support/temp_dir.hpp"

namespace dcvkit {
namespace {

using test::FixtureKey;
using test::KeyArmour;

const std::string& sample_der() {
  static const std::string der = test::csr_der({.key = FixtureKey::P256, .common_name = "www.example.com",
                                                .dns_names = {"www.example.com", "example.com"}});
  return der;
}

std::string sample_pem() { return test::pem_wrap(sample_der(), "CERTIFICATE REQUEST"); }

void expect_refused(const Result<CsrText>& result, const std::string& code) {
  ASSERT_FALSE(result.ok()) << "expected " << code;
  EXPECT_EQ(result.error().kind, ErrorKind::InvalidInput);
  EXPECT_EQ(result.error().code, code) << result.error().message;
  EXPECT_FALSE(result.error().hint.empty());
}

// ---- accepted inputs ----

TEST(CsrLoad, KeepsExactBytesAndLabel) {
  auto pem = sample_pem();
  auto csr = parse_csr_text(pem, "<stdin>");
  ASSERT_TRUE(csr.ok()) << csr.error().message;
  EXPECT_EQ(csr->bytes, pem);
  EXPECT_EQ(csr->label, "CERTIFICATE REQUEST");
  EXPECT_EQ(csr->base64_body, test::base64(sample_der()));
}

TEST(CsrLoad, AcceptsNewCertificateRequestLabel) {
  auto pem = test::pem_wrap(sample_der(), "NEW CERTIFICATE REQUEST");
  auto csr = parse_csr_text(pem, "req.csr");
  ASSERT_TRUE(csr.ok()) << csr.error().message;
  EXPECT_EQ(csr->label, "NEW CERTIFICATE REQUEST");
  EXPECT_EQ(csr->bytes, pem);
}

TEST(CsrLoad, AcceptsOpensslTextBeforeTheBlock) {
  auto text = test::csr_text_dump(sample_der()) + sample_pem();
  ASSERT_NE(text.find("Certificate Request:"), std::string::npos);
  auto csr = parse_csr_text(text, "req.csr");
  ASSERT_TRUE(csr.ok()) << csr.error().message;
  EXPECT_EQ(csr->bytes, text);
  EXPECT_EQ(csr->base64_body, test::base64(sample_der()));
}

TEST(CsrLoad, AcceptsCrlfWithoutFinalNewline) {
  auto pem = test::pem_wrap(sample_der(), "CERTIFICATE REQUEST", "\r\n", false);
  auto csr = parse_csr_text(pem, "req.csr");
  ASSERT_TRUE(csr.ok()) << csr.error().message;
  EXPECT_EQ(csr->bytes, pem);
  EXPECT_EQ(csr->base64_body, test::base64(sample_der()));
}

TEST(CsrLoad, AcceptsOneLinePem) {
  std::string one = "-----BEGIN CERTIFICATE REQUEST-----" + test::base64(sample_der()) + "-----END CERTIFICATE REQUEST-----";
  auto csr = parse_csr_text(one, "req.csr");
  ASSERT_TRUE(csr.ok()) << csr.error().message;
  EXPECT_EQ(csr->base64_body, test::base64(sample_der()));
}

TEST(CsrLoad, LoadsAFileByteForByte) {
  test::TempDir dir;
  auto pem = test::pem_wrap(sample_der(), "CERTIFICATE REQUEST", "\r\n", false);
  auto csr = load_csr_file(dir.write("req.csr", pem));
  ASSERT_TRUE(csr.ok()) << csr.error().message;
  EXPECT_EQ(csr->bytes, pem);
}

// ---- refused inputs ----

TEST(CsrLoad, MissingFileIsAnIoErrorNamingThePath) {
  test::TempDir dir;
  auto path = dir.file("absent.csr");
  auto csr = load_csr_file(path);
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.error().kind, ErrorKind::Io);
  EXPECT_NE(csr.error().message.find(path), std::string::npos);
}

TEST(CsrLoad, RefusesFilesOverOneMebibyte) {
  test::TempDir dir;
  auto path = dir.write("big.csr", test::csr_text_dump(sample_der()) + std::string(kMaxCsrFileBytes, ' ') + sample_pem());
  auto csr = load_csr_file(path);
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.error().code, "input.too_large");
}

TEST(CsrLoad, RefusesEmpty) {
  expect_refused(parse_csr_text("", "<stdin>"), "csr.empty");
  expect_refused(parse_csr_text(" \r\n\n", "<stdin>"), "csr.empty");
  test::TempDir dir;
  auto path = dir.write("empty.csr", "");
  auto csr = load_csr_file(path);
  expect_refused(csr, "csr.empty");
  EXPECT_NE(csr.error().message.find(path), std::string::npos) << csr.error().message;
}

TEST(CsrLoad, MessagesNameTheOrigin) {
  auto csr = parse_csr_text("hello", "<stdin>");
  expect_refused(csr, "csr.not_pem");
  EXPECT_NE(csr.error().message.find("<stdin>"), std::string::npos) << csr.error().message;
}

TEST(CsrLoad, RefusesACertificate) {
  auto csr = parse_csr_text(test::certificate_pem(FixtureKey::P256), "site.crt");
  expect_refused(csr, "csr.is_certificate");
  EXPECT_EQ(csr.error().hint, "this is an issued certificate; pass the CSR (.csr) instead");
  EXPECT_NE(csr.error().message.find("site.crt"), std::string::npos);
}

TEST(CsrLoad, RefusesADerCertificate) {
  expect_refused(parse_csr_text(test::certificate_der(FixtureKey::P256), "site.der"), "csr.is_certificate");
}

TEST(CsrLoad, RefusesACertificateBodyUnderACsrLabel) {
  auto pem = test::pem_wrap(test::certificate_der(FixtureKey::P256), "CERTIFICATE REQUEST");
  expect_refused(parse_csr_text(pem, "odd.csr"), "csr.is_certificate");
}

// Every 8-character run of the key's armoured text must be absent from what we print.
void expect_no_key_bytes(const Error& error, const std::string& key_pem) {
  std::string shown = error.message + "\n" + error.hint;
  std::string body;
  std::size_t begin = key_pem.find("-----\n");
  std::size_t end = key_pem.find("-----END");
  for (char c : key_pem.substr(begin + 6, end - begin - 6))
    if (c != '\n') body += c;
  ASSERT_GT(body.size(), 40u);
  for (std::size_t i = 0; i + 8 <= body.size(); ++i)
    ASSERT_EQ(shown.find(body.substr(i, 8)), std::string::npos) << "key bytes leaked at offset " << i;
}

struct KeyCase {
  FixtureKey key;
  KeyArmour armour;
  std::string label;
};

class CsrLoadPrivateKey : public ::testing::TestWithParam<KeyCase> {};

TEST_P(CsrLoadPrivateKey, RefusedWithoutShowingTheKey) {
  auto pem = test::private_key_pem(GetParam().key, GetParam().armour);
  ASSERT_NE(pem.find("-----BEGIN " + GetParam().label + "-----"), std::string::npos) << pem.substr(0, 40);
  auto csr = parse_csr_text(pem, "server.key");
  expect_refused(csr, "csr.is_private_key");
  EXPECT_NE(csr.error().message.find("server.key"), std::string::npos);
  expect_no_key_bytes(csr.error(), pem);
}

TEST_P(CsrLoadPrivateKey, RefusedEvenNextToACsr) {
  auto pem = test::private_key_pem(GetParam().key, GetParam().armour);
  auto csr = parse_csr_text(sample_pem() + pem, "bundle.pem");
  expect_refused(csr, "csr.is_private_key");
  expect_no_key_bytes(csr.error(), pem);
}

INSTANTIATE_TEST_SUITE_P(CsrArmours, CsrLoadPrivateKey,
                         ::testing::Values(KeyCase{FixtureKey::Rsa2048, KeyArmour::Pkcs8, "PRIVATE KEY"},
                                           KeyCase{FixtureKey::Rsa2048, KeyArmour::Traditional, "RSA PRIVATE KEY"},
                                           KeyCase{FixtureKey::P256, KeyArmour::Traditional, "EC PRIVATE KEY"},
                                           KeyCase{FixtureKey::P256, KeyArmour::Encrypted, "ENCRYPTED PRIVATE KEY"},
                                           KeyCase{FixtureKey::Ed25519, KeyArmour::Pkcs8, "PRIVATE KEY"}));

TEST(CsrLoad, RefusesADerPrivateKeyWithoutShowingIt) {
  auto der = test::private_key_der(FixtureKey::P256);
  auto csr = parse_csr_text(der, "server.key");
  expect_refused(csr, "csr.is_private_key");
  EXPECT_EQ(csr.error().message.find(test::base64(der).substr(0, 8)), std::string::npos);
}

TEST(CsrLoad, RefusesAPublicKey) {
  expect_refused(parse_csr_text(test::public_key_pem(FixtureKey::P384), "pub.pem"), "csr.is_public_key");
}

TEST(CsrLoad, RefusesDerWithConversionHint) {
  auto csr = parse_csr_text(sample_der(), "req.der");
  expect_refused(csr, "csr.der");
  EXPECT_NE(csr.error().hint.find("openssl req -inform DER -in FILE -out FILE.pem"), std::string::npos);
}

TEST(CsrLoad, RefusesGarbage) {
  expect_refused(parse_csr_text("this is not a csr\n", "x.txt"), "csr.not_pem");
  expect_refused(parse_csr_text(std::string("\x01\x02\x00\xff\xfe", 5), "x.bin"), "csr.not_pem");
  expect_refused(parse_csr_text(std::string(10000, 'A'), "x.txt"), "csr.not_pem");
}

TEST(CsrLoad, RefusesABareBase64BodyWithAHint) {
  auto csr = parse_csr_text(test::base64(sample_der()) + "\n", "body.txt");
  expect_refused(csr, "csr.not_pem");
  EXPECT_NE(csr.error().hint.find("-----BEGIN CERTIFICATE REQUEST-----"), std::string::npos);
}

TEST(CsrLoad, RefusesAMissingEndLine) {
  auto pem = sample_pem();
  pem.resize(pem.find("-----END"));
  expect_refused(parse_csr_text(pem, "cut.csr"), "csr.truncated");
}

TEST(CsrLoad, RefusesACutHeader) {
  expect_refused(parse_csr_text("-----BEGIN CERTIFICATE REQ", "cut.csr"), "csr.truncated");
}

TEST(CsrLoad, RefusesBadBase64) {
  auto pem = sample_pem();
  pem[pem.find('\n') + 10] = '!';
  expect_refused(parse_csr_text(pem, "bad.csr"), "csr.truncated");
}

TEST(CsrLoad, RefusesABodyWithLinesMissing) {
  auto pem = sample_pem();
  auto second_line = pem.find('\n', pem.find('\n') + 1) + 1;
  pem.erase(second_line, 65);  // drop one whole 64-column line (and its newline)
  expect_refused(parse_csr_text(pem, "cut.csr"), "csr.truncated");
}

TEST(CsrLoad, RefusesBase64ThatIsNotACsr) {
  auto pem = test::pem_wrap("\x30\x03\x02\x01\x05 not a csr at all", "CERTIFICATE REQUEST");
  expect_refused(parse_csr_text(pem, "odd.csr"), "csr.not_a_csr");
  expect_refused(parse_csr_text(test::pem_wrap(sample_der() + "x", "CERTIFICATE REQUEST"), "odd.csr"),
                 "csr.not_a_csr");
}

TEST(CsrLoad, RefusesOtherPemTypes) {
  expect_refused(parse_csr_text(test::pem_wrap(sample_der(), "PKCS7"), "x.p7b"), "csr.not_a_csr");
}

TEST(CsrLoad, RefusesTwoCsrsInOneFile) {
  expect_refused(parse_csr_text(sample_pem() + sample_pem(), "two.csr"), "csr.multiple_blocks");
}

TEST(CsrLoad, SurvivesArbitraryBytes) {
  // Damaged variants of a real CSR: every prefix length class, and byte flips in the body.
  auto pem = sample_pem();
  for (std::size_t len = 0; len < pem.size(); len += 7) {
    auto result = parse_csr_text(pem.substr(0, len), "p.csr");
    if (!result.ok()) {
      EXPECT_EQ(result.error().kind, ErrorKind::InvalidInput);
    }
  }
  for (std::size_t i = 40; i < pem.size(); i += 13) {
    auto damaged = pem;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
    auto result = parse_csr_text(damaged, "p.csr");
    if (result.ok()) {
      (void)inspect_csr(*result);
    } else {
      EXPECT_EQ(result.error().kind, ErrorKind::InvalidInput);
    }
  }
  EXPECT_FALSE(ERR_peek_error()) << "OpenSSL error queue left non-empty";
}

TEST(CsrLoad, HostileMegabyteIsRefusedQuickly) {
  // Inputs that would make a naive scanner quadratic: many headers, no footers, no line breaks.
  std::string headers;
  while (headers.size() < kMaxCsrFileBytes - 64) headers += "-----BEGIN A-----";
  std::string begins;
  while (begins.size() < kMaxCsrFileBytes - 64) begins += "-----BEGIN ";
  auto started = std::chrono::steady_clock::now();
  expect_refused(parse_csr_text(headers, "hostile"), "csr.not_a_csr");
  expect_refused(parse_csr_text(begins, "hostile"), "csr.not_a_csr");  // an empty label
  expect_refused(parse_csr_text("-----BEGIN CERTIFICATE REQUEST-----\n" + headers, "hostile"), "csr.multiple_blocks");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

// ---- forms ----

TEST(CsrForms, EachFormByteForByteFromACrlfFileWithPreamble) {
  const std::string b64 = test::base64(sample_der());
  std::string lf_lines, crlf_lines;
  for (std::size_t i = 0; i < b64.size(); i += 64) {
    lf_lines += b64.substr(i, 64) + "\n";
    crlf_lines += b64.substr(i, 64) + "\r\n";
  }
  const std::string file = "Certificate Request:\r\n    Data:\r\n        Version: 1 (0x0)\r\n"
                           "-----BEGIN NEW CERTIFICATE REQUEST-----\r\n" + crlf_lines +
                           "-----END NEW CERTIFICATE REQUEST-----";
  auto csr = parse_csr_text(file, "req.csr");
  ASSERT_TRUE(csr.ok()) << csr.error().message;

  EXPECT_EQ(csr_form_bytes(*csr, CsrForm::Pem), file);
  EXPECT_EQ(csr_form_bytes(*csr, CsrForm::PemLf),
            "-----BEGIN NEW CERTIFICATE REQUEST-----\n" + lf_lines + "-----END NEW CERTIFICATE REQUEST-----\n");
  EXPECT_EQ(csr_form_bytes(*csr, CsrForm::OneLine),
            "-----BEGIN NEW CERTIFICATE REQUEST-----" + b64 + "-----END NEW CERTIFICATE REQUEST-----");
  EXPECT_EQ(csr_form_bytes(*csr, CsrForm::Base64Body), b64);
}

TEST(CsrForms, PemLfEndsInExactlyOneNewline) {
  auto pem = "preamble\n" + sample_pem() + "\n\n\n";
  auto csr = parse_csr_text(pem, "req.csr");
  ASSERT_TRUE(csr.ok()) << csr.error().message;
  EXPECT_EQ(csr_form_bytes(*csr, CsrForm::PemLf), sample_pem());
  EXPECT_EQ(csr_form_bytes(*csr, CsrForm::Pem), pem);
}

TEST(CsrForms, OneLineAndBodyHaveNoWhitespace) {
  auto csr = parse_csr_text(test::pem_wrap(sample_der(), "CERTIFICATE REQUEST", "\r\n"), "req.csr");
  ASSERT_TRUE(csr.ok());
  EXPECT_EQ(csr_form_bytes(*csr, CsrForm::OneLine).find_first_of("\t\r\n"), std::string::npos);
  EXPECT_EQ(csr_form_bytes(*csr, CsrForm::Base64Body).find_first_of(" \t\r\n"), std::string::npos);
}

TEST(CsrForms, EveryFormOfAOneLineFileIsTheSameCsr) {
  std::string one = "-----BEGIN CERTIFICATE REQUEST-----" + test::base64(sample_der()) + "-----END CERTIFICATE REQUEST-----";
  auto csr = parse_csr_text(one, "req.csr");
  ASSERT_TRUE(csr.ok());
  EXPECT_EQ(csr_form_bytes(*csr, CsrForm::OneLine), one);
  EXPECT_EQ(csr_form_bytes(*csr, CsrForm::PemLf), one + "\n");
  for (auto form : kAllCsrForms) {
    if (form == CsrForm::Base64Body) continue;
    auto again = parse_csr_text(csr_form_bytes(*csr, form), "form");
    ASSERT_TRUE(again.ok()) << to_string(form);
    EXPECT_EQ(again->base64_body, csr->base64_body);
  }
}

TEST(CsrForms, NamesRoundTrip) {
  EXPECT_EQ(to_string(CsrForm::Pem), "pem");
  EXPECT_EQ(to_string(CsrForm::PemLf), "pem-lf");
  EXPECT_EQ(to_string(CsrForm::OneLine), "oneline");
  EXPECT_EQ(to_string(CsrForm::Base64Body), "base64-body");
  for (auto form : kAllCsrForms) EXPECT_EQ(parse_csr_form(to_string(form)), form);
  EXPECT_FALSE(parse_csr_form("PEM").has_value());
  EXPECT_FALSE(parse_csr_form("der").has_value());
  EXPECT_FALSE(parse_csr_form("").has_value());
}

}  // namespace
}  // namespace dcvkit
