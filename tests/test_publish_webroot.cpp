#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "dcvkit/publish_webroot.hpp"
#include "dcvkit/token.hpp"
#include "support/temp_dir.hpp"

namespace dcvkit {
namespace {

namespace fs = std::filesystem;
using test::read_text;
using test::TempDir;

// Distinct well-formed tokens: a real timestamp, then 50 base-36 characters.
std::string token(int i) {
  std::string n = std::to_string(i);
  return "20240101000000" + std::string(50 - n.size(), 'q') + n;
}

PlanEntry http_entry(const std::string& name) {
  return PlanEntry{name, DcvMethod::Http, "http://" + name + "/.well-known/pki-validation/fileauth.txt"};
}

std::string fileauth(const fs::path& webroot) { return (webroot / ".well-known/pki-validation/fileauth.txt").string(); }

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> dir_entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  return names;
}

void write_raw(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::FILE* f = std::fopen(p.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(data.data(), 1, data.size(), f);
  std::fclose(f);
}

TEST(PublishWebroot, CreatesDirectoriesAndFileWithFixedModes) {
  TempDir tmp;
  auto publisher = make_webroot_publisher(tmp.path().string());
  EXPECT_EQ(publisher->kind(), "webroot");
  // A tight umask must not hide the token from the web server.
  mode_t old = ::umask(077);
  auto status = publisher->publish(http_entry("example.com"), token(1));
  ::umask(old);
  ASSERT_TRUE(status.ok()) << status.error().code << ": " << status.error().message;
  EXPECT_EQ(mode_of(tmp.path() / ".well-known"), 0755u);
  EXPECT_EQ(mode_of(tmp.path() / ".well-known/pki-validation"), 0755u);
  EXPECT_EQ(mode_of(fileauth(tmp.path())), 0644u);
  EXPECT_EQ(read_text(fileauth(tmp.path())), token(1) + "\n");
  // No temporary file is left beside it.
  EXPECT_EQ(dir_entries(tmp.path() / ".well-known/pki-validation"), std::vector<std::string>{"fileauth.txt"});
}

TEST(PublishWebroot, AddKeepsOtherLinesByteExactNewestFirst) {
  TempDir tmp;
  const std::string other =
      "20230101000000" + std::string(50, 'z') + "\r\n  # another tool's note \t\n\n" + "trailing text without newline";
  write_raw(fileauth(tmp.path()), other);
  auto publisher = make_webroot_publisher(tmp.path().string());
  ASSERT_TRUE(publisher->publish(http_entry("example.com"), token(1)).ok());
  EXPECT_EQ(read_text(fileauth(tmp.path())), token(1) + "\n" + other);
  ASSERT_TRUE(publisher->publish(http_entry("example.com"), token(2)).ok());
  EXPECT_EQ(read_text(fileauth(tmp.path())), token(2) + "\n" + token(1) + "\n" + other);
}

TEST(PublishWebroot, NewTokenStaysInsideWhatTheCaReads) {
  // The CA reads the first 5,000 characters only: 200 older tokens must not push a new one out.
  TempDir tmp;
  std::string old_tokens;
  for (int i = 0; i < 200; ++i) old_tokens += "20230101000000" + std::string(49, 'o') + std::string(1, static_cast<char>('a' + i % 26)) + "\n";
  write_raw(fileauth(tmp.path()), old_tokens);
  auto publisher = make_webroot_publisher(tmp.path().string());
  ASSERT_TRUE(publisher->publish(http_entry("example.com"), token(3)).ok());
  EXPECT_LT(read_text(fileauth(tmp.path())).substr(0, 5000).find(token(3)), 5000u);
}

TEST(PublishWebroot, PublishingTwiceLeavesOneLine) {
  TempDir tmp;
  auto publisher = make_webroot_publisher(tmp.path().string());
  ASSERT_TRUE(publisher->publish(http_entry("example.com"), token(7)).ok());
  ASSERT_TRUE(publisher->publish(http_entry("www.example.com"), token(7)).ok());
  EXPECT_EQ(read_text(fileauth(tmp.path())), token(7) + "\n");
}

TEST(PublishWebroot, UnpublishRemovesOnlyItsLine) {
  TempDir tmp;
  const std::string before = "keep me\r\n" + token(1) + "\n" + token(2) + "\r\n" + token(1) + "\nlast";
  write_raw(fileauth(tmp.path()), before);
  auto publisher = make_webroot_publisher(tmp.path().string());
  ASSERT_TRUE(publisher->unpublish(http_entry("example.com"), token(1)).ok());
  EXPECT_EQ(read_text(fileauth(tmp.path())), "keep me\r\n" + token(2) + "\r\nlast");
}

TEST(PublishWebroot, UnpublishRemovesFileLeftWithoutContent) {
  TempDir tmp;
  write_raw(fileauth(tmp.path()), "\n" + token(1) + "\n  \n");
  auto publisher = make_webroot_publisher(tmp.path().string());
  ASSERT_TRUE(publisher->unpublish(http_entry("example.com"), token(1)).ok());
  EXPECT_FALSE(fs::exists(fileauth(tmp.path())));
  EXPECT_TRUE(fs::is_directory(tmp.path() / ".well-known/pki-validation"));
  EXPECT_TRUE(dir_entries(tmp.path() / ".well-known/pki-validation").empty());
}

TEST(PublishWebroot, UnpublishIsIdempotent) {
  TempDir tmp;
  auto publisher = make_webroot_publisher(tmp.path().string());
  // Nothing published at all: success, and nothing created.
  ASSERT_TRUE(publisher->unpublish(http_entry("example.com"), token(1)).ok());
  EXPECT_TRUE(dir_entries(tmp.path()).empty());
  ASSERT_TRUE(publisher->publish(http_entry("example.com"), token(2)).ok());
  const auto before = read_text(fileauth(tmp.path()));
  ASSERT_TRUE(publisher->unpublish(http_entry("example.com"), token(1)).ok());
  EXPECT_EQ(read_text(fileauth(tmp.path())), before);
  ASSERT_TRUE(publisher->unpublish(http_entry("example.com"), token(2)).ok());
  ASSERT_TRUE(publisher->unpublish(http_entry("example.com"), token(2)).ok());
  EXPECT_FALSE(fs::exists(fileauth(tmp.path())));
}

TEST(PublishWebroot, ExistingFileKeepsItsOwnerGroupAndMode) {
  TempDir tmp;
  const fs::path file = fileauth(tmp.path());
  write_raw(file, "someone else's line\n");
  ASSERT_EQ(::chmod(file.c_str(), 0640), 0);
  const bool root = ::geteuid() == 0;
  if (root) {
    ASSERT_EQ(::chown(file.c_str(), 65534, 65534), 0);  // the web server's user, say
  }
  auto publisher = make_webroot_publisher(tmp.path().string());
  ASSERT_TRUE(publisher->publish(http_entry("example.com"), token(1)).ok());
  auto expect_kept = [&] {
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
    if (root) {
      EXPECT_EQ(st.st_uid, 65534u);
      EXPECT_EQ(st.st_gid, 65534u);
    }
  };
  expect_kept();
  EXPECT_EQ(read_text(file), token(1) + "\nsomeone else's line\n");
  ASSERT_TRUE(publisher->unpublish(http_entry("example.com"), token(1)).ok());
  expect_kept();
  EXPECT_EQ(read_text(file), "someone else's line\n");
}

TEST(PublishWebroot, UnpublishCutsTheTokenWhereverTheCaWouldFindIt) {
  TempDir tmp;
  const fs::path file = fileauth(tmp.path());
  const std::string t = token(1), u = token(2);
  write_raw(file, t + " " + u + "\n" + "prefix" + t + "suffix\r\n" + "\xEF\xBB\xBF" + t + "\n" + "other\n" + u + "\t" + t + "\n");
  auto publisher = make_webroot_publisher(tmp.path().string());
  auto changed = publisher->change(PublishAction::Unpublish, http_entry("example.com"), t);
  ASSERT_TRUE(changed) << changed.error().message;
  const std::string after = read_text(file);
  EXPECT_EQ(after, u + "\n" + "prefixsuffix\r\n" + "other\n" + u + "\n");
  EXPECT_EQ(after.find(t), std::string::npos);
  for (const auto& candidate : scan_token_candidates(after, 1'704'067'200)) EXPECT_NE(candidate, t);
  // It says what it changed.
  EXPECT_NE(changed->find(file.string()), std::string::npos) << *changed;
  EXPECT_NE(changed->find("removed line 3"), std::string::npos) << *changed;
  EXPECT_NE(changed->find("cut the token out of line 1, 2, 5, kept the rest"), std::string::npos) << *changed;
  // Nothing left to remove: nothing to say.
  auto again = publisher->change(PublishAction::Unpublish, http_entry("example.com"), t);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, "");
  EXPECT_EQ(read_text(file), after);
}

TEST(PublishWebroot, OnlyHttpIsSupported) {
  TempDir tmp;
  auto publisher = make_webroot_publisher(tmp.path().string());
  EXPECT_TRUE(publisher->supports(DcvMethod::Http));
  EXPECT_FALSE(publisher->supports(DcvMethod::Dns));
  auto status = publisher->publish(PlanEntry{"example.com", DcvMethod::Dns, "_dnsauth.example.com"}, token(1));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "publish.method_unsupported");
  EXPECT_TRUE(dir_entries(tmp.path()).empty());
}

TEST(PublishWebroot, MissingWebrootIsAnErrorAndIsNotCreated) {
  TempDir tmp;
  const auto webroot = tmp.path() / "no-such-dir";
  auto publisher = make_webroot_publisher(webroot.string());
  auto status = publisher->publish(http_entry("example.com"), token(1));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "publish.webroot_missing");
  EXPECT_EQ(status.error().kind, ErrorKind::Io);
  EXPECT_NE(status.error().message.find(webroot.string()), std::string::npos);
  EXPECT_FALSE(status.error().hint.empty());
  EXPECT_FALSE(fs::exists(webroot));
}

TEST(PublishWebroot, InvalidTokensAreRefusedBeforeAnyWrite) {
  TempDir tmp;
  auto publisher = make_webroot_publisher(tmp.path().string());
  const std::string good = token(1);
  for (const std::string& bad : {std::string(), good.substr(1), good + "0", good.substr(0, 63) + "A",
                                 good.substr(0, 40) + "\n" + good.substr(41), good.substr(0, 63) + "\n",
                                 "2024130100000" + good.substr(13), std::string(64, ' ')}) {
    auto status = publisher->publish(http_entry("example.com"), bad);
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_EQ(status.error().code, "publish.invalid_token") << bad;
    EXPECT_EQ(status.error().kind, ErrorKind::InvalidInput);
  }
  EXPECT_TRUE(dir_entries(tmp.path()).empty());
}

TEST(PublishWebroot, HostileNamesAreRefusedAndNothingIsWritten) {
  TempDir tmp;
  fs::create_directory(tmp.path() / "root");
  auto single = make_webroot_publisher((tmp.path() / "root").string());
  auto map = WebrootMap::parse("*.example.com\t" + (tmp.path() / "root").string() + "\n", "test-map");
  ASSERT_TRUE(map.ok());
  auto mapped = make_webroot_publisher(std::move(*map));
  for (const std::string name : {"../x", "a/b", "..", "%2e%2e", "", ".", "x/../../etc", "*.example.com",
                                 "..%2fexample.com", "a\\b.example.com", "a\nb.example.com"}) {
    for (auto* publisher : {single.get(), mapped.get()}) {
      auto status = publisher->publish(http_entry(name), token(1));
      EXPECT_FALSE(status.ok()) << name;
    }
  }
  EXPECT_EQ(dir_entries(tmp.path()), std::vector<std::string>{"root"});
  EXPECT_TRUE(dir_entries(tmp.path() / "root").empty());
}

class PublishWebrootSymlink : public ::testing::Test {
 protected:
  void SetUp() override {
    webroot_ = tmp_.path() / "webroot";
    outside_ = tmp_.path() / "outside";
    fs::create_directories(webroot_);
    fs::create_directories(outside_);
  }
  void expect_refused(bool also_unpublish = true) {
    auto publisher = make_webroot_publisher(webroot_.string());
    auto status = publisher->publish(http_entry("example.com"), token(1));
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, "publish.symlink_escape");
    if (also_unpublish) {
      auto removed = publisher->unpublish(http_entry("example.com"), token(9));
      ASSERT_FALSE(removed.ok());
      EXPECT_EQ(removed.error().code, "publish.symlink_escape");
    }
  }
  TempDir tmp_;
  fs::path webroot_;
  fs::path outside_;
};

