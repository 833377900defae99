// The manifest of `dcvkit run`: what a good line becomes, and a clear error for each bad one.
#include <gtest/gtest.h>

#include <fstream>

#include "dcvkit/validity_limit.hpp"
#include "dcvkit/clock.hpp"
#include "dcvkit/manifest.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace dcvkit;
using dcvkit::test::TempDir;

Result<ManifestEntry> line(const std::string& text) { return parse_manifest_line(text, "/srv/m", "m.jsonl:3"); }

TEST(Manifest, FullDnsLineWithDefaultsAndRelativePaths) {
  auto e = line(R"({"id": "shop", "names": ["Shop.Example.TEST.", "www.shop.example.test", "shop.example.test"],
    "method": "dns", "publish": {"dns": {"server": "127.0.0.1:5300", "zone": "example.test",
    "tsig_key_file": "keys/tsig.key", "ttl": 30}}, "key_type": "rsa2048", "validity_days": 90})");
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->id, "shop");
  EXPECT_EQ(e->names, (std::vector<std::string>{"shop.example.test", "www.shop.example.test"}));
  EXPECT_EQ(e->method, DcvMethod::Dns);
  EXPECT_EQ(e->product, "ssl_dv_geotrust");
  EXPECT_EQ(e->publish.kind, PublisherSpec::Kind::Rfc2136);
  EXPECT_EQ(e->publish.server, "127.0.0.1:5300");
  EXPECT_EQ(e->publish.tsig_key_file, "/srv/m/keys/tsig.key");
  EXPECT_EQ(e->publish.ttl, 30u);
  EXPECT_EQ(e->key_type, KeyType::Rsa2048);
  EXPECT_EQ(e->out_dir, "/srv/m/certs/shop");
  EXPECT_EQ(e->validity_days, 90);
  EXPECT_TRUE(e->csr_path.empty());
}

TEST(Manifest, WebrootHookAndExistingCsr) {
  auto w = line(R"({"id":"blog","names":["blog.example.test"],"method":"http","publish":{"webroot":"/var/www/blog"},
    "csr":"blog.csr","key":"/k/blog.key","out_dir":"/etc/ssl/blog"})");
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(w->publish.kind, PublisherSpec::Kind::Webroot);
  EXPECT_EQ(w->publish.path, "/var/www/blog");
  EXPECT_EQ(w->csr_path, "/srv/m/blog.csr");
  EXPECT_EQ(w->key_path, "/k/blog.key");
  EXPECT_EQ(w->out_dir, "/etc/ssl/blog");
  auto h = line(R"({"id":"h","names":["*.example.test"],"method":"dns","publish":{"hook":"./dns.sh","hook_timeout":5}})");
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->publish.kind, PublisherSpec::Kind::Hook);
  EXPECT_EQ(h->publish.path, "./dns.sh");  // a command, not a path: left as written
  EXPECT_EQ(h->publish.hook_timeout_seconds, 5);
}

TEST(Manifest, EveryMistakeIsNamedWithItsLine) {
  const std::pair<std::string, std::string> cases[] = {
      {"not json", "not a JSON object"},
      {R"({"names":["a.example"],"method":"dns","publish":{"hook":"x"}})", "no \"id\""},
      {R"({"id":"a/b","names":["a.example"],"method":"dns","publish":{"hook":"x"}})", "\"id\" must be"},
      {R"({"id":"a","names":[],"method":"dns","publish":{"hook":"x"}})", "\"names\" must be"},
      {R"({"id":"a","names":["bad..name"],"method":"dns","publish":{"hook":"x"}})", "bad..name"},
      {R"({"id":"a","names":["a.example"],"method":"email","publish":{"hook":"x"}})", "\"method\" must be dns or http"},
      {R"({"id":"a","names":["*.a.example"],"method":"http","publish":{"webroot":"/w"}})", "wildcard"},
      {R"({"id":"a","names":["a.example"],"method":"dns","publish":{"webroot":"/w"}})", "does not fit"},
      {R"({"id":"a","names":["a.example"],"method":"http","publish":{"dns":{"server":"x"}}})", "does not fit"},
      {R"({"id":"a","names":["a.example"],"method":"dns"})", "no \"publish\""},
      {R"({"id":"a","names":["a.example"],"method":"dns","publish":{"hook":"x","webroot":"/w"}})", "one of"},
      {R"({"id":"a","names":["a.example"],"method":"dns","publish":{"dns":{"server":"x","zome":"z"}}})", "\"zome\""},
      {R"({"id":"a","names":["a.example"],"method":"dns","publish":{"hook":"x"},"outdir":"/x"})", "\"outdir\""},
      {R"({"id":"a","names":["a.example"],"method":"dns","publish":{"hook":"x"},"key":"k"})", "\"key\" without \"csr\""},
      {R"({"id":"a","names":["a.example"],"method":"dns","publish":{"hook":"x"},"key_type":"dsa"})", "key_type"},
      {R"({"id":"a","names":["a.example"],"method":"dns","publish":{"hook":"x"},"validity_days":0})", "validity_days"},
  };
  for (const auto& [text, expected] : cases) {
    auto e = line(text);
    ASSERT_FALSE(e.ok()) << text;
    EXPECT_EQ(e.error().code, "manifest.invalid");
    EXPECT_EQ(e.error().message.rfind("m.jsonl:3", 0), 0u) << e.error().message;
    EXPECT_NE(e.error().message.find(expected), std::string::npos) << text << " -> " << e.error().message;
  }
}

