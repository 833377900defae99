#include "cli/publisher_options.hpp"

#include <algorithm>
#include <iterator>
#include <set>

#include "cli/common.hpp"
#include "publish/registry.hpp"

namespace dcvkit::cli {
namespace {

using publish::CliOption;

void add_option(cxxopts::OptionAdder& adder, const CliOption& o) {
  const std::string flag(o.flag), help(o.help), value_name(o.value_name);
  if (o.value_name.empty()) {
    adder(flag, help);
  } else if (o.default_value.empty()) {
    adder(flag, help, cxxopts::value<std::string>(), value_name);
  } else {
    adder(flag, help, cxxopts::value<std::string>()->default_value(std::string(o.default_value)), value_name);
  }
}

class ParsedArgs final : public publish::CliValues {
 public:
  explicit ParsedArgs(const cxxopts::ParseResult& args) : args_(args) {}
  bool given(std::string_view flag) const override { return args_.count(std::string(flag)) > 0; }
  std::string value(std::string_view flag) const override {
    const std::string f(flag);
    try {
      return args_[f].as<std::string>();
    } catch (const cxxopts::exceptions::exception&) {
      return {};  // neither given nor defaulted
    }
  }
  Result<int> milliseconds(std::string_view flag, long long max_ms) const override {
    std::string old;
    for (const auto* p : publish::providers())
      for (const auto& o : p->cli_options)
        if (o.flag == flag && !o.old_ms_flag.empty()) old = o.old_ms_flag;
    return timeout_option_ms(args_, std::string(flag), max_ms, old);
  }

 private:
  const cxxopts::ParseResult& args_;
};

std::string all_choices() {
  std::string out;
  for (const auto* p : publish::providers()) {
    if (!out.empty()) out += ", ";
    out += "--" + std::string(p->select.flag) + " " + std::string(p->select.value_name);
  }
  return out;
}

}  // namespace

void add_publisher_options(cxxopts::Options& options) {
  std::set<std::string_view> declared;
  {
    auto adder = options.add_options("Where to publish (one of)");
    for (const auto* p : publish::providers()) {
      add_option(adder, p->select);
      declared.insert(p->select.flag);
    }
  }
  for (const auto* p : publish::providers()) {
    if (p->cli_group.empty()) continue;
    auto adder = options.add_options(std::string(p->cli_group));
    for (const auto& o : p->cli_options)
      if (declared.insert(o.flag).second) add_option(adder, o);
  }
  for (const auto* p : publish::providers())
    for (const auto& o : p->cli_options)
      if (!o.old_ms_flag.empty() && declared.insert(o.old_ms_flag).second)
        options.add_options(kOldSpellings)(std::string(o.old_ms_flag), "Old spelling of --" + std::string(o.flag) + ", in milliseconds",
                                           cxxopts::value<int>(), "MS");
}

Result<PublisherChoice> publisher_from_args(const cxxopts::ParseResult& args, DcvMethod method) {
  const ParsedArgs cli(args);
  std::vector<const publish::PublishProvider*> named, given;
  for (const auto* p : publish::providers())
    if (cli.given(p->select.flag)) named.push_back(p);
  // An option that chooses one provider may be a setting of another (--print nsupdate --server S).
  auto read_by_another = [&](const publish::PublishProvider* p) {
    return std::any_of(named.begin(), named.end(), [&](const publish::PublishProvider* other) {
      return std::any_of(other->cli_options.begin(), other->cli_options.end(),
                         [&](const CliOption& o) { return o.flag == p->select.flag; });
    });
  };
  std::copy_if(named.begin(), named.end(), std::back_inserter(given), [&](const auto* p) { return !read_by_another(p); });
  if (given.size() != 1)
    return usage_error(given.empty() ? "nowhere to publish" : "more than one place to publish given",
                       "give one of " + all_choices());
  const auto& provider = *given.front();
  if (!provider.supports(method))
    return usage_error("--" + std::string(provider.select.flag) + " cannot publish " + std::string(publish::method_word(method)) +
                           " tokens",
                       "for " + std::string(publish::method_word(method)) + " use " + publish::cli_choices(method));
  PublisherChoice choice;
  if (auto st = provider.from_cli(cli, choice.spec); !st) return st.error();
  if (provider.make == nullptr) return choice;
  auto publisher = make_publisher(choice.spec, method);
  if (!publisher) return publisher.error();
  choice.publisher = std::move(*publisher);
  return choice;
}

std::string PublisherChoice::print(const std::vector<PublishItem>& items, PublishAction action) const {
  const auto* provider = publish::find_provider(spec.kind);
  return provider && provider->print ? provider->print(spec, items, action) : std::string();
}

}  // namespace dcvkit::cli
