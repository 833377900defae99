#include "dcvkit/names.hpp"

#include <arpa/inet.h>
#include <idn2.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "util/display.hpp"

namespace dcvkit {
namespace {

constexpr std::size_t kMaxName = 253;
constexpr std::size_t kMaxLabel = 63;
// Longer input cannot become a 253-octet name even through IDNA, and bounding it keeps hostile
// input away from libidn2 and out of our messages.
constexpr std::size_t kMaxRawInput = 1024;

using IdnString = std::unique_ptr<char, decltype(&std::free)>;

// Input is untrusted: messages show it escaped and shortened (see display.hpp).
std::string quote(std::string_view s) { return "'" + detail::printable(s, 80) + "'"; }

std::string describe_char(unsigned char c) {
  switch (c) {
    case '_': return "an underscore";
    case ' ': return "a space";
    case '/': return "a slash";
    case '%': return "a percent sign";
    case '*': return "an asterisk";
    case ':': return "a colon";
    case '@': return "an at sign";
    case '\0': return "a NUL byte";
    default: break;
  }
  if (c < 0x20 || c == 0x7f) return "a control character " + quote(std::string_view(reinterpret_cast<const char*>(&c), 1));
  return "the character " + quote(std::string_view(reinterpret_cast<const char*>(&c), 1));
}

Error name_error(std::string code, std::string_view input, const std::string& what, std::string hint) {
  return make_error(ErrorKind::InvalidInput, std::move(code), "invalid DNS name " + quote(input) + ": " + what,
                    std::move(hint));
}

bool is_ldh(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

bool has_non_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return true;
  return false;
}

std::vector<std::string_view> split_labels(std::string_view s) {
  std::vector<std::string_view> labels;
  std::size_t start = 0;
  for (;;) {
    auto dot = s.find('.', start);
    if (dot == std::string_view::npos) {
      labels.push_back(s.substr(start));
      return labels;
    }
    labels.push_back(s.substr(start, dot - start));
    start = dot + 1;
  }
}

// inet_aton also accepts the short and hex forms ("127.1", "0x7f.0.0.1") that resolvers treat as
// addresses, so those are refused as IPs rather than slipping through as odd host names.
bool is_ip_literal(const std::string& s) {
  // glibc's inet_aton ignores anything after a space, so only address characters are offered.
  in_addr v4{};
  if (s.find_first_not_of("0123456789abcdefxABCDEFX.") == std::string::npos && ::inet_aton(s.c_str(), &v4) != 0)
    return true;
  std::string v6 = s;
  if (v6.size() >= 2 && v6.front() == '[' && v6.back() == ']') v6 = v6.substr(1, v6.size() - 2);
  in6_addr addr6{};
  return v6.find(':') != std::string::npos && ::inet_pton(AF_INET6, v6.c_str(), &addr6) == 1;
}

// libidn2 is given whole names first; on failure each label is tried so the message can say which.
std::string failing_label(std::string_view name) {
  for (auto label : split_labels(name)) {
    if (!has_non_ascii(label)) continue;
    std::string z(label);
    char* out = nullptr;
    int rc = idn2_to_ascii_8z(z.c_str(), &out, IDN2_NONTRANSITIONAL);
    IdnString owned(out, &std::free);
    if (rc != IDN2_OK) return z;
  }
  return {};
}

Result<std::string> to_a_labels(std::string_view input, std::string_view name) {
  std::string z(name);
  char* out = nullptr;
  int rc = idn2_to_ascii_8z(z.c_str(), &out, IDN2_NONTRANSITIONAL);
  IdnString owned(out, &std::free);
  if (rc != IDN2_OK || out == nullptr) {
    std::string label = failing_label(name);
    std::string where = label.empty() ? std::string() : "label " + quote(label) + " ";
    return name_error("name.bad_idn", input,
                      where + "is not a valid internationalised name (" + idn2_strerror(rc) + ")",
                      "check the spelling, or give the name in its punycode (xn--) form");
  }
  return std::string(out);
}

Status check_a_label(std::string_view input, const std::string& label) {
  uint8_t* out = nullptr;
  int rc = idn2_lookup_u8(reinterpret_cast<const uint8_t*>(label.c_str()), &out, IDN2_NONTRANSITIONAL);
  std::unique_ptr<uint8_t, decltype(&std::free)> owned(out, &std::free);
  if (rc != IDN2_OK)
    return name_error("name.bad_idn", input,
                      "label " + quote(label) + " is not valid punycode (" + idn2_strerror(rc) + ")",
                      "an xn-- label must be the IDNA encoding of a Unicode label; give the Unicode form instead");
  if (label != reinterpret_cast<const char*>(out))
    return name_error("name.bad_idn", input, "label " + quote(label) + " is not in canonical punycode form",
                      "give the Unicode form of the name and let it be encoded");
  return {};
}

Status check_label(std::string_view input, std::string_view label, bool first) {
  if (label.empty())
    return name_error("name.empty_label", input, "it has an empty label (two dots in a row, or a leading dot)",
                      "remove the extra dot");
  if (label.find('*') != std::string_view::npos)
    return name_error("name.bad_wildcard", input,
                      "label " + quote(label) + (first ? " mixes '*' with other characters"
                                                       : " has a '*' that is not the whole first label"),
                      "a wildcard is only allowed as the whole first label, as in '*.example.com'");
  if (label.size() > kMaxLabel)
    return name_error("name.label_too_long", input,
                      "label " + quote(label) + " is " + std::to_string(label.size()) + " octets long (at most " +
                          std::to_string(kMaxLabel) + ")",
                      "each dot-separated part of a name must be 63 characters or fewer");
  for (unsigned char c : label) {
    if (!is_ldh(c)) {
      std::string hint = c == '_' ? "underscores are not allowed in certificate host names; use a hyphen"
                                  : "use only letters, digits and hyphens, separated by dots";
      return name_error("name.bad_character", input, "label " + quote(label) + " contains " + describe_char(c),
                        std::move(hint));
    }
  }
  if (label.front() == '-' || label.back() == '-')
    return name_error("name.bad_hyphen", input, "label " + quote(label) + " starts or ends with a hyphen",
                      "a label may contain hyphens, but not as its first or last character");
  return {};
}

}  // namespace

Result<std::string> normalize_dns_name(std::string_view input, NameRules rules) {
  if (input.empty()) return name_error("name.empty", input, "it is empty", "give a domain name such as example.com");
  if (input.size() > kMaxRawInput)
    return name_error("name.too_long", input, "it is " + std::to_string(input.size()) + " bytes long (at most 253)",
                      "is this the right value?");
  // Control bytes (NUL above all) are refused before libidn2 sees a C string.
  for (unsigned char c : input)
    if (c < 0x20 || c == 0x7f)
      return name_error("name.bad_character", input, "it contains " + describe_char(c),
                        "remove control characters and whitespace");

  std::string_view rest = input;
  if (rest.back() == '.') rest.remove_suffix(1);
  if (rest.empty()) return name_error("name.empty", input, "it is only a dot", "give a domain name such as example.com");

  bool wildcard = rest.size() >= 2 && rest.substr(0, 2) == "*.";
  if (wildcard) {
    if (!rules.allow_wildcard)
      return name_error("name.bad_wildcard", input, "wildcard names are not allowed here",
                        "give the name without the leading '*.'");
    rest.remove_prefix(2);
  }

  std::string ascii;
  if (has_non_ascii(rest)) {
    auto converted = to_a_labels(input, rest);
    if (!converted) return converted.error();
    ascii = std::move(converted).value();
  } else {
    ascii = std::string(rest);
  }
  for (auto& c : ascii)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');

  if (is_ip_literal(ascii))
    return name_error("name.ip_address", input, "it is an IP address",
                      "certificates here are for DNS names only; give a host name");

  std::size_t total = ascii.size() + (wildcard ? 2 : 0);
  if (total > kMaxName)
    return name_error("name.too_long", input,
                      "it is " + std::to_string(total) + " octets long (at most " + std::to_string(kMaxName) + ")",
                      "a DNS name must be 253 characters or fewer without the trailing dot");

  auto labels = split_labels(ascii);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    auto st = check_label(input, labels[i], i == 0 && !wildcard);
    if (!st) return st.error();
  }
  if (labels.size() < 2) {
    if (wildcard)
      return name_error("name.bad_wildcard", input, "a wildcard must cover a name of at least two labels",
                        "use a wildcard such as '*.example.com', not '*.com'");
    return name_error("name.single_label", input, "it has a single label",
                      "give a fully qualified name such as host.example.com");
  }
  for (auto label : labels) {
    if (label.size() >= 4 && label.substr(0, 4) == "xn--") {
      auto st = check_a_label(input, std::string(label));
      if (!st) return st.error();
    }
  }
  return wildcard ? "*." + ascii : ascii;
}

bool is_wildcard(std::string_view canonical_name) {
  return canonical_name.size() >= 2 && canonical_name.substr(0, 2) == "*.";
}

std::string_view wildcard_base(std::string_view canonical_name) {
  return is_wildcard(canonical_name) ? canonical_name.substr(2) : canonical_name;
}

Status check_name_count(std::size_t count) {
  if (count <= kMaxCertificateNames) return {};
  return make_error(ErrorKind::InvalidInput, "names.too_many",
                    std::to_string(count) + " names, more than the " + std::to_string(kMaxCertificateNames) +
                        " one certificate may hold",
                    "split the names over several certificates");
}

}  // namespace dcvkit
