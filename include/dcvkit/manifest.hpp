// The manifest of `dcvkit run`: JSONL, one certificate per line.
//   {"id": "shop", "names": ["shop.example.test", "www.shop.example.test"], "method": "dns",
//    "product": "ssl_dv_geotrust", "publish": {"dns": {"server": "127.0.0.1:5300", "zone": "example.test",
//    "tsig_key_file": "tsig.key"}}, "key_type": "p256", "out_dir": "certs/shop"}
// "publish" may instead be {"webroot": DIR}, {"webroot_map": FILE} or {"hook": CMD}; "csr": FILE
// (with "key": FILE) uses an existing CSR instead of generating one. Relative paths are relative to
// the manifest's directory. Unknown keys are refused (a typo must not silently change a run).
#pragma once

#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "dcvkit/csr.hpp"
#include "dcvkit/error.hpp"
#include "dcvkit/plan.hpp"
#include "dcvkit/publish_spec.hpp"

namespace dcvkit {

struct ManifestEntry {
  std::string id;                  // [A-Za-z0-9._-]{1,64}, unique in the manifest
  std::vector<std::string> names;  // canonical; the first is the common name
  DcvMethod method = DcvMethod::Dns;
  std::string product = "ssl_dv_geotrust";
  PublisherSpec publish;
  KeyType key_type = KeyType::P256;
  std::string csr_path, key_path;  // given: use them; empty: generated under the state dir
  std::string out_dir;             // default: certs/<id> next to the manifest
  std::optional<int> validity_days;
  std::string spec_json;           // the line, normalised (what the ledger keeps for renewals)
  std::size_t line = 0;            // 1-based line in the manifest
};

// One line holds one certificate of at most 250 names: a megabyte is far beyond any real line,
// and bounds what a file without line breaks can make us hold.
inline constexpr std::size_t kMaxManifestLineBytes = 1024 * 1024;

// Every error names the file and line ("manifest.jsonl:7: ...") and says how to fix it.
Result<std::vector<ManifestEntry>> load_manifest(const std::string& path);
// The streaming form: each entry goes to `visit` as its line is read, so memory stays bounded by
// one line plus the set of ids seen (for the uniqueness check), whatever the number of lines.
// `origin` prefixes errors; `base_dir` resolves relative paths. Stops at the first error, from the
// manifest or from `visit`. An input without a single entry is an error, as for load_manifest.
Status read_manifest(std::istream& in, const std::string& origin, const std::string& base_dir,
                     const std::function<Status(ManifestEntry&&)>& visit);
// One line on its own (base_dir resolves relative paths); `where` prefixes errors.
Result<ManifestEntry> parse_manifest_line(std::string_view line, const std::string& base_dir, const std::string& where);

}  // namespace dcvkit