// BR 6.3.2: a validity the CA would refuse today is refused when the manifest is read, with the date.
TEST(Manifest, ValidityBeyondTodaysBaselineLimitIsRefusedWithItsDate) {
  const auto limit = max_validity(system_clock().now());
  auto e = line(R"({"id":"a","names":["a.example"],"method":"dns","publish":{"hook":"x"},"validity_days":)" +
                std::to_string(limit.days + 1) + "}");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, "order.validity_too_long");
  EXPECT_EQ(e.error().message.rfind("m.jsonl:3 (a): asks for", 0), 0u) << e.error().message;
  if (!limit.since.empty()) {
    EXPECT_NE(e.error().message.find(limit.since), std::string::npos) << e.error().message;
  }
  EXPECT_TRUE(line(R"({"id":"a","names":["a.example"],"method":"dns","publish":{"hook":"x"},"validity_days":)" +
                   std::to_string(limit.days) + "}")
                  .ok());
}

TEST(Manifest, FileSkipsCommentsAndRefusesDuplicateIds) {
  TempDir dir;
  const std::string ok = dir.write("m.jsonl", "# certificates\n\n"
                                              R"({"id":"a","names":["a.example"],"method":"dns","publish":{"hook":"x"}})"
                                              "\n"
                                              R"({"id":"b","names":["b.example"],"method":"http","publish":{"webroot":"w"}})"
                                              "\n");
  auto m = load_manifest(ok);
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[1].line, 4u);
  EXPECT_EQ((*m)[1].publish.path, dir.file("w"));

  const std::string dup = dir.write("d.jsonl", R"({"id":"a","names":["a.example"],"method":"dns","publish":{"hook":"x"}})"
                                               "\n"
                                               R"({"id":"a","names":["c.example"],"method":"dns","publish":{"hook":"x"}})");
  auto d = load_manifest(dup);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find(":2: id \"a\" appears twice"), std::string::npos) << d.error().message;

  auto empty = load_manifest(dir.write("e.jsonl", "# nothing\n"));
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("no certificates"), std::string::npos);
  auto missing = load_manifest(dir.file("missing.jsonl"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "manifest.unreadable");
}

// A valid line: certificate `id` for `name`, published by a hook.
std::string hook_line(const std::string& id, const std::string& name) {
  return R"({"id":")" + id + R"(","names":[")" + name + R"("],"method":"dns","publish":{"hook":"x"}})";
}

TEST(ManifestFile, ChecksEveryLineFirstThenReadsAgainEntryByEntry) {
  TempDir dir;
  const std::string a = hook_line("a", "a.example");
  const std::string b = hook_line("b", "b.example");
  const std::string path = dir.write("m.jsonl", a + "\n# comment\n" + b + "\n");
  auto file = ManifestFile::open(path);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ((*file)->size(), 2u);
  auto first = (*file)->next();
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((**first).id, "a");
  auto second = (*file)->next();
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((**second).id, "b");
  EXPECT_EQ((**second).line, 3u);
  auto end = (*file)->next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());

  // A bad line after many good ones is found before anything runs.
  std::string text;
  for (int i = 0; i < 1000; ++i) text += hook_line("c" + std::to_string(i), "c.example") + "\n";
  auto late_typo = ManifestFile::open(dir.write("typo.jsonl", text + R"({"id":"z","nmes":[]})" "\n"));
  ASSERT_FALSE(late_typo.ok());
  EXPECT_NE(late_typo.error().message.find("typo.jsonl:1001: "), std::string::npos) << late_typo.error().message;
  // A duplicate (ids compared by hash first) is named exactly, at its second line.
  auto dup = ManifestFile::open(dir.write("dup.jsonl", text + hook_line("c7", "d.example") + "\n"));
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("dup.jsonl:1001: id \"c7\" appears twice"), std::string::npos) << dup.error().message;
  auto missing = ManifestFile::open(dir.file("missing.jsonl"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "manifest.unreadable");
}

TEST(ManifestFile, AFileChangedUnderTheRunIsAnErrorNotADifferentRun) {
  TempDir dir;
  const std::string a = hook_line("a", "a.example");
  const std::string b = hook_line("b", "b.example");
  const std::string path = dir.write("m.jsonl", a + "\n" + b + "\n");
  auto shrunk = ManifestFile::open(path);
  ASSERT_TRUE(shrunk.ok());
  std::ofstream(path, std::ios::trunc) << a << "\n";  // rewritten in place: the same open file
  ASSERT_TRUE((*shrunk)->next().ok());
  auto end = (*shrunk)->next();
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.error().code, "manifest.changed");
  EXPECT_NE(end.error().message.find("fewer certificates"), std::string::npos) << end.error().message;

  auto broken = ManifestFile::open(path);
  ASSERT_TRUE(broken.ok());
  std::ofstream(path, std::ios::trunc) << "{not json\n";
  auto bad = (*broken)->next();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "manifest.changed");
  EXPECT_NE(bad.error().message.find(":1: "), std::string::npos) << bad.error().message;
}

}  // namespace