TEST_F(PublishWebrootSymlink, WellKnownLinkIsRefused) {
  fs::create_directory_symlink(outside_, webroot_ / ".well-known");
  expect_refused();
  EXPECT_TRUE(dir_entries(outside_).empty());
}

TEST_F(PublishWebrootSymlink, PkiValidationLinkIsRefused) {
  fs::create_directories(webroot_ / ".well-known");
  fs::create_directory_symlink(outside_, webroot_ / ".well-known/pki-validation");
  expect_refused();
  EXPECT_TRUE(dir_entries(outside_).empty());
}

TEST_F(PublishWebrootSymlink, FileauthLinkIsRefusedAndTargetUntouched) {
  const std::string secret = "outside content\n" + token(9) + "\n";
  write_raw(outside_ / "target.txt", secret);
  fs::create_directories(webroot_ / ".well-known/pki-validation");
  fs::create_symlink(outside_ / "target.txt", webroot_ / ".well-known/pki-validation/fileauth.txt");
  expect_refused();
  EXPECT_EQ(read_text((outside_ / "target.txt").string()), secret);
  EXPECT_TRUE(fs::is_symlink(webroot_ / ".well-known/pki-validation/fileauth.txt"));
  EXPECT_EQ(dir_entries(outside_), std::vector<std::string>{"target.txt"});
}

