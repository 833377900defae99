#include <algorithm>

#include "dcvkit/token.hpp"

namespace dcvkit {

std::vector<std::string> auth_key_doubts(std::string_view auth_key) {
  std::vector<std::string> doubts;
  auto is_control = [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; };
  if (!auth_key.empty() && auth_key.back() == '\r')
    doubts.emplace_back("it ends in a carriage return (\\r): was the file saved with Windows line endings?");
  else if (std::any_of(auth_key.begin(), auth_key.end(), is_control))
    doubts.emplace_back("it holds a control character (tab, newline, ...)");
  if (std::any_of(auth_key.begin(), auth_key.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
    doubts.emplace_back("it holds non-ASCII bytes (a CertCentral AuthKey is ASCII letters and digits)");
  if (auth_key.size() < kAuthKeyMinPlausibleLength || auth_key.size() > kAuthKeyMaxPlausibleLength)
    doubts.emplace_back("it is " + std::to_string(auth_key.size()) + " bytes long (a CertCentral AuthKey is about 32 characters)");
  return doubts;
}

}  // namespace dcvkit
