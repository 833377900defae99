// dcvkit order status|download|list: orders that already exist.
#include <iostream>

#include "cli/api_options.hpp"
#include "cli/commands.hpp"
#include "cli/deploy_options.hpp"
#include "cli/common.hpp"
#include "cli/order_delivery.hpp"
#include "dcvkit/csr.hpp"

namespace dcvkit::cli {

int cmd_order_status(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Show an order: status, names, certificate, why DCV has not completed.");
  int code = kExitOk;
  auto args = parse_order_options(options, argc, argv, out, code, true);
  if (!args) return code;
  auto id = parse_order_id(*args);
  if (!id) return out.fail(id.error());
  auto client = api_client(*args, out);
  if (!client) return out.fail(client.error());
  auto info = (*client)->order_info(*id);
  if (!info) return out.fail(info.error());
  if (out.json())
    out.print(order_json(*info));
  else
    print_order(*info);
  return kExitOk;
}

int cmd_order_download(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Write an order's certificate files after verifying them. A pending order is validated\n"
                                    "once more first (with --wait: until issued).");
  options.add_options()
      ("csr", "Check the certificate's key against this CSR (default: the CSR stored with the order)", cxxopts::value<std::string>(), "FILE")
      ("wait", "While the order is pending: validate again with backoff until issued")
      ("timeout", "With --wait: give up after this long (a plain number is seconds)", cxxopts::value<std::string>()->default_value("10m"), "DURATION");
  add_out_dir_options(options);
  add_output_options(options);
  add_deploy_options(options);
  int code = kExitOk;
  auto args = parse_order_options(options, argc, argv, out, code, true);
  if (!args) return code;
  auto id = parse_order_id(*args);
  if (!id) return out.fail(id.error());
  const auto timeout = wait_timeout_seconds(*args);
  if (!timeout) return out.fail(timeout.error());
  const auto hook = deploy_hook_from(*args);
  if (!hook) return out.fail(hook.error());
  std::string own_csr;
  if (args->count("csr")) {
    auto text = load_csr_file((*args)["csr"].as<std::string>());
    if (!text) return out.fail(text.error());
    own_csr = text->bytes;
  }
  // Without --csr the order's CSR comes later: the key is then checked against the leaf before writing.
  auto with_outputs = own_csr.empty() ? out_dir_with_outputs(*args, out) : out_dir_for_csr(*args, own_csr, out);
  if (!with_outputs) return out.fail(with_outputs.error());
  const OutDir& dir = *with_outputs;
  if (auto ok = prepare_chain_dir(dir.dir, dir.force, extras_of(dir)); !ok) return out.fail(ok.error());
  auto client = api_client(*args, out);
  if (!client) return out.fail(client.error());

  auto info = (*client)->order_info(*id);
  if (!info) return out.fail(info.error());
  std::int64_t certificate_id = info->status == "issued" ? info->certificate_id : 0;
  if (!certificate_id) {
    auto state = args->count("wait") ? wait_until_issued(**client, *id, std::chrono::seconds(*timeout), out)
                                     : certcentral::check_pending_once(**client, *id);
    if (!state) return out.fail(state.error());
    if (!state->certificate_id)
      return report_not_issued(out, *id, *state,
                               "publish the tokens (dcvkit check shows what the CA sees), then run this again (--wait polls)");
    certificate_id = state->certificate_id;
  }
  auto key = csr_public_key_der(own_csr.empty() ? info->csr : own_csr);
  if (!key) {
    Error e = key.error();
    e.message = "order " + std::to_string(*id) + ": " + e.message + " (the order's CSR)";
    e.hint = "pass the CSR the order was made with: --csr FILE";
    return out.fail(e);
  }
  std::vector<std::string> names{info->common_name};
  names.insert(names.end(), info->dns_names.begin(), info->dns_names.end());
  auto delivery = download_and_deliver(**client, certificate_id, ChainExpectation{*key, names}, dir, *id);
  if (!delivery) return report_delivery_failure(out, delivery.error(), *id, dir);
  const DeployOutcome deployed = deploy_delivery(*hook, *delivery, std::to_string(*id), dir.dir);
  if (out.json()) {
    nlohmann::json j = delivery_json(*delivery);
    j["order_id"] = *id;
    j["certificate_id"] = certificate_id;
    j["status"] = "issued";
    report_deploy(out, deployed, &j);
    out.print(j);
  } else {
    std::cout << "Order " << *id << ": issued\n";
    print_delivery(*delivery);
    report_deploy(out, deployed, nullptr);
  }
  return deployed.exit_code();
}

int cmd_order_list(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "List orders, newest first.");
  options.add_options()
      ("status", "Only orders in this status (pending, issued, canceled, ...)", cxxopts::value<std::string>(), "S")
      ("cn", "Only orders for this common name", cxxopts::value<std::string>(), "NAME")
      ("limit", "At most this many (1-1000)", cxxopts::value<int>()->default_value("100"), "N")
      ("offset", "Skip this many", cxxopts::value<int>()->default_value("0"), "N");
  int code = kExitOk;
  auto args = parse_order_options(options, argc, argv, out, code, false);
  if (!args) return code;
  certcentral::OrderFilter filter;
  if (args->count("status")) filter.status = (*args)["status"].as<std::string>();
  if (args->count("cn")) filter.common_name = (*args)["cn"].as<std::string>();
  filter.limit = (*args)["limit"].as<int>();
  filter.offset = (*args)["offset"].as<int>();
  if (filter.limit < 1 || filter.limit > 1000 || filter.offset < 0)
    return out.fail(usage_error("--limit must be 1 to 1000 and --offset not negative", ""));
  auto client = api_client(*args, out);
  if (!client) return out.fail(client.error());
  auto list = (*client)->list_orders(filter);
  if (!list) return out.fail(list.error());
  if (out.json()) {
    nlohmann::json orders = nlohmann::json::array();
    for (const auto& o : list->orders) orders.push_back(order_json(o));
    out.print({{"orders", orders}, {"page", {{"total", list->total}, {"limit", list->limit}, {"offset", list->offset}}}});
    return kExitOk;
  }
  if (list->orders.empty()) {
    std::cout << "No orders.\n";
    return kExitOk;
  }
  std::cout << "ID          STATUS          CREATED                    PRODUCT                 NAMES\n";
  for (const auto& o : list->orders) {
    auto pad = [](const std::string& s, std::size_t w) { return s.size() < w ? s + std::string(w - s.size(), ' ') : s + " "; };
    std::string names = shown(o.common_name);
    std::size_t more = 0;
    for (const auto& n : o.dns_names) more += n != o.common_name;
    if (more) names += " (+" + std::to_string(more) + ")";
    std::cout << pad(std::to_string(o.id), 12) << pad(shown(o.status), 16) << pad(shown(o.date_created), 27)
              << pad(shown(o.product_name_id), 24) << names << "\n";
  }
  if (list->total > static_cast<std::int64_t>(list->orders.size()) + list->offset)
    std::cout << "(" << list->orders.size() << " of " << list->total << "; --offset N for more)\n";
  return kExitOk;
}

}  // namespace dcvkit::cli
