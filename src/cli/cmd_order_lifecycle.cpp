// dcvkit order cancel|revoke|reissue: what happens to an order after it was placed.
#include <iostream>

#include "cli/api_options.hpp"
#include "cli/cert_input.hpp"
#include "cli/commands.hpp"
#include "cli/order_delivery.hpp"
#include "dcvkit/certcentral_lifecycle.hpp"
#include "dcvkit/csr.hpp"

namespace dcvkit::cli {

int cmd_order_cancel(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Cancel an order that is not issued yet (pending), or a pending reissue.");
  options.add_options()("note", "Why (kept with the order; default: \"canceled with dcvkit\")", cxxopts::value<std::string>(), "TEXT");
  int code = kExitOk;
  auto args = parse_order_options(options, argc, argv, out, code, true);
  if (!args) return code;
  auto id = parse_order_id(*args);
  if (!id) return out.fail(id.error());
  auto client = api_client(*args, out);
  if (!client) return out.fail(client.error());
  const std::string note = args->count("note") ? (*args)["note"].as<std::string>() : "canceled with dcvkit";
  if (auto ok = (*client)->cancel_order(*id, note); !ok) return out.fail(ok.error());
  auto info = (*client)->order_info(*id);
  if (!info) return out.fail(info.error());
  if (out.json())
    out.print({{"order_id", *id}, {"status", info->status}});
  else
    std::cout << "Order " << *id << ": " << shown(info->status) << "\n";
  return kExitOk;
}

int cmd_order_revoke(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Revoke every certificate of an order (ID), or one certificate (--cert FILE: by its serial\n"
                                    "number; the order stays active and can be reissued). Permanent: needs --yes.");
  options.add_options()
      ("cert", "Revoke this certificate (any format) instead of a whole order", cxxopts::value<std::string>(), "FILE")
      ("reason", "unspecified, key_compromise, affiliation_changed, superseded or cessation_of_operation",
       cxxopts::value<std::string>(), "REASON")
      ("note", "Comments kept with the revocation", cxxopts::value<std::string>(), "TEXT")
      ("yes", "Really revoke (a revoked certificate cannot be used again)");
  add_pfx_password_option(options);
  int code = kExitOk;
  auto args = parse_order_options(options, argc, argv, out, code, true);
  if (!args) return code;
  const bool by_cert = args->count("cert") > 0;
  if (by_cert == (args->count("id") > 0))
    return out.fail(usage_error("give an order ID or --cert FILE", "dcvkit order revoke ID --yes | --cert FILE --yes"));
  certcentral::RevokeRequest request;
  if (args->count("reason")) request.reason = (*args)["reason"].as<std::string>();
  if (args->count("note")) request.comments = (*args)["note"].as<std::string>();
  if (!request.reason.empty() && !certcentral::is_revocation_reason(request.reason))
    return out.fail(usage_error("unknown --reason", "use unspecified, key_compromise, affiliation_changed, superseded or cessation_of_operation"));
  std::string target;
  std::optional<std::int64_t> order_id;
  if (by_cert) {
    auto password = read_pfx_password(*args, out);
    if (!password) return out.fail(password.error());
    auto bundle = read_bundle_file((*args)["cert"].as<std::string>(), *password);
    if (!bundle) return out.fail(bundle.error());
    auto ordered = in_chain_order(bundle->certs);
    if (!ordered) return out.fail(ordered.error());
    auto info = cert::describe(ordered->front(), system_clock().now());
    if (!info) return out.fail(info.error());
    target = info->serial;
  } else {
    auto id = parse_order_id(*args);
    if (!id) return out.fail(id.error());
    order_id = *id;
  }
  if (!args->count("yes"))
    return out.fail(usage_error("revocation is permanent: pass --yes to revoke " + (by_cert ? "certificate " + target : "order " + std::to_string(*order_id)),
                                "dcvkit order revoke ... --yes"));
  auto client = api_client(*args, out);
  if (!client) return out.fail(client.error());
  auto result = by_cert ? certcentral::revoke_certificate(**client, target, request)
                        : certcentral::revoke_order(**client, *order_id, request);
  if (!result) return out.fail(result.error());
  const std::string what = by_cert ? "certificate " + target : "order " + std::to_string(*order_id);
  if (out.json()) {
    nlohmann::json j = {{"revoked", result->revoked}, {by_cert ? "serial" : "order_id", by_cert ? nlohmann::json(target) : nlohmann::json(*order_id)}};
    if (!result->revoked) j["request"] = {{"id", result->request_id}, {"status", result->request_status}};
    out.print(j);
  } else if (result->revoked) {
    std::cout << "Revoked " << what << "\n";
  } else {
    std::cout << "Revocation of " << what << " requested (request " << result->request_id << ", " << shown(result->request_status)
              << "): an administrator must approve it\n";
  }
  return kExitOk;
}

int cmd_order_reissue(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Reissue an order's certificate with a new key (--csr), for the same names. With the CSR's\n"
                                    "tokens in place it is issued at once, verified and written like order submit's; otherwise\n"
                                    "the order is reissue_pending (dcvkit order download ID --wait finishes it).");
  options.add_options()("csr", "The new key's CSR (its tokens must be published for immediate issuance)", cxxopts::value<std::string>(), "FILE");
  add_out_dir_options(options);
  add_output_options(options);
  int code = kExitOk;
  auto args = parse_order_options(options, argc, argv, out, code, true);
  if (!args) return code;
  auto id = parse_order_id(*args);
  if (!id) return out.fail(id.error());
  if (!args->count("csr")) return out.fail(usage_error("no --csr FILE given", "dcvkit order reissue ID --csr FILE"));
  auto csr = load_csr_file((*args)["csr"].as<std::string>());
  if (!csr) return out.fail(csr.error());
  auto key = csr_public_key_der(csr->bytes);
  if (!key) return out.fail(key.error());
  auto with_outputs = out_dir_for_csr(*args, csr->bytes, out);
  if (!with_outputs) return out.fail(with_outputs.error());
  const OutDir& dir = *with_outputs;
  if (auto ok = prepare_chain_dir(dir.dir, dir.force, extras_of(dir)); !ok) return out.fail(ok.error());
  auto client = api_client(*args, out);
  if (!client) return out.fail(client.error());
  auto info = (*client)->order_info(*id);
  if (!info) return out.fail(info.error());
  certcentral::ReissueRequest request;
  request.common_name = info->common_name;
  for (const auto& n : info->dns_names)
    if (n != info->common_name) request.dns_names.push_back(n);
  request.csr = csr->bytes;
  if (!info->signature_hash.empty()) request.signature_hash = info->signature_hash;
  auto created = certcentral::reissue_order(**client, *id, request);
  if (!created) return out.fail(created.error());
  std::vector<std::string> names{request.common_name};
  names.insert(names.end(), request.dns_names.begin(), request.dns_names.end());
  if (!created->immediate()) {
    certcentral::PendingState state;
    state.status = "reissue_pending";
    return report_not_issued(out, *id, state, "publish the new CSR's tokens, then: dcvkit order download " + std::to_string(*id) +
                                                  " --csr " + (*args)["csr"].as<std::string>() + " --wait");
  }
  auto delivery = deliver(created->chain_pems(), ChainExpectation{*key, names}, dir, *id);
  if (!delivery) return out.fail(delivery.error());
  if (out.json()) {
    nlohmann::json j = delivery_json(*delivery);
    j["order_id"] = *id;
    j["certificate_id"] = created->certificate_id;
    j["status"] = "issued";
    j["reissued"] = true;
    out.print(j);
  } else {
    std::cout << "Order " << *id << ": reissued\n";
    print_delivery(*delivery);
  }
  return kExitOk;
}

}  // namespace dcvkit::cli
