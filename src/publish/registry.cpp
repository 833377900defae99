#include "publish/registry.hpp"

#include <algorithm>
#include <charconv>

namespace dcvkit::publish {

// The providers, in the order help and docs list them. A new provider is a folder under
// src/publish/ that defines `const PublishProvider& <name>_provider()`, and one entry here.
#define DCVKIT_PUBLISH_PROVIDERS(X) X(webroot) X(webroot_map) X(rfc2136) X(powerdns) X(hook) X(zone_text)

#define DCVKIT_DECLARE_PROVIDER(p) const PublishProvider& p##_provider();
DCVKIT_PUBLISH_PROVIDERS(DCVKIT_DECLARE_PROVIDER)
#undef DCVKIT_DECLARE_PROVIDER

const std::vector<const PublishProvider*>& providers() {
#define DCVKIT_LIST_PROVIDER(p) &p##_provider(),
  static const std::vector<const PublishProvider*> all{DCVKIT_PUBLISH_PROVIDERS(DCVKIT_LIST_PROVIDER)};
#undef DCVKIT_LIST_PROVIDER
  return all;
}

const PublishProvider* find_provider(std::string_view name) {
  for (const auto* p : providers())
    if (p->name == name) return p;
  return nullptr;
}

bool PublishProvider::supports(DcvMethod method) const {
  return std::find(methods.begin(), methods.end(), method) != methods.end();
}

namespace {

// "a, b or c"
std::string join_choices(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

}  // namespace

std::string cli_choices(DcvMethod method) {
  std::vector<std::string> words;
  for (const auto* p : providers())
    if (p->supports(method)) words.push_back("--" + std::string(p->select.flag));
  return join_choices(words);
}

std::string manifest_choices(DcvMethod method) {
  std::vector<std::string> words;
  for (const auto* p : providers())
    if (p->supports(method) && !p->manifest_key.empty()) words.emplace_back(p->manifest_key);
  return join_choices(words);
}

Error usage(std::string message, std::string hint) {
  return make_error(ErrorKind::Usage, "usage.invalid", std::move(message), std::move(hint));
}

Result<long long> cli_number(const CliValues& cli, std::string_view flag, long long min, long long max) {
  const std::string text = cli.value(flag);
  long long v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  const std::string range = min == 1 ? "positive" : std::to_string(min) + ".." + std::to_string(max);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max)
    return usage("--" + std::string(flag) + " must be " + range, "got '" + text + "'");
  return v;
}

std::string_view method_word(DcvMethod method) { return method == DcvMethod::Dns ? "dns" : "http"; }

Status cli_ttl_and_timeout(const CliValues& cli, PublisherSpec& spec, bool timeout) {
  auto ttl = cli_number(cli, "ttl", 0, 4294967295LL);
  if (!ttl) return ttl.error();
  spec.ttl = static_cast<std::uint32_t>(*ttl);
  if (!timeout) return {};
  auto ms = cli.milliseconds("update-timeout", 600000);
  if (!ms) return ms.error();
  spec.timeout_ms = *ms;
  return {};
}

}  // namespace dcvkit::publish

namespace dcvkit {

std::vector<PublishProviderInfo> publish_providers() {
  std::vector<PublishProviderInfo> out;
  for (const auto* p : publish::providers())
    out.push_back({std::string(p->name), "--" + std::string(p->select.flag), std::string(p->manifest_key), p->methods,
                   std::string(p->summary)});
  return out;
}

}  // namespace dcvkit
