// The HTML report: self-contained, escaped, and it really renders in a browser (headless Chromium).
#include <gtest/gtest.h>

#include "dcvkit/check_report.hpp"
#include "dcvkit/files.hpp"
#include "dcvkit/time.hpp"
#include "support/browser.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace dcvkit;

std::vector<CheckResult> sample_results() {
  std::vector<CheckResult> rs;
  for (int i = 0; i < 30; ++i) {
    CheckResult r;
    r.name = "host" + std::to_string(i) + ".example.test";
    r.method = i % 2 ? DcvMethod::Http : DcvMethod::Dns;
    r.ok = i % 3 == 0;
    r.code = r.ok ? "ok" : (i % 3 == 1 ? "dns.no_txt" : "http.not_found");
    r.message = "message " + std::to_string(i);
    r.hint = std::string(hint_for(r.code));
    r.elapsed_ms = 100.0 - i;
    rs.push_back(r);
  }
  rs[1].message = "<script>document.title='pwned'</script> & \"quotes\"";  // from a hostile server
  return rs;
}

TEST(CheckReport, SelfContainedAndEscaped) {
  const auto results = sample_results();
  CheckSummary summary;
  for (const auto& r : results) summary.add(r);
  const std::string html = render_html_report(results, summary, *parse_compact_timestamp("20261123120000"));
  EXPECT_EQ(summary.passed, 10u);
  EXPECT_EQ(summary.by_code.at("dns.no_txt"), 10u);
  EXPECT_EQ(html.find("<script>document.title"), std::string::npos) << "untrusted text must be escaped";
  EXPECT_NE(html.find("&lt;script&gt;document.title"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos) << "no external resources";
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_NE(html.find("10 of 30 names pass"), std::string::npos);
}

// The streamed writer (what `dcvkit check --report` uses, so 100,000 names fit in flat memory) must
// produce the very bytes of the in-memory renderer, and leave nothing behind when it cannot write.
TEST(CheckReport, StreamedWriterMatchesRendererByteForByte) {
  test::TempDir dir;
  std::vector<CheckResult> results;
  for (int round = 0; round < 200; ++round)
    for (const auto& r : sample_results()) results.push_back(r);  // 6,000 rows: several spool buffers
  CheckSummary summary;
  auto writer = CheckReportWriter::open();
  ASSERT_TRUE(writer) << writer.error().message;
  for (const auto& r : results) {
    summary.add(r);
    ASSERT_TRUE(writer->add(r));
  }
  const std::string path = dir.file("report.html");
  ASSERT_TRUE(writer->write(path, summary, 1800000000, false));
  auto written = read_file(path, 64u << 20, "report");
  ASSERT_TRUE(written);
  EXPECT_EQ(*written, render_html_report(results, summary, 1800000000));

  auto again = writer->write(path, summary, 1800000000, false);
  ASSERT_FALSE(again) << "an existing report is only replaced when asked";
  EXPECT_EQ(again.error().code, "io.exists");
  auto nowhere = writer->write(dir.file("missing/report.html"), summary, 1800000000, true);
  ASSERT_FALSE(nowhere);
  EXPECT_EQ(nowhere.error().code, "io.write_failed");
  EXPECT_NE(nowhere.error().message.find("missing"), std::string::npos) << nowhere.error().message;
}

TEST(CheckReport, RendersInHeadlessChromium) {
  ASSERT_EQ(::access(test::kChromium, X_OK), 0) << "chromium is installed by tools/install-deps.sh";
  test::TempDir dir;
  const auto results = sample_results();
  CheckSummary summary;
  for (const auto& r : results) summary.add(r);
  const std::string path = dir.write("report.html", render_html_report(results, summary, 1800000000));
  auto r = test::browser_dom(path, dir.file("profile"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("data-ready=\"1\""), std::string::npos) << "the report's script ran without error";
  std::size_t rows = 0;
  for (std::string_view row : {"<tr class=\"pass\">", "<tr class=\"fail\">"})
    for (auto at = r.out.find(row); at != std::string::npos; at = r.out.find(row, at + 1)) ++rows;
  EXPECT_EQ(rows, 30u);
  EXPECT_NE(r.out.find("id=\"reasons\""), std::string::npos);
  EXPECT_NE(r.out.find("<title>dcvkit pre-validation report</title>"), std::string::npos) << "title not hijacked";
}

}  // namespace
