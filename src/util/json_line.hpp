// One JSONL line as every input file reads it (the manifest, names files, `check --input`): a
// line of bounded length, one JSON object, no key twice (nlohmann keeps the last silently, so
// {"token": A, "token": B} would check B while a person reading the file sees A), and no key the
// reader does not know (a typo is reported, not ignored).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <istream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

namespace dcvkit::detail {

// The same cap everywhere: one line of any of these files is far below a mebibyte.
inline constexpr std::size_t kMaxJsonlLineBytes = std::size_t{1024} * 1024;

enum class LineRead { Ok, End, TooLong };

// Reads up to '\n' without ever holding more than `max` bytes (std::getline would hold a line of
// any length, e.g. all of /dev/zero, before we could look at it). On TooLong, `line` holds the
// first `max` bytes and the rest is left unread (it may never end): the caller stops there.
LineRead read_bounded_line(std::istream& in, std::string& line, std::size_t max = kMaxJsonlLineBytes);

// "line longer than 1024 KiB (starts with "...")": a short escaped prefix, never the line.
std::string too_long_message(std::string_view line, std::size_t max = kMaxJsonlLineBytes);

// A JSON object, or the reason it is not one: "not a JSON object", "key \"token\" appears twice"
// (the first duplicate, in any nested object too).
struct ParsedLine {
  nlohmann::json value;
  std::string error;  // empty: value is an object without duplicate keys
};
ParsedLine parse_object_line(std::string_view line);

// The first key of `object` not in `allowed`, if any.
std::optional<std::string> unknown_key(const nlohmann::json& object, std::initializer_list<const char*> allowed);
std::optional<std::string> unknown_key(const nlohmann::json& object, const std::vector<std::string>& allowed);
// "a, b, c"
std::string allowed_keys(std::initializer_list<const char*> allowed);
std::string allowed_keys(const std::vector<std::string>& allowed);
// "unknown key \"x\" (allowed: a, b, c)"
std::string unknown_key_message(const std::string& key, std::initializer_list<const char*> allowed);

}  // namespace dcvkit::detail
