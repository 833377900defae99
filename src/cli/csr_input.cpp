#include "cli/csr_input.hpp"

namespace dcvkit::cli {

void add_csr_form_options(cxxopts::Options& options) {
  options.add_options("CSR text hashed into the token")
      ("csr-form", "pem (the file as-is, default), pem-lf, oneline or base64-body",
       cxxopts::value<std::string>()->default_value("pem"), "FORM")
      ("all-forms", "Use every distinct form (the CA accepts any matching token)");
}

Result<CsrInput> load_csr_input(const cxxopts::ParseResult& args, const Output& out) {
  if (!args.count("csr")) return usage_error("--csr FILE is required", "give the CSR the certificate will be ordered with");
  CsrInput in;
  in.path = args["csr"].as<std::string>();
  // Commands without the form options (plan) hash nothing: they get the default form.
  const std::string form_name = args.count("csr-form") ? args["csr-form"].as<std::string>() : "pem";
  if (args.count("all-forms") && args.count("csr-form"))
    return usage_error("--csr-form and --all-forms both given", "pick one form, or all of them");
  auto text = load_csr_file(in.path);
  if (!text) return text.error();
  auto info = inspect_csr(*text);
  if (!info) return info.error();
  if (info->weak_key)
    out.warn("the CSR's RSA key has only " + std::to_string(info->key_bits) +
             " bits: CAs refuse keys under 2048 bits (the token is still computed)");
  in.text = std::move(*text);
  in.info = std::move(*info);
  if (args.count("all-forms")) {
    // Forms that give the same bytes give the same token: list each token once, under its first form.
    std::vector<std::string> seen;
    for (CsrForm f : kAllCsrForms) {
      std::string bytes = csr_form_bytes(in.text, f);
      bool dup = false;
      for (const auto& s : seen) dup |= s == bytes;
      if (!dup) {
        seen.push_back(std::move(bytes));
        in.forms.push_back(f);
      }
    }
  } else {
    auto form = parse_csr_form(form_name);
    if (!form)
      return usage_error("--csr-form '" + form_name + "' is not a CSR form",
                         "use pem, pem-lf, oneline or base64-body");
    in.forms.push_back(*form);
  }
  return in;
}

}  // namespace dcvkit::cli
