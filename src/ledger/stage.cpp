#include <array>
#include <utility>

#include "dcvkit/ledger.hpp"

namespace dcvkit {
namespace {

// The text is the stored form: never rename one without a schema migration.
constexpr std::array<std::pair<Stage, std::string_view>, 11> kStages{{
    {Stage::New, "new"},
    {Stage::CsrReady, "csr_ready"},
    {Stage::TokenReady, "token_ready"},
    {Stage::Published, "published"},
    {Stage::Checked, "checked"},
    {Stage::Ordering, "ordering"},
    {Stage::Ordered, "ordered"},
    {Stage::Issued, "issued"},
    {Stage::Written, "written"},
    {Stage::Done, "done"},
    {Stage::Failed, "failed"},
}};

}  // namespace

std::string_view to_string(Stage stage) {
  for (const auto& [s, text] : kStages)
    if (s == stage) return text;
  return "unknown";
}

std::string_view step_after(Stage last_done, bool orders_first) {
  switch (last_done) {
    case Stage::New: return "csr";
    case Stage::CsrReady: return orders_first ? "order" : "token";
    case Stage::TokenReady: return "publish";
    case Stage::Published: return "check";
    case Stage::Checked:
    case Stage::Ordering: return "order";
    case Stage::Ordered: return "issuance";
    case Stage::Issued: return "write";
    case Stage::Written: return "deploy";  // then cleanup: both run from Written
    case Stage::Done: return "done";
    case Stage::Failed: return "failed";
  }
  return "unknown";
}

bool resumes_unasked(Stage failed_at) { return failed_at >= Stage::Ordering && failed_at != Stage::Failed; }

std::optional<Stage> parse_stage(std::string_view text) {
  for (const auto& [s, t] : kStages)
    if (t == text) return s;
  return std::nullopt;
}

}  // namespace dcvkit
