#include "cli/publisher_options.hpp"

#include "cli/common.hpp"
#include "dcvkit/publish_hook.hpp"
#include "dcvkit/publish_rfc2136.hpp"
#include "dcvkit/publish_webroot.hpp"

namespace dcvkit::cli {

void add_publisher_options(cxxopts::Options& options) {
  options.add_options("Where to publish (one of)")
      ("webroot", "http: write <DIR>/.well-known/pki-validation/fileauth.txt", cxxopts::value<std::string>(), "DIR")
      ("webroot-map", "http: lines 'name<TAB>dir' ('*.example.com' patterns allowed)", cxxopts::value<std::string>(), "FILE")
      ("server", "dns: RFC 2136 dynamic update to this primary server", cxxopts::value<std::string>(), "HOST[:PORT]")
      ("hook", "Run this command (sh -c) per entry with DCVKIT_* variables", cxxopts::value<std::string>(), "CMD")
      ("print", "Print instead: zone (BIND lines) or nsupdate (a script)", cxxopts::value<std::string>(), "FORMAT");
  options.add_options("RFC 2136")
      ("zone", "The zone to update (default: found by an SOA query)", cxxopts::value<std::string>(), "ZONE")
      ("tsig-key-file", "TSIG key, BIND key-block or name:secret format", cxxopts::value<std::string>(), "FILE")
      ("ttl", "TTL of the TXT records", cxxopts::value<std::uint32_t>()->default_value("60"), "SECONDS")
      ("dns-timeout", "Per-update timeout", cxxopts::value<int>()->default_value("5000"), "MS")
      ("tcp", "Send updates over TCP");
  options.add_options("Hook")
      ("hook-timeout", "Seconds before the hook is killed", cxxopts::value<int>()->default_value("60"), "S");
}

Result<PublisherChoice> publisher_from_args(const cxxopts::ParseResult& args, DcvMethod method) {
  int chosen = 0;
  for (const char* k : {"webroot", "webroot-map", "server", "hook", "print"}) chosen += args.count(k) ? 1 : 0;
  if (args.count("print") && args.count("server")) --chosen;  // --server fills the nsupdate script's server line
  if (chosen != 1)
    return usage_error(chosen == 0 ? "nowhere to publish" : "more than one place to publish given",
                       "give one of --webroot DIR, --webroot-map FILE, --server HOST[:PORT], --hook CMD, --print zone|nsupdate");
  PublisherChoice choice;
  if (args.count("print")) {
    choice.print = args["print"].as<std::string>();
    if (choice.print != "zone" && choice.print != "nsupdate")
      return usage_error("--print must be zone or nsupdate", "");
    if (method != DcvMethod::Dns)
      return usage_error("--print " + choice.print + " writes DNS records", "use --method dns, or --webroot for http");
    return choice;
  }
  if (args.count("webroot")) {
    choice.publisher = make_webroot_publisher(args["webroot"].as<std::string>());
  } else if (args.count("webroot-map")) {
    auto map = WebrootMap::load(args["webroot-map"].as<std::string>());
    if (!map) return map.error();
    choice.publisher = make_webroot_publisher(std::move(*map));
  } else if (args.count("hook")) {
    HookOptions hook;
    hook.command = args["hook"].as<std::string>();
    hook.timeout_seconds = args["hook-timeout"].as<int>();
    if (hook.timeout_seconds <= 0) return usage_error("--hook-timeout must be positive", "");
    choice.publisher = make_hook_publisher(std::move(hook));
  } else {
    auto server = parse_host_port(args["server"].as<std::string>(), 53);
    if (!server) return server.error();
    Rfc2136Options o;
    o.server = std::move(*server);
    if (args.count("zone")) o.zone = args["zone"].as<std::string>();
    if (args.count("tsig-key-file")) {
      auto key = load_tsig_key_file(args["tsig-key-file"].as<std::string>());
      if (!key) return key.error();
      o.tsig = std::move(*key);
    }
    o.ttl = args["ttl"].as<std::uint32_t>();
    o.timeout_ms = args["dns-timeout"].as<int>();
    if (o.timeout_ms <= 0) return usage_error("--dns-timeout must be positive", "");
    o.tcp = args.count("tcp") > 0;
    auto p = make_rfc2136_publisher(std::move(o));
    if (!p) return p.error();
    choice.publisher = std::move(*p);
  }
  if (!choice.publisher->supports(method))
    return usage_error(std::string(choice.publisher->kind()) + " cannot publish " + std::string(api_name(method)) + " tokens",
                       method == DcvMethod::Dns ? "for dns use --server, --hook or --print" : "for http use --webroot, --webroot-map or --hook");
  return choice;
}

}  // namespace dcvkit::cli
