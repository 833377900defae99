#include "support/dnssec_zone.hpp"

#include <stdexcept>
#include <vector>

#include "support/run.hpp"

namespace dcvkit::test {

SignedZone sign_zone_file(const std::string& dir, const std::string& zone, const std::string& zone_file, bool expired) {
  auto key = run_program({"/usr/bin/dnssec-keygen", "-q", "-K", dir, "-a", "ECDSAP256SHA256", "-f", "KSK", "-n", "ZONE", zone});
  if (key.exit_code != 0) throw std::runtime_error("dnssec-keygen " + zone + ": " + key.all());
  SignedZone out;
  out.file = zone_file + ".signed";
  out.key_file = dir + "/" + key.out.substr(0, key.out.find_first_of("\r\n")) + ".key";
  // -z: the one key signs everything (no separate ZSK). Expired signatures do not verify: -P skips
  // dnssec-signzone's own check of its output.
  std::vector<std::string> argv = {"/usr/bin/dnssec-signzone", "-q", "-z", "-K", dir, "-d", dir, "-S", "-o", zone, "-f", out.file};
  if (expired) argv.insert(argv.end(), {"-P", "-s", "20200101000000", "-e", "20200201000000"});
  argv.push_back(zone_file);
  auto signed_run = run_program(argv);
  if (signed_run.exit_code != 0) throw std::runtime_error("dnssec-signzone " + zone + ": " + signed_run.all());
  return out;
}

}  // namespace dcvkit::test
