#include "cli/cert_input.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "dcvkit/files.hpp"
#include "dcvkit/time.hpp"
#include "util/strings.hpp"

namespace dcvkit::cli {
namespace {

Result<std::optional<Secret>> read_password(const cxxopts::ParseResult& args, const std::string& option, const char* env,
                                            std::string_view what, const Output& out) {
  if (args.count(option)) {
    auto s = read_secret_file(args[option].as<std::string>(), what, out);
    if (!s) return s.error();
    return std::optional<Secret>(std::move(*s));
  }
  if (const char* value = std::getenv(env)) return std::optional<Secret>(Secret(detail::without_line_ending(value)));
  return std::optional<Secret>();
}

Error with_file(Error e, const std::string& path) {
  e.message = path + ": " + e.message;
  return e;
}

}  // namespace

void add_pfx_password_option(cxxopts::Options& options) {
  options.add_options()("password-file", "PKCS#12 password from FILE (or DCVKIT_PFX_PASSWORD)", cxxopts::value<std::string>(), "FILE");
}

void add_key_password_option(cxxopts::Options& options) {
  options.add_options()("key-password-file", "Password of an encrypted private key from FILE (or DCVKIT_KEY_PASSWORD)",
                        cxxopts::value<std::string>(), "FILE");
}

Result<std::optional<Secret>> read_pfx_password(const cxxopts::ParseResult& args, const Output& out) {
  return read_password(args, "password-file", "DCVKIT_PFX_PASSWORD", "PKCS#12 password file", out);
}

Result<std::optional<Secret>> read_key_password(const cxxopts::ParseResult& args, const Output& out) {
  return read_password(args, "key-password-file", "DCVKIT_KEY_PASSWORD", "key password file", out);
}

Result<cert::Bundle> read_bundle_file(const std::string& path, const std::optional<Secret>& password) {
  auto data = read_file(path, kMaxCertFileBytes, "certificate file");
  if (!data) return data.error();
  const Secret raw(std::move(*data));  // a PKCS#12 or PEM bundle may hold a key: wiped when done
  auto bundle = cert::read_bundle(raw.view(), password ? &*password : nullptr);
  if (!bundle) return with_file(bundle.error(), path);
  return bundle;
}

Result<Secret> read_key_file(const std::string& path, const std::optional<Secret>& password) {
  auto data = read_file(path, kMaxCertFileBytes, "key file");
  if (!data) return data.error();
  const Secret raw(std::move(*data));
  auto key = cert::read_private_key(raw.view(), password ? &*password : nullptr);
  if (!key) return with_file(key.error(), path);
  return key;
}

Result<std::vector<std::string>> in_chain_order(const std::vector<std::string>& ders) {
  auto order = cert::order_chain(ders);
  if (!order) return order.error();
  std::vector<std::string> out;
  for (auto i : order->order) out.push_back(ders[i]);
  for (auto i : order->unused) out.push_back(ders[i]);
  return out;
}

nlohmann::json cert_json(const cert::CertInfo& info) {
  return {{"subject", info.subject},
          {"sans", info.sans},
          {"issuer", info.issuer},
          {"not_before", format_iso8601(info.not_before)},
          {"not_after", format_iso8601(info.not_after)},
          {"days_left", info.days_left},
          {"key_type", info.key_type},
          {"key_bits", info.key_bits},
          {"curve", info.curve},
          {"serial", info.serial},
          {"sha256_fingerprint", info.sha256_fingerprint},
          {"sha1_fingerprint", info.sha1_fingerprint},
          {"self_signed", info.self_signed},
          {"ca", info.is_ca}};
}

void print_cert(const cert::CertInfo& info, const std::string& indent) {
  std::cout << indent << "Subject:     " << shown(info.subject) << "\n"
            << indent << "SANs:        " << join(shown(info.sans), ", ") << "\n"
            << indent << "Issuer:      " << shown(info.issuer) << (info.self_signed ? " (self-signed)" : "") << "\n"
            << indent << "Valid:       " << format_iso8601(info.not_before) << " to " << format_iso8601(info.not_after) << " ("
            << (info.days_left < 0 ? "expired " + std::to_string(-info.days_left) + " days ago"
                                   : std::to_string(info.days_left) + " days left")
            << ")\n"
            << indent << "Key:         " << info.key_type << " " << info.key_bits << (info.curve.empty() ? "" : " " + info.curve)
            << (info.is_ca ? " (CA)" : "") << "\n"
            << indent << "Serial:      " << info.serial << "\n"
            << indent << "SHA-256:     " << info.sha256_fingerprint << "\n"
            << indent << "SHA-1:       " << info.sha1_fingerprint << "\n";
}

}  // namespace dcvkit::cli
