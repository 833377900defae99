#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/csr_input.hpp"
#include "cli/token_report.hpp"
#include "dcvkit/token_time.hpp"
#include "dcvkit/names.hpp"
#include "dcvkit/time.hpp"
#include "dcvkit/token.hpp"

namespace dcvkit::cli {
namespace {

constexpr std::size_t kNamesShown = 10;

// Where the CA looks for the token, per name (DESIGN §3). `dcvkit plan` gives the full plan.
void print_where(const std::vector<std::string>& names) {
  std::cout << "Publish at:\n";
  for (std::size_t i = 0; i < names.size() && i < kNamesShown; ++i) {
    const std::string n = shown(names[i]);
    std::cout << "  DNS TXT _dnsauth." << wildcard_base(n) << " (or " << wildcard_base(n) << ")";
    if (!is_wildcard(n)) std::cout << "  or  http://" << n << "/.well-known/pki-validation/fileauth.txt";
    std::cout << "\n";
  }
  if (names.size() > kNamesShown) std::cout << "  ... and " << names.size() - kNamesShown << " more names\n";
}

}  // namespace

int cmd_token_new(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Compute the request token for a CSR.\n"
                                    "The token is printed alone on the last line of standard output.");
  options.add_options()
      ("csr", "The CSR file the certificate will be ordered with", cxxopts::value<std::string>(), "FILE")
      ("json", "Print one JSON object");
  add_token_time_options(options);
  add_csr_form_options(options);
  add_auth_key_options(options);
  int code = kExitOk;
  auto args = parse_options(options, argc, argv, out, code);
  if (!args) return code;

  auto timestamp = token_timestamp(*args);
  if (!timestamp) return out.fail(timestamp.error());
  auto csr = load_csr_input(*args, out);
  if (!csr) return out.fail(csr.error());
  auto key = read_auth_key(*args, out);
  if (!key) return out.fail(key.error());
  auto engine = TokenEngine::create(key->view());
  if (!engine) return out.fail(engine.error());

  std::vector<std::pair<CsrForm, std::string>> tokens;
  for (CsrForm form : csr->forms) {
    auto token = engine->compute(csr_form_bytes(csr->text, form), *timestamp);
    if (!token) return out.fail(token.error());
    tokens.emplace_back(form, std::move(*token));
  }
  const TokenInspection info = inspect_token(*timestamp, system_clock().now());
  if (auto w = window_warning(info); !w.empty()) out.warn(w);
  if (system_clock_synchronised() == false)
    out.warn("the system clock is not synchronised (NTP): tokens are dated by it, and the CA rejects a token dated in "
             "its future; synchronise the clock (timedatectl set-ntp true) or pass --valid-from");
  const auto names = csr->info.names();

  if (out.json()) {
    nlohmann::json j = window_json(info);
    j["token"] = tokens.front().second;
    j["timestamp"] = format_compact_timestamp(*timestamp);
    j["csr_form"] = to_string(tokens.front().first);
    j["names"] = names;
    if (args->count("all-forms")) {
      j["tokens"] = nlohmann::json::array();
      for (const auto& [form, token] : tokens) j["tokens"].push_back({{"csr_form", to_string(form)}, {"token", token}});
    }
    out.print(j);
    return kExitOk;
  }
  std::cout << "CSR:        " << csr->path << " (" << csr->info.key_type << " " << csr->info.key_bits << ")\n"
            << "Names:      " << (names.empty() ? std::string("(none)") : join(shown(names), ", ")) << "\n"
            << "Valid:      " << format_iso8601(info.valid_from) << " to " << format_iso8601(info.valid_until)
            << " (" << status_text(info) << ")\n";
  if (!names.empty()) print_where(names);
  if (tokens.size() == 1) {
    std::cout << "CSR form:   " << to_string(tokens.front().first) << "\n" << tokens.front().second << "\n";
  } else {
    std::cout << "Tokens (publish all; the CA accepts any that matches):\n";
    for (const auto& [form, token] : tokens) std::cout << to_string(form) << "\t" << token << "\n";
  }
  return kExitOk;
}

}  // namespace dcvkit::cli
