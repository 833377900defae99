// What bench_acme prints: a table per client on stderr, dcvkit's ratios against the better of
// lego and certbot on each figure (and whether the goals are met), and one JSON line on
// stdout.
#include <cmath>
#include <cstdio>
#include <thread>

#include "bench_acme.hpp"

namespace bench_acme {
namespace {

using nlohmann::json;

constexpr double kWallGoal = 1.0 / 3;  // dcvkit's wall time per certificate against the better peer's
constexpr double kCpuGoal = 1.0 / 5;   // and its CPU time

// To `digits` decimals, so the JSON line prints 0.63, not 0.6300000000000001.
double rounded(double v, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

const ClientResult* find(const std::vector<ClientResult>& results, const std::string& client) {
  for (const auto& r : results)
    if (r.client == client) return &r;
  return nullptr;
}

// A figure of dcvkit's (or of dcvkit run's) over the better (smaller) one of the measured peers.
struct Ratio {
  double value = 0;
  std::string peer;
};
std::optional<Ratio> against_better_peer(const std::vector<ClientResult>& results, const ClientResult* ours,
                                         double (*figure)(const ClientResult&)) {
  if (!ours || !ours->measured()) return std::nullopt;
  std::optional<Ratio> best;
  for (const char* peer : {"lego", "certbot"}) {
    const ClientResult* p = find(results, peer);
    if (!p || !p->measured() || figure(*p) <= 0) continue;
    if (!best || figure(*p) < figure(*find(results, best->peer))) best = Ratio{0, peer};
  }
  if (best) best->value = figure(*ours) / figure(*find(results, best->peer));
  return best;
}

double wall_figure(const ClientResult& r) { return r.wall_per_cert(); }
double cpu_figure(const ClientResult& r) { return r.cpu_per_cert(); }
double rss_figure(const ClientResult& r) { return r.peak_rss_mb; }

json client_json(const ClientResult& r) {
  if (r.skipped) return {{"skipped", *r.skipped}};
  json j = {{"certs", r.certs},
            {"issued", r.issued},
            {"wall_s", rounded(r.wall_s, 2)},
            {"wall_s_per_cert", rounded(r.wall_per_cert(), 3)},
            {"cpu_s_per_cert", rounded(r.cpu_per_cert(), 4)},
            {"peak_rss_mb", rounded(r.peak_rss_mb, 1)},
            {"failures", r.failures}};
  j.update(r.extra);
  return j;
}

json ratio_json(const std::optional<Ratio>& ratio, std::optional<double> goal) {
  if (!ratio) return nullptr;
  json j = {{"ratio", rounded(ratio->value, 3)}, {"peer", ratio->peer}};
  if (goal) {
    j["goal"] = rounded(*goal, 3);
    j["met"] = ratio->value <= *goal;
  }
  return j;
}

void print_row(const ClientResult& r) {
  std::string label = r.client == "run" ? "dcvkit run" : r.client;
  if (r.extra.contains("concurrency")) label += " (" + std::to_string(r.extra["concurrency"].get<int>()) + " at a time)";
  if (r.skipped) {
    std::fprintf(stderr, "%-24s skipped: %s\n", label.c_str(), r.skipped->c_str());
    return;
  }
  std::fprintf(stderr, "%-24s %4d of %-4d %12.3f %12.4f %12.1f %10.1f\n", label.c_str(), r.issued, r.certs, r.wall_per_cert(),
               r.cpu_per_cert(), r.peak_rss_mb, r.wall_s);
  for (const auto& f : r.failures) std::fprintf(stderr, "    FAILED %s\n", f.c_str());
}

void print_ratio(const char* what, const std::optional<Ratio>& ratio, std::optional<double> goal) {
  if (!ratio) {
    std::fprintf(stderr, "  %-22s n/a (no peer measured, or this one not)\n", what);
    return;
  }
  std::fprintf(stderr, "  %-22s %.3f of %s's", what, ratio->value, ratio->peer.c_str());
  if (goal) std::fprintf(stderr, "  (goal <= %.3f: %s)", *goal, ratio->value <= *goal ? "met" : "NOT met");
  std::fprintf(stderr, "\n");
}

}  // namespace

int report(const Options& o, const std::vector<ClientResult>& results, const json& context) {
  std::fprintf(stderr, "\nbench_acme: %d single-name certificates per client, http-01 through nginx webroots, Pebble with EAB\n"
                       "required and PEBBLE_VA_NOSLEEP=1; %u CPUs, load average %s at start, %s at the end\n",
               o.certs, std::thread::hardware_concurrency(), context.value("load_average_start", "").c_str(),
               context.value("load_average_end", "").c_str());
  std::fprintf(stderr, "%-24s %12s %12s %12s %12s %10s\n", "client", "issued", "wall s/cert", "CPU s/cert", "peak RSS MB",
               "total s");
  for (const auto& r : results) print_row(r);
  const ClientResult* dcvkit = find(results, "dcvkit");
  const ClientResult* run = find(results, "run");
  const auto wall = against_better_peer(results, dcvkit, wall_figure);
  const auto cpu = against_better_peer(results, dcvkit, cpu_figure);
  const auto rss = against_better_peer(results, dcvkit, rss_figure);
  const auto run_wall = against_better_peer(results, run, wall_figure);
  const auto run_cpu = against_better_peer(results, run, cpu_figure);
  std::fprintf(stderr, "dcvkit (one `dcvkit acme order` per certificate) against the better peer on each figure:\n");
  print_ratio("wall time per cert", wall, kWallGoal);
  print_ratio("CPU per cert", cpu, kCpuGoal);
  print_ratio("peak RSS", rss, std::nullopt);
  std::fprintf(stderr, "dcvkit run (one process for all N) against the better peer:\n");
  print_ratio("wall time per cert", run_wall, kWallGoal);
  print_ratio("CPU per cert", run_cpu, kCpuGoal);
  if (const ClientResult* lego = find(results, "lego"); lego && lego->extra.contains("parallelism"))
    std::fprintf(stderr, "lego's parallelism: %s\n", lego->extra["parallelism"].get<std::string>().c_str());

  // Valid: dcvkit measured (unless left out by --only), and every client that ran issued all its certificates.
  bool valid = !dcvkit || dcvkit->measured();
  for (const auto& r : results) valid = valid && (r.skipped || r.issued == r.certs);
  json line = context;
  line["bench"] = "acme";
  line["certs"] = o.certs;
  line["cpus"] = std::thread::hardware_concurrency();
  for (const auto& r : results) line[r.client] = client_json(r);
  line["vs_better_peer"] = {{"wall_per_cert", ratio_json(wall, kWallGoal)},
                            {"cpu_per_cert", ratio_json(cpu, kCpuGoal)},
                            {"peak_rss", ratio_json(rss, std::nullopt)},
                            {"run_wall_per_cert", ratio_json(run_wall, kWallGoal)},
                            {"run_cpu_per_cert", ratio_json(run_cpu, kCpuGoal)}};
  line["valid"] = valid;
  std::printf("%s\n", line.dump().c_str());
  return valid ? 0 : 1;
}

}  // namespace bench_acme
