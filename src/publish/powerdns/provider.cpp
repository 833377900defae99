// powerdns: dns tokens through the PowerDNS Authoritative HTTP API.
#include "dcvkit/files.hpp"
#include "dcvkit/publish_powerdns.hpp"
#include "pipeline/manifest_fields.hpp"
#include "publish/registry.hpp"

namespace dcvkit::publish {
namespace {

constexpr std::size_t kMaxKeyBytes = 4096;

Status from_cli(const CliValues& cli, PublisherSpec& spec) {
  spec.kind = "powerdns";
  spec.server = cli.value("powerdns");
  if (!cli.given("powerdns-key-file"))
    return usage("--powerdns needs --powerdns-key-file FILE",
                 "the file holds the api-key of pdns.conf (a secret: never on the command line)");
  spec.settings["api_key_file"] = cli.value("powerdns-key-file");
  spec.settings["server_id"] = cli.value("server-id");
  spec.zone = cli.value("zone");
  return cli_ttl_and_timeout(cli, spec, true);
}

Status from_manifest(const ManifestPublish& m, PublisherSpec& spec) {
  using namespace manifest_fields;
  const nlohmann::json& d = m.object["powerdns"];
  if (!d.is_object())
    return bad(m.where, "\"publish.powerdns\" must be an object",
               R"({"url": "http://127.0.0.1:8081", "api_key_file": "pdns-api.key", ...})");
  if (auto st = only_keys(d, {"url", "api_key_file", "server_id", "zone", "ttl", "timeout_ms"}, m.where,
                          " in \"publish.powerdns\"");
      !st)
    return st;
  spec.kind = "powerdns";
  auto url = string_field(d, "url", m.where, true);
  if (!url) return url.error();
  spec.server = *url;
  auto key = string_field(d, "api_key_file", m.where, true);
  if (!key) return key.error();
  spec.settings["api_key_file"] = resolve(m.base_dir, *key);
  auto server_id = string_field(d, "server_id", m.where, false);
  if (!server_id) return server_id.error();
  spec.settings["server_id"] = server_id->empty() ? "localhost" : *server_id;
  auto zone = string_field(d, "zone", m.where, false);
  if (!zone) return zone.error();
  spec.zone = *zone;
  auto ttl = number_field(d, "ttl", 0, 86400, spec.ttl, m.where, "publish.powerdns.ttl", " seconds");
  if (!ttl) return ttl.error();
  spec.ttl = static_cast<std::uint32_t>(*ttl);
  auto timeout = number_field(d, "timeout_ms", 1, 600000, 10000, m.where, "publish.powerdns.timeout_ms", "");
  if (!timeout) return timeout.error();
  spec.timeout_ms = static_cast<int>(*timeout);
  return {};
}

Result<std::unique_ptr<Publisher>> make(const PublisherSpec& spec) {
  PowerDnsOptions o;
  o.url = spec.server;
  const auto key_file = spec.settings.find("api_key_file");
  if (key_file == spec.settings.end() || key_file->second.empty())
    return make_error(ErrorKind::InvalidInput, "publish.powerdns_no_key", "no PowerDNS API key file",
                      "give --powerdns-key-file FILE (manifest: \"api_key_file\")");
  // As every key file: a FIFO or device is refused before a byte is read (it could block for ever).
  auto key = read_regular_file(key_file->second, kMaxKeyBytes, "PowerDNS API key file");
  if (!key) return key.error();
  if (!key->empty() && key->back() == '\n') key->pop_back();
  if (!key->empty() && key->back() == '\r') key->pop_back();
  o.api_key = Secret(std::move(*key));
  if (auto id = spec.settings.find("server_id"); id != spec.settings.end() && !id->second.empty()) o.server_id = id->second;
  o.zone = spec.zone;
  o.ttl = spec.ttl;
  o.timeout_ms = spec.timeout_ms;
  return make_powerdns_publisher(std::move(o));
}

}  // namespace

const PublishProvider& powerdns_provider() {
  static const PublishProvider provider{
      .name = "powerdns",
      .summary = "PowerDNS Authoritative HTTP API: PATCHes the zone's TXT RRsets (the records there plus ours)",
      .methods = {DcvMethod::Dns},
      .select = {"powerdns", "URL", "dns: PowerDNS Authoritative HTTP API at this base URL", ""},
      .cli_group = "PowerDNS",
      .cli_options = {{"powerdns-key-file", "FILE", "The API key (api-key of pdns.conf), read from FILE", ""},
                      {"server-id", "ID", "PowerDNS server id", "localhost"},
                      {"zone", "", "", ""},
                      {"ttl", "", "", ""},
                      {"update-timeout", "", "", ""}},
      .manifest_key = "powerdns",
      .manifest_siblings = {},
      .from_cli = from_cli,
      .from_manifest = from_manifest,
      .make = make,
  };
  return provider;
}

}  // namespace dcvkit::publish
