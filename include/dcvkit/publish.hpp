// Putting a token where the CA looks, and taking it away again. One small interface, one file per
// backend (webroot, RFC 2136, hook); publishing always adds a token and never clobbers another
// certificate's token, unpublishing removes exactly that token.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/error.hpp"
#include "dcvkit/plan.hpp"

namespace dcvkit {

enum class PublishAction { Publish, Unpublish };
std::string_view to_string(PublishAction action);  // "publish" / "unpublish"

struct PublishItem;

// Implementations are safe to call from several threads at once (the batch runner does).
class Publisher {
 public:
  virtual ~Publisher() = default;
  virtual std::string_view kind() const = 0;  // "webroot", "rfc2136", "hook"
  virtual bool supports(DcvMethod method) const = 0;
  virtual Status publish(const PlanEntry& entry, std::string_view token) = 0;
  virtual Status unpublish(const PlanEntry& entry, std::string_view token) = 0;
  // publish() or unpublish(), saying what changed when there is more to say than "done" (a token
  // cut out of a line that keeps the rest, an owner kept): "" otherwise.
  virtual Result<std::string> change(PublishAction action, const PlanEntry& entry, std::string_view token);

  // Several entries at once, one result per item: what change() says, or the error. Backends that
  // save round trips this way (RFC 2136: one UPDATE message per zone) override it; the default
  // goes one by one through change().
  virtual std::vector<Result<std::string>> apply(PublishAction action, const std::vector<const PublishItem*>& items);
  // How many items one apply() call should get (1: no gain from batching).
  virtual std::size_t batch_size() const { return 1; }
};

// apply()'s per-item results from plain statuses (backends whose batch says nothing more than "done").
std::vector<Result<std::string>> change_results(const std::vector<Status>& statuses);

struct PublishItem {
  PlanEntry entry;
  std::string token;
};

// Whether `value` may be published for `entry` (InvalidInput "publish.invalid_token" if not): a
// request token for request-token entries; for ACME, a key authorization whose token is the one
// in the entry's URL (http-01) or a 43-character base64url digest (dns-01). Every publisher checks
// this first, so nothing else (a newline, a path, zone syntax) ever reaches a file, zone or hook.
Status check_publish_value(const PlanEntry& entry, std::string_view value);

struct PublishOutcome {
  const PublishItem* item = nullptr;
  Status status;
  std::string note;  // what changed, when the backend says more than "done" (Publisher::change)
  double elapsed_ms = 0;
};

// Runs every item through the publisher on up to `concurrency` threads; `on_done` is called (from
// one thread at a time) as each finishes, in completion order. Returns how many failed.
std::size_t run_publish_batch(Publisher& publisher, PublishAction action, const std::vector<PublishItem>& items,
                              std::size_t concurrency, const std::function<void(const PublishOutcome&)>& on_done);

}  // namespace dcvkit
