#include "cli/order_delivery.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli/api_options.hpp"
#include "cli/cert_input.hpp"
#include "dcvkit/time.hpp"

namespace dcvkit::cli {

void add_out_dir_options(cxxopts::Options& options) {
  options.add_options("Certificate files")
      ("out-dir", "Write cert.pem, chain.pem, fullchain.pem, root.pem here", cxxopts::value<std::string>()->default_value("."), "DIR")
      ("force", "Replace certificate files already in DIR (each atomically)");
}

OutDir out_dir_from(const cxxopts::ParseResult& args) {
  return {args["out-dir"].as<std::string>(), args.count("force") > 0, nullptr};
}

const ExtraOutputs& extras_of(const OutDir& dir) {
  static const ExtraOutputs kNone;
  return dir.outputs ? dir.outputs->extras : kNone;
}

void add_output_options(cxxopts::Options& options) {
  options.add_options("Certificate files")
      ("key", "Also write this private key (the CSR's) beside the chain as privkey.pem (0600)", cxxopts::value<std::string>(), "FILE")
      ("format", "Also write der (cert.der), p7b (chain.p7b) or pfx (cert.pfx, with --key); repeatable",
       cxxopts::value<std::vector<std::string>>(), "FMT")
      ("pfx-profile", "cert.pfx encryption: modern (AES-256/SHA-256) or legacy (3DES/SHA-1, old Windows/Java)",
       cxxopts::value<std::string>()->default_value("modern"), "P");
  add_pfx_password_option(options);
}

Result<OutDir> out_dir_with_outputs(const cxxopts::ParseResult& args, const Output& out) {
  OutDir dir = out_dir_from(args);
  auto outputs = std::make_shared<ExtraOutputFiles>();
  if (args.count("format"))
    for (const auto& name : args["format"].as<std::vector<std::string>>()) {
      auto format = cert::parse_format(name);
      if (!format || *format == cert::Format::Pem)
        return usage_error("--format '" + shown(name) + "': give der, p7b or pfx", "the PEM files are always written");
      outputs->extras.formats.push_back(*format);
    }
  const bool pfx = outputs->extras.wants_pfx();
  auto profile = cert::parse_pkcs12_profile(args["pfx-profile"].as<std::string>());
  if (!profile) return usage_error("--pfx-profile must be modern or legacy", "");
  outputs->extras.pfx_profile = *profile;
  if (args.count("key")) {
    auto key = read_secret_file(args["key"].as<std::string>(), "private key file", out);
    if (!key) return key.error();
    outputs->key = Secret(std::string(key->view()) + "\n");
    outputs->extras.private_key = &outputs->key;
    outputs->extras.privkey = true;
  } else if (pfx) {
    return usage_error("--format pfx needs --key FILE", "a PKCS#12 file carries the private key");
  }
  if (pfx) {
    auto password = read_pfx_password(args, out);
    if (!password) return password.error();
    if (!*password) return usage_error("--format pfx needs a password", "give --password-file FILE or DCVKIT_PFX_PASSWORD");
    outputs->password = std::move(**password);
    outputs->extras.pfx_password = &outputs->password;
  }
  if (!outputs->extras.empty()) dir.outputs = std::move(outputs);
  return dir;
}

Result<OutDir> out_dir_for_csr(const cxxopts::ParseResult& args, std::string_view csr_pem, const Output& out) {
  auto dir = out_dir_with_outputs(args, out);
  if (!dir) return dir.error();
  if (auto fits = check_extra_outputs(extras_of(*dir), csr_pem); !fits) return fits.error();
  return dir;
}

nlohmann::json order_json(const certcentral::OrderInfo& o) {
  nlohmann::json j = {{"id", o.id},
                      {"status", o.status},
                      {"date_created", o.date_created},
                      {"product", o.product_name_id},
                      {"common_name", o.common_name},
                      {"dns_names", o.dns_names},
                      {"dcv_method", o.dcv_method},
                      {"certificate_id", o.certificate_id ? nlohmann::json(o.certificate_id) : nlohmann::json(nullptr)},
                      {"dcv_status", {{"status", o.dcv_status.status}, {"reasons", o.dcv_status.reasons}}}};
  return j;
}

void print_order(const certcentral::OrderInfo& o) {
  std::cout << "Order " << o.id << ": " << shown(o.status) << "\n"
            << "  product      " << shown(o.product_name_id) << "\n"
            << "  names        " << shown(o.common_name);
  for (const auto& n : o.dns_names)
    if (n != o.common_name) std::cout << ", " << shown(n);
  std::cout << "\n";
  if (!o.date_created.empty()) std::cout << "  created      " << shown(o.date_created) << "\n";
  if (!o.dcv_method.empty()) std::cout << "  method       " << shown(o.dcv_method) << "\n";
  if (o.certificate_id) std::cout << "  certificate  " << o.certificate_id << "\n";
  if (!o.dcv_status.status.empty()) std::cout << "  DCV          " << shown(o.dcv_status.status) << "\n";
  for (const auto& r : o.dcv_status.reasons) std::cout << "    " << shown(r) << "\n";
}

Result<Delivery> deliver(const std::vector<std::string>& pems, const ChainExpectation& expected, const OutDir& out,
                         std::int64_t order_id) {
  const DeliveryOrder order{"dcvkit order download " + std::to_string(order_id) + " --out-dir " + (out.dir.empty() ? "." : out.dir), ""};
  return deliver_chain(pems, expected, out.dir, out.force, order, system_clock().now(),
                       extras_of(out));
}

Result<Delivery> download_and_deliver(certcentral::Client& client, std::int64_t certificate_id,
                                      const ChainExpectation& expected, const OutDir& out, std::int64_t order_id) {
  auto bundle = client.download(certificate_id, "pem_all");
  if (!bundle) return bundle.error();
  auto pems = split_pem_certificates(*bundle);
  if (!pems) return pems.error();
  return deliver(*pems, expected, out, order_id);
}

Result<certcentral::PendingState> wait_until_issued(certcentral::Client& client, std::int64_t order_id,
                                                   std::chrono::seconds timeout, const Output& out) {
  return certcentral::wait_until_issued(client, order_id, timeout, [&](const certcentral::PendingState& s) {
    if (out.json()) return;
    std::cerr << "dcvkit: order " << order_id << " " << shown(s.status) << (s.reason.empty() ? "" : ": " + shown(s.reason))
              << "; checking again in " << (s.next_check.count() + 500) / 1000 << " s\n";
  });
}

int report_not_issued(const Output& out, std::int64_t order_id, const certcentral::PendingState& state, const std::string& hint,
                      nlohmann::json extra) {
  const Error e = certcentral::not_issued_error(order_id, state, hint);
  if (out.json()) {
    extra["order_id"] = order_id;
    extra["status"] = state.status;
    extra["issued"] = false;
    extra["reason"] = state.reason;
    if (!state.names.empty()) {
      nlohmann::json names = nlohmann::json::array();
      for (const auto& n : state.names) names.push_back({{"dns_name", n.dns_name}, {"status", n.status}});
      extra["dns_name_validations"] = names;  // as check-dcv listed them
    }
    extra["error"] = {{"code", e.code}, {"message", e.message}, {"hint", e.hint}};
    out.print(extra);
    return kExitNotIssued;
  }
  std::cout << "Order " << order_id << ": " << shown(state.status) << "\n";
  if (!state.reason.empty()) std::cout << "  why: " << shown(state.reason) << "\n";
  for (const auto& n : state.names) std::cout << "  " << shown(n.dns_name) << ": " << shown(n.status) << "\n";
  return Output(false).fail(e);
}

int report_delivery_failure(const Output& out, const Error& error, std::int64_t order_id, const OutDir& dir) {
  if (!out.json()) return out.fail(error);
  nlohmann::json j = {{"error", {{"code", error.code}, {"message", error.message}, {"hint", error.hint}}},
                      {"order_id", order_id}, {"issued", true}};
  const std::string kept = received_unverified_path(dir.dir);
  std::error_code ec;
  if (error.kind == ErrorKind::CertVerify && std::filesystem::exists(kept, ec)) j["received_unverified"] = kept;
  out.print(j);
  return exit_code_for(error.kind);
}

nlohmann::json delivery_json(const Delivery& d) {
  nlohmann::json files = {{"cert", d.files.cert}, {"chain", d.files.chain}, {"fullchain", d.files.fullchain},
                          {"root", d.files.root.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.files.root)}};
  return {{"files", files},
          {"names", d.chain.names},
          {"added_names", d.chain.added_names},
          {"chain_reordered", d.chain.reordered},
          {"serial", d.chain.serial_hex},
          {"issuer", d.chain.issuer},
          {"not_before", format_iso8601(d.chain.not_before)},
          {"not_after", format_iso8601(d.chain.not_after)}};
}

