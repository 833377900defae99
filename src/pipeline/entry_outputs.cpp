#include "pipeline/entry_outputs.hpp"

#include <cstdlib>

#include "dcvkit/files.hpp"
#include "util/strings.hpp"

namespace dcvkit::pipeline {
namespace {

constexpr std::size_t kMaxKeyFileBytes = std::size_t{64} * 1024;
constexpr const char* kPasswordEnv = "DCVKIT_PFX_PASSWORD";

}  // namespace

Result<std::unique_ptr<ExtraOutputFiles>> entry_outputs(const ManifestEntry& spec, const LedgerEntry& entry) {
  auto out = std::make_unique<ExtraOutputFiles>();
  out->extras.privkey = spec.privkey;
  out->extras.formats = spec.formats;
  out->extras.pfx_profile = spec.pfx_profile;
  const bool pfx = out->extras.wants_pfx();
  if (out->extras.needs_key()) {
    auto key = read_regular_file(entry.key_path, kMaxKeyFileBytes, "private key file");
    if (!key) return key.error();
    out->key = Secret(std::move(*key));
    out->extras.private_key = &out->key;
  }
  if (pfx) {
    if (!spec.pfx_password_file.empty()) {
      auto password = read_regular_file(spec.pfx_password_file, 4096, "PKCS#12 password file");
      if (!password) return password.error();
      out->password = Secret(detail::without_line_ending(std::move(*password)));
    } else if (const char* env = std::getenv(kPasswordEnv); env != nullptr && *env != '\0') {
      out->password = Secret(detail::without_line_ending(env));
    } else {
      return make_error(ErrorKind::Usage, "cert.password_needed",
                        spec.id + " asks for cert.pfx, but there is no password to lock it with",
                        "add \"pfx_password_file\": FILE to its line, or set DCVKIT_PFX_PASSWORD");
    }
    out->extras.pfx_password = &out->password;
  }
  return out;
}

}  // namespace dcvkit::pipeline
