// What the order commands share: an order shown as text or JSON, and a certificate delivered —
// downloaded when needed, verified against the order, written as a set into --out-dir.
#pragma once

#include <chrono>
#include <cxxopts.hpp>
#include <nlohmann/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "dcvkit/cert_chain.hpp"
#include "dcvkit/certcentral.hpp"
#include "dcvkit/certcentral_issuance.hpp"

namespace dcvkit::cli {

void add_out_dir_options(cxxopts::Options& options);  // --out-dir DIR (default "."), --force
struct OutDir {
  std::string dir;
  bool force = false;
  std::shared_ptr<const ExtraOutputFiles> outputs;  // null: the PEM set only
};
OutDir out_dir_from(const cxxopts::ParseResult& args);
const ExtraOutputs& extras_of(const OutDir& dir);  // none when no extra output was asked for
// --key FILE (privkey.pem beside the chain, 0600), --format der|p7b|pfx (repeatable: cert.der,
// chain.p7b, cert.pfx in the same set), --password-file FILE (or DCVKIT_PFX_PASSWORD), --pfx-profile.
void add_output_options(cxxopts::Options& options);
// out_dir_from plus those; the key is read (and its password) now, before anything is ordered.
Result<OutDir> out_dir_with_outputs(const cxxopts::ParseResult& args, const Output& out);
// out_dir_with_outputs for the CSR to be ordered: --key must be that CSR's key (checked now, before
// anything is bought).
Result<OutDir> out_dir_for_csr(const cxxopts::ParseResult& args, std::string_view csr_pem, const Output& out);

nlohmann::json order_json(const certcentral::OrderInfo& order);  // no CSR
void print_order(const certcentral::OrderInfo& order);

using Delivery = ChainDelivery;

// deliver_chain into --out-dir; a refused chain's hint fetches order `order_id` again.
Result<Delivery> deliver(const std::vector<std::string>& pems, const ChainExpectation& expected, const OutDir& out,
                         std::int64_t order_id);
// GET .../download/format/pem_all, then deliver().
Result<Delivery> download_and_deliver(certcentral::Client& client, std::int64_t certificate_id,
                                      const ChainExpectation& expected, const OutDir& out, std::int64_t order_id);

// --wait: the library's wait, telling a person (stderr, not with --json) when it checks again.
Result<certcentral::PendingState> wait_until_issued(certcentral::Client& client, std::int64_t order_id,
                                                   std::chrono::seconds timeout, const Output& out);
// Exit 15 for a pending order: text on stdout + the error on stderr, or one JSON object.
int report_not_issued(const Output& out, std::int64_t order_id, const certcentral::PendingState& state, const std::string& hint,
                      nlohmann::json extra = nlohmann::json::object());

// A delivery that failed: the error, and with --json also the order id and, for a chain that
// failed verification, where the certificates as received were kept ("received_unverified").
int report_delivery_failure(const Output& out, const Error& error, std::int64_t order_id, const OutDir& dir);

nlohmann::json delivery_json(const Delivery& d);
void print_delivery(const Delivery& d);

// --json, the order ID as the positional argument (when takes_id), the API options; then parses.
std::optional<cxxopts::ParseResult> parse_order_options(cxxopts::Options& options, int argc, char** argv, const Output& out,
                                                        int& code, bool takes_id);

// "12" -> 12; usage error otherwise.
Result<std::int64_t> parse_order_id(const cxxopts::ParseResult& args, const std::string& option = "id");

}  // namespace dcvkit::cli
