#include "cli/check_input.hpp"

#include <nlohmann/json.hpp>

#include "cli/csr_input.hpp"
#include "cli/names_input.hpp"
#include "util/json_line.hpp"

namespace dcvkit::cli {
namespace {

constexpr std::initializer_list<const char*> kLineKeys = {"name", "method", "token", "csr", "key_authorization"};
constexpr const char* kLineShape =
    R"(each line: {"name": NAME, "method": "dns"|"http", "token": TOKEN} or "csr": FILE; )"
    R"(ACME: {"name": NAME, "method": "acme-http-01"|"acme-dns-01", "key_authorization": TOKEN.THUMBPRINT})";

// A request-token method or an ACME challenge.
struct MethodChoice {
  DcvMethod method = DcvMethod::Dns;
  std::optional<AcmeChallengeKind> acme;
};

std::optional<MethodChoice> parse_method(const std::string& text) {
  if (auto m = parse_dcv_method(text)) return MethodChoice{*m, std::nullopt};
  if (auto a = parse_acme_check_method(text))
    return MethodChoice{dcv_method_of(*a), *a};
  return std::nullopt;
}

// CAA names the CA: DigiCert's identities would judge an ACME CA's names wrongly.
Status caa_fits_acme(const cxxopts::ParseResult& args) {
  if (args.count("caa-identity") || args.count("no-caa")) return {};
  return usage_error("an ACME method needs --caa-identity (the ACME CA's CAA domain) or --no-caa",
                     "e.g. --caa-identity letsencrypt.org; the default identities are DigiCert's");
}

Status key_authorization_fits(const std::string& key_authorization) {
  if (const auto problem = key_authorization_problem(key_authorization); !problem.empty())
    return usage_error("--key-authorization is not token.thumbprint: " + problem,
                       "give the challenge's key authorization: its token, a dot, the account key's JWK thumbprint");
  return {};
}

}  // namespace

void add_check_input_options(cxxopts::Options& options) {
  options.add_options("What to check")
      ("input",
       R"(JSONL lines {"name","method":"dns"|"http","token"} or {... ,"csr": FILE}; )"
       R"(ACME: {"name","method":"acme-http-01"|"acme-dns-01","key_authorization"})",
       cxxopts::value<std::string>(), "FILE")
      ("method", "dns, http, acme-http-01 or acme-dns-01, for --name / --names-file", cxxopts::value<std::string>(), "M")
      ("token", "The token every name must carry", cxxopts::value<std::string>(), "TOKEN")
      ("key-authorization", "ACME methods: the challenge's key authorization (token.thumbprint) for --name",
       cxxopts::value<std::string>(), "KEYAUTHZ")
      ("csr", "Any valid token made from this CSR (and the AuthKey) will do", cxxopts::value<std::string>(), "FILE");
  add_names_options(options);
  add_csr_form_options(options);
  add_auth_key_options(options);
}

Result<std::shared_ptr<const TokenExpectation>> CheckInput::expectation_for_csr(const std::string& path) {
  if (auto it = by_csr_.find(path); it != by_csr_.end()) return it->second;
  if (!auth_key_) {
    auto key = read_auth_key(*args_, *out_);
    if (!key) return key.error();
    auth_key_ = std::move(*key);
  }
  auto text = load_csr_file(path);
  if (!text) return text.error();
  std::vector<std::string> forms;
  const bool all = args_->count("all-forms") > 0;
  const auto chosen = parse_csr_form(args_->count("csr-form") ? (*args_)["csr-form"].as<std::string>() : "pem");
  if (!chosen) return usage_error("unknown --csr-form", "use pem, pem-lf, oneline or base64-body");
  for (CsrForm f : kAllCsrForms)
    if (all || f == *chosen) forms.push_back(csr_form_bytes(*text, f));
  auto e = TokenExpectation::from_csr(std::move(forms), auth_key_->view());
  if (!e) return e.error();
  by_csr_[path] = *e;
  return std::shared_ptr<const TokenExpectation>(*e);
}

Result<std::unique_ptr<CheckInput>> CheckInput::from_args(const cxxopts::ParseResult& args, const Output& out) {
  auto in = std::make_unique<CheckInput>();
  in->args_ = &args;
  in->out_ = &out;
  if (args.count("method")) {
    const auto choice = parse_method(args["method"].as<std::string>());
    if (!choice) return usage_error("--method must be dns, http, acme-http-01 or acme-dns-01", "");
    in->method_ = choice->method;
    in->acme_ = choice->acme;
  }
  if (args.count("key-authorization")) {
    if (!in->acme_ && !args.count("input"))
      return usage_error("--key-authorization goes with --method acme-http-01 or acme-dns-01", "");
    if (auto st = key_authorization_fits(args["key-authorization"].as<std::string>()); !st) return st.error();
    if (args.count("token") || args.count("csr"))
      return usage_error("--key-authorization and --token/--csr both given", "an ACME challenge has no request token");
  }
  if (args.count("token") && args.count("csr")) return usage_error("--token and --csr both given", "pick one");
  if (args.count("token")) {
    const auto token = args["token"].as<std::string>();
    if (auto p = parse_token(token); !p) return p.error();
    in->common_ = TokenExpectation::exact({token});
  } else if (args.count("csr")) {
    auto e = in->expectation_for_csr(args["csr"].as<std::string>());
    if (!e) return e.error();
    in->common_ = *e;
  }
  const bool from_file = args.count("input") > 0;
  if (from_file == has_names_options(args))
    return usage_error(from_file ? "--input and --name/--names-file both given" : "nothing to check",
                       "give --input FILE (JSONL), or --name/--names-file with --method and --token or --csr");
  if (from_file) {
    in->file_path_ = args["input"].as<std::string>();
    in->file_.open(in->file_path_);
    if (!in->file_)
      return make_error(ErrorKind::Io, "io.read_failed", "cannot open input file '" + in->file_path_ + "'", "check the path");
    return in;
  }
  if (!in->method_) return usage_error("--method is required with --name/--names-file", "--method dns or --method http");
  auto names = read_names(args);
  if (!names) return names.error();
  if (in->acme_) {
    if (auto listed = in->list_acme(std::move(*names)); !listed) return listed.error();
    return in;
  }
  for (auto& n : *names) {
    auto expected = n.token.empty() ? in->common_ : TokenExpectation::exact({n.token});
    if (!expected)
      return usage_error("no token to check for " + n.name + " (" + n.where + ")",
                         "give --token TOKEN, --csr FILE, or a \"token\" on the line");
    in->listed_.push_back({std::move(n.name), *in->method_, std::move(expected)});
  }
  in->total_ = in->listed_.size();
  return in;
}

std::optional<CheckRequest> CheckInput::next() {
  if (error_) return std::nullopt;
  if (file_path_.empty()) {
    if (listed_next_ >= listed_.size()) return std::nullopt;
    return std::move(listed_[listed_next_++]);
  }
  return next_line();
}

std::optional<CheckRequest> CheckInput::next_line() {
  std::string line;
  for (;;) {
    const auto got = detail::read_bounded_line(file_, line);
    if (got == detail::LineRead::End) return std::nullopt;
    ++line_number_;
    const std::string where = file_path_ + ":" + std::to_string(line_number_);
    auto fail = [&](const std::string& why) -> std::optional<CheckRequest> {
      error_ = make_error(ErrorKind::InvalidInput, "input.bad_line", std::string(where).append(": ").append(why), kLineShape);
      return std::nullopt;
    };
    if (got == detail::LineRead::TooLong) return fail(detail::too_long_message(line));
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    auto parsed = detail::parse_object_line(line);
    if (!parsed.error.empty()) return fail(parsed.error);
    const auto& j = parsed.value;
    if (auto key = detail::unknown_key(j, kLineKeys)) return fail(detail::unknown_key_message(*key, kLineKeys));
    if (!j.contains("name") || !j["name"].is_string()) return fail("no \"name\" string");
    CheckRequest r;
    r.name = j["name"].get<std::string>();
    MethodChoice choice;
    if (j.contains("method")) {
      auto m = j["method"].is_string() ? parse_method(j["method"].get<std::string>()) : std::nullopt;
      if (!m) return fail(R"("method" must be "dns", "http", "acme-http-01" or "acme-dns-01")");
      choice = *m;
    } else if (method_) {
      choice = MethodChoice{*method_, acme_};
    } else {
      return fail("no \"method\" (and no --method)");
    }
    r.method = choice.method;
    if (choice.acme || j.contains("key_authorization")) return acme_line(j, std::move(r.name), choice.acme, where);
    if (j.contains("token") && j.contains("csr")) return fail(R"(both "token" and "csr": give one)");
    if ((j.contains("token") && !j["token"].is_string()) || (j.contains("csr") && !j["csr"].is_string()))
      return fail(R"("token" and "csr" must be strings)");
    if (j.contains("token")) {
      if (auto p = parse_token(j["token"].get<std::string>()); !p) return fail(p.error().message);
      r.expected = TokenExpectation::exact({j["token"].get<std::string>()});
    } else if (j.contains("csr")) {
      auto e = expectation_for_csr(j["csr"].get<std::string>());
      if (!e) {
        error_ = e.error();
        error_->message = where + ": " + error_->message;
        return std::nullopt;
      }
      r.expected = *e;
    } else if (common_) {
      r.expected = common_;
    } else {
      return fail(R"(no "token" or "csr" (and no --token / --csr))");
    }
    return r;
  }
}

std::optional<CheckRequest> CheckInput::acme_line(const nlohmann::json& j, std::string name, std::optional<AcmeChallengeKind> acme,
                                                  const std::string& where) {
  auto fail = [&](const std::string& why) -> std::optional<CheckRequest> {
    error_ = make_error(ErrorKind::InvalidInput, "input.bad_line", where + ": " + why, kLineShape);
    return std::nullopt;
  };
  if (!acme) return fail(R"("key_authorization" goes with "method": "acme-http-01" or "acme-dns-01")");
  if (j.contains("token") || j.contains("csr")) return fail(R"(an ACME line takes "key_authorization", not "token" or "csr")");
  std::string key_authorization;
  if (j.contains("key_authorization")) {
    if (!j["key_authorization"].is_string()) return fail(R"("key_authorization" must be a string)");
    key_authorization = j["key_authorization"].get<std::string>();
  } else if (args_->count("key-authorization")) {
    key_authorization = (*args_)["key-authorization"].as<std::string>();
  } else {
    return fail(R"(no "key_authorization" (and no --key-authorization))");
  }
  if (const auto problem = key_authorization_problem(key_authorization); !problem.empty())
    return fail(R"("key_authorization" is not token.thumbprint: )" + problem);
  if (auto caa = caa_fits_acme(*args_); !caa) {
    error_ = caa.error();
    error_->message = where + ": " + error_->message;
    return std::nullopt;
  }
  return acme_check_request(std::move(name), *acme, std::move(key_authorization));
}

Status CheckInput::list_acme(std::vector<NameWithToken> names) {
  if (auto caa = caa_fits_acme(*args_); !caa) return caa;
  if (!args_->count("key-authorization"))
    return usage_error("--key-authorization is required with --method " + std::string(acme_check_method_name(*acme_)),
                       R"(give the challenge's token.thumbprint, or one per name in --input JSONL ("key_authorization"))");
  const auto key_authorization = (*args_)["key-authorization"].as<std::string>();
  for (auto& n : names) {
    if (!n.token.empty())
      return usage_error(n.where + ": a request token is given for " + n.name + ", but an ACME challenge has none",
                         R"(give key authorizations per name in --input JSONL ("key_authorization"))");
    listed_.push_back(acme_check_request(std::move(n.name), *acme_, key_authorization));
  }
  total_ = listed_.size();
  return {};
}

}  // namespace dcvkit::cli