void print_delivery(const Delivery& d) {
  std::cout << "Certificate for " << join(shown(d.chain.names), ", ") << " (serial " << d.chain.serial_hex << "),\n"
            << "  valid " << format_iso8601(d.chain.not_before) << " to " << format_iso8601(d.chain.not_after)
            << ", issued by " << shown(d.chain.issuer) << "\n";
  if (!d.chain.added_names.empty())
    std::cout << "  added by the CA: " << join(shown(d.chain.added_names), ", ") << " (its automatic www addition; not ordered)\n";
  std::cout << "  verified: CSR key, names, chain" << (d.chain.root_pem.empty() ? " to a system CA" : " to the root sent")
            << (d.chain.reordered ? " (sent out of order: written leaf first)" : "") << "\n"
            << "Written:\n"
            << "  " << d.files.cert << "\n  " << d.files.chain << "\n  " << d.files.fullchain << "\n";
  if (!d.files.root.empty()) std::cout << "  " << d.files.root << "\n";
}

std::optional<cxxopts::ParseResult> parse_order_options(cxxopts::Options& options, int argc, char** argv, const Output& out,
                                                        int& code, bool takes_id) {
  options.add_options()("json", "Print one JSON object");
  if (takes_id) {
    options.add_options()("id", "The order id", cxxopts::value<std::string>(), "ID");
    options.parse_positional({"id"});
    options.positional_help("ID");
  }
  add_api_options(options);
  return parse_options(options, argc, argv, out, code);
}

Result<std::int64_t> parse_order_id(const cxxopts::ParseResult& args, const std::string& option) {
  if (!args.count(option)) return usage_error("give the order id", "e.g. dcvkit order status 12345 (dcvkit order list shows them)");
  const auto text = args[option].as<std::string>();
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
    return usage_error("the order id must be a number", "dcvkit order list shows the ids");
  return std::stoll(text);
}

}  // namespace dcvkit::cli
