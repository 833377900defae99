// hook: a user's command publishes, once per name, with the details in its environment.
#include "dcvkit/publish_hook.hpp"
#include "pipeline/manifest_fields.hpp"
#include "publish/registry.hpp"

namespace dcvkit::publish {
namespace {

Status from_cli(const CliValues& cli, PublisherSpec& spec) {
  spec.kind = PublisherSpec::Kind::Hook;
  spec.path = cli.value("hook");
  auto timeout = cli_number(cli, "hook-timeout", 1, 86400);
  if (!timeout) return timeout.error();
  spec.hook_timeout_seconds = static_cast<int>(*timeout);
  spec.settings["hook_style"] = cli.value("hook-style");
  if (!parse_hook_style(spec.settings["hook_style"]))
    return usage("--hook-style must be one of " + hook_style_names(), "got '" + spec.settings["hook_style"] + "'");
  return {};
}

Status from_manifest(const ManifestPublish& m, PublisherSpec& spec) {
  auto command = manifest_fields::string_field(m.object, "hook", m.where, true);
  if (!command) return command.error();
  spec.kind = PublisherSpec::Kind::Hook;
  spec.path = *command;  // a command, not a path: left as written
  auto timeout = manifest_fields::number_field(m.object, "hook_timeout", 1, 3600, 60, m.where, "publish.hook_timeout",
                                               " seconds");
  if (!timeout) return timeout.error();
  spec.hook_timeout_seconds = static_cast<int>(*timeout);
  auto style = manifest_fields::string_field(m.object, "hook_style", m.where, false);
  if (!style) return style.error();
  if (!style->empty()) {
    if (!parse_hook_style(*style))
      return manifest_fields::bad(m.where, "\"publish.hook_style\" must be one of " + hook_style_names(), "");
    spec.settings["hook_style"] = *style;
  }
  auto cleanup = manifest_fields::string_field(m.object, "cleanup_hook", m.where, false);
  if (!cleanup) return cleanup.error();
  if (!cleanup->empty()) spec.settings["cleanup_hook"] = *cleanup;
  return {};
}

Result<std::unique_ptr<Publisher>> make(const PublisherSpec& spec) {
  if (spec.hook_timeout_seconds <= 0)
    return make_error(ErrorKind::InvalidInput, "publish.bad_timeout", "the hook timeout must be positive", "");
  HookOptions hook;
  hook.command = spec.path;
  hook.timeout_seconds = spec.hook_timeout_seconds;
  HookCalling calling;
  if (auto it = spec.settings.find("hook_style"); it != spec.settings.end()) {
    auto style = parse_hook_style(it->second);
    if (!style)
      return make_error(ErrorKind::InvalidInput, "publish.bad_hook_style", "unknown hook style '" + it->second + "'",
                        "use one of " + hook_style_names());
    calling.style = *style;
  }
  if (auto it = spec.settings.find("cleanup_hook"); it != spec.settings.end()) calling.cleanup_command = it->second;
  return make_hook_publisher(std::move(hook), std::move(calling));
}

}  // namespace

const PublishProvider& hook_provider() {
  static const PublishProvider provider{
      .name = PublisherSpec::Kind::Hook,
      .summary = "runs your command (sh -c) once per name and token, with the details in its environment",
      .methods = {DcvMethod::Dns, DcvMethod::Http},
      .select = {"hook", "CMD", "Run this command (sh -c) per entry with DCVKIT_* variables", ""},
      .cli_group = "Hook",
      .cli_options = {{"hook-timeout", "S", "Seconds before the hook is killed", "60"},
                      {"hook-style", "STYLE",
                       "What the hook is told: dcvkit (DCVKIT_* variables), certbot, dehydrated, dehydrated-chain, "
                       "lego-exec or lego-exec-raw",
                       "dcvkit"}},
      .manifest_key = "hook",
      .manifest_siblings = {"hook_timeout", "hook_style", "cleanup_hook"},
      .from_cli = from_cli,
      .from_manifest = from_manifest,
      .make = make,
  };
  return provider;
}

}  // namespace dcvkit::publish
