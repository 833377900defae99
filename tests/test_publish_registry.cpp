// The publish provider registry is the one list of providers: the command line, the manifest and
// make_publisher() ask it, and README, docs/providers.md, the man page and the completion list
// exactly its providers, in its order.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "dcvkit/manifest.hpp"
#include "dcvkit/publish_hook.hpp"
#include "dcvkit/publish_spec.hpp"
#include "support/doc_sources.hpp"
#include "support/run.hpp"

namespace dcvkit::test {
namespace {

std::vector<std::string> registry_names() {
  std::vector<std::string> out;
  for (const auto& p : publish_providers()) out.push_back(p.name);
  return out;
}

std::string methods_of(const PublishProviderInfo& p) {
  std::string out;
  for (DcvMethod m : p.methods) out += (out.empty() ? "" : ", ") + std::string(m == DcvMethod::Dns ? "dns" : "http");
  return out;
}

// "| `name` | `--flag VALUE` | `key` | methods |" rows of a Markdown table, as "name|--flag VALUE|key|methods".
std::vector<std::string> table_rows(const std::string& markdown) {
  static const std::regex row(R"(^\| `([a-z0-9-]+)` \| `([^`]+)` \| (?:`([a-z_]+)`)? *\| ([a-z, ]+) \|)", std::regex::multiline);
  std::vector<std::string> out;
  for (std::sregex_iterator it(markdown.begin(), markdown.end(), row), e; it != e; ++it)
    out.push_back((*it)[1].str() + "|" + (*it)[2].str() + "|" + (*it)[3].str() + "|" + (*it)[4].str());
  return out;
}

std::vector<std::string> registry_rows() {
  std::vector<std::string> out;
  for (const auto& p : publish_providers()) {
    std::string option = p.cli_flag;
    for (const auto& h : help_options("publish"))
      if ("--" + h.name == p.cli_flag) option += " " + h.value;
    out.push_back(p.name + "|" + option + "|" + p.manifest_key + "|" + methods_of(p));
  }
  return out;
}

TEST(PublishRegistry, HoldsEveryBackendOnceWithItsOwnOptionAndKey) {
  const auto names = registry_names();
  for (const char* builtin : {"webroot", "webroot-map", "rfc2136", "hook", "zone-text"})
    EXPECT_NE(std::find(names.begin(), names.end(), builtin), names.end()) << builtin;
  std::set<std::string> flags, keys, unique(names.begin(), names.end());
  for (const auto& p : publish_providers()) {
    EXPECT_FALSE(p.methods.empty()) << p.name;
    EXPECT_TRUE(flags.insert(p.cli_flag).second) << p.cli_flag << " chooses two providers";
    if (!p.manifest_key.empty()) {
      EXPECT_TRUE(keys.insert(p.manifest_key).second) << p.manifest_key;
    }
  }
  EXPECT_EQ(unique.size(), names.size());
}

TEST(PublishRegistry, DocsReadmeManAndCompletionListExactlyItsProviders) {
  const auto want = registry_rows();
  EXPECT_EQ(table_rows(read_text(source_root() / "docs" / "providers.md")), want) << "docs/providers.md";
  EXPECT_EQ(table_rows(read_text(source_root() / "README.md")), want) << "README.md";

  const std::string man = read_text(source_root() / "man" / "dcvkit.1");
  const auto start = man.find(".SH \"PUBLISH PROVIDERS\"");
  ASSERT_NE(start, std::string::npos) << "man/dcvkit.1 has no .SH \"PUBLISH PROVIDERS\"";
  const std::string part = man.substr(start, man.find("\n.SH ", start + 1) - start);
  static const std::regex tag(R"(\.TP\n\.B (\S+)\n)");
  std::vector<std::string> in_man;
  for (std::sregex_iterator it(part.begin(), part.end(), tag), e; it != e; ++it)
    in_man.push_back(std::regex_replace((*it)[1].str(), std::regex(R"(\\-)"), "-"));
  EXPECT_EQ(in_man, registry_names()) << "man/dcvkit.1 PUBLISH PROVIDERS";

  const std::string bash = read_text(source_root() / "completion" / "dcvkit.bash");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(bash, m, std::regex(R"re(\n_dcvkit_provider_opts="([^"]*)")re")));
  std::string flags;
  for (const auto& p : publish_providers()) flags += (flags.empty() ? "" : " ") + p.cli_flag;
  EXPECT_EQ(m[1].str(), flags) << "completion/dcvkit.bash _dcvkit_provider_opts";
  ASSERT_TRUE(std::regex_search(bash, m, std::regex(R"re(--hook-style\) echo "words ([^"]*)")re")));
  EXPECT_EQ(m[1].str(), std::regex_replace(hook_style_names(), std::regex(", "), " ")) << "completion: --hook-style words";
}

TEST(PublishRegistry, MakePublisherRefusesUnknownProvidersAndNamesTheOnesThatFit) {
  PublisherSpec spec;
  spec.kind = "carrier-pigeon";
  auto unknown = make_publisher(spec, DcvMethod::Dns);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "publish.unknown_provider");
  EXPECT_NE(unknown.error().hint.find("rfc2136"), std::string::npos) << unknown.error().hint;

  spec.kind = PublisherSpec::Kind::Webroot;
  spec.path = "/nonexistent";
  auto unfit = make_publisher(spec, DcvMethod::Dns);
  ASSERT_FALSE(unfit.ok());
  EXPECT_EQ(unfit.error().code, "publish.unsupported_method");
  for (const auto& p : publish_providers()) {
    const bool dns = std::find(p.methods.begin(), p.methods.end(), DcvMethod::Dns) != p.methods.end();
    EXPECT_EQ(unfit.error().hint.find(p.cli_flag + ",") != std::string::npos ||
                  unfit.error().hint.find(p.cli_flag + " ") != std::string::npos ||
                  unfit.error().hint.ends_with(p.cli_flag),
              dns)
        << p.name << " in: " << unfit.error().hint;
  }
}

TEST(PublishRegistry, CommandLineHintsComeFromTheRegistry) {
  const RunResult none = run_dcvkit({"publish", "--name", "a.example.test", "--method", "dns", "--token", std::string(64, 'a')});
  EXPECT_EQ(none.exit_code, 2);
  for (const auto& p : publish_providers()) EXPECT_NE(none.err.find(p.cli_flag + " "), std::string::npos) << none.err;
  const RunResult unfit = run_dcvkit({"publish", "--name", "a.example.test", "--method", "http", "--token",
                                      std::string(64, 'a'), "--print", "zone"});
  EXPECT_EQ(unfit.exit_code, 2);
  EXPECT_NE(unfit.err.find("--print cannot publish http tokens"), std::string::npos) << unfit.err;
  EXPECT_NE(unfit.err.find("--webroot, --webroot-map or --hook"), std::string::npos) << unfit.err;
}

TEST(PublishRegistry, ManifestKeysAndFitComeFromTheRegistry) {
  auto two = parse_manifest_line(R"({"id":"a","names":["a.example"],"method":"dns","publish":{"hook":"x","dns":{"server":"s"}}})",
                                 "/m", "m:1");
  ASSERT_FALSE(two.ok());
  for (const auto& p : publish_providers())
    if (!p.manifest_key.empty()) {
      EXPECT_NE(two.error().message.find(p.manifest_key), std::string::npos) << p.name;
    }
  auto stray = parse_manifest_line(R"({"id":"a","names":["a.example"],"method":"http","publish":{"webroot":"/w","hook_timeout":3}})",
                                   "/m", "m:1");
  ASSERT_FALSE(stray.ok());
  EXPECT_NE(stray.error().message.find(R"("hook_timeout" without "hook")"), std::string::npos) << stray.error().message;
  auto unfit = parse_manifest_line(R"({"id":"a","names":["a.example"],"method":"http","publish":{"dns":{"server":"s"}}})",
                                   "/m", "m:1");
  ASSERT_FALSE(unfit.ok());
  EXPECT_EQ(unfit.error().hint, "http tokens go to webroot, webroot_map or hook");
}

}  // namespace
}  // namespace dcvkit::test
