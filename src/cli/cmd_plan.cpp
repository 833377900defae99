#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/dcv_options.hpp"

namespace dcvkit::cli {

int cmd_plan(int argc, char** argv) {
  Output out(wants_json(argc, argv));
  cxxopts::Options options(argv[0], "List exactly where the CA will look for the token of each name.");
  options.add_options()("json", "Print a JSON list of {name, method, record|url}");
  add_plan_options(options);
  int code = kExitOk;
  auto args = parse_options(options, argc, argv, out, code);
  if (!args) return code;
  auto plan = plan_from_args(*args, out);
  if (!plan) return out.fail(plan.error());

  if (out.json()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [e, token] : plan->entries)
      list.push_back({{"name", e.name}, {"method", api_name(e.method)}, {e.method == DcvMethod::Dns ? "record" : "url", e.record}});
    out.print(list);
    return kExitOk;
  }
  std::size_t width = 4;
  for (const auto& [e, token] : plan->entries) width = std::max(width, e.name.size());
  std::cout << "NAME" << std::string(width - 2, ' ') << "WHERE\n";
  for (const auto& [e, token] : plan->entries)
    std::cout << e.name << std::string(width + 2 - e.name.size(), ' ')
              << (e.method == DcvMethod::Dns ? "TXT " : "") << e.record << "\n";
  return kExitOk;
}

}  // namespace dcvkit::cli
