#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/csr_input.hpp"
#include "cli/token_report.hpp"
#include "dcvkit/time.hpp"
#include "dcvkit/token.hpp"

namespace dcvkit::cli {

int cmd_token_verify(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "Check that a token was made from this CSR and AuthKey and is valid now.\n"
                                    "Exit 0 on a match; 6 mismatch, 7 expired, 8 not yet valid, 5 malformed.");
  options.add_options()
      ("token", "The 64-character request token", cxxopts::value<std::string>(), "TOKEN")
      ("csr", "The CSR file", cxxopts::value<std::string>(), "FILE")
      ("at", "Judge validity at this time instead of now", cxxopts::value<std::string>(), "TIME")
      ("json", "Print one JSON object");
  add_csr_form_options(options);
  add_auth_key_options(options);
  options.parse_positional({"token"});
  options.positional_help("TOKEN");
  int code = kExitOk;
  auto args = parse_options(options, argc, argv, out, code);
  if (!args) return code;
  if (!args->count("token")) return out.fail(usage_error("no token given", "dcvkit token verify TOKEN --csr FILE"));

  const auto token = args->operator[]("token").as<std::string>();
  if (auto parsed = parse_token(token); !parsed) return out.fail(parsed.error());
  auto at = args->count("at") ? parse_time_option(*args, "at", system_clock()) : Result<UnixSeconds>(system_clock().now());
  if (!at) return out.fail(at.error());
  auto csr = load_csr_input(*args, out);
  if (!csr) return out.fail(csr.error());
  auto key = read_auth_key(*args, out);
  if (!key) return out.fail(key.error());

  // A mismatch in one form is not final while another form may match; the first
  // non-mismatch answer (valid, expired, not yet valid) is.
  const FixedClock clock(*at);
  Result<TokenInspection> result = make_error(ErrorKind::Internal, "internal.no_form", "no CSR form to try");
  CsrForm matched = csr->forms.front();
  for (CsrForm form : csr->forms) {
    result = verify_token(token, key->view(), csr_form_bytes(csr->text, form), clock);
    matched = form;
    if (result.ok() || result.error().kind != ErrorKind::TokenMismatch) break;
  }
  if (!result) {
    Error e = result.error();
    if (e.kind == ErrorKind::TokenMismatch && csr->forms.size() > 1)
      e.message += " (tried the CSR forms " + [&] {
        std::vector<std::string> names;
        for (CsrForm f : csr->forms) names.emplace_back(to_string(f));
        return join(names, ", ");
      }() + ")";
    return out.fail(e);
  }
  if (out.json()) {
    nlohmann::json j = window_json(*result);
    j["ok"] = true;
    j["token"] = token;
    j["csr_form"] = to_string(matched);
    out.print(j);
  } else {
    std::cout << "OK: token matches " << csr->path << " (CSR form " << to_string(matched) << "), "
              << status_text(*result) << "\n";
  }
  return kExitOk;
}

}  // namespace dcvkit::cli