TEST_F(PublishWebrootSymlink, DanglingLinkIsRefusedNotCreatedThrough) {
  fs::create_directories(webroot_ / ".well-known/pki-validation");
  fs::create_symlink(outside_ / "new.txt", webroot_ / ".well-known/pki-validation/fileauth.txt");
  expect_refused(false);
  EXPECT_TRUE(dir_entries(outside_).empty());
}

TEST(PublishWebrootMap, ExactNameBeatsPattern) {
  auto map = WebrootMap::parse("*.example.com\t/srv/wild\nwww.example.com\t/srv/www\n", "sites.map");
  ASSERT_TRUE(map.ok()) << map.error().message;
  EXPECT_EQ(map->size(), 2u);
  EXPECT_EQ(map->dir_for("www.example.com"), "/srv/www");
  EXPECT_EQ(map->dir_for("shop.example.com"), "/srv/wild");
}

TEST(PublishWebrootMap, PatternMatchesExactlyOneLabel) {
  auto map = WebrootMap::parse("*.example.com /srv/wild\n", "sites.map");
  ASSERT_TRUE(map.ok());
  EXPECT_EQ(map->dir_for("a.example.com"), "/srv/wild");
  EXPECT_EQ(map->dir_for("a.b.example.com"), std::nullopt);
  EXPECT_EQ(map->dir_for("example.com"), std::nullopt);
  EXPECT_EQ(map->dir_for("aexample.com"), std::nullopt);
  EXPECT_EQ(map->dir_for("*.example.com"), std::nullopt);
}

