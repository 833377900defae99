#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

#include "dcvkit/files.hpp"
#include "dcvkit/publish_rfc2136.hpp"
#include "util/strings.hpp"

namespace dcvkit {
namespace {

bool known_algorithm(const std::string& a) {
  for (const char* k : {"hmac-sha256", "hmac-sha224", "hmac-sha384", "hmac-sha512", "hmac-sha1", "hmac-md5"})
    if (a == k) return true;
  return false;
}

bool looks_base64(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') return false;
  return true;
}

Error bad_key(std::string_view origin, const std::string& why) {
  return make_error(ErrorKind::InvalidInput, "tsig.bad_key_file", "TSIG key " + std::string(origin) + ": " + why,
                    "use BIND's format: key \"name\" { algorithm hmac-sha256; secret \"BASE64\"; }; "
                    "(tsig-keygen NAME writes one), or one line name:BASE64");
}


// BIND's configuration grammar, as much of it as a key file uses: words, "quoted strings",
// { } ; and the three comment styles.
std::vector<std::string> bind_tokens(std::string_view s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#' || (c == '/' && i + 1 < s.size() && s[i + 1] == '/')) {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      const auto close = s.find("*/", i + 2);
      i = close == std::string_view::npos ? s.size() : close + 2;
    } else if (c == '"') {
      const auto close = s.find('"', i + 1);
      if (close == std::string_view::npos) return {};  // unterminated: not a key file
      out.emplace_back(s.substr(i + 1, close - i - 1));
      i = close + 1;
    } else if (c == '{' || c == '}' || c == ';') {
      out.emplace_back(1, c);
      ++i;
    } else {
      std::size_t j = i;
      while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && s[j] != '{' && s[j] != '}' &&
             s[j] != ';' && s[j] != '"')
        ++j;
      out.emplace_back(s.substr(i, j - i));
      i = j;
    }
  }
  return out;
}

}  // namespace

Result<TsigKey> parse_tsig_key(std::string_view text, std::string_view origin) {
  TsigKey key;
  std::string algorithm, secret;
  const bool block = text.find('{') != std::string_view::npos;
  if (block) {
    // The secret is never put into a message, whatever goes wrong.
    const auto t = bind_tokens(text);
    std::size_t i = 0;
    while (i < t.size() && t[i] != "key") ++i;
    if (i + 2 >= t.size() || t[i + 2] != "{") return bad_key(origin, "no `key \"name\" {` found");
    key.name = t[i + 1];
    for (i += 3; i + 2 < t.size() && t[i] != "}"; i += 3) {
      if (t[i + 2] != ";") return bad_key(origin, "expected `;` after `" + t[i] + "`");
      if (t[i] == "algorithm") algorithm = t[i + 1];
      else if (t[i] == "secret") secret = t[i + 1];
    }
    if (algorithm.empty()) return bad_key(origin, "no `algorithm ...;` in the key block");
    if (secret.empty()) return bad_key(origin, "no `secret \"...\";` in the key block");
  } else {
    std::string line(text.substr(0, text.find('\n')));
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    const auto last = line.rfind(':');
    if (last == std::string::npos) return bad_key(origin, "neither a BIND key block nor a name:secret line");
    secret = line.substr(last + 1);
    std::string head = line.substr(0, last);
    const auto first = head.find(':');
    if (first != std::string::npos) {
      algorithm = head.substr(0, first);
      head = head.substr(first + 1);
    } else {
      algorithm = "hmac-sha256";
    }
    key.name = head;
  }
  algorithm = detail::ascii_lower(algorithm);
  if (algorithm.size() > 1 && algorithm.back() == '.') algorithm.pop_back();
  if (!known_algorithm(algorithm)) return bad_key(origin, "unsupported algorithm '" + algorithm + "'");
  if (key.name.empty()) return bad_key(origin, "the key has no name");
  if (!looks_base64(secret)) return bad_key(origin, "the secret is not base64");
  if (key.name.back() != '.') key.name += '.';
  key.algorithm = algorithm;
  key.secret = Secret(std::move(secret));
  return key;
}

Result<TsigKey> load_tsig_key_file(const std::string& path) {
  auto text = read_regular_file(path, std::size_t{64} * 1024, "TSIG key file");
  if (!text) return text.error();
  Secret guard(std::move(*text));  // wiped when we are done with it
  return parse_tsig_key(guard.view(), "file '" + path + "'");
}

}  // namespace dcvkit
