// zone-text: nothing is published; the records are printed as BIND zone lines or an nsupdate script
// for people who publish by hand.
#include "dcvkit/publish_text.hpp"
#include "publish/registry.hpp"

namespace dcvkit::publish {

const PublishProvider& zone_text_provider() {
  static const PublishProvider provider{
      .name = "zone-text",
      .summary = "prints the records instead: BIND zone-file lines (zone) or an nsupdate script (nsupdate)",
      .methods = {DcvMethod::Dns},
      .select = {"print", "FORMAT", "Print instead: zone (BIND lines) or nsupdate (a script)", ""},
      .cli_group = "",
      // --server fills the nsupdate script's server line; --zone and --ttl as for RFC 2136.
      .cli_options = {{"server", "", "", ""}, {"zone", "", "", ""}, {"ttl", "", "", ""}},
      .manifest_key = "",
      .manifest_siblings = {},
      .from_cli = [](const CliValues& cli, PublisherSpec& spec) -> Status {
        spec.kind = "zone-text";
        spec.path = cli.value("print");
        if (spec.path != "zone" && spec.path != "nsupdate") return usage("--print must be zone or nsupdate");
        spec.server = cli.value("server");
        spec.zone = cli.value("zone");
        return cli_ttl_and_timeout(cli, spec, false);
      },
      .from_manifest = nullptr,
      .make = nullptr,
      .print = [](const PublisherSpec& spec, const std::vector<PublishItem>& items, PublishAction action) {
        return spec.path == "zone" ? render_zone_lines(items, spec.ttl)
                                   : render_nsupdate(items, action, spec.server, spec.zone, spec.ttl);
      },
  };
  return provider;
}

}  // namespace dcvkit::publish
