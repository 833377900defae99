// dcvkit acme order: one certificate from an ACME CA, the challenges published through the same
// publishers as `dcvkit publish` (and removed afterwards), the chain verified exactly as for
// CertCentral before cert.pem, chain.pem and fullchain.pem (+ privkey.pem 0600 when the key was
// generated here) are written.
#include <iostream>

#include "cli/acme_options.hpp"
#include "cli/commands.hpp"
#include "cli/order_delivery.hpp"
#include "cli/publisher_options.hpp"
#include "dcvkit/acme_issuance.hpp"
#include "dcvkit/csr.hpp"
#include "dcvkit/files.hpp"

namespace dcvkit::cli {
namespace {

constexpr mode_t kPrivateKeyMode = 0600;

struct CsrSource {
  std::string pem;
  bool generated = false;
  Secret private_key;
};

Result<CsrSource> csr_source(const cxxopts::ParseResult& args) {
  const bool has_csr = args.count("csr") > 0, has_names = args.count("name") > 0;
  if (has_csr == has_names)
    return usage_error(has_csr ? "--csr and --name both given" : "no names to order",
                       "give --csr FILE, or --name NAME (repeatable) to generate the key and CSR here");
  if (has_csr) {
    auto text = load_csr_file(args["csr"].as<std::string>());
    if (!text) return text.error();
    return CsrSource{text->bytes, false, Secret()};
  }
  const auto names = args["name"].as<std::vector<std::string>>();
  auto type = parse_key_type(args["key-type"].as<std::string>());
  if (!type) return usage_error("--key-type must be rsa2048, rsa3072, rsa4096, p256 or p384", "");
  CsrRequest request;
  request.common_name = names.front();
  request.sans.assign(names.begin() + 1, names.end());
  request.key_type = *type;
  auto generated = generate_csr(request);
  if (!generated) return generated.error();
  return CsrSource{generated->csr_pem, true, std::move(generated->private_key_pem)};
}

nlohmann::json result_json(const acme::IssueResult& r, const Delivery& d, const std::string& key_file) {
  auto j = delivery_json(d);
  j["order_url"] = r.order_url;
  j["challenges_published"] = r.challenges_published;
  j["privkey"] = key_file.empty() ? nlohmann::json(nullptr) : nlohmann::json(key_file);
  return j;
}

}  // namespace

int cmd_acme_order(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Order one certificate from an ACME CA: publish the challenges (http-01 into the\n"
                                    "webroot at /.well-known/acme-challenge/TOKEN, dns-01 as TXT at _acme-challenge.NAME),\n"
                                    "let the CA validate, remove them, finalize, verify the chain and write the files.");
  add_acme_options(options);
  options.add_options("Certificate")
      ("csr", "Order with this CSR (its names are the order's)", cxxopts::value<std::string>(), "FILE")
      ("name", "Or: generate the key and CSR here for NAME; repeat for more (the first is the CN)",
       cxxopts::value<std::vector<std::string>>(), "NAME")
      ("key-type", "Type of a generated key: p256 (default), p384, rsa2048, rsa3072, rsa4096",
       cxxopts::value<std::string>()->default_value("p256"), "T")
      ("challenge", "http-01 or dns-01 (wildcards: dns-01)", cxxopts::value<std::string>(), "TYPE")
      ("preferred-chain", "Pick the chain whose top certificate is issued by this CN (Link rel=alternate)",
       cxxopts::value<std::string>(), "CN")
      ("order-url", "Go on with this order (printed by an earlier run) instead of creating one",
       cxxopts::value<std::string>(), "URL")
      ("timeout", "Seconds to wait for validation, and again for issuance", cxxopts::value<int>()->default_value("300"), "S")
      ("json", "Print one JSON object");
  add_publisher_options(options);
  add_out_dir_options(options);
  int code = kExitOk;
  auto args = parse_options(options, argc, argv, out, code);
  if (!args) return code;

  if (!args->count("challenge")) return out.fail(usage_error("--challenge is required", "give --challenge http-01 or --challenge dns-01"));
  auto challenge = acme::parse_challenge_type(args->operator[]("challenge").as<std::string>());
  if (!challenge) return out.fail(usage_error("--challenge must be http-01 or dns-01", "tls-alpn-01 is not supported"));
  if (args->count("print"))
    return out.fail(usage_error("--print cannot answer ACME challenges: the CA checks while dcvkit waits",
                                "publish with --server (RFC 2136), --hook, --webroot or --webroot-map"));
  const int timeout = args->operator[]("timeout").as<int>();
  if (timeout <= 0 || timeout > 86400) return out.fail(usage_error("--timeout must be 1 to 86400 seconds", ""));
  auto publisher = publisher_from_args(*args, dcv_method_of(*challenge));
  if (!publisher) return out.fail(publisher.error());
  auto csr = csr_source(*args);
  if (!csr) return out.fail(csr.error());

  // Refused before the CA is asked for anything: a certificate must never be bought and then not written.
  const OutDir dir = out_dir_from(*args);
  if (auto ready = prepare_chain_dir(dir.dir, dir.force); !ready) return out.fail(ready.error());
  std::string key_file;
  if (csr->generated) {
    // Written first: a certificate whose key was lost with a killed process would be useless.
    key_file = (dir.dir.empty() ? std::string(".") : dir.dir) + "/privkey.pem";
    if (auto written = write_file_atomic(key_file, csr->private_key.view(), kPrivateKeyMode, dir.force); !written) {
      Error e = written.error();
      e.hint = "pass --force to replace it, or choose another --out-dir";
      return out.fail(e);
    }
  }

  auto session = acme_session(*args, false);
  if (!session) return out.fail(session.error());
  if (auto found = acme_account(*session); !found) return out.fail(found.error());

  acme::IssueRequest request;
  request.csr_pem = csr->pem;
  request.challenge = *challenge;
  request.publisher = publisher->publisher.get();
  if (args->count("preferred-chain")) request.preferred_chain = args->operator[]("preferred-chain").as<std::string>();
  if (args->count("ca-bundle")) request.ca_bundle = args->operator[]("ca-bundle").as<std::string>();
  if (args->count("order-url")) request.resume_order_url = args->operator[]("order-url").as<std::string>();
  request.timeout = std::chrono::seconds(timeout);
  const bool verbose = args->count("verbose") > 0;
  request.progress = [&](std::string_view line) {
    if (verbose) std::cerr << "dcvkit: " << shown(line) << "\n";
  };
  request.on_order = [&](const std::string& url) {
    if (!out.json()) std::cerr << "dcvkit: order " << shown(url) << "\n";
  };
  auto issued = acme::issue_certificate(*session->client, request);
  if (!issued) return out.fail(issued.error());
  const DeliveryOrder order{"dcvkit acme order --order-url " + issued->order_url + " (with the same options)", ""};
  auto delivered = deliver_chain(issued->pems, issued->expected, dir.dir, dir.force, order, system_clock().now());
  if (!delivered) return out.fail(delivered.error());
  if (out.json()) {
    out.print(result_json(*issued, *delivered, key_file));
  } else {
    print_delivery(*delivered);
    if (!key_file.empty()) std::cout << "  " << key_file << " (the private key, mode 0600)\n";
  }
  return kExitOk;
}

}  // namespace dcvkit::cli
