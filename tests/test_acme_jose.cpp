// ACME's pieces that need no CA: base64url, the account key's JWK and signatures (checked with
// OpenSSL directly), the EAB HMAC (recomputed independently), problem documents, and publishing
// challenges through the webroot publisher's rules.
#include <gtest/gtest.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "dcvkit/acme.hpp"
#include "dcvkit/acme_jose.hpp"
#include "dcvkit/plan.hpp"
#include "dcvkit/publish_webroot.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace dcvkit;
using namespace dcvkit::acme;
using json = nlohmann::json;

json decode_json(const std::string& b64) { return json::parse(*base64url_decode(b64)); }

TEST(AcmeJose, Base64UrlFollowsRfc4648) {
  EXPECT_EQ(base64url(""), "");
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("fo"), "Zm8");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url("foob"), "Zm9vYg");
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");
  EXPECT_EQ(*base64url_decode("-_8"), "\xfb\xff");
  EXPECT_EQ(*base64url_decode("Zm9vYg=="), "foob");
  EXPECT_FALSE(base64url_decode("Zm9v+g").has_value()) << "'+' is base64, not base64url";
  EXPECT_FALSE(base64url_decode("Zm9 v").has_value());
  EXPECT_FALSE(base64url_decode("Z").has_value());
}

TEST(AcmeJose, Es256SignatureIsRawRAndSAndVerifies) {
  auto key = AccountKey::generate(KeyAlgorithm::ES256);
  ASSERT_TRUE(key.ok());
  const auto jwk = json::parse(key->jwk());
  EXPECT_EQ(key->jwk().rfind(R"({"crv":"P-256","kty":"EC","x":")", 0), 0u) << "RFC 7638 member order";
  EXPECT_EQ(base64url_decode(jwk["x"].get<std::string>())->size(), 32u);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key->jwk().data()), key->jwk().size(), digest);
  EXPECT_EQ(key->thumbprint(), base64url(std::string(reinterpret_cast<char*>(digest), sizeof digest)));

  auto jws = sign_jws(*key, JwsHeader{"https://ca.test/new-acct", "nonce1", ""}, R"({"a":1})");
  ASSERT_TRUE(jws.ok());
  const auto j = json::parse(*jws);
  const auto header = decode_json(j["protected"]);
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["nonce"], "nonce1");
  EXPECT_EQ(header["url"], "https://ca.test/new-acct");
  EXPECT_EQ(header["jwk"], jwk) << "jwk until the account exists";
  EXPECT_FALSE(header.contains("kid"));
  const std::string sig = *base64url_decode(j["signature"].get<std::string>());
  ASSERT_EQ(sig.size(), 64u);

  // Verify independently: R || S back to DER, OpenSSL's verify with the public key.
  const Secret pem = key->private_pem();
  BIO* bio = BIO_new_mem_buf(pem.view().data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(pkey, nullptr);
  ECDSA_SIG* es = ECDSA_SIG_new();
  ECDSA_SIG_set0(es, BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(es, &der);
  const std::string input = j["protected"].get<std::string>() + "." + j["payload"].get<std::string>();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pkey);
  EXPECT_EQ(EVP_DigestVerify(ctx, der, static_cast<std::size_t>(der_len), reinterpret_cast<const unsigned char*>(input.data()),
                             input.size()),
            1);
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  ECDSA_SIG_free(es);
  EVP_PKEY_free(pkey);

  auto with_kid = sign_jws(*key, JwsHeader{"https://ca.test/order/1", "n2", "https://ca.test/acct/7"}, "");
  const auto h2 = decode_json(json::parse(*with_kid)["protected"]);
  EXPECT_EQ(h2["kid"], "https://ca.test/acct/7");
  EXPECT_FALSE(h2.contains("jwk")) << "kid once registered";
  EXPECT_EQ(json::parse(*with_kid)["payload"], "") << "POST-as-GET";
}

