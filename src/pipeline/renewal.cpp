// The stored manifest lines: when entries are due, with which key, from which kind of CA.
#include <nlohmann/json.hpp>

#include "dcvkit/ledger.hpp"
#include "dcvkit/pipeline.hpp"

namespace dcvkit {
namespace {

// The manifest line the entry was last run with, as stored in the ledger (an object, or discarded
// when unreadable).
nlohmann::json stored_line(const LedgerEntry& e) { return nlohmann::json::parse(e.spec_json, nullptr, false); }

}  // namespace

bool orders_first_as_stored(const LedgerEntry& entry) {
  // Only ACME lines have "ca" (manifest_ca.cpp).
  const auto spec = stored_line(entry);
  return spec.is_object() && spec.contains("ca");
}

bool due_for_renewal(const LedgerEntry& e, UnixSeconds window, UnixSeconds now) {
  // not_after 0: no certificate recorded (a ledger from before it was kept), nothing to judge by.
  return e.stage == Stage::Done && e.not_after != 0 && e.not_after - now <= window;
}

Result<std::size_t> select_renewals(Ledger& ledger, UnixSeconds window, const Clock& clock) {
  auto entries = ledger.all();
  if (!entries) return entries.error();
  const UnixSeconds now = clock.now();
  std::size_t selected = 0;
  for (const auto& e : *entries) {
    if (!due_for_renewal(e, window, now)) continue;
    // "key_policy": "rotate" (as the entry was last run): a new key and CSR, else the same ones.
    const auto spec = stored_line(e);
    const bool rotate = spec.is_object() && spec.value("key_policy", std::string()) == "rotate";
    if (auto st = ledger.rewind(e.id, rotate ? Stage::New : Stage::CsrReady); !st) return st.error();
    ++selected;
  }
  return selected;
}

}  // namespace dcvkit
