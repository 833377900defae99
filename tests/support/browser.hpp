// Debian's Chromium, headless and off the network, on a local HTML file: what a person's browser
// makes of our reports.
#pragma once

#include <string>

#include "support/run.hpp"

namespace dcvkit::test {

inline constexpr const char* kChromium = "/usr/bin/chromium";

// The DOM after the page's scripts ran, in a window `width` pixels wide. `profile_dir` is a scratch
// directory for Chromium's profile.
RunResult browser_dom(const std::string& html_file, const std::string& profile_dir, int width = 1280);

}  // namespace dcvkit::test