TEST(AcmeJose, Rs256KeysRoundTripThroughPem) {
  auto key = AccountKey::generate(KeyAlgorithm::RS256);
  ASSERT_TRUE(key.ok());
  auto again = AccountKey::from_pem(key->private_pem().view(), "test");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->algorithm(), KeyAlgorithm::RS256);
  EXPECT_EQ(again->jwk(), key->jwk());
  EXPECT_EQ(key->jwk().rfind(R"({"e":"AQAB","kty":"RSA","n":")", 0), 0u);
  auto weak = AccountKey::from_pem("not a key", "file 'x'");
  ASSERT_FALSE(weak.ok());
  EXPECT_EQ(weak.error().code, "acme.bad_account_key");
}

TEST(AcmeJose, ExternalAccountBindingIsAnHmacOverTheAccountJwk) {
  auto key = AccountKey::generate(KeyAlgorithm::ES256);
  dcvkit::test::TempDir dir;
  const std::string raw = "0123456789abcdef0123456789abcdef";
  auto eab = load_eab_credentials("kid-9", dir.write("hmac", base64url(raw) + "\n"), nullptr);
  ASSERT_TRUE(eab.ok()) << eab.error().message;
  auto binding = eab_jws(*eab, *key, "https://ca.test/new-acct");
  ASSERT_TRUE(binding.ok());
  const auto j = json::parse(*binding);
  const auto header = decode_json(j["protected"]);
  EXPECT_EQ(header, json({{"alg", "HS256"}, {"kid", "kid-9"}, {"url", "https://ca.test/new-acct"}}));
  EXPECT_EQ(*base64url_decode(j["payload"].get<std::string>()), key->jwk());
  const std::string input = j["protected"].get<std::string>() + "." + j["payload"].get<std::string>();
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), raw.data(), static_cast<int>(raw.size()), reinterpret_cast<const unsigned char*>(input.data()),
       input.size(), mac, &len);
  EXPECT_EQ(j["signature"], base64url(std::string(reinterpret_cast<char*>(mac), len)));

  auto bad = load_eab_credentials("kid-9", dir.write("bad", "not+base64url!"), nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "acme.bad_eab_key");
  EXPECT_EQ(bad.error().message.find("not+base64url"), std::string::npos) << "the key is never echoed";
}

TEST(AcmeJose, ChallengeValues) {
  auto key = AccountKey::generate(KeyAlgorithm::ES256);
  const std::string ka = key_authorization("tok_EN-1", *key);
  EXPECT_EQ(ka, "tok_EN-1." + key->thumbprint());
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(ka.data()), ka.size(), digest);
  EXPECT_EQ(dns01_txt_value(ka), base64url(std::string(reinterpret_cast<char*>(digest), sizeof digest)));
  EXPECT_EQ(dns01_txt_value(ka).size(), 43u);
  EXPECT_FALSE(is_valid_token("../etc"));
  EXPECT_FALSE(is_valid_token(""));
}

TEST(AcmeProblems, MapToCodesKindsAndHints) {
  auto p = parse_problem(R"({"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many","status":429})");
  ASSERT_TRUE(p.ok());
  Error e = problem_error(*p, "creating the order");
  EXPECT_EQ(e.code, "acme.rateLimited");
  EXPECT_EQ(e.kind, ErrorKind::RateLimited);
  EXPECT_NE(e.message.find("too many"), std::string::npos);

  // JPRS: an expired (14 days) or wrong EAB comes back as malformed "Unable to create account".
  auto jprs = parse_problem(R"({"type":"urn:ietf:params:acme:error:malformed","detail":"Unable to create account"})");
  e = problem_error(*jprs, "creating the account");
  EXPECT_EQ(e.code, "acme.malformed");
  EXPECT_EQ(e.kind, ErrorKind::ApiAuth);
  EXPECT_NE(e.hint.find("14 days"), std::string::npos) << e.hint;
  // The same type elsewhere keeps the generic meaning.
  EXPECT_EQ(problem_error(*jprs, "creating the order").hint.find("14 days"), std::string::npos);

  auto compound = parse_problem(R"({"type":"urn:ietf:params:acme:error:compound","subproblems":[
      {"type":"urn:ietf:params:acme:error:caa","detail":"CAA forbids","identifier":{"type":"dns","value":"a.test"}}]})");
  e = problem_error(*compound, "finalizing");
  EXPECT_NE(e.message.find("a.test: caa: CAA forbids"), std::string::npos) << e.message;
  for (const char* t : {"badNonce", "externalAccountRequired", "unauthorized", "caa", "dns", "connection",
                        "incorrectResponse", "rejectedIdentifier", "badCSR", "userActionRequired"}) {
    auto q = parse_problem(std::string(R"({"type":"urn:ietf:params:acme:error:)") + t + "\"}");
    const Error m = problem_error(*q, "x");
    EXPECT_EQ(m.code, std::string("acme.") + t);
    EXPECT_NE(m.hint, "see the CA's documentation of this problem type") << t << " has its own hint";
  }
  EXPECT_FALSE(parse_problem("<html>").ok());
}

