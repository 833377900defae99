// rfc2136: dns tokens through RFC 2136 dynamic update (TSIG-signed) to a primary server.
#include "dcvkit/publish_rfc2136.hpp"
#include "pipeline/manifest_fields.hpp"
#include "publish/registry.hpp"

namespace dcvkit::publish {
namespace {

Status from_cli(const CliValues& cli, PublisherSpec& spec) {
  spec.kind = PublisherSpec::Kind::Rfc2136;
  spec.server = cli.value("server");
  spec.zone = cli.value("zone");
  spec.tsig_key_file = cli.value("tsig-key-file");
  spec.tcp = cli.given("tcp");
  return cli_ttl_and_timeout(cli, spec, true);
}

Status from_manifest(const ManifestPublish& m, PublisherSpec& spec) {
  using namespace manifest_fields;
  const nlohmann::json& d = m.object["dns"];
  if (!d.is_object()) return bad(m.where, "\"publish.dns\" must be an object", R"({"server": "ns1.example.com:53", ...})");
  if (auto st = only_keys(d, {"server", "zone", "tsig_key_file", "ttl", "timeout_ms", "tcp"}, m.where, " in \"publish.dns\"");
      !st)
    return st;
  spec.kind = PublisherSpec::Kind::Rfc2136;
  auto server = string_field(d, "server", m.where, true);
  if (!server) return server.error();
  spec.server = *server;
  auto zone = string_field(d, "zone", m.where, false);
  if (!zone) return zone.error();
  spec.zone = *zone;
  auto key = string_field(d, "tsig_key_file", m.where, false);
  if (!key) return key.error();
  spec.tsig_key_file = resolve(m.base_dir, *key);
  auto ttl = number_field(d, "ttl", 0, 86400, spec.ttl, m.where, "publish.dns.ttl", " seconds");
  if (!ttl) return ttl.error();
  spec.ttl = static_cast<std::uint32_t>(*ttl);
  auto timeout = number_field(d, "timeout_ms", 1, 600000, static_cast<std::uint64_t>(spec.timeout_ms), m.where,
                              "publish.dns.timeout_ms", "");
  if (!timeout) return timeout.error();
  spec.timeout_ms = static_cast<int>(*timeout);
  if (d.contains("tcp")) {
    if (!d["tcp"].is_boolean()) return bad(m.where, "\"publish.dns.tcp\" must be true or false", "");
    spec.tcp = d["tcp"].get<bool>();
  }
  return {};
}

Result<std::unique_ptr<Publisher>> make(const PublisherSpec& spec) {
  auto server = parse_host_port(spec.server, 53);
  if (!server) return server.error();
  if (spec.timeout_ms <= 0)
    return make_error(ErrorKind::InvalidInput, "publish.bad_timeout", "the DNS update timeout must be positive", "");
  Rfc2136Options o;
  o.server = std::move(*server);
  o.zone = spec.zone;
  if (!spec.tsig_key_file.empty()) {
    auto key = load_tsig_key_file(spec.tsig_key_file);
    if (!key) return key.error();
    o.tsig = std::move(*key);
  }
  o.ttl = spec.ttl;
  o.timeout_ms = spec.timeout_ms;
  o.tcp = spec.tcp;
  return make_rfc2136_publisher(std::move(o));
}

}  // namespace

const PublishProvider& rfc2136_provider() {
  static const PublishProvider provider{
      .name = PublisherSpec::Kind::Rfc2136,
      .summary = "RFC 2136 dynamic update, TSIG-signed, to the zone's primary server (adds a TXT record)",
      .methods = {DcvMethod::Dns},
      .select = {"server", "HOST[:PORT]", "dns: RFC 2136 dynamic update to this primary server", ""},
      .cli_group = "RFC 2136",
      .cli_options = {{"zone", "ZONE", "The zone to update (default: found by an SOA query)", ""},
                      {"tsig-key-file", "FILE", "TSIG key, BIND key-block or name:secret format", ""},
                      {"ttl", "SECONDS", "TTL of the TXT records", "60"},
                      {"update-timeout", "DURATION", "Per-update timeout (RFC 2136, PowerDNS API)", "5s", "dns-timeout"},
                      {"tcp", "", "Send updates over TCP", ""}},
      .manifest_key = "dns",
      .manifest_siblings = {},
      .from_cli = from_cli,
      .from_manifest = from_manifest,
      .make = make,
  };
  return provider;
}

}  // namespace dcvkit::publish
