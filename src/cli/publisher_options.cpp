#include "cli/publisher_options.hpp"

#include "cli/common.hpp"
#include "dcvkit/publish_spec.hpp"

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
      ("update-timeout", "Per-update timeout (RFC 2136)", cxxopts::value<std::string>()->default_value("5s"), "DURATION")
      ("tcp", "Send updates over TCP");
  options.add_options(kOldSpellings)("dns-timeout", "Old spelling of --update-timeout, in milliseconds", cxxopts::value<int>(), "MS");
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
  PublisherSpec spec;
  if (args.count("webroot")) {
    spec.path = args["webroot"].as<std::string>();
  } else if (args.count("webroot-map")) {
    spec.kind = PublisherSpec::Kind::WebrootMap;
    spec.path = args["webroot-map"].as<std::string>();
  } else if (args.count("hook")) {
    spec.kind = PublisherSpec::Kind::Hook;
    spec.path = args["hook"].as<std::string>();
    spec.hook_timeout_seconds = args["hook-timeout"].as<int>();
    if (spec.hook_timeout_seconds <= 0) return usage_error("--hook-timeout must be positive", "");
  } else {
    spec.kind = PublisherSpec::Kind::Rfc2136;
    spec.server = args["server"].as<std::string>();
    if (args.count("zone")) spec.zone = args["zone"].as<std::string>();
    if (args.count("tsig-key-file")) spec.tsig_key_file = args["tsig-key-file"].as<std::string>();
    spec.ttl = args["ttl"].as<std::uint32_t>();
    if (args.count("dns-timeout")) {  // the old spelling, in milliseconds
      spec.timeout_ms = args["dns-timeout"].as<int>();
      if (spec.timeout_ms <= 0) return usage_error("--dns-timeout must be positive", "");
    } else {
      auto ms = timeout_option_ms(args, "update-timeout", 600000);
      if (!ms) return ms.error();
      spec.timeout_ms = *ms;
    }
    spec.tcp = args.count("tcp") > 0;
  }
  auto publisher = make_publisher(spec, method);
  if (!publisher) {
    if (publisher.error().code == "publish.unsupported_method") {
      const Error& e = publisher.error();
      return usage_error(e.message, method == DcvMethod::Dns ? "for dns use --server, --hook or --print"
                                                             : "for http use --webroot, --webroot-map or --hook");
    }
    return publisher.error();
  }
  choice.publisher = std::move(*publisher);
  return choice;
}

}  // namespace dcvkit::cli
