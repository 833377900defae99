#include "util/json_line.hpp"

#include <algorithm>
#include <set>
#include <vector>

#include "util/display.hpp"

namespace dcvkit::detail {

LineRead read_bounded_line(std::istream& in, std::string& line, std::size_t max) {
  line.clear();
  std::streambuf* buf = in.rdbuf();
  if (buf == nullptr) return LineRead::End;
  for (;;) {
    const int c = buf->sbumpc();
    if (c == std::char_traits<char>::eof()) return line.empty() ? LineRead::End : LineRead::Ok;
    if (c == '\n') return LineRead::Ok;
    if (line.size() == max) return LineRead::TooLong;
    line.push_back(static_cast<char>(c));
  }
}

std::string too_long_message(std::string_view line, std::size_t max) {
  return "line longer than " + std::to_string(max / 1024) + " KiB (starts with \"" + printable(line, 40) + "\")";
}

ParsedLine parse_object_line(std::string_view line) {
  ParsedLine out;
  std::vector<std::set<std::string>> open;  // the keys seen so far in each object being parsed
  std::string duplicate;
  nlohmann::json::parser_callback_t watch = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) {
      open.emplace_back();
    } else if (event == E::object_end) {
      if (!open.empty()) open.pop_back();
    } else if (event == E::key && !open.empty() && duplicate.empty()) {
      std::string key = parsed.get<std::string>();
      if (!open.back().insert(key).second) duplicate = std::move(key);
    }
    return true;
  };
  out.value = nlohmann::json::parse(line.begin(), line.end(), watch, false);
  if (out.value.is_discarded() || !out.value.is_object())
    out.error = "not a JSON object";
  else if (!duplicate.empty())
    out.error = "key \"" + printable(duplicate, 64) + "\" appears twice";
  return out;
}

namespace {

template <class Keys>
std::optional<std::string> first_unknown(const nlohmann::json& object, const Keys& allowed) {
  for (const auto& item : object.items()) {
    const std::string& key = item.key();  // not a structured binding: clang 14 cannot capture those
    if (std::none_of(allowed.begin(), allowed.end(), [&](const auto& a) { return key == a; })) return key;
  }
  return std::nullopt;
}

template <class Keys>
std::string joined(const Keys& allowed) {
  std::string list;
  for (const auto& a : allowed) list.append(list.empty() ? "" : ", ").append(a);
  return list;
}

}  // namespace

std::optional<std::string> unknown_key(const nlohmann::json& object, std::initializer_list<const char*> allowed) {
  return first_unknown(object, allowed);
}
std::optional<std::string> unknown_key(const nlohmann::json& object, const std::vector<std::string>& allowed) {
  return first_unknown(object, allowed);
}

std::string allowed_keys(std::initializer_list<const char*> allowed) { return joined(allowed); }
std::string allowed_keys(const std::vector<std::string>& allowed) { return joined(allowed); }

std::string unknown_key_message(const std::string& key, std::initializer_list<const char*> allowed) {
  return "unknown key \"" + printable(key, 64) + "\" (allowed: " + allowed_keys(allowed) + ")";
}

}  // namespace dcvkit::detail