TEST(PublishWebrootMap, CommentsBlanksAndCanonicalNames) {
  auto map = WebrootMap::parse(
      "# sites on this host\n\n   \t\nWWW.Example.COM.\t\t/srv/www   # the shop\r\n"
      "*.Example.ORG  /srv/org#1\n",
      "sites.map");
  ASSERT_TRUE(map.ok()) << map.error().message;
  EXPECT_EQ(map->size(), 2u);
  EXPECT_EQ(map->dir_for("www.example.com"), "/srv/www");
  EXPECT_EQ(map->dir_for("a.example.org"), "/srv/org#1");
}

TEST(PublishWebrootMap, SyntaxErrorsNameTheLine) {
  struct Case {
    std::string text;
    std::string where;
  };
  for (const auto& c : std::vector<Case>{
           {"a.com /srv/a\nb.com\n", "sites.map:2:"},
           {"# c\na.com /srv/a extra\n", "sites.map:2:"},
           {"\n\nbad_name!.com /srv/a\n", "sites.map:3:"},
           {"a.com relative/dir\n", "sites.map:1:"},
           {"a.com /srv/a\n*.*.com /srv/b\n", "sites.map:2:"},
           {"a.com /srv/a\nb.com /srv/b\nA.COM. /srv/c\n", "sites.map:3:"},
       }) {
    auto map = WebrootMap::parse(c.text, "sites.map");
    ASSERT_FALSE(map.ok()) << c.text;
    EXPECT_EQ(map.error().kind, ErrorKind::InvalidInput);
    EXPECT_TRUE(map.error().code.starts_with("webroot_map.")) << map.error().code;
    EXPECT_TRUE(map.error().message.starts_with(c.where)) << map.error().message;
    EXPECT_FALSE(map.error().hint.empty());
  }
}

