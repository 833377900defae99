// The dcvkit executable as scripts use it: output contract, exit codes, secrets, files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "dcvkit/token_time.hpp"
#include "dcvkit/pipeline.hpp"
#include "dcvkit/time.hpp"
#include "dcvkit/token.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"
#include "support/vectors.hpp"

namespace {

using dcvkit::test::read_text;
using dcvkit::test::run_dcvkit;
using dcvkit::test::run_program;
using dcvkit::test::RunOptions;
using dcvkit::test::RunResult;
using dcvkit::test::TempDir;
using dcvkit::test::token_vectors;

constexpr const char* kSecret = "Recognisable-AuthKey-7f3a9c-DO-NOT-PRINT";

std::string last_line(const std::string& s) {
  std::string t = s;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// A fresh key + CSR made by the tool itself.
struct Fixture {
  TempDir dir;
  std::string csr, key, auth_key_file;
  Fixture() {
    csr = dir.file("req.csr");
    key = dir.file("key.pem");
    auto r = run_dcvkit({"csr", "new", "--cn", "shop.example.com", "--san", "www.shop.example.com", "--key-out", key,
                         "--csr-out", csr});
    if (r.exit_code != 0) throw std::runtime_error("csr new failed: " + r.err);
    auth_key_file = dir.write("authkey", std::string(kSecret) + "\n");
  }
};

TEST(CliVectors, EveryVectorThroughTheExecutable) {
  TempDir dir;
  int i = 0;
  for (const auto& v : token_vectors()) {
    const std::string csr = dir.write(v.id + ".csr", v.csr);
    RunOptions opt;
    std::vector<std::string> args = {"token", "new", "--csr", csr, "--timestamp", v.timestamp};
    switch (i++ % 3) {  // every AuthKey source, the key's exact bytes each time
      case 0:
        args.push_back("--auth-key-stdin");
        opt.stdin_data = v.auth_key;
        break;
      case 1:
        args.insert(args.end(), {"--auth-key-file", dir.write(v.id + ".key", v.auth_key + "\n")});
        break;
      default:
        opt.env["DCVKIT_AUTH_KEY"] = v.auth_key;
    }
    auto r = run_dcvkit(args, opt);
    ASSERT_EQ(r.exit_code, 0) << v.id << ": " << r.err;
    EXPECT_EQ(last_line(r.out), v.token) << v.id << " (" << v.category << ")";
  }
}

TEST(CliVectors, VerifyAcceptsEveryVectorAtItsTimestamp) {
  TempDir dir;
  for (const auto& v : token_vectors()) {
    const std::string csr = dir.write("v.csr", v.csr);
    RunOptions opt;
    opt.stdin_data = v.auth_key;
    auto r = run_dcvkit({"token", "verify", v.token, "--csr", csr, "--auth-key-stdin", "--at", v.timestamp}, opt);
    EXPECT_EQ(r.exit_code, 0) << v.id << ": " << r.err;
  }
}

TEST(CliAuthKey, OnlyOneTrailingLineEndingIsStripped) {
  Fixture f;
  auto token_with_file = [&](const std::string& content) {
    auto path = f.dir.write("k", content);
    auto r = run_dcvkit({"token", "new", "--csr", f.csr, "--auth-key-file", path, "--timestamp", "20260101000000"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return last_line(r.out);
  };
  RunOptions env;
  env.env["DCVKIT_AUTH_KEY"] = " key with spaces ";
  const std::string plain = last_line(run_dcvkit({"token", "new", "--csr", f.csr, "--timestamp", "20260101000000"}, env).out);
  EXPECT_EQ(token_with_file(" key with spaces \n"), plain);
  EXPECT_EQ(token_with_file(" key with spaces \r\n"), plain);
  EXPECT_EQ(token_with_file(" key with spaces "), plain);
  EXPECT_NE(token_with_file(" key with spaces \n\n"), plain);  // only one line ending goes
  EXPECT_NE(token_with_file("key with spaces"), plain);        // spaces are part of the key
}

TEST(CliAuthKey, MissingEmptyOrOnTheCommandLine) {
  Fixture f;
  auto none = run_dcvkit({"token", "new", "--csr", f.csr});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no AuthKey"), std::string::npos);

  auto empty = run_dcvkit({"token", "new", "--csr", f.csr, "--auth-key-file", f.dir.write("e", "\n")});
  EXPECT_EQ(empty.exit_code, 3);
  EXPECT_NE(empty.err.find("empty"), std::string::npos);

  for (const std::string& form : {std::string("--auth-key=") + kSecret, std::string("--auth-key")}) {
    std::vector<std::string> args = {"token", "new", "--csr", f.csr, form};
    if (form == "--auth-key") args.push_back(kSecret);
    auto r = run_dcvkit(args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--auth-key-file"), std::string::npos) << r.err;
    EXPECT_EQ(r.all().find(kSecret), std::string::npos) << "the key must not be echoed";
  }
}

TEST(CliAuthKey, WarnsWhenTheKeyFileIsReadableByOthers) {
  Fixture f;
  auto quiet = run_dcvkit({"token", "new", "--csr", f.csr, "--auth-key-file", f.auth_key_file});
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(quiet.err.find("readable"), std::string::npos);
  ::chmod(f.auth_key_file.c_str(), 0644);
  auto loud = run_dcvkit({"token", "new", "--csr", f.csr, "--auth-key-file", f.auth_key_file});
  EXPECT_EQ(loud.exit_code, 0);
  EXPECT_NE(loud.err.find("readable by group or others"), std::string::npos) << loud.err;
}

TEST(CliSecrets, NoCommandPrintsTheAuthKey) {
  Fixture f;
  const std::string token = last_line(run_dcvkit({"token", "new", "--csr", f.csr, "--auth-key-file", f.auth_key_file}).out);
  const std::vector<std::vector<std::string>> calls = {
      {"token", "new", "--csr", f.csr, "--auth-key-file", f.auth_key_file},
      {"token", "new", "--csr", f.csr, "--auth-key-file", f.auth_key_file, "--json", "--all-forms"},
      {"token", "new", "--csr", f.csr, "--auth-key-file", f.auth_key_file, "--timestamp", "20200101000000"},
      {"token", "new", "--csr", f.key, "--auth-key-file", f.auth_key_file},
      {"token", "verify", token, "--csr", f.csr, "--auth-key-file", f.auth_key_file},
      {"token", "verify", token, "--csr", f.csr, "--auth-key-file", f.auth_key_file, "--all-forms", "--json"},
      {"token", "verify", token, "--csr", f.csr, "--auth-key-stdin"},
      {"token", "verify", "garbage", "--csr", f.csr, "--auth-key-file", f.auth_key_file},
      {"token", "new", "--csr", f.csr, "--auth-key-file", f.auth_key_file, "--timestamp", "bad"},
      {"token", "new", "--csr", f.csr, "--auth-key-file", f.auth_key_file, "--no-such-option"},
      {"token", "new", "--csr", f.csr, "--auth-key-file", f.auth_key_file, "stray", kSecret},
  };
  for (const auto& args : calls) {
    RunOptions opt;
    opt.stdin_data = "not-the-key\n";
    opt.env["DCVKIT_AUTH_KEY"] = kSecret;
    auto r = run_dcvkit(args, opt);
    EXPECT_EQ(r.all().find(kSecret), std::string::npos) << args[1] << " printed the AuthKey";
    EXPECT_EQ(r.all().find("7f3a9c"), std::string::npos) << args[1] << " printed part of the AuthKey";
  }
}

TEST(CliToken, JsonOutputHasTheContractFields) {
  Fixture f;
  auto r = run_dcvkit({"token", "new", "--csr", f.csr, "--auth-key-file", f.auth_key_file, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* k : {"token", "timestamp", "valid_from", "valid_until", "status", "csr_form", "names"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["status"], "valid");
  EXPECT_EQ(j["csr_form"], "pem");
  EXPECT_EQ(j["names"], nlohmann::json({"shop.example.com", "www.shop.example.com"}));
  EXPECT_EQ(j["token"].get<std::string>().substr(0, 14), j["timestamp"].get<std::string>());
}

// One default timestamp for new tokens (token new, publish, run): kTokenClockSkewMargin in the past,
// because the CA rejects a token dated in its future. And a warning when the clock is unsynchronised.
TEST(CliToken, DefaultTimestampLeavesTheClockSkewMarginAndUnsyncedClockWarns) {
  Fixture f;
  const auto before = dcvkit::system_clock().now();
  auto r = run_dcvkit({"token", "new", "--csr", f.csr, "--auth-key-file", f.auth_key_file, "--json"});
  const auto after = dcvkit::system_clock().now();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto t = *dcvkit::parse_compact_timestamp(j["timestamp"].get<std::string>());
  EXPECT_GE(t, before - dcvkit::kTokenClockSkewMargin);
  EXPECT_LE(t, after - dcvkit::kTokenClockSkewMargin);
  EXPECT_EQ(dcvkit::kTokenClockSkewMargin, dcvkit::PipelineOptions{}.token_skew) << "run dates tokens the same way";
  const auto synced = dcvkit::system_clock_synchronised();
  EXPECT_EQ(r.err.find("not synchronised") != std::string::npos, synced.has_value() && !*synced) << r.err;
}

TEST(CliToken, ValidFromAndWarnings) {
  Fixture f;
  auto future = run_dcvkit({"token", "new", "--csr", f.csr, "--auth-key-file", f.auth_key_file, "--valid-from",
                            "2099-01-02T03:04:05+01:00", "--json"});
  ASSERT_EQ(future.exit_code, 0) << future.err;
  auto j = nlohmann::json::parse(future.out);
  EXPECT_EQ(j["timestamp"], "20990102020405");
  EXPECT_EQ(j["status"], "not_yet_valid");
  EXPECT_NE(future.err.find("not valid until"), std::string::npos);

  auto old = run_dcvkit({"token", "new", "--csr", f.csr, "--auth-key-file", f.auth_key_file, "--timestamp", "20200101000000"});
  EXPECT_EQ(old.exit_code, 0);
  EXPECT_NE(old.err.find("expired"), std::string::npos);
  EXPECT_EQ(last_line(old.out).substr(0, 14), "20200101000000");

  auto both = run_dcvkit({"token", "new", "--csr", f.csr, "--auth-key-file", f.auth_key_file, "--timestamp",
                          "20200101000000", "--valid-from", "now"});
  EXPECT_EQ(both.exit_code, 2);
  auto bad = run_dcvkit({"token", "new", "--csr", f.csr, "--auth-key-file", f.auth_key_file, "--timestamp", "20230229000000"});
  EXPECT_EQ(bad.exit_code, 3);
}

TEST(CliToken, AllFormsListsEachDistinctToken) {
  TempDir dir;
  const auto& v = token_vectors()[18];  // a CRLF CSR: every form differs
  ASSERT_NE(v.csr.find("\r\n"), std::string::npos);
  auto csr = dir.write("crlf.csr", v.csr);
  RunOptions opt;
  opt.stdin_data = v.auth_key;
  auto r = run_dcvkit({"token", "new", "--csr", csr, "--auth-key-stdin", "--timestamp", v.timestamp, "--all-forms", "--json"}, opt);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["tokens"].size(), 4u);
  EXPECT_EQ(j["tokens"][0]["csr_form"], "pem");
  EXPECT_EQ(j["tokens"][0]["token"], v.token);
  std::set<std::string> distinct;
  for (const auto& t : j["tokens"]) distinct.insert(t["token"].get<std::string>());
  EXPECT_EQ(distinct.size(), 4u);
}

TEST(CliToken, InspectExitFollowsStatus) {
  const std::string token = token_vectors().front().token;  // 2002-04-26 05:52:52
  auto at = [&](const std::string& when, bool json = false) {
    std::vector<std::string> args = {"token", "inspect", token, "--at", when};
    if (json) args.push_back("--json");
    return run_dcvkit(args);
  };
  EXPECT_EQ(at("20020426055252").exit_code, 0);
  EXPECT_EQ(at("2002-05-26T05:52:52Z").exit_code, 0);  // exactly 30 days
  EXPECT_EQ(at("2002-05-26T05:52:53Z").exit_code, 7);
  EXPECT_EQ(at("2002-04-26T05:52:51Z").exit_code, 8);
  auto j = nlohmann::json::parse(at("2002-05-26T05:52:50Z", true).out);
  EXPECT_EQ(j["status"], "valid");
  EXPECT_EQ(j["seconds_left"], 2);
  EXPECT_EQ(j["valid_until"], "2002-05-26T05:52:52Z");
  auto malformed = run_dcvkit({"token", "inspect", "2002042605525", "--json"});
  EXPECT_EQ(malformed.exit_code, 5);
  EXPECT_EQ(nlohmann::json::parse(malformed.out)["error"]["code"], "token.malformed");
}

TEST(CliToken, VerifyExitCodePerReason) {
  Fixture f;
  auto token_at = [&](const std::string& ts) {
    return last_line(run_dcvkit({"token", "new", "--csr", f.csr, "--auth-key-file", f.auth_key_file, "--timestamp", ts}).out);
  };
  const std::string now_token = token_at(dcvkit::format_compact_timestamp(dcvkit::system_clock().now() - 60));
  auto verify = [&](const std::string& token, const std::string& key_file) {
    return run_dcvkit({"token", "verify", token, "--csr", f.csr, "--auth-key-file", key_file}).exit_code;
  };
  EXPECT_EQ(verify(now_token, f.auth_key_file), 0);
  EXPECT_EQ(verify(now_token, f.dir.write("other", "other-key")), 6);
  EXPECT_EQ(verify(token_at("20200101000000"), f.auth_key_file), 7);
  EXPECT_EQ(verify(token_at("20990101000000"), f.auth_key_file), 8);
  EXPECT_EQ(verify("not-a-token", f.auth_key_file), 5);
}

TEST(CliCsr, NewWritesKeyPrivatelyAndRefusesToOverwrite) {
  Fixture f;
  struct stat st {};
  ASSERT_EQ(::stat(f.key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(read_text(f.key).find("BEGIN PRIVATE KEY"), std::string::npos);
  const std::string key_before = read_text(f.key);

  auto again = run_dcvkit({"csr", "new", "--cn", "other.example.com", "--key-out", f.key, "--csr-out", f.dir.file("new.csr")});
  EXPECT_EQ(again.exit_code, 4);
  EXPECT_NE(again.err.find("--force"), std::string::npos);
  EXPECT_EQ(read_text(f.key), key_before);
  EXPECT_FALSE(std::filesystem::exists(f.dir.file("new.csr"))) << "a failing command writes no file";

  auto forced = run_dcvkit({"csr", "new", "--cn", "other.example.com", "--key-type", "rsa2048", "--key-out", f.key,
                            "--csr-out", f.csr, "--force", "--json"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(read_text(f.key), key_before);
  auto show = nlohmann::json::parse(run_dcvkit({"csr", "show", f.csr, "--json"}).out);
  EXPECT_EQ(show["key_type"], "RSA");
  EXPECT_EQ(show["key_bits"], 2048);
  EXPECT_EQ(show["names"], nlohmann::json({"other.example.com"}));
}

TEST(CliCsr, InvalidNamesWriteNothing) {
  TempDir dir;
  for (const std::string& name : std::vector<std::string>{"../etc", "a/b.example.com", "-bad.example.com", "x..example.com", "*.*.example.com",
                                  "127.0.0.1", std::string(300, 'a') + ".com"}) {
    auto r = run_dcvkit({"csr", "new", "--cn", "ok.example.com", "--san", name, "--key-out", dir.file("k.pem"),
                         "--csr-out", dir.file("r.csr")});
    EXPECT_EQ(r.exit_code, 3) << name << ": " << r.err;
    EXPECT_TRUE(dir.entries().empty()) << name;
  }
}

TEST(CliCsr, BadCsrInputsAreRefusedClearly) {
  Fixture f;
  const auto& v = token_vectors().front();
  std::string der;
  {
    auto b64 = run_dcvkit({"csr", "show", f.dir.write("v.csr", v.csr), "--print-form", "base64-body"}).out;
    auto r = run_program({"/usr/bin/openssl", "base64", "-d", "-A", "-out", f.dir.file("v.der")}, {b64, {}, {}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  auto cert = run_program({"/usr/bin/openssl", "req", "-x509", "-key", f.key, "-subj", "/CN=x.example.com", "-out",
                           f.dir.file("cert.pem"), "-days", "1"});
  ASSERT_EQ(cert.exit_code, 0) << cert.err;
  const std::string key_pem = read_text(f.key);
  const std::string key_body = key_pem.substr(key_pem.find('\n') + 1, 40);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {f.key, "private key"},
      {f.dir.file("cert.pem"), "certificate"},
      {f.dir.file("v.der"), "DER"},
      {f.dir.write("empty.csr", ""), "empty"},
      {f.dir.write("garbage.csr", "hello world\n"), "PEM"},
      {f.dir.write("trunc.csr", v.csr.substr(0, v.csr.size() / 2)), "truncated"},
      {f.dir.file("missing.csr"), "cannot open"},
  };
  for (const auto& [path, expected] : cases) {
    const auto before = f.dir.entries();
    auto r = run_dcvkit({"token", "new", "--csr", path, "--auth-key-file", f.auth_key_file});
    EXPECT_TRUE(r.exit_code == 3 || r.exit_code == 4) << path << " exit " << r.exit_code;
    EXPECT_NE(r.err.find(expected), std::string::npos) << path << ": " << r.err;
    EXPECT_EQ(r.err.find(key_body), std::string::npos) << "private key bytes echoed";
    EXPECT_TRUE(r.out.empty()) << path;
    EXPECT_EQ(f.dir.entries(), before);
    auto j = run_dcvkit({"csr", "show", path, "--json"});
    auto e = nlohmann::json::parse(j.out);
    EXPECT_TRUE(e["error"]["code"].is_string() && !e["error"]["message"].get<std::string>().empty() &&
                !e["error"]["hint"].get<std::string>().empty())
        << j.out;
  }
}

TEST(CliGeneral, VersionHelpAndUsage) {
  auto v = run_dcvkit({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.rfind("dcvkit " DCVKIT_VERSION, 0), 0u);
  EXPECT_EQ(run_dcvkit({"--help"}).exit_code, 0);
  for (const auto& sub : std::vector<std::vector<std::string>>{{"token", "new", "--help"}, {"token", "inspect", "--help"},
                                                              {"token", "verify", "--help"}, {"csr", "new", "--help"},
                                                              {"csr", "show", "--help"}}) {
    auto r = run_dcvkit(sub);
    EXPECT_EQ(r.exit_code, 0) << sub[0] << " " << sub[1];
    EXPECT_NE(r.out.find("Usage"), std::string::npos);
  }
  EXPECT_EQ(run_dcvkit({}).exit_code, 2);
  EXPECT_EQ(run_dcvkit({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(run_dcvkit({"token", "frobnicate"}).exit_code, 2);
  auto bad = run_dcvkit({"token", "inspect", "--bogus", "--json"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(nlohmann::json::parse(bad.out)["error"]["code"], "usage.invalid");
  auto text = run_dcvkit({"token", "inspect", "--bogus"});
  EXPECT_EQ(text.err.rfind("dcvkit: error: ", 0), 0u) << text.err;
}

TEST(CliHelp, HelpCommandShowsThatCommandsHelp) {
  for (const std::vector<std::string>& path : {std::vector<std::string>{"token", "new"}, {"check"}, {"order"}}) {
    std::vector<std::string> via_help = {"help"}, via_flag = path;
    via_help.insert(via_help.end(), path.begin(), path.end());
    via_flag.push_back("--help");
    const auto a = run_dcvkit(via_help), b = run_dcvkit(via_flag);
    EXPECT_EQ(a.exit_code, 0) << a.all();
    EXPECT_EQ(b.exit_code, 0) << b.all();
    EXPECT_EQ(a.out, b.out) << "dcvkit help " << path.front();
  }
  const auto unknown = run_dcvkit({"help", "no-such-command"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.all();
  EXPECT_NE(unknown.err.find("unknown command 'no-such-command'"), std::string::npos) << unknown.err;
}

// An option a command does not have gets the same unknown-option message in every command
// (`check --dry-run`: only order submit and run have one).
TEST(CliHelp, UnknownOptionsGetOneMessage) {
  const auto run = run_dcvkit({"run", "--dry-runs"});
  const auto check = run_dcvkit({"check", "--dry-run"});
  EXPECT_EQ(run.exit_code, 2) << run.all();
  // cxxopts quotes the option with typographic quotes (‘dry-run’) where the locale allows.
  for (const auto& [r, cmd] : {std::pair{&run, "run"}, std::pair{&check, "check"}}) {
    EXPECT_EQ(r->err.rfind("dcvkit: error: Option ", 0), 0u) << r->err;
    EXPECT_NE(r->err.find("dry-run"), std::string::npos) << r->err;
    EXPECT_NE(r->err.find(std::string("does not exist (see: dcvkit ") + cmd + " --help)"), std::string::npos) << r->err;
  }
}

}  // namespace
