// Hook scripts written the way certbot, dehydrated and lego document them (not with dcvkit's own
// conventions) publish into a real BIND through nsupdate; dig reads the result back.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "dcvkit/manifest.hpp"
#include "support/dns_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace dcvkit::test {
namespace {

const std::string kToken = "20261123000000" + std::string(48, 'q') + "42";
const std::string kOther = "other-certificate-token";

// What every script sends nsupdate first: the test BIND, its zone and TSIG key (from the environment).
const std::string kNsupdate = "nsupdate -k \"$NS_KEY\" <<EOF\nserver 127.0.0.1 $NS_PORT\nzone example.test\n";

// certbot --manual-auth-hook / --manual-cleanup-hook, as certbot's user guide shows them; the
// owner is DigiCert's _dnsauth.<domain> where ACME would use _acme-challenge.<domain>.
const std::string kCertbotAuth = "#!/bin/sh\n"
                                 R"(echo "auth $CERTBOT_DOMAIN $CERTBOT_REMAINING_CHALLENGES $CERTBOT_ALL_DOMAINS token=${CERTBOT_TOKEN-unset}" >> "$LOG"
CREATE_DOMAIN="_dnsauth.$CERTBOT_DOMAIN"
)" + kNsupdate + R"(update add $CREATE_DOMAIN 60 TXT "$CERTBOT_VALIDATION"
send
EOF
)";
const std::string kCertbotCleanup = "#!/bin/sh\n"
                                    R"(echo "cleanup $CERTBOT_DOMAIN auth_output=${CERTBOT_AUTH_OUTPUT-unset}" >> "$LOG"
)" + kNsupdate + R"(update delete _dnsauth.$CERTBOT_DOMAIN TXT "$CERTBOT_VALIDATION"
send
EOF
)";

// dehydrated's hook.sh skeleton: one function per handler, dispatched on $1.
const std::string kDehydrated = "#!/usr/bin/env bash\n" R"(
deploy_challenge() {
    local DOMAIN="${1}" TOKEN_FILENAME="${2}" TOKEN_VALUE="${3}"
    echo "deploy_challenge ${DOMAIN} ${TOKEN_FILENAME}" >> "$LOG"
    )" + kNsupdate + R"(update add _dnsauth.${DOMAIN}. 60 IN TXT "${TOKEN_VALUE}"
send
EOF
}

clean_challenge() {
    local DOMAIN="${1}" TOKEN_FILENAME="${2}" TOKEN_VALUE="${3}"
    echo "clean_challenge ${DOMAIN}" >> "$LOG"
    )" + kNsupdate + R"(update delete _dnsauth.${DOMAIN}. TXT "${TOKEN_VALUE}"
send
EOF
}

HANDLER="$1"; shift
if [[ "${HANDLER}" =~ ^(deploy_challenge|clean_challenge)$ ]]; then
  "$HANDLER" "$@"
fi
)";

// dehydrated with HOOK_CHAIN=yes: every challenge in one call, three arguments each.
const std::string kDehydratedChain = "#!/usr/bin/env bash\n" R"(
deploy_challenge() {
    local updates=""
    echo "deploy_challenge $#" >> "$LOG"
    while (( "$#" >= 3 )); do
        local DOMAIN="${1}"; shift
        local TOKEN_FILENAME="${1}"; shift
        local TOKEN_VALUE="${1}"; shift
        updates+="update add _dnsauth.${DOMAIN}. 60 IN TXT \"${TOKEN_VALUE}\""$'\n'
    done
    )" + kNsupdate + R"(${updates}send
EOF
}

clean_challenge() {
    local updates=""
    echo "clean_challenge $#" >> "$LOG"
    while (( "$#" >= 3 )); do
        updates+="update delete _dnsauth.${1}. TXT \"${3}\""$'\n'
        shift 3
    done
    )" + kNsupdate + R"(${updates}send
EOF
}

HANDLER="$1"; shift
if [[ "${HANDLER}" =~ ^(deploy_challenge|clean_challenge)$ ]]; then
  "$HANDLER" "$@"
fi
)";

// lego's exec provider: ./update-dns.sh present|cleanup FQDN VALUE.
const std::string kLego = "#!/bin/sh\n" R"(echo "$1 $2" >> "$LOG"
case "$1" in
  present) CMD="update add $2 60 TXT \"$3\"" ;;
  cleanup) CMD="update delete $2 TXT \"$3\"" ;;
  *) exit 1 ;;
esac
)" + kNsupdate + R"($CMD
send
EOF
)";

// lego's exec provider with EXEC_MODE=RAW: present|cleanup -- DOMAIN TOKEN KEY_AUTH.
const std::string kLegoRaw = "#!/bin/sh\n" R"(echo "$1 $2 $3 mode=$EXEC_MODE" >> "$LOG"
[ "$2" = "--" ] || exit 2
case "$1" in
  present) CMD="update add _dnsauth.$3. 60 TXT \"$5\"" ;;
  cleanup) CMD="update delete _dnsauth.$3. TXT \"$5\"" ;;
  *) exit 1 ;;
esac
)" + kNsupdate + R"($CMD
send
EOF
)";

