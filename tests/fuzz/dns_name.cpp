// Domain names from the command line, manifests and maps: IDNA, label and length rules.
#include "dcvkit/names.hpp"
#include "fuzz/fuzz_target.hpp"

namespace fuzz_dns_name {

void run(std::string_view input) {
  const bool wildcard = fuzz_support::pick(input, 2) == 0;
  auto name = dcvkit::normalize_dns_name(input, dcvkit::NameRules{.allow_wildcard = wildcard});
  if (!name) return;
  // Canonical means stable: normalising again changes nothing.
  auto again = dcvkit::normalize_dns_name(*name, dcvkit::NameRules{.allow_wildcard = wildcard});
  if (!again || *again != *name || name->size() > 253) __builtin_trap();
  (void)dcvkit::wildcard_base(*name);
}

}  // namespace fuzz_dns_name

DCVKIT_FUZZ_ENTRY(fuzz_dns_name::run)
