#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "dcvkit/publish.hpp"

namespace dcvkit {

std::string_view to_string(PublishAction action) { return action == PublishAction::Publish ? "publish" : "unpublish"; }

std::vector<Result<std::string>> Publisher::apply(PublishAction action, const std::vector<const PublishItem*>& items) {
  std::vector<Result<std::string>> out;
  out.reserve(items.size());
  for (const auto* item : items) out.push_back(change(action, item->entry, item->token));
  return out;
}

std::vector<Result<std::string>> change_results(const std::vector<Status>& statuses) {
  std::vector<Result<std::string>> out;
  out.reserve(statuses.size());
  for (const auto& st : statuses) {
    if (st) out.emplace_back(std::string());
    else out.emplace_back(st.error());
  }
  return out;
}

Result<std::string> Publisher::change(PublishAction action, const PlanEntry& entry, std::string_view token) {
  Status st = action == PublishAction::Publish ? publish(entry, token) : unpublish(entry, token);
  if (!st) return st.error();
  return std::string();
}

std::size_t run_publish_batch(Publisher& publisher, PublishAction action, const std::vector<PublishItem>& items,
                              std::size_t concurrency, const std::function<void(const PublishOutcome&)>& on_done) {
  concurrency = std::max<std::size_t>(1, concurrency);
  // Chunks small enough that every thread gets work, no larger than the backend profits from.
  const std::size_t chunk =
      std::max<std::size_t>(1, std::min(publisher.batch_size(), (items.size() + concurrency - 1) / concurrency));
  std::atomic<std::size_t> next{0}, failed{0};
  std::mutex report;
  auto worker = [&] {
    for (std::size_t begin = next.fetch_add(chunk); begin < items.size(); begin = next.fetch_add(chunk)) {
      const std::size_t end = std::min(items.size(), begin + chunk);
      std::vector<const PublishItem*> slice;
      for (std::size_t i = begin; i < end; ++i) slice.push_back(&items[i]);
      const auto start = std::chrono::steady_clock::now();
      auto results = publisher.apply(action, slice);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      std::lock_guard lock(report);
      for (std::size_t i = 0; i < slice.size(); ++i) {
        if (!results[i]) ++failed;
        if (!on_done) continue;
        if (results[i])
          on_done(PublishOutcome{slice[i], Status{}, std::move(*results[i]), ms});
        else
          on_done(PublishOutcome{slice[i], Status(results[i].error()), "", ms});
      }
    }
  };
  const std::size_t threads = std::min(concurrency, (items.size() + chunk - 1) / chunk);
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return failed;
}

}  // namespace dcvkit