class HookStyles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    DnsServerConfig c;
    c.records = {"_dnsauth.shop IN TXT \"" + kOther + "\""};
    server = new DnsServer(c);
  }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }

  std::string script(const std::string& name, const std::string& text) {
    const std::string path = dir.write(name, text);
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    return path;
  }

  RunResult call(const std::string& action, const std::string& style, const std::string& hook) {
    RunOptions o;
    o.env = {{"NS_KEY", server->key_file()}, {"NS_PORT", std::to_string(server->port())}, {"LOG", dir.file("calls.log")}};
    return run_dcvkit({action, "--name", "shop.example.test", "--name", "www.shop.example.test", "--method", "dns",
                       "--token", kToken, "--hook", hook, "--hook-style", style, "--concurrency", "1"},
                      o);
  }

  // Publishes both names, checks DNS, unpublishes, checks that exactly ours went; returns the log.
  std::string round_trip(const std::string& style, const std::string& publish_hook, const std::string& unpublish_hook) {
    const RunResult pub = call("publish", style, publish_hook);
    EXPECT_EQ(pub.exit_code, 0) << pub.all();
    std::vector<std::string> both{kToken, kOther};
    std::sort(both.begin(), both.end());
    EXPECT_EQ(server->txt("_dnsauth.shop.example.test"), both) << style;
    EXPECT_EQ(server->txt("_dnsauth.www.shop.example.test"), std::vector<std::string>{kToken}) << style;
    const RunResult unpub = call("unpublish", style, unpublish_hook);
    EXPECT_EQ(unpub.exit_code, 0) << unpub.all();
    EXPECT_EQ(server->txt("_dnsauth.shop.example.test"), std::vector<std::string>{kOther}) << style;
    EXPECT_TRUE(server->txt("_dnsauth.www.shop.example.test").empty()) << style;
    return read_text(dir.file("calls.log"));
  }

  TempDir dir;
  static inline DnsServer* server = nullptr;
};

TEST_F(HookStyles, CertbotAuthAndCleanupHooks) {
  const std::string log = round_trip("certbot", script("auth.sh", kCertbotAuth), script("cleanup.sh", kCertbotCleanup));
  EXPECT_EQ(log,
            "auth shop.example.test 1 shop.example.test,www.shop.example.test token=unset\n"
            "auth www.shop.example.test 0 shop.example.test,www.shop.example.test token=unset\n"
            "cleanup shop.example.test auth_output=\n"
            "cleanup www.shop.example.test auth_output=\n");
}

TEST_F(HookStyles, DehydratedOneCallPerName) {
  const std::string hook = script("hook.sh", kDehydrated);
  EXPECT_EQ(round_trip("dehydrated", hook, hook),
            "deploy_challenge shop.example.test _dnsauth.shop.example.test\n"
            "deploy_challenge www.shop.example.test _dnsauth.www.shop.example.test\n"
            "clean_challenge shop.example.test\nclean_challenge www.shop.example.test\n");
}

TEST_F(HookStyles, DehydratedHookChainTakesEveryNameInOneCall) {
  const std::string hook = script("hook.sh", kDehydratedChain);
  EXPECT_EQ(round_trip("dehydrated-chain", hook, hook), "deploy_challenge 6\nclean_challenge 6\n");
}

TEST_F(HookStyles, LegoExecGetsTheFullRecordName) {
  const std::string hook = script("update-dns.sh", kLego);
  EXPECT_EQ(round_trip("lego-exec", hook, hook),
            "present _dnsauth.shop.example.test.\npresent _dnsauth.www.shop.example.test.\n"
            "cleanup _dnsauth.shop.example.test.\ncleanup _dnsauth.www.shop.example.test.\n");
}

TEST_F(HookStyles, LegoExecRawMode) {
  const std::string hook = script("update-dns.sh", kLegoRaw);
  EXPECT_EQ(round_trip("lego-exec-raw", hook, hook),
            "present -- shop.example.test mode=RAW\npresent -- www.shop.example.test mode=RAW\n"
            "cleanup -- shop.example.test mode=RAW\ncleanup -- www.shop.example.test mode=RAW\n");
}

TEST_F(HookStyles, UnknownStyleAndLegoForHttpAreRefused) {
  const RunResult bad = call("publish", "acme.sh", script("x.sh", "#!/bin/sh\nexit 0\n"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--hook-style must be one of dcvkit, certbot, dehydrated"), std::string::npos) << bad.err;
  const RunResult http = run_dcvkit({"publish", "--name", "shop.example.test", "--method", "http", "--token", kToken,
                                     "--hook", "true", "--hook-style", "lego-exec"});
  EXPECT_NE(http.exit_code, 0);
  EXPECT_NE(http.err.find("cannot publish http"), std::string::npos) << http.err;

  auto line = parse_manifest_line(R"({"id":"c","names":["a.example.test"],"method":"dns","publish":{"hook":"./auth.sh",
      "cleanup_hook":"./cleanup.sh","hook_style":"certbot"}})", "/m", "m:1");
  ASSERT_TRUE(line.ok()) << line.error().message;
  EXPECT_EQ(line->publish.settings.at("hook_style"), "certbot");
  EXPECT_EQ(line->publish.settings.at("cleanup_hook"), "./cleanup.sh");
  auto wrong = parse_manifest_line(
      R"({"id":"c","names":["a.example.test"],"method":"dns","publish":{"hook":"x","hook_style":"lego"}})", "/m", "m:1");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("hook_style"), std::string::npos);
}

}  // namespace
}  // namespace dcvkit::test
