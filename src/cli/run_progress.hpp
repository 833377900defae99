// The live line `dcvkit run` draws on a terminal (stderr): how many certificates are done or
// failed, and at which stage the ones in progress are. Only for a TTY: a log or a pipe gets one
// line per finished certificate instead (RunLog), and --json/--jsonl neither.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <ostream>
#include <string>

#include "dcvkit/ledger.hpp"

namespace dcvkit::cli {

class RunProgress {
 public:
  RunProgress(std::size_t total, std::ostream& out);
  // One certificate moved (calls come one at a time); redraws at most 10 times a second.
  void update(const std::string& id, Stage stage);
  // The last state, and the line ended, before the summary is printed.
  void finish();

 private:
  void draw();

  std::size_t total_;
  std::ostream& out_;
  std::map<std::string, Stage> where_;  // the certificates in progress only
  std::size_t done_ = 0, failed_ = 0;
  std::chrono::steady_clock::time_point started_, last_draw_{};
};

// Without a terminal: "dcvkit: ID: done" / "dcvkit: ID: failed: CODE: MESSAGE", one per certificate
// (nothing for the steps in between).
void log_finished(std::ostream& out, const std::string& id, Stage stage, const std::string& detail);

}  // namespace dcvkit::cli
