// The webroot map (name or *.pattern, then an absolute directory per line) and its lookups.
#include <string>

#include "dcvkit/publish_webroot.hpp"
#include "fuzz/fuzz_target.hpp"

namespace fuzz_webroot_map {

void run(std::string_view input) {
  auto map = dcvkit::WebrootMap::parse(input, "fuzz.map");
  if (!map) return;
  for (std::string_view name : {"example.com", "www.example.com", "a.b.example.com", "", "*.example.com", "com"}) {
    if (auto dir = map->dir_for(name); dir && (dir->empty() || dir->front() != '/')) __builtin_trap();
  }
}

}  // namespace fuzz_webroot_map

DCVKIT_FUZZ_ENTRY(fuzz_webroot_map::run)
