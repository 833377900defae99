// Reads the option lists out of our man pages' roff source: the tag lines after .TP, grouped by
// .SS subsection, plus the "Also takes the \fBX options\fR" references to shared option groups.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace dcvkit::test {

struct RoffOption {
  std::string name;     // long name without dashes
  char short_name = 0;
  std::string value;    // the metavar after it ("FILE"), empty for a flag
};

struct RoffSection {
  std::string heading;            // .SH or .SS title, quotes removed
  bool subsection = false;        // .SS
  std::string parent;             // the .SH a .SS belongs to
  std::vector<RoffOption> options;
  std::set<std::string> groups;   // lowercased "authkey options", ... named in \fB...\fR
};

std::vector<RoffSection> roff_sections(const std::string& roff);

}  // namespace dcvkit::test
