#include "support/browser.hpp"

namespace dcvkit::test {

RunResult browser_dom(const std::string& html_file, const std::string& profile_dir, int width) {
  // The flags keep Chromium off the network entirely (only the local file is loaded).
  return run_program({kChromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update", "--disable-sync",
                      "--hide-scrollbars", "--window-size=" + std::to_string(width) + ",900",
                      "--user-data-dir=" + profile_dir, "--dump-dom", "file://" + html_file});
}

}  // namespace dcvkit::test
