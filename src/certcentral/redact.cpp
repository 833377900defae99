// Secrets out of anything logged: JSON members that carry keys, and the known secrets verbatim.
#include <array>

#include "dcvkit/certcentral_transport.hpp"

namespace dcvkit::certcentral {
namespace {

constexpr std::string_view kMask = "[redacted]";
constexpr std::array<std::string_view, 3> kSecretMembers = {"\"auth_key\"", "\"api_key\"", "\"X-DC-DEVKEY\""};

// With `text` at the opening quote of a JSON string, the index just past its closing quote.
std::size_t string_end(std::string_view text, std::size_t open) {
  for (std::size_t i = open + 1; i < text.size(); ++i) {
    if (text[i] == '\\') ++i;
    else if (text[i] == '"') return i + 1;
  }
  return text.size();
}

std::string redact_members(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t hit = std::string_view::npos, len = 0;
    for (auto member : kSecretMembers) {
      auto at = text.find(member, i);
      if (at < hit) hit = at, len = member.size();
    }
    if (hit == std::string_view::npos) break;
    std::size_t j = hit + len;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r')) ++j;
    if (j < text.size() && text[j] == ':') {
      ++j;
      while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r')) ++j;
      if (j < text.size() && text[j] == '"') {
        out.append(text.substr(i, j - i));
        out += '"';
        out += kMask;
        out += '"';
        i = string_end(text, j);
        continue;
      }
    }
    out.append(text.substr(i, hit + len - i));
    i = hit + len;
  }
  out.append(text.substr(i));
  return out;
}

}  // namespace

std::string redact(std::string_view text, std::initializer_list<std::string_view> secrets) {
  std::string out = redact_members(text);
  for (std::string_view secret : secrets) {
    if (secret.empty()) continue;
    for (std::size_t at = out.find(secret); at != std::string::npos; at = out.find(secret, at + kMask.size()))
      out.replace(at, secret.size(), kMask);
  }
  return out;
}

}  // namespace dcvkit::certcentral
