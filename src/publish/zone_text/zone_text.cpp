#include "dcvkit/publish_text.hpp"

namespace dcvkit {

std::string render_zone_lines(const std::vector<PublishItem>& items, std::uint32_t ttl) {
  std::string out;
  for (const auto& item : items) {
    if (item.entry.method != DcvMethod::Dns) continue;
    out += item.entry.record + ". " + std::to_string(ttl) + " IN TXT \"" + item.token + "\"\n";
  }
  return out;
}

std::string render_nsupdate(const std::vector<PublishItem>& items, PublishAction action, const std::string& server,
                            const std::string& zone, std::uint32_t ttl) {
  std::string out;
  if (!server.empty()) {
    // nsupdate wants "server HOST PORT", not HOST:PORT.
    const auto colon = server.rfind(':');
    const bool has_port = colon != std::string::npos && server.find(':') == colon;
    out += "server " + (has_port ? server.substr(0, colon) + " " + server.substr(colon + 1) : server) + "\n";
  }
  if (!zone.empty()) out += "zone " + zone + "\n";
  for (const auto& item : items) {
    if (item.entry.method != DcvMethod::Dns) continue;
    out += action == PublishAction::Publish
               ? "update add " + item.entry.record + ". " + std::to_string(ttl) + " TXT \"" + item.token + "\"\n"
               : "update delete " + item.entry.record + ". TXT \"" + item.token + "\"\n";
  }
  out += "send\n";
  return out;
}

}  // namespace dcvkit
