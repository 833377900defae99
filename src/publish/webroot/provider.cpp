// webroot: http tokens into one directory's .well-known/pki-validation/fileauth.txt.
#include "dcvkit/publish_webroot.hpp"
#include "pipeline/manifest_fields.hpp"
#include "publish/registry.hpp"

namespace dcvkit::publish {

const PublishProvider& webroot_provider() {
  static const PublishProvider provider{
      .name = PublisherSpec::Kind::Webroot,
      .summary = "writes DIR/.well-known/pki-validation/fileauth.txt (adds a line; other tokens stay)",
      .methods = {DcvMethod::Http},
      .select = {"webroot", "DIR", "http: write <DIR>/.well-known/pki-validation/fileauth.txt", ""},
      .cli_group = "",
      .cli_options = {},
      .manifest_key = "webroot",
      .manifest_siblings = {},
      .from_cli = [](const CliValues& cli, PublisherSpec& spec) -> Status {
        spec.kind = PublisherSpec::Kind::Webroot;
        spec.path = cli.value("webroot");
        return {};
      },
      .from_manifest = [](const ManifestPublish& m, PublisherSpec& spec) -> Status {
        auto dir = manifest_fields::string_field(m.object, "webroot", m.where, true);
        if (!dir) return dir.error();
        spec.kind = PublisherSpec::Kind::Webroot;
        spec.path = manifest_fields::resolve(m.base_dir, *dir);
        return {};
      },
      .make = [](const PublisherSpec& spec) -> Result<std::unique_ptr<Publisher>> {
        return make_webroot_publisher(spec.path);
      },
  };
  return provider;
}

}  // namespace dcvkit::publish
