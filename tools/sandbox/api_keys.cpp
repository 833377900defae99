#include "api_keys.hpp"

#include <sys/stat.h>

#include <sstream>

#include "crypto_util.hpp"
#include "dcvkit/files.hpp"

namespace dcvkit::sandbox {
namespace {

constexpr std::size_t kKeyBytes = 20;  // 40 hex characters

std::string trimmed(const std::string& line) {
  const auto first = line.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  return line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
}

}  // namespace

Result<std::vector<std::string>> load_or_create_api_keys(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const std::string key = random_hex(kKeyBytes);
    if (auto s = write_file_atomic(path, key + "\n", 0600, false); !s) return s.error();
    return std::vector<std::string>{key};
  }
  auto text = read_file(path, std::size_t{1024} * 1024, "API key file");
  if (!text) return text.error();
  std::vector<std::string> keys;
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    line = trimmed(line);
    if (!line.empty() && line.front() != '#') keys.push_back(line);
  }
  if (keys.empty())
    return make_error(ErrorKind::Io, "sandbox.api_key", path + " holds no API key",
                      "put one key per line in it, or remove it to have one made");
  return keys;
}

}  // namespace dcvkit::sandbox
