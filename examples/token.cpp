// Library example (a): the request token for a CSR, computed and then verified the way the CA
// checks it.
//   DCVKIT_AUTH_KEY=... dcvkit-example-token CSR_FILE [yyyyMMddHHmmss]
// Without a timestamp the token is made for now. The AuthKey is a secret: it comes from the
// environment, never from the command line, and is never printed.
// Exit codes: 0 token made and verified, 2 usage, 3 unusable input, 4 verification failed.
#include <cstdlib>
#include <iostream>
#include <string>

#include "dcvkit/csr.hpp"
#include "dcvkit/time.hpp"
#include "dcvkit/token.hpp"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitInput = 3;
constexpr int kExitVerify = 4;

int fail(int exit_code, const dcvkit::Error& e) {
  std::cerr << "dcvkit-example-token: error: " << e.message << "\n";
  if (!e.hint.empty()) std::cerr << "  hint: " << e.hint << "\n";
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: DCVKIT_AUTH_KEY=KEY dcvkit-example-token CSR_FILE [yyyyMMddHHmmss]\n";
    return kExitUsage;
  }
  const char* auth_key = std::getenv("DCVKIT_AUTH_KEY");
  if (auth_key == nullptr || *auth_key == '\0') {
    std::cerr << "dcvkit-example-token: error: no AuthKey: set DCVKIT_AUTH_KEY "
                 "(CertCentral: Automation > AuthKey)\n";
    return kExitUsage;
  }

  // The CA hashes exactly the CSR text sent with the order: the file's bytes, unchanged.
  auto csr = dcvkit::load_csr_file(argv[1]);
  if (!csr) return fail(kExitInput, csr.error());
  const std::string csr_bytes = dcvkit::csr_form_bytes(*csr, dcvkit::CsrForm::Pem);

  auto timestamp = argc == 3 ? dcvkit::parse_compact_timestamp(argv[2])
                             : dcvkit::Result<dcvkit::UnixSeconds>(dcvkit::system_clock().now());
  if (!timestamp) return fail(kExitInput, timestamp.error());

  auto token = dcvkit::compute_token(auth_key, csr_bytes, *timestamp);
  if (!token) return fail(kExitInput, token.error());

  // A token is valid from its own timestamp: verify it there (a timestamp given for a planned
  // renewal lies in the future, where "now" would say not yet valid), then say where it stands now.
  const dcvkit::FixedClock at_timestamp(*timestamp);
  auto window = dcvkit::verify_token(*token, auth_key, csr_bytes, at_timestamp);
  if (!window) return fail(kExitVerify, window.error());
  const auto today = dcvkit::inspect_token(*timestamp, dcvkit::system_clock().now());

  std::cout << "token        " << *token << "\n"
            << "valid_from   " << dcvkit::format_iso8601(window->valid_from) << "\n"
            << "valid_until  " << dcvkit::format_iso8601(window->valid_until) << "\n"
            << "status_now   " << dcvkit::to_string(today.status) << "\n";
  return 0;
}
