#include "cli/run_progress.hpp"

#include <algorithm>
#include <functional>

#include "cli/common.hpp"

namespace dcvkit::cli {
namespace {

constexpr std::size_t kBarWidth = 24;
constexpr auto kRedrawEvery = std::chrono::milliseconds(100);

}  // namespace

RunProgress::RunProgress(std::size_t total, std::ostream& out)
    : total_(total), out_(out), started_(std::chrono::steady_clock::now()) {}

void RunProgress::update(const std::string& id, Stage stage) {
  if (stage == Stage::Done || stage == Stage::Failed) {
    where_.erase(id);
    ++(stage == Stage::Done ? done_ : failed_);
  } else {
    where_[id] = stage;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < kRedrawEvery) return;
  last_draw_ = now;
  draw();
}

void RunProgress::finish() {
  draw();
  out_ << "\n" << std::flush;
}

void RunProgress::draw() {
  std::map<Stage, std::size_t, std::greater<>> busy;  // the furthest stage first
  for (const auto& [id, stage] : where_) ++busy[stage];
  const std::size_t finished = std::min(done_ + failed_, total_);
  const std::size_t filled = total_ ? kBarWidth * finished / total_ : kBarWidth;
  std::string line = "\r\033[K[" + std::string(filled, '#') + std::string(kBarWidth - filled, '-') + "] " +
                     std::to_string(done_) + "/" + std::to_string(total_) + " done";
  if (failed_) line += ", " + std::to_string(failed_) + " failed";
  std::string stages;
  for (const auto& [stage, count] : busy)
    stages += (stages.empty() ? "" : ", ") + std::string(to_string(stage)) + " " + std::to_string(count);
  if (!stages.empty()) line += " | " + stages;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
  line += " | " + std::to_string(seconds.count()) + " s";
  out_ << line << std::flush;
}

void log_finished(std::ostream& out, const std::string& id, Stage stage, const std::string& detail) {
  if (stage != Stage::Done && stage != Stage::Failed) return;
  if (stage == Stage::Done) out << "dcvkit: " << shown(id) << ": done" << (detail.empty() ? "" : " (" + shown(detail) + ")") << "\n";
  else out << "dcvkit: " << shown(id) << ": failed: " << shown(detail) << "\n";
}

}  // namespace dcvkit::cli
