#include "dcvkit/publish_spec.hpp"

#include "dcvkit/publish_hook.hpp"
#include "dcvkit/publish_rfc2136.hpp"
#include "dcvkit/publish_webroot.hpp"

namespace dcvkit {

Result<std::unique_ptr<Publisher>> make_publisher(const PublisherSpec& spec, DcvMethod method) {
  std::unique_ptr<Publisher> publisher;
  switch (spec.kind) {
    case PublisherSpec::Kind::Webroot:
      publisher = make_webroot_publisher(spec.path);
      break;
    case PublisherSpec::Kind::WebrootMap: {
      auto map = WebrootMap::load(spec.path);
      if (!map) return map.error();
      publisher = make_webroot_publisher(std::move(*map));
      break;
    }
    case PublisherSpec::Kind::Hook: {
      if (spec.hook_timeout_seconds <= 0)
        return make_error(ErrorKind::InvalidInput, "publish.bad_timeout", "the hook timeout must be positive", "");
      HookOptions hook;
      hook.command = spec.path;
      hook.timeout_seconds = spec.hook_timeout_seconds;
      publisher = make_hook_publisher(std::move(hook));
      break;
    }
    case PublisherSpec::Kind::Rfc2136: {
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
      auto p = make_rfc2136_publisher(std::move(o));
      if (!p) return p.error();
      publisher = std::move(*p);
      break;
    }
  }
  if (!publisher->supports(method))
    return make_error(ErrorKind::InvalidInput, "publish.unsupported_method",
                      std::string(publisher->kind()) + " cannot publish " + std::string(api_name(method)) + " tokens",
                      method == DcvMethod::Dns ? "for dns publish with RFC 2136 (a server) or a hook"
                                               : "for http publish into a webroot, a webroot map or with a hook");
  return publisher;
}

}  // namespace dcvkit