TEST(AcmePublish, WebrootServesTheKeyAuthorizationAtItsTokenAndRemovesIt) {
  dcvkit::test::TempDir dir;
  auto publisher = make_webroot_publisher(dir.path().string());
  auto key = AccountKey::generate(KeyAlgorithm::ES256);
  const std::string token = "Tok-123_abc";
  const auto entry = acme_http01_entry("shop.example.test", token);
  EXPECT_EQ(entry.record, "http://shop.example.test/.well-known/acme-challenge/Tok-123_abc");
  const std::string ka = key_authorization(token, *key);
  ASSERT_TRUE(publisher->publish(entry, ka).ok());
  const std::string file = dir.file(".well-known/acme-challenge/" + token);
  EXPECT_EQ(dcvkit::test::read_text(file), ka);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u) << "the web server reads it";
  EXPECT_FALSE(std::filesystem::exists(dir.file(".well-known/pki-validation/fileauth.txt")));

  // A value that is not this challenge's key authorization never reaches the disk.
  for (const std::string& bad : {std::string("other.") + key->thumbprint(), token + ".a/b", token, token + ".x\ny"}) {
    auto s = publisher->publish(entry, bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().code, "publish.invalid_token");
  }
  ASSERT_TRUE(publisher->unpublish(entry, ka).ok());
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_TRUE(publisher->unpublish(entry, ka).ok()) << "removing what is gone is fine";

  // The webroot's safety rules hold: a symlinked acme-challenge directory is refused.
  dcvkit::test::TempDir other;
  std::filesystem::remove_all(dir.file(".well-known/acme-challenge"));
  std::filesystem::create_directory_symlink(other.path(), dir.file(".well-known/acme-challenge"));
  auto escaped = publisher->publish(entry, ka);
  ASSERT_FALSE(escaped.ok());
  EXPECT_EQ(escaped.error().code, "publish.symlink_escape");
  EXPECT_TRUE(other.entries().empty());
}

TEST(AcmePublish, Dns01EntriesUseAcmeChallengeAndTheDigest) {
  const auto entry = acme_dns01_entry("*.shop.example.test");
  EXPECT_EQ(entry.record, "_acme-challenge.shop.example.test");
  EXPECT_EQ(method_name(entry), "acme-dns-01");
  EXPECT_TRUE(check_publish_value(entry, std::string(43, 'A')).ok());
  EXPECT_FALSE(check_publish_value(entry, std::string(64, 'A')).ok()) << "a request token is not a dns-01 value";
  EXPECT_FALSE(check_publish_value(entry, std::string(42, 'A') + "\"").ok());
}

TEST(AcmeDirectory, PresetsAndUrls) {
  EXPECT_EQ(*resolve_directory("letsencrypt"), "https://acme-v02.api.letsencrypt.org/directory");
  EXPECT_EQ(*resolve_directory("https://acme.example/dir/"), "https://acme.example/dir/");
  EXPECT_TRUE(resolve_directory("http://127.0.0.1:14000/dir").ok());
  auto plain = resolve_directory("http://acme.example/dir");
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().code, "acme.bad_directory");
  EXPECT_FALSE(resolve_directory("us").ok()) << "CertCentral's shorthand is not a directory";
  for (const auto& p : directory_presets()) EXPECT_FALSE(p.eab.empty()) << p.name << " documents its EAB needs";
}

}  // namespace
