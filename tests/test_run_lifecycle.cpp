// dcvkit run after issuance (issue 17 §2, §4): the private key and other formats in the same set
// as the chain, read back by openssl; key rotation on renewal; run --revoke through the sandbox.
// Real nginx, BIND and sandbox (RunWorld); openssl is the independent reader.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "dcvkit/ledger.hpp"
#include "support/run_world.hpp"

namespace {

using namespace dcvkit;
using namespace dcvkit::test;
using json = nlohmann::json;
namespace fs = std::filesystem;


RunResult openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/openssl");
  return run_program(args);
}

// The SHA-256 of a certificate's or key's public key, as openssl prints it.
std::string public_key_of(const std::string& path, bool is_key) {
  auto r = openssl(is_key ? std::vector<std::string>{"pkey", "-in", path, "-pubout"}
                          : std::vector<std::string>{"x509", "-in", path, "-noout", "-pubkey"});
  return r.exit_code == 0 ? r.out : "(unreadable: " + r.all() + ")";
}

std::optional<LedgerEntry> entry_of(const RunWorld& world, const std::string& id) {
  auto l = Ledger::open_read_only(world.state());
  if (!l) return std::nullopt;
  auto e = (*l)->get(id);
  return e && *e ? **e : std::optional<LedgerEntry>();
}

TEST(RunLifecycle, KeyAndOtherFormatsAreWrittenWithTheChainAndReadBackByOpenssl) {
  RunWorld world;
  const std::string password = world.dir().write("pfx.pass", "s3cret pass\n");
  world.add("files", RunPublish::Webroot, {},
            json{{"privkey", true}, {"formats", {"der", "p7b", "pfx"}}, {"pfx_password_file", password},
                 {"pfx_profile", "legacy"}}
                .dump());
  world.manifest();
  auto r = world.run();
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const std::string dir = world.dir().file("certs/files");
  for (const char* f : {"cert.pem", "chain.pem", "fullchain.pem", "privkey.pem", "cert.der", "chain.p7b", "cert.pfx"})
    EXPECT_TRUE(fs::exists(dir + "/" + f)) << f;
  EXPECT_EQ(file_mode(dir + "/privkey.pem"), 0600u);
  EXPECT_EQ(file_mode(dir + "/cert.pfx"), 0600u) << "the PFX holds the key";
  EXPECT_EQ(public_key_of(dir + "/privkey.pem", true), public_key_of(dir + "/cert.pem", false)) << "the key is the leaf's";

  auto der = openssl({"x509", "-inform", "DER", "-in", dir + "/cert.der", "-noout", "-fingerprint", "-sha256"});
  auto pem = openssl({"x509", "-in", dir + "/cert.pem", "-noout", "-fingerprint", "-sha256"});
  ASSERT_EQ(der.exit_code, 0) << der.all();
  EXPECT_EQ(der.out, pem.out) << "cert.der is the leaf";
  auto p7b = openssl({"pkcs7", "-in", dir + "/chain.p7b", "-print_certs", "-noout"});
  ASSERT_EQ(p7b.exit_code, 0) << p7b.all();
  EXPECT_GE(std::count(p7b.out.begin(), p7b.out.end(), '\n'), 4) << "leaf and intermediate: " << p7b.out;
  // legacy = 3DES/SHA-1: OpenSSL 3 reads it only with the legacy provider, which is the point of the profile.
  auto pfx = openssl({"pkcs12", "-in", dir + "/cert.pfx", "-passin", "file:" + password, "-nodes", "-legacy", "-info"});
  ASSERT_EQ(pfx.exit_code, 0) << pfx.all();
  EXPECT_NE(pfx.all().find("pbeWithSHA1And3-KeyTripleDES-CBC"), std::string::npos) << pfx.all();
  EXPECT_NE(pfx.out.find("PRIVATE KEY"), std::string::npos);
  auto wrong = openssl({"pkcs12", "-in", dir + "/cert.pfx", "-passin", "pass:wrong", "-nodes", "-legacy"});
  EXPECT_NE(wrong.exit_code, 0) << "locked with the file's password (its line ending not part of it)";
}

