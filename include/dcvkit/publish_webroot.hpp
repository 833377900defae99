// HTTP tokens as <webroot>/.well-known/pki-validation/fileauth.txt, one token per line.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dcvkit/publish.hpp"

namespace dcvkit {

// Lines "name<TAB>dir" (any run of spaces/tabs separates); "*.example.com" matches any one label
// below example.com; '#' starts a comment. The exact name wins over a pattern.
class WebrootMap {
 public:
  static Result<WebrootMap> load(const std::string& path);
  static Result<WebrootMap> parse(std::string_view text, std::string_view origin);
  std::optional<std::string> dir_for(std::string_view canonical_name) const;
  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;  // canonical name or pattern -> dir
};

std::unique_ptr<Publisher> make_webroot_publisher(std::string webroot);  // one webroot for every name
std::unique_ptr<Publisher> make_webroot_publisher(WebrootMap map);

}  // namespace dcvkit
