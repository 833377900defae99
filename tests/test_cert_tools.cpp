// dcvkit cert show|match|chain|convert|expiry as a user runs them, on a real three-level PKI made
// with the openssl command, keys of every type, and a real nginx serving TLS. What the tool writes
// is read back by `openssl` itself.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/csr_fixtures.hpp"
#include "support/nginx_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace dcvkit::test {
namespace {

using json = nlohmann::json;

const std::string kOpenssl = "/usr/bin/openssl";
const std::string kFixturePass = "fixture-passphrase";  // csr_fixtures' encrypted-key password

RunResult openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{kOpenssl};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_program(argv);
  if (r.exit_code != 0) throw std::runtime_error("openssl failed: " + r.all());
  return r;
}


// root (self-signed CA) -> intermediate (CA) -> leaf (leaf.example.test, www.leaf.example.test, 10 days).
struct Pki {
  TempDir dir;
  std::string root, intermediate, leaf, leaf_key, root_key;
  Pki() {
    root = dir.file("root.pem");
    root_key = dir.file("root.key");
    intermediate = dir.file("int.pem");
    leaf = dir.file("leaf.pem");
    leaf_key = dir.file("leaf.key");
    const std::string ca_ext = dir.write("ca.ext", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
    const std::string leaf_ext = dir.write("leaf.ext",
                                           "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
                                           "subjectAltName=DNS:leaf.example.test,DNS:www.leaf.example.test\n");
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=Test Root", "-days", "30",
             "-keyout", root_key, "-out", root, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
             "keyUsage=critical,keyCertSign,cRLSign"});
    openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=Test Intermediate",
             "-keyout", dir.file("int.key"), "-out", dir.file("int.csr")});
    openssl({"x509", "-req", "-in", dir.file("int.csr"), "-CA", root, "-CAkey", root_key, "-CAcreateserial", "-days", "20",
             "-extfile", ca_ext, "-out", intermediate});
    openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes", "-subj", "/CN=leaf.example.test",
             "-keyout", leaf_key, "-out", dir.file("leaf.csr")});
    openssl({"x509", "-req", "-in", dir.file("leaf.csr"), "-CA", intermediate, "-CAkey", dir.file("int.key"), "-CAcreateserial",
             "-days", "10", "-extfile", leaf_ext, "-out", leaf});
  }
  // The three certificates in one PEM file, in the given order.
  std::string bundle(const std::string& name, const std::vector<std::string>& parts) const {
    std::string all;
    for (const auto& p : parts) all += read_text(p);
    return dir.write(name, all);
  }
};

json parse_json(const RunResult& r) {
  try {
    return json::parse(r.out);
  } catch (const std::exception&) {
    ADD_FAILURE() << "not JSON: " << r.all();
    return json::object();
  }
}

