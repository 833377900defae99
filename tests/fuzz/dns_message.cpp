// The DNS wire parser of the pre-check: a message from any server, then every accessor on every
// record it kept (names with compression pointers, TXT strings, addresses).
#include "check/dns_message.hpp"
#include "fuzz/fuzz_target.hpp"

namespace fuzz_dns_message {

void run(std::string_view input) {
  dcvkit::dns::Message m;
  if (!m.parse(reinterpret_cast<const unsigned char*>(input.data()), input.size())) return;
  (void)dcvkit::dns::rcode_text(m.rcode());
  char buf[dcvkit::dns::kMaxNameText];
  for (const auto& r : m.records()) {
    const auto owner = m.owner(r, buf);
    (void)m.owner_is(r, owner);
    (void)m.target(r);
    if (m.txt(r).size() > r.rdlength) __builtin_trap();
    (void)m.address(r);
    (void)dcvkit::dns::type_text(r.type);
  }
}

}  // namespace fuzz_dns_message

DCVKIT_FUZZ_ENTRY(fuzz_dns_message::run)
