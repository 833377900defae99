// dcvkit run --metrics-file: the ledger as Prometheus text (exposition format 0.0.4). Label values
// are escaped as the format requires, though ids, stages and codes never need it today.
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dcvkit/pipeline.hpp"

namespace dcvkit {
namespace {

std::string label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void family(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

}  // namespace

Result<std::string> prometheus_metrics(Ledger& ledger, const PipelineSummary* run, UnixSeconds now) {
  auto entries = ledger.all();
  if (!entries) return entries.error();
  struct History {
    UnixSeconds last_success = 0;
    std::map<std::string, std::size_t> failures;  // by code
  };
  std::map<std::string, History> history;
  for (const auto& e : *entries) {
    auto events = ledger.events(e.id);
    if (!events) return events.error();
    History& h = history[e.id];
    for (const auto& ev : *events) {
      if (ev.kind == "unpublish") h.last_success = std::max(h.last_success, ev.at);  // the step that ends in done
      if (ev.kind != "failure") continue;
      const auto detail = nlohmann::json::parse(ev.detail_json, nullptr, false);
      ++h.failures[detail.is_object() ? detail.value("code", std::string("unknown")) : std::string("unknown")];
    }
  }
  std::ostringstream out;
  family(out, "dcvkit_certificate_expiry_timestamp_seconds", "gauge", "notAfter of the certificate's current issuance.");
  for (const auto& e : *entries)
    if (e.not_after) out << "dcvkit_certificate_expiry_timestamp_seconds{id=\"" << label(e.id) << "\"} " << e.not_after << "\n";
  family(out, "dcvkit_certificate_last_success_timestamp_seconds", "gauge", "When the certificate last got to done.");
  for (const auto& e : *entries)
    if (history[e.id].last_success)
      out << "dcvkit_certificate_last_success_timestamp_seconds{id=\"" << label(e.id) << "\"} " << history[e.id].last_success << "\n";
  family(out, "dcvkit_certificate_stage", "gauge", "1 for the stage the certificate is at in the ledger.");
  for (const auto& e : *entries)
    out << "dcvkit_certificate_stage{id=\"" << label(e.id) << "\",stage=\"" << to_string(e.stage) << "\"} 1\n";
  family(out, "dcvkit_certificate_failures", "gauge", "Failures recorded for the certificate, by reason code.");
  for (const auto& e : *entries)
    for (const auto& [code, n] : history[e.id].failures)
      out << "dcvkit_certificate_failures{id=\"" << label(e.id) << "\",code=\"" << label(code) << "\"} " << n << "\n";
  if (run) {
    family(out, "dcvkit_run_end_timestamp_seconds", "gauge", "When the last run ended.");
    out << "dcvkit_run_end_timestamp_seconds " << now << "\n";
    family(out, "dcvkit_run_duration_seconds", "gauge", "How long the last run took.");
    out << "dcvkit_run_duration_seconds " << run->seconds << "\n";
    family(out, "dcvkit_run_api_requests", "gauge", "HTTP requests the last run sent to the CA's API.");
    out << "dcvkit_run_api_requests " << run->api_requests << "\n";
    family(out, "dcvkit_run_certificates", "gauge", "Certificates of the last run, by how they ended.");
    out << "dcvkit_run_certificates{outcome=\"done\"} " << run->done << "\n"
        << "dcvkit_run_certificates{outcome=\"failed\"} " << run->failed << "\n"
        << "dcvkit_run_certificates{outcome=\"not_started\"} " << run->not_started << "\n";
  }
  return out.str();
}

}  // namespace dcvkit
