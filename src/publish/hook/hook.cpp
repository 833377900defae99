#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "dcvkit/names.hpp"
#include "dcvkit/publish_hook.hpp"
#include "util/shell_command.hpp"

namespace dcvkit {
namespace {

// Our per-call variables, dropped when inherited even where a call does not set them (a batch call).
const std::vector<std::string_view> kOurVars = {"DCVKIT_ACTION", "DCVKIT_NAME", "DCVKIT_RECORD", "DCVKIT_TOKEN", "DCVKIT_METHOD"};

bool has_control_chars(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

std::vector<std::string> hook_environment(PublishAction action, const PlanEntry* entry, std::string_view name,
                                          std::string_view token, const std::vector<std::string>& style_vars) {
  std::vector<std::string> ours = {"DCVKIT_ACTION=" + std::string(to_string(action))};
  if (entry != nullptr) {
    ours.push_back("DCVKIT_NAME=" + std::string(name));
    ours.push_back("DCVKIT_RECORD=" + entry->record);
    ours.push_back("DCVKIT_TOKEN=" + std::string(token));
    ours.push_back("DCVKIT_METHOD=" + std::string(method_name(*entry)));
  }
  ours.insert(ours.end(), style_vars.begin(), style_vars.end());
  return command_environment(std::move(ours), kOurVars);
}

int effective_timeout(const HookOptions& options) { return std::max(options.timeout_seconds, 1); }

// certbot and dehydrated name the domain being validated: a wildcard's is its base name.
std::string domain_of(std::string_view name) {
  return std::string(name.rfind("*.", 0) == 0 ? name.substr(2) : name);
}

// What the hook gets besides the DCVKIT_* variables: positional arguments and style variables.
struct Invocation {
  std::vector<std::string> args;
  std::vector<std::string> vars;
};

// Where the token goes, as the TOKEN_FILENAME argument of dehydrated: the file for http, the TXT
// owner for dns (dehydrated's own scripts ignore it for dns-01).
std::string token_place(const PlanEntry& entry) {
  return entry.method == DcvMethod::Http ? "fileauth.txt" : entry.record;
}

class HookPublisher final : public Publisher {
 public:
  HookPublisher(HookOptions options, HookCalling calling) : options_(std::move(options)), calling_(std::move(calling)) {}

  std::string_view kind() const override { return "hook"; }
  bool supports(DcvMethod method) const override {
    const bool lego = calling_.style == HookStyle::LegoExec || calling_.style == HookStyle::LegoExecRaw;
    return !lego || method == DcvMethod::Dns;
  }
  // certbot's CERTBOT_ALL_DOMAINS / REMAINING_CHALLENGES and dehydrated's HOOK_CHAIN describe a
  // batch: those styles take entries many at a time (a certificate's names fit in one).
  std::size_t batch_size() const override { return batched() ? 250 : 1; }

  Status publish(const PlanEntry& entry, std::string_view token) override {
    return single(PublishAction::Publish, entry, token);
  }
  Status unpublish(const PlanEntry& entry, std::string_view token) override {
    return single(PublishAction::Unpublish, entry, token);
  }
  std::vector<Result<std::string>> apply(PublishAction action, const std::vector<const PublishItem*>& items) override {
    return batched() ? change_results(apply_batch(action, items)) : Publisher::apply(action, items);
  }

 private:
  bool batched() const { return calling_.style == HookStyle::Certbot || calling_.style == HookStyle::DehydratedChain; }

  Status single(PublishAction action, const PlanEntry& entry, std::string_view token) {
    if (batched()) {
      const PublishItem item{entry, std::string(token)};
      return apply_batch(action, {&item}).front();
    }
    auto name = validate(entry, token);
    if (!name) return name.error();
    const bool publish = action == PublishAction::Publish;
    Invocation how;
    switch (calling_.style) {
      case HookStyle::Dehydrated:
        how.args = {publish ? "deploy_challenge" : "clean_challenge", domain_of(*name), token_place(entry), std::string(token)};
        break;
      case HookStyle::LegoExec:
        how.args = {publish ? "present" : "cleanup", entry.record + ".", std::string(token)};
        break;
      case HookStyle::LegoExecRaw:
        how.args = {publish ? "present" : "cleanup", "--", domain_of(*name), std::string(token), std::string(token)};
        how.vars = {"EXEC_MODE=RAW"};
        break;
      default:
        break;
    }
    return run(action, "'" + *name + "'", &entry, *name, token, std::move(how));
  }

  std::vector<Status> apply_batch(PublishAction action, const std::vector<const PublishItem*>& items) {
    std::vector<Status> out(items.size());
    std::vector<std::size_t> good;
    std::vector<std::string> names(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto name = validate(items[i]->entry, items[i]->token);
      if (!name) {
        out[i] = name.error();
        continue;
      }
      names[i] = *name;
      good.push_back(i);
    }
    if (good.empty()) return out;
    const bool publish = action == PublishAction::Publish;
    if (calling_.style == HookStyle::DehydratedChain) {
      Invocation how;
      how.args.emplace_back(publish ? "deploy_challenge" : "clean_challenge");
      std::string list;
      for (auto i : good) {
        how.args.insert(how.args.end(), {domain_of(names[i]), token_place(items[i]->entry), items[i]->token});
        list += (list.empty() ? "'" : ", '") + names[i] + "'";
      }
      const Status st = run(action, list, nullptr, "", "", std::move(how));
      for (auto i : good) out[i] = st;
      return out;
    }
    // certbot: one call per entry, each told the batch's domains and how many calls follow.
    std::string all;
    for (auto i : good) all += (all.empty() ? "" : ",") + domain_of(names[i]);
    for (std::size_t k = 0; k < good.size(); ++k) {
      const auto& item = *items[good[k]];
      Invocation how;
      how.vars = {"CERTBOT_DOMAIN=" + domain_of(names[good[k]]), "CERTBOT_VALIDATION=" + item.token,
                  "CERTBOT_REMAINING_CHALLENGES=" + std::to_string(good.size() - 1 - k), "CERTBOT_ALL_DOMAINS=" + all};
      if (item.entry.method == DcvMethod::Http) how.vars.emplace_back("CERTBOT_TOKEN=fileauth.txt");
      if (!publish) how.vars.emplace_back("CERTBOT_AUTH_OUTPUT=");
      out[good[k]] = run(action, "'" + names[good[k]] + "'", &item.entry, names[good[k]], item.token, std::move(how));
    }
    return out;
  }

  Result<std::string> validate(const PlanEntry& entry, std::string_view token) const {
    // Hooks are scripts that may build paths or zone text from these values: only clean ones go in.
    if (auto valid = check_publish_value(entry, token); !valid) return valid.error();
    auto name = normalize_dns_name(entry.name);
    if (!name)
      return make_error(ErrorKind::InvalidInput, "publish.invalid_name", name.error().message,
                        "give the certificate's DNS name");
    if (entry.record.empty() || has_control_chars(entry.record))
      return make_error(ErrorKind::InvalidInput, "publish.invalid_record",
                        "the record for '" + *name + "' is empty or contains control characters",
                        "build plan entries with make_plan");
    if (!supports(entry.method))
      return make_error(ErrorKind::InvalidInput, "publish.method_unsupported",
                        "a " + std::string(to_string(calling_.style)) + " hook publishes dns tokens only",
                        "use --hook-style dcvkit, certbot or dehydrated for http");
    if (options_.command.empty())
      return make_error(ErrorKind::InvalidInput, "publish.hook_missing", "no hook command is configured",
                        "give the command to run, e.g. --hook './publish.sh'");
    return name;
  }

  Status run(PublishAction action, const std::string& subject, const PlanEntry* entry, std::string_view name,
             std::string_view token, Invocation how) const {
    const std::string& command =
        action == PublishAction::Unpublish && !calling_.cleanup_command.empty() ? calling_.cleanup_command : options_.command;
    auto run = run_shell_command(command, std::move(how.args), hook_environment(action, entry, name, token, how.vars),
                                 effective_timeout(options_), "publish.hook");
    if (!run) return run.error();
    std::string what = "hook for " + std::string(to_string(action)) + " of " + subject;
    std::string tail = run->stderr_tail.empty() ? std::string() : "; its stderr ended with:\n" + run->stderr_tail;
    if (run->timed_out)
      return make_error(ErrorKind::Io, "publish.hook_timeout",
                        what + " did not finish within " + std::to_string(effective_timeout(options_)) +
                            " s; its process group was killed" + tail,
                        "make the hook faster, or raise the hook timeout");
    if (!WIFEXITED(run->wait_status) || WEXITSTATUS(run->wait_status) != 0) {
      int code = WIFEXITED(run->wait_status) ? WEXITSTATUS(run->wait_status) : -1;
      std::string hint = code == 127   ? "the shell could not find the command; check its path"
                         : code == 126 ? "the command is not executable; check its permissions"
                                       : "see the hook's stderr above; run it by hand with the same DCVKIT_* variables";
      return make_error(ErrorKind::Io, "publish.hook_failed", what + " " + describe_wait_status(run->wait_status) + tail,
                        hint);
    }
    return {};
  }

  const HookOptions options_;
  const HookCalling calling_;
};

constexpr std::pair<HookStyle, std::string_view> kStyles[] = {
    {HookStyle::Dcvkit, "dcvkit"},       {HookStyle::Certbot, "certbot"},     {HookStyle::Dehydrated, "dehydrated"},
    {HookStyle::DehydratedChain, "dehydrated-chain"}, {HookStyle::LegoExec, "lego-exec"}, {HookStyle::LegoExecRaw, "lego-exec-raw"}};

}  // namespace

std::unique_ptr<Publisher> make_hook_publisher(HookOptions options, HookCalling calling) {
  return std::make_unique<HookPublisher>(std::move(options), std::move(calling));
}

std::optional<HookStyle> parse_hook_style(std::string_view text) {
  for (const auto& [style, name] : kStyles)
    if (name == text) return style;
  return std::nullopt;
}

std::string_view to_string(HookStyle style) {
  for (const auto& [s, name] : kStyles)
    if (s == style) return name;
  return "dcvkit";
}

std::string hook_style_names() {
  std::string out;
  for (const auto& [style, name] : kStyles) out.append(out.empty() ? "" : ", ").append(name);
  return out;
}

}  // namespace dcvkit
