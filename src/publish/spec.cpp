#include "dcvkit/publish_spec.hpp"

#include "publish/registry.hpp"

namespace dcvkit {
namespace {

Error unsupported(std::string_view provider, DcvMethod method) {
  const std::string m(publish::method_word(method));
  return make_error(ErrorKind::InvalidInput, "publish.unsupported_method",
                    std::string(provider) + " cannot publish " + m + " tokens",
                    "for " + m + " tokens use " + publish::cli_choices(method));
}

}  // namespace

Result<std::unique_ptr<Publisher>> make_publisher(const PublisherSpec& spec, DcvMethod method) {
  const auto* provider = publish::find_provider(spec.kind);
  if (provider == nullptr || provider->make == nullptr) {
    std::string names;
    for (const auto* p : publish::providers())
      if (p->make) names += (names.empty() ? "" : ", ") + std::string(p->name);
    return make_error(ErrorKind::InvalidInput, "publish.unknown_provider", "no publish provider named '" + spec.kind + "'",
                      "use one of: " + names);
  }
  if (!provider->supports(method)) return unsupported(provider->name, method);
  auto publisher = provider->make(spec);
  // Its settings may narrow what a provider publishes (a lego-exec hook: dns only).
  if (publisher && !(*publisher)->supports(method)) return unsupported(provider->name, method);
  return publisher;
}

}  // namespace dcvkit
