#include "cli/check_input.hpp"

#include <nlohmann/json.hpp>

#include "cli/csr_input.hpp"
#include "cli/names_input.hpp"
#include "util/json_line.hpp"

namespace dcvkit::cli {
namespace {

constexpr std::initializer_list<const char*> kLineKeys = {"name", "method", "token", "csr"};

}  // namespace

void add_check_input_options(cxxopts::Options& options) {
  options.add_options("What to check")
      ("input", R"(JSONL lines {"name","method":"dns"|"http","token"} or {... ,"csr": FILE})",
       cxxopts::value<std::string>(), "FILE")
      ("method", "dns or http, for --name / --names-file", cxxopts::value<std::string>(), "M")
      ("token", "The token every name must carry", cxxopts::value<std::string>(), "TOKEN")
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
    in->method_ = parse_dcv_method(args["method"].as<std::string>());
    if (!in->method_) return usage_error("--method must be dns or http", "");
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
      error_ = make_error(ErrorKind::InvalidInput, "input.bad_line", std::string(where).append(": ").append(why),
                          R"(each line: {"name": NAME, "method": "dns"|"http", "token": TOKEN} or "csr": FILE)");
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
    if (j.contains("method")) {
      auto m = j["method"].is_string() ? parse_dcv_method(j["method"].get<std::string>()) : std::nullopt;
      if (!m) return fail(R"("method" must be "dns" or "http")");
      r.method = *m;
    } else if (method_) {
      r.method = *method_;
    } else {
      return fail("no \"method\" (and no --method)");
    }
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

}  // namespace dcvkit::cli