TEST(PublishWebrootMap, LoadReportsTheFile) {
  TempDir tmp;
  auto path = tmp.write("sites.map", "ok.com /srv/ok\nnot ok\tat all\n");
  auto map = WebrootMap::load(path);
  ASSERT_FALSE(map.ok());
  EXPECT_EQ(map.error().code, "webroot_map.syntax");
  EXPECT_TRUE(map.error().message.starts_with(path + ":2:")) << map.error().message;
  auto missing = WebrootMap::load(tmp.file("absent.map"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::Io);
}

TEST(PublishWebroot, MapRoutesEachNameToItsWebroot) {
  TempDir tmp;
  fs::create_directories(tmp.path() / "www");
  fs::create_directories(tmp.path() / "wild");
  auto map = WebrootMap::parse(
      "www.example.com\t" + (tmp.path() / "www").string() + "\n*.example.com\t" + (tmp.path() / "wild").string() + "\n",
      "sites.map");
  ASSERT_TRUE(map.ok()) << map.error().message;
  auto publisher = make_webroot_publisher(std::move(*map));
  ASSERT_TRUE(publisher->publish(http_entry("WWW.example.com"), token(1)).ok());
  ASSERT_TRUE(publisher->publish(http_entry("shop.example.com"), token(2)).ok());
  EXPECT_EQ(read_text(fileauth(tmp.path() / "www")), token(1) + "\n");
  EXPECT_EQ(read_text(fileauth(tmp.path() / "wild")), token(2) + "\n");

  auto status = publisher->publish(http_entry("example.com"), token(3));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "publish.no_webroot_for_name");
  EXPECT_NE(status.error().message.find("example.com"), std::string::npos);
}

TEST(PublishWebroot, EightThreadsLoseNoLine) {
  TempDir tmp;
  auto publisher = make_webroot_publisher(tmp.path().string());
  constexpr int kThreads = 8, kPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i)
        if (!publisher->publish(http_entry("example.com"), token(t * 1000 + i)).ok()) ++failures;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto lines = lines_of(read_text(fileauth(tmp.path())));
  std::set<std::string> unique(lines.begin(), lines.end());
  EXPECT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kPerThread));
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kPerThread; ++i) EXPECT_EQ(unique.count(token(t * 1000 + i)), 1u);
}

TEST(PublishWebroot, SeparateProcessesLoseNoLine) {
  TempDir tmp;
  constexpr int kProcesses = 4, kPerProcess = 50;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int failures = 0;
      {
        auto publisher = make_webroot_publisher(tmp.path().string());
        for (int i = 0; i < kPerProcess; ++i)
          if (!publisher->publish(http_entry("example.com"), token(p * 1000 + i)).ok()) ++failures;
      }
      ::_exit(failures == 0 ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto lines = lines_of(read_text(fileauth(tmp.path())));
  std::set<std::string> unique(lines.begin(), lines.end());
  EXPECT_EQ(lines.size(), static_cast<std::size_t>(kProcesses * kPerProcess));
  EXPECT_EQ(unique.size(), static_cast<std::size_t>(kProcesses * kPerProcess));
}

TEST(PublishWebroot, ReaderNeverSeesATornFile) {
  TempDir tmp;
  auto publisher = make_webroot_publisher(tmp.path().string());
  ASSERT_TRUE(publisher->publish(http_entry("example.com"), token(0)).ok());
  const auto path = fileauth(tmp.path());
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::vector<std::string> bad;
  std::thread reader([&] {
    while (!done.load()) {
      // The file always holds token(0), so it must always exist and hold only whole tokens.
      auto text = read_text(path);
      ++reads;
      if (text.empty() || text.back() != '\n') bad.push_back(text);
      for (const auto& line : lines_of(text))
        if (line.size() != 64 || line.find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyz") != std::string::npos)
          bad.push_back(line);
    }
  });
  int failures = 0;
  for (int i = 1; i <= 500; ++i) {
    // Alternately add and remove, so each of the 500 steps rewrites the file.
    auto status = i % 2 ? publisher->publish(http_entry("example.com"), token(i))
                        : publisher->unpublish(http_entry("example.com"), token(i - 1));
    if (!status.ok()) ++failures;
  }
  done = true;
  reader.join();
  EXPECT_EQ(failures, 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_TRUE(bad.empty()) << bad.size() << " torn reads, first: '" << bad.front() << "'";
  EXPECT_EQ(read_text(path), token(0) + "\n");
  EXPECT_EQ(dir_entries(tmp.path() / ".well-known/pki-validation"), std::vector<std::string>{"fileauth.txt"});
}

}  // namespace
}  // namespace dcvkit
