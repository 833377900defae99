// The publish provider registry: one descriptor per provider, each in its own folder under
// src/publish/<provider>/, listed once in registry.cpp. The manifest parser, the command line and
// make_publisher() ask it; help, hints, completion and docs list what it holds (docs/providers.md).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/publish_spec.hpp"

namespace dcvkit::publish {

// One command-line option a provider reads ("--zone ZONE").
struct CliOption {
  constexpr CliOption() = default;
  constexpr CliOption(std::string_view flag_, std::string_view value_name_, std::string_view help_,
                      std::string_view default_value_, std::string_view old_ms_flag_ = {})
      : flag(flag_), value_name(value_name_), help(help_), default_value(default_value_), old_ms_flag(old_ms_flag_) {}
  std::string_view flag;           // without the dashes
  std::string_view value_name;     // "" : a switch
  std::string_view help;
  std::string_view default_value;  // "" : none
  std::string_view old_ms_flag;    // a hidden old spelling of a duration option, in plain milliseconds ("" : none)
};

// The parsed command line as a provider sees it (the CLI adapts its option parser to this).
class CliValues {
 public:
  virtual ~CliValues() = default;
  virtual bool given(std::string_view flag) const = 0;
  // The value given, else the option's default, else "".
  virtual std::string value(std::string_view flag) const = 0;
  // A duration option ("5s", "500ms") in milliseconds, 1 to `max_ms`; a usage error otherwise.
  virtual Result<int> milliseconds(std::string_view flag, long long max_ms) const = 0;
};

// A manifest's "publish" object and where it stands, for errors ("m.jsonl:3 (shop): ...").
struct ManifestPublish {
  const nlohmann::json& object;  // {"<manifest_key>": ..., plus the provider's sibling keys}
  std::string where;
  std::string base_dir;          // relative paths are relative to the manifest
};

struct PublishProvider {
  std::string_view name;          // PublisherSpec::kind
  std::string_view summary;       // one line for docs
  std::vector<DcvMethod> methods; // the tokens it can publish (ACME challenge kinds join here)
  // Command line: the option that chooses this provider, the heading of its own options in help,
  // and the options it reads (an option several providers read is declared by the first).
  CliOption select;
  std::string_view cli_group;
  std::vector<CliOption> cli_options;
  // Manifest: "publish": {"<manifest_key>": ...} plus `manifest_siblings` next to it; "" = none.
  std::string_view manifest_key;
  std::vector<std::string_view> manifest_siblings;
  // Each fills `spec` (kind included) or says what is wrong: usage errors for the command line,
  // manifest.invalid for the manifest.
  Status (*from_cli)(const CliValues& cli, PublisherSpec& spec) = nullptr;
  Status (*from_manifest)(const ManifestPublish& manifest, PublisherSpec& spec) = nullptr;
  // Publishes; null for a provider that prints the records instead (zone text), which has `print`.
  Result<std::unique_ptr<Publisher>> (*make)(const PublisherSpec& spec) = nullptr;
  std::string (*print)(const PublisherSpec& spec, const std::vector<PublishItem>& items, PublishAction action) = nullptr;

  bool supports(DcvMethod method) const;
};

// Every provider, in the order help and docs list them.
const std::vector<const PublishProvider*>& providers();
const PublishProvider* find_provider(std::string_view name);
// "--server, --hook or --print": the options of the providers that can publish `method` tokens.
std::string cli_choices(DcvMethod method);
// The manifest keys of the providers that can publish `method` tokens ("dns, powerdns or hook").
std::string manifest_choices(DcvMethod method);

// "dns" or "http": how messages about publishing name a method's tokens ("http tokens").
std::string_view method_word(DcvMethod method);

// Shared by providers' CLI readers.
Error usage(std::string message, std::string hint = {});
Result<long long> cli_number(const CliValues& cli, std::string_view flag, long long min, long long max);
// --ttl into spec.ttl and, with `timeout`, --update-timeout into spec.timeout_ms (RFC 2136, PowerDNS, zone text).
Status cli_ttl_and_timeout(const CliValues& cli, PublisherSpec& spec, bool timeout);

}  // namespace dcvkit::publish