TEST(CertShow, JsonFieldsAgreeWithOpensslAndTellTheChainOrder) {
  Pki pki;
  const std::string shuffled = pki.bundle("shuffled.pem", {pki.intermediate, pki.leaf, pki.root});
  auto r = run_dcvkit({"cert", "show", shuffled, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const json j = parse_json(r);
  EXPECT_EQ(j["subject"], "CN=leaf.example.test");
  EXPECT_EQ(j["issuer"], "CN=Test Intermediate");
  EXPECT_EQ(j["sans"], json::array({"DNS:leaf.example.test", "DNS:www.leaf.example.test"}));
  EXPECT_EQ(j["key_type"], "EC");
  EXPECT_EQ(j["curve"], "P-384");
  EXPECT_TRUE(j["days_left"] == 9 || j["days_left"] == 10) << j["days_left"];
  EXPECT_EQ(j["chain_in_order"], false);
  EXPECT_EQ(j["chain_order"], json::array({1, 0, 2}));
  EXPECT_EQ(j["chain_complete"], true);
  EXPECT_EQ(j["format"], "pem");
  EXPECT_EQ(j["certificates"].size(), 3u);
  // The same fingerprint, serial and end date openssl prints.
  const std::string fp = openssl({"x509", "-in", pki.leaf, "-noout", "-fingerprint", "-sha256"}).out;
  EXPECT_EQ("sha256 Fingerprint=" + j["sha256_fingerprint"].get<std::string>() + "\n", fp);
  std::string serial = openssl({"x509", "-in", pki.leaf, "-noout", "-serial"}).out;
  for (auto& c : serial) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string ours = j["serial"];
  while (ours.size() < serial.size() - 8) ours = "0" + ours;  // openssl pads to whole bytes
  EXPECT_EQ("serial=" + ours + "\n", serial);
  EXPECT_FALSE(j["not_after"].get<std::string>().empty());

  auto ordered = run_dcvkit({"cert", "show", pki.bundle("ordered.pem", {pki.leaf, pki.intermediate, pki.root})});
  ASSERT_EQ(ordered.exit_code, 0) << ordered.all();
  EXPECT_NE(ordered.out.find("in order (leaf first"), std::string::npos) << ordered.out;
  EXPECT_NE(ordered.out.find("[3] root"), std::string::npos) << ordered.out;
  auto text = run_dcvkit({"cert", "show", shuffled});
  EXPECT_NE(text.out.find("NOT in order"), std::string::npos) << text.out;
}

TEST(CertShow, ReadsDerPkcs7AndPkcs12) {
  Pki pki;
  openssl({"x509", "-in", pki.leaf, "-outform", "DER", "-out", pki.dir.file("leaf.der")});
  openssl({"crl2pkcs7", "-nocrl", "-certfile", pki.bundle("two.pem", {pki.leaf, pki.intermediate}), "-outform", "DER", "-out",
           pki.dir.file("chain.p7b")});
  const std::string pw = pki.dir.write("pw", "s3cret pass\n");
  openssl({"pkcs12", "-export", "-in", pki.leaf, "-inkey", pki.leaf_key, "-certfile", pki.intermediate, "-passout", "pass:s3cret pass",
           "-out", pki.dir.file("leaf.pfx")});
  for (const auto& [file, format, count] : std::vector<std::tuple<std::string, std::string, std::size_t>>{
           {"leaf.der", "der", 1}, {"chain.p7b", "p7b", 2}, {"leaf.pfx", "pfx", 2}}) {
    auto r = run_dcvkit({"cert", "show", pki.dir.file(file), "--json", "--password-file", pw});
    ASSERT_EQ(r.exit_code, 0) << file << ": " << r.all();
    const json j = parse_json(r);
    EXPECT_EQ(j["format"], format) << file;
    EXPECT_EQ(j["certificates"].size(), count) << file;
    EXPECT_EQ(j["subject"], "CN=leaf.example.test") << file;
    EXPECT_EQ(j["has_key"], format == "pfx") << file;
  }
  auto no_password = run_dcvkit({"cert", "show", pki.dir.file("leaf.pfx"), "--json"}, {.stdin_data = "", .env = {{"DCVKIT_PFX_PASSWORD", std::nullopt}}, .cwd = ""});
  EXPECT_EQ(no_password.exit_code, 3) << no_password.all();
  EXPECT_EQ(parse_json(no_password)["error"]["code"], "cert.password_needed");
  auto wrong = run_dcvkit({"cert", "show", pki.dir.file("leaf.pfx"), "--json"}, {.stdin_data = "", .env = {{"DCVKIT_PFX_PASSWORD", "nope"}}, .cwd = ""});
  EXPECT_EQ(wrong.exit_code, 3) << wrong.all();
  EXPECT_EQ(parse_json(wrong)["error"]["code"], "cert.password_wrong");
  auto garbage = run_dcvkit({"cert", "show", pki.dir.write("junk.pem", "hello\n"), "--json"});
  EXPECT_EQ(garbage.exit_code, 3);
  EXPECT_EQ(parse_json(garbage)["error"]["code"], "cert.unreadable");
}

// Same-type different keys are the hard case: EVP_PKEY_eq must say no where a type check says yes.
TEST(CertMatch, MatchingAndMismatchingPairsOfEveryKeyType) {
  TempDir dir;
  struct Type {
    FixtureKey key;
    std::vector<std::string> genpkey;
  };
  const std::vector<Type> types = {{FixtureKey::Rsa2048, {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"}},
                                   {FixtureKey::P256, {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"}},
                                   {FixtureKey::P384, {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"}},
                                   {FixtureKey::Ed25519, {"-algorithm", "ED25519"}}};
  for (std::size_t i = 0; i < types.size(); ++i) {
    const std::string n = std::to_string(i);
    const std::string cert = dir.write("c" + n + ".pem", certificate_pem(types[i].key));
    const std::string key = dir.write("k" + n + ".pem", private_key_pem(types[i].key, KeyArmour::Pkcs8));
    // Ed25519 has no traditional (pre-PKCS#8) form.
    const std::string traditional = types[i].key == FixtureKey::Ed25519
                                        ? key
                                        : dir.write("t" + n + ".pem", private_key_pem(types[i].key, KeyArmour::Traditional));
    const std::string der_key = dir.write("k" + n + ".der", private_key_der(types[i].key));
    std::vector<std::string> gen{"genpkey"};
    gen.insert(gen.end(), types[i].genpkey.begin(), types[i].genpkey.end());
    gen.insert(gen.end(), {"-out", dir.file("other" + n + ".pem")});
    openssl(gen);
    for (const auto& k : {key, traditional, der_key}) {
      auto ok = run_dcvkit({"cert", "match", "--cert", cert, "--key", k});
      EXPECT_EQ(ok.exit_code, 0) << n << " " << k << ": " << ok.all();
      EXPECT_NE(ok.out.find("match: the key belongs"), std::string::npos) << ok.out;
    }
    auto same_type = run_dcvkit({"cert", "match", "--cert", cert, "--key", dir.file("other" + n + ".pem"), "--json"});
    EXPECT_EQ(same_type.exit_code, 17) << n << ": " << same_type.all();
    EXPECT_EQ(parse_json(same_type)["match"], false);
    const std::string other_type_key = dir.file("k" + std::to_string((i + 1) % types.size()) + ".pem");
    if (std::filesystem::exists(other_type_key)) {
      auto cross = run_dcvkit({"cert", "match", "--cert", cert, "--key", other_type_key});
      EXPECT_EQ(cross.exit_code, 17) << n << ": " << cross.all();
      EXPECT_NE(cross.out.find("MISMATCH"), std::string::npos);
    }
  }
  // A CSR and its key, made by the tool; and the wrong key for it.
  auto made = run_dcvkit({"csr", "new", "--cn", "m.example.test", "--key-out", dir.file("m.key"), "--csr-out", dir.file("m.csr")});
  ASSERT_EQ(made.exit_code, 0) << made.all();
  EXPECT_EQ(run_dcvkit({"cert", "match", "--csr", dir.file("m.csr"), "--key", dir.file("m.key")}).exit_code, 0);
  EXPECT_EQ(run_dcvkit({"cert", "match", "--csr", dir.file("m.csr"), "--key", dir.file("other1.pem")}).exit_code, 17);
  // Usage: both or neither of --cert/--csr.
  EXPECT_EQ(run_dcvkit({"cert", "match", "--key", dir.file("m.key")}).exit_code, 2);
}

TEST(CertMatch, EncryptedKeyNeedsTheRightPasswordFromAFileOrTheEnvironment) {
  TempDir dir;
  const std::string cert = dir.write("c.pem", certificate_pem(FixtureKey::P256));
  const std::string key = dir.write("enc.pem", private_key_pem(FixtureKey::P256, KeyArmour::Encrypted));
  RunOptions clean;
  clean.env["DCVKIT_KEY_PASSWORD"] = std::nullopt;
  auto none = run_dcvkit({"cert", "match", "--cert", cert, "--key", key, "--json"}, clean);
  EXPECT_EQ(none.exit_code, 3) << none.all();
  EXPECT_EQ(parse_json(none)["error"]["code"], "cert.key_password_needed");
  EXPECT_NE(parse_json(none)["error"]["hint"].get<std::string>().find("--key-password-file"), std::string::npos);
  auto wrong = run_dcvkit({"cert", "match", "--cert", cert, "--key", key, "--json", "--key-password-file", dir.write("bad", "wrong\n")}, clean);
  EXPECT_EQ(wrong.exit_code, 3) << wrong.all();
  EXPECT_EQ(parse_json(wrong)["error"]["code"], "cert.key_password_wrong");
  auto right = run_dcvkit({"cert", "match", "--cert", cert, "--key", key, "--key-password-file", dir.write("pw", kFixturePass + "\n")}, clean);
  EXPECT_EQ(right.exit_code, 0) << right.all();
  RunOptions env;
  env.env["DCVKIT_KEY_PASSWORD"] = kFixturePass;
  EXPECT_EQ(run_dcvkit({"cert", "match", "--cert", cert, "--key", key}, env).exit_code, 0);
  // The password never shows up in anything printed.
  EXPECT_EQ(wrong.all().find("wrong\n"), std::string::npos);
}

TEST(CertChain, OrdersReportsMissingLinksAndVerifies) {
  Pki pki;
  auto r = run_dcvkit({"cert", "chain", pki.root, pki.leaf, pki.intermediate, "--ca-file", pki.root, "--json", "--out",
                       pki.dir.file("fullchain.pem")});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  json j = parse_json(r);
  ASSERT_EQ(j["chain"].size(), 3u);
  EXPECT_EQ(j["chain"][0]["subject"], "CN=leaf.example.test");
  EXPECT_EQ(j["chain"][1]["subject"], "CN=Test Intermediate");
  EXPECT_EQ(j["chain"][2]["subject"], "CN=Test Root");
  EXPECT_EQ(j["verified"], true);
  // --out: leaf then intermediate, no root; openssl verifies it with the root as the anchor.
  const std::string full = read_text(pki.dir.file("fullchain.pem"));
  EXPECT_EQ(full, read_text(pki.leaf) + read_text(pki.intermediate));
  auto v = run_program({kOpenssl, "verify", "-CAfile", pki.root, "-untrusted", pki.dir.file("fullchain.pem"), pki.leaf});
  EXPECT_EQ(v.exit_code, 0) << v.all();

  auto missing = run_dcvkit({"cert", "chain", pki.leaf, pki.root, "--ca-file", pki.root, "--json"});
  EXPECT_EQ(missing.exit_code, 16) << missing.all();
  j = parse_json(missing);
  EXPECT_EQ(j["missing_issuer"], "CN=Test Intermediate");
  EXPECT_EQ(j["verified"], false);
  EXPECT_EQ(j["not_on_chain"].size(), 1u);
  auto text = run_dcvkit({"cert", "chain", pki.leaf, pki.root, "--ca-file", pki.root});
  EXPECT_NE(text.out.find("missing: the issuer 'CN=Test Intermediate'"), std::string::npos) << text.out;
  // Without --ca-file the system's CAs decide: a private root is not among them.
  auto system = run_dcvkit({"cert", "chain", pki.leaf, pki.intermediate, pki.root, "--json"});
  EXPECT_EQ(system.exit_code, 16) << system.all();
  EXPECT_EQ(parse_json(system)["error"]["code"], "cert.untrusted");
}

TEST(CertConvert, PfxModernAndLegacyReadBackByOpensslAndBackToPem) {
  Pki pki;
  const std::string pem = pki.bundle("in.pem", {pki.intermediate, pki.leaf});
  const std::string pw = pki.dir.write("pw", "correct horse\n");
  for (const std::string profile : {"modern", "legacy"}) {
    const std::string pfx = pki.dir.file(profile + ".pfx");
    auto r = run_dcvkit({"cert", "convert", pem, "--to", "pfx", "--key", pki.leaf_key, "--out", pfx, "--password-file", pw, "--profile",
                         profile, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.all();
    EXPECT_EQ(file_mode(pfx), 0600u);
    // openssl reads it with the password: the key, and the leaf before the intermediate.
    auto info = run_program({kOpenssl, "pkcs12", "-in", pfx, "-passin", "file:" + pw, "-info", "-nodes"});
    ASSERT_EQ(info.exit_code, 0) << profile << ": " << info.all();
    EXPECT_NE(info.out.find("BEGIN PRIVATE KEY"), std::string::npos);
    const auto leaf_at = info.out.find("subject=CN = leaf.example.test");
    const auto int_at = info.out.find("subject=CN = Test Intermediate");
    EXPECT_NE(leaf_at, std::string::npos) << info.out;
    EXPECT_NE(int_at, std::string::npos) << info.out;
    if (profile == "modern") {
      EXPECT_NE(info.err.find("MAC: sha256"), std::string::npos) << info.err;
      EXPECT_NE(info.err.find("AES-256-CBC"), std::string::npos) << info.err;
      EXPECT_EQ(info.err.find("TripleDES"), std::string::npos) << info.err;
    } else {
      EXPECT_NE(info.err.find("MAC: sha1"), std::string::npos) << info.err;
      EXPECT_NE(info.err.find("pbeWithSHA1And3-KeyTripleDES-CBC"), std::string::npos) << info.err;
    }
    // Back to PEM: certificates (leaf first) and the key (0600), which belong together.
    const std::string back = pki.dir.file(profile + "-back.pem"), key_back = pki.dir.file(profile + "-back.key");
    auto b = run_dcvkit({"cert", "convert", pfx, "--to", "pem", "--out", back, "--key-out", key_back, "--password-file", pw});
    ASSERT_EQ(b.exit_code, 0) << b.all();
    EXPECT_EQ(read_text(back), read_text(pki.leaf) + read_text(pki.intermediate));
    EXPECT_EQ(file_mode(key_back), 0600u);
    EXPECT_EQ(file_mode(back), 0644u);
    EXPECT_EQ(run_dcvkit({"cert", "match", "--cert", back, "--key", key_back}).exit_code, 0);
  }
  // Without a password, or with a key that is not the leaf's, nothing is written.
  RunOptions clean;
  clean.env["DCVKIT_PFX_PASSWORD"] = std::nullopt;
  auto no_pw = run_dcvkit({"cert", "convert", pem, "--to", "pfx", "--key", pki.leaf_key, "--out", pki.dir.file("x.pfx"), "--json"}, clean);
  EXPECT_EQ(no_pw.exit_code, 2) << no_pw.all();
  EXPECT_EQ(parse_json(no_pw)["error"]["code"], "cert.password_needed");
  auto wrong_key = run_dcvkit({"cert", "convert", pem, "--to", "pfx", "--key", pki.root_key, "--out", pki.dir.file("x.pfx"),
                               "--password-file", pw, "--json"});
  EXPECT_EQ(wrong_key.exit_code, 3) << wrong_key.all();
  EXPECT_EQ(parse_json(wrong_key)["error"]["code"], "cert.key_mismatch");
  EXPECT_FALSE(std::filesystem::exists(pki.dir.file("x.pfx")));
}

TEST(CertConvert, DerAndP7bRoundTripAndNeverOverwriteWithoutForce) {
  Pki pki;
  const std::string pem = pki.bundle("in.pem", {pki.leaf, pki.intermediate});
  const std::string p7b = pki.dir.file("out.p7b"), der = pki.dir.file("out.der");
  ASSERT_EQ(run_dcvkit({"cert", "convert", pem, "--to", "p7b", "--out", p7b}).exit_code, 0);
  auto p7 = run_program({kOpenssl, "pkcs7", "-in", p7b, "-print_certs", "-noout"});
  ASSERT_EQ(p7.exit_code, 0) << p7.all();
  EXPECT_LT(p7.out.find("leaf.example.test"), p7.out.find("Test Intermediate")) << p7.out;
  auto d = run_dcvkit({"cert", "convert", p7b, "--to", "der", "--out", der});
  ASSERT_EQ(d.exit_code, 0) << d.all();
  EXPECT_NE(d.err.find("DER holds one certificate"), std::string::npos) << d.err;
  auto from_der = run_program({kOpenssl, "x509", "-inform", "DER", "-in", der});
  EXPECT_EQ(from_der.out, read_text(pki.leaf));
  // The file is there: without --force nothing changes.
  const std::string before = read_text(der);
  auto again = run_dcvkit({"cert", "convert", pem, "--to", "pem", "--out", der, "--json"});
  EXPECT_EQ(again.exit_code, 4) << again.all();
  EXPECT_EQ(read_text(der), before);
  EXPECT_EQ(run_dcvkit({"cert", "convert", pem, "--to", "pem", "--out", der, "--force"}).exit_code, 0);
  EXPECT_EQ(read_text(der), read_text(pki.leaf) + read_text(pki.intermediate));
  // Only the expected files: no staged leftovers.
  for (const auto& e : pki.dir.entries()) EXPECT_EQ(e.find(".tmp"), std::string::npos) << e;
}

class CertExpiry : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { nginx = new NginxServer(); }
  static void TearDownTestSuite() {
    delete nginx;
    nginx = nullptr;
  }
  static inline NginxServer* nginx = nullptr;
};

// nginx's certificate is self-signed (CN=test) and valid for one day.
TEST_F(CertExpiry, WhatTheServerServesOverTlsWithSni) {
  const std::string host = "shop.example.test:" + std::to_string(nginx->https_port());
  auto r = run_dcvkit({"cert", "expiry", "--host", host, "--connect-address", "127.0.0.1", "--jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const json j = parse_json(r);
  EXPECT_EQ(j["target"], host);
  EXPECT_EQ(j["subject"], "CN=test");
  // 0, or 1 within the second the certificate was made (then exactly a day is left).
  EXPECT_LE(j["days_left"].get<int>(), 1) << r.out;
  EXPECT_GE(j["days_left"].get<int>(), 0) << r.out;
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["verified"], false);  // self-signed: reported, the handshake still finished
  EXPECT_EQ(j["sha256_fingerprint"],
            parse_json(run_dcvkit({"cert", "show", nginx->dir() + "/cert.pem", "--json"}))["sha256_fingerprint"]);
  auto warned = run_dcvkit({"cert", "expiry", "--host", host, "--connect-address", "127.0.0.1", "--warn", "30d"});
  EXPECT_EQ(warned.exit_code, 18) << warned.all();
  EXPECT_NE(warned.out.find("EXPIRING"), std::string::npos) << warned.out;
  // Trusting nginx's own certificate, the chain verifies for... its CN only, not the SNI name.
  auto trusted = run_dcvkit({"cert", "expiry", "--host", "test:" + std::to_string(nginx->https_port()), "--connect-address",
                             "127.0.0.1", "--ca-file", nginx->dir() + "/cert.pem", "--jsonl"});
  ASSERT_EQ(trusted.exit_code, 0) << trusted.all();
  EXPECT_EQ(parse_json(trusted)["verified"], true) << trusted.out;
}

TEST_F(CertExpiry, BatchOfHostsAndFilesAsJsonLines) {
  Pki pki;
  const std::string good = "a.example.test:" + std::to_string(nginx->https_port());
  const std::string hosts = pki.dir.write("hosts", "# endpoints\n" + good + "\n\n  b.example.test:" +
                                                        std::to_string(nginx->https_port()) + "  \n");
  auto r = run_dcvkit({"cert", "expiry", "--hosts-file", hosts, "--file", pki.leaf, "--connect-address", "127.0.0.1", "--jsonl",
                       "--warn", "5d"});
  // nginx's certificate has 0 days left: under 5 days.
  EXPECT_EQ(r.exit_code, 18) << r.all();
  std::vector<json> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_EQ(lines[0]["target"], good);
  EXPECT_EQ(lines[0]["status"], "expiring");
  EXPECT_EQ(lines[2]["kind"], "file");
  EXPECT_EQ(lines[2]["status"], "ok");
  EXPECT_EQ(run_dcvkit({"cert", "expiry", "--file", pki.leaf, "--warn", "5d"}).exit_code, 0);
  EXPECT_EQ(run_dcvkit({"cert", "expiry", "--file", pki.leaf, "--warn", "30d"}).exit_code, 18);

  // Nothing listens on port 1: a single target exits with the network code, a batch with 9.
  auto refused = run_dcvkit({"cert", "expiry", "--host", "127.0.0.1:1", "--timeout", "2", "--jsonl"});
  EXPECT_EQ(refused.exit_code, 14) << refused.all();
  EXPECT_EQ(parse_json(refused)["error"]["code"], "cert.connect_failed");
  auto mixed = run_dcvkit({"cert", "expiry", "--host", "127.0.0.1:1", "--file", pki.leaf, "--timeout", "2"});
  EXPECT_EQ(mixed.exit_code, 9) << mixed.all();
  EXPECT_EQ(run_dcvkit({"cert", "expiry", "--host", "bad host"}).exit_code, 3);
}

}  // namespace
}  // namespace dcvkit::test
