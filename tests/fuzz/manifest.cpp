// The manifest of `dcvkit run`: the streaming reader (line splitting, comments, duplicate ids)
// over the strict per-line JSON parser.
#include <sstream>
#include <string>

#include "dcvkit/manifest.hpp"
#include "fuzz/fuzz_target.hpp"

namespace fuzz_manifest {

void run(std::string_view input) {
  std::istringstream in{std::string(input)};
  std::size_t entries = 0;
  (void)dcvkit::read_manifest(in, "fuzz.jsonl", "/srv/fuzz", [&](dcvkit::ManifestEntry&& e) -> dcvkit::Status {
    if (e.names.empty() || e.id.empty() || e.line == 0) __builtin_trap();
    ++entries;
    return {};
  });
}

}  // namespace fuzz_manifest

DCVKIT_FUZZ_ENTRY(fuzz_manifest::run)
