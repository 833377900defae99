// dcvkit cert expiry: days left of what servers actually serve (TLS handshake with SNI) and of
// certificate files, one line each; exit 18 when one is within --warn, 9/its own code on failure.
#include <fstream>
#include <iostream>

#include "cli/cert_input.hpp"
#include "cli/commands.hpp"
#include "dcvkit/time.hpp"

namespace dcvkit::cli {
namespace {

struct Target {
  std::string label;
  bool is_host = false;
  cert::Endpoint endpoint;
};

struct Outcome {
  nlohmann::json line;
  std::optional<Error> error;
  bool expiring = false;
};

Result<std::vector<Target>> targets_from(const cxxopts::ParseResult& args) {
  std::vector<std::string> hosts;
  if (args.count("host")) hosts = args["host"].as<std::vector<std::string>>();
  if (args.count("hosts-file")) {
    const auto path = args["hosts-file"].as<std::string>();
    std::ifstream in(path);
    if (!in) return make_error(ErrorKind::Io, "io.read_failed", "cannot read the hosts file '" + path + "'");
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto start = line.find_first_not_of(" \t");
      if (start == std::string::npos || line[start] == '#') continue;
      hosts.push_back(line.substr(start, line.find_last_not_of(" \t") - start + 1));
    }
  }
  std::vector<Target> out;
  const std::string connect = args.count("connect-address") ? args["connect-address"].as<std::string>() : "";
  for (const auto& h : hosts) {
    auto e = cert::parse_endpoint(h);
    if (!e) return e.error();
    e->connect_address = connect;
    out.push_back({h, true, *e});
  }
  if (args.count("file"))
    for (const auto& f : args["file"].as<std::vector<std::string>>()) out.push_back({f, false, {}});
  return out;
}

Outcome check_one(const Target& t, const cxxopts::ParseResult& args, const std::optional<Secret>& password, long long warn_days,
                  UnixSeconds now) {
  Outcome o;
  o.line = {{"target", t.label}, {"kind", t.is_host ? "host" : "file"}};
  std::vector<std::string> certs;
  std::string verify_error;
  if (t.is_host) {
    const int timeout_ms = args["timeout"].as<int>() * 1000;
    auto served = cert::fetch_served_chain(t.endpoint, timeout_ms, args.count("ca-file") ? args["ca-file"].as<std::string>() : "");
    if (!served) {
      o.error = served.error();
    } else {
      certs = std::move(served->certs);
      o.line["verified"] = served->verify_error.empty();
      if (!served->verify_error.empty()) o.line["verify_error"] = served->verify_error;
    }
  } else {
    auto bundle = read_bundle_file(t.label, password);
    if (!bundle) {
      o.error = bundle.error();
    } else {
      auto ordered = in_chain_order(bundle->certs);
      if (ordered) certs = std::move(*ordered);
      else o.error = ordered.error();
    }
  }
  if (!o.error) {
    auto info = cert::describe(certs.front(), now);
    if (!info) {
      o.error = info.error();
    } else {
      o.line.update(cert_json(*info));
      o.expiring = info->days_left < warn_days || info->not_after <= now;
      o.line["status"] = info->not_after <= now ? "expired" : o.expiring ? "expiring" : "ok";
    }
  }
  if (o.error) {
    o.line["status"] = "error";
    o.line["error"] = {{"code", o.error->code}, {"message", o.error->message}, {"hint", o.error->hint}};
  }
  return o;
}

}  // namespace

int cmd_cert_expiry(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Days left of the certificates servers serve (a TLS handshake with SNI) or files hold.\n"
                                    "Exit 0 when all are fine, 18 when one expires within --warn (or has expired), 9 when one\n"
                                    "could not be checked (a single target: its own code).");
  options.add_options()
      ("host", "HOST[:PORT] to connect to (default port 443); repeatable", cxxopts::value<std::vector<std::string>>(), "HOST")
      ("hosts-file", "One HOST[:PORT] per line ('#' comments)", cxxopts::value<std::string>(), "FILE")
      ("file", "A certificate file (any format); repeatable", cxxopts::value<std::vector<std::string>>(), "FILE")
      ("warn", "Exit 18 when a certificate has less than this left (30d, 12h, ...)", cxxopts::value<std::string>(), "DURATION")
      ("connect-address", "Connect here instead of resolving each host (SNI still names the host)", cxxopts::value<std::string>(), "IP")
      ("ca-file", "Verify served chains against the CA certificates of FILE (PEM)", cxxopts::value<std::string>(), "FILE")
      ("timeout", "Seconds for each connection and handshake", cxxopts::value<int>()->default_value("10"), "S")
      ("jsonl", "Print one JSON line per target");
  add_pfx_password_option(options);
  int code = kExitOk;
  auto args = parse_options(options, argc, argv, out, code);
  if (!args) return code;
  long long warn_days = 0;
  if (args->count("warn")) {
    auto seconds = parse_duration((*args)["warn"].as<std::string>());
    if (!seconds) return out.fail(usage_error("--warn: not a duration", "e.g. --warn 30d"));
    warn_days = (*seconds + 86399) / 86400;
  }
  if ((*args)["timeout"].as<int>() <= 0 || (*args)["timeout"].as<int>() > 3600)
    return out.fail(usage_error("--timeout must be 1 to 3600 seconds", ""));
  auto targets = targets_from(*args);
  if (!targets) return out.fail(targets.error());
  if (targets->empty()) return out.fail(usage_error("nothing to check", "give --host HOST[:PORT], --hosts-file FILE or --file FILE"));
  auto password = read_pfx_password(*args, out);
  if (!password) return out.fail(password.error());

  const UnixSeconds now = system_clock().now();
  std::size_t failed = 0, expiring = 0;
  std::optional<Error> only_error;
  for (const auto& t : *targets) {
    const Outcome o = check_one(t, *args, *password, warn_days, now);
    failed += o.error.has_value();
    expiring += o.expiring;
    if (o.error) only_error = o.error;
    if (out.json()) {
      out.print(o.line);
    } else if (o.error) {
      std::cout << shown(t.label) << ": error: " << o.error->message << "\n";
    } else {
      std::cout << shown(t.label) << ": " << o.line["days_left"].get<long long>() << " days left (until "
                << o.line["not_after"].get<std::string>() << ", " << shown(o.line["subject"].get<std::string>()) << ")"
                << (o.expiring ? (o.line["status"] == "expired" ? " EXPIRED" : " EXPIRING") : "")
                << (o.line.contains("verify_error") ? " [not verified: " + o.line["verify_error"].get<std::string>() + "]" : "")
                << "\n";
    }
  }
  if (failed) return targets->size() == 1 ? exit_code_for(only_error->kind) : kExitPartial;
  return expiring ? kExitExpiring : kExitOk;
}

}  // namespace dcvkit::cli