TEST(RunLifecycle, PfxWithoutAPasswordIsRefusedBeforeOrdering) {
  RunWorld world;
  world.add("nopass", RunPublish::Webroot, {}, json{{"formats", {"pfx"}}}.dump());
  world.manifest();
  auto r = world.run();
  EXPECT_EQ(r.exit_code, 9) << r.all();
  EXPECT_NE(r.out.find("cert.password_needed"), std::string::npos) << r.out;
  EXPECT_EQ(world.sandbox().stats()["orders_total"], 0) << "nothing bought that could not be written";
}

TEST(RunLifecycle, RotatedRenewalOrdersWithANewKeyAndKeepsTheOldKeyFile) {
  RunWorld world;
  world.add("rot", RunPublish::Webroot, {}, json{{"key_policy", "rotate"}, {"privkey", true}}.dump());
  world.add("same", RunPublish::Webroot);
  world.manifest();
  ASSERT_EQ(world.run().exit_code, 0);
  const auto first = entry_of(world, "rot"), same_first = entry_of(world, "same");
  ASSERT_TRUE(first && same_first);
  const std::string first_cert_key = public_key_of(world.dir().file("certs/rot/cert.pem"), false);

  auto renewed = world.run({"--renew-within", "100000d"});
  ASSERT_EQ(renewed.exit_code, 0) << renewed.all();
  const auto second = entry_of(world, "rot"), same_second = entry_of(world, "same");
  ASSERT_TRUE(second && same_second);
  EXPECT_NE(second->order_id, first->order_id) << "renewed";
  EXPECT_NE(second->key_path, first->key_path) << "rotate: a new key file";
  EXPECT_TRUE(fs::exists(first->key_path)) << "the old key stays (the old certificate may still be served)";
  EXPECT_NE(public_key_of(world.dir().file("certs/rot/cert.pem"), false), first_cert_key) << "a new key in the certificate";
  EXPECT_EQ(public_key_of(world.dir().file("certs/rot/privkey.pem"), true),
            public_key_of(world.dir().file("certs/rot/cert.pem"), false));
  EXPECT_EQ(same_second->key_path, same_first->key_path) << "reuse (the default): the same key";
  EXPECT_NE(same_second->order_id, same_first->order_id);
}

TEST(RunLifecycle, RevokeGoesToTheCaAndTheNextRunReplacesTheCertificate) {
  RunWorld world;
  world.add("rev", RunPublish::Webroot);
  world.manifest();
  ASSERT_EQ(world.run().exit_code, 0);
  const auto issued = entry_of(world, "rev");
  ASSERT_TRUE(issued);

  auto unconfirmed = world.run({"--revoke", "rev"});
  EXPECT_EQ(unconfirmed.exit_code, 2) << unconfirmed.all();
  EXPECT_EQ(world.sandbox().stats()["revoked_certificates"], 0);
  EXPECT_EQ(world.run({"--revoke", "rev", "--yes", "--reason", "stolen"}).exit_code, 2) << "not a reason";
  EXPECT_EQ(world.run({"--revoke", "nope", "--yes"}).exit_code, 2) << "not an id of the manifest";

  auto revoked = world.run({"--revoke", "rev", "--yes", "--reason", "superseded"});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.all();
  EXPECT_EQ(world.sandbox().stats()["revoked_certificates"], 1);
  const auto after = entry_of(world, "rev");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->stage, Stage::New) << "the next run replaces it";

  auto replaced = world.run();
  ASSERT_EQ(replaced.exit_code, 0) << replaced.all();
  const auto again = entry_of(world, "rev");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->stage, Stage::Done);
  EXPECT_NE(again->certificate_id, issued->certificate_id);
  EXPECT_NE(again->key_path, issued->key_path) << "a new key: the old one may be why it was revoked";
  auto l = Ledger::open_read_only(world.state());
  ASSERT_TRUE(l.ok());
  auto events = (*l)->events("rev");
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(std::count_if(events->begin(), events->end(), [](const LedgerEvent& e) { return e.kind == "revoke"; }), 1);
}

}  // namespace
