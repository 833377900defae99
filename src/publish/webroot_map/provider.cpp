// webroot-map: http tokens into the directory a "name<TAB>dir" map gives for each name.
#include "dcvkit/publish_webroot.hpp"
#include "pipeline/manifest_fields.hpp"
#include "publish/registry.hpp"

namespace dcvkit::publish {

const PublishProvider& webroot_map_provider() {
  static const PublishProvider provider{
      .name = PublisherSpec::Kind::WebrootMap,
      .summary = "like webroot, with a directory per name from a file of name<TAB>dir lines",
      .methods = {DcvMethod::Http},
      .select = {"webroot-map", "FILE", "http: lines 'name<TAB>dir' ('*.example.com' patterns allowed)", ""},
      .cli_group = "",
      .cli_options = {},
      .manifest_key = "webroot_map",
      .manifest_siblings = {},
      .from_cli = [](const CliValues& cli, PublisherSpec& spec) -> Status {
        spec.kind = PublisherSpec::Kind::WebrootMap;
        spec.path = cli.value("webroot-map");
        return {};
      },
      .from_manifest = [](const ManifestPublish& m, PublisherSpec& spec) -> Status {
        auto file = manifest_fields::string_field(m.object, "webroot_map", m.where, true);
        if (!file) return file.error();
        spec.kind = PublisherSpec::Kind::WebrootMap;
        spec.path = manifest_fields::resolve(m.base_dir, *file);
        return {};
      },
      .make = [](const PublisherSpec& spec) -> Result<std::unique_ptr<Publisher>> {
        auto map = WebrootMap::load(spec.path);
        if (!map) return map.error();
        return make_webroot_publisher(std::move(*map));
      },
  };
  return provider;
}

}  // namespace dcvkit::publish
